import type { TurnRecord, TurnStore } from '../realtime/ports';
import type { Database } from './database';

/** Stored turns of conversations: what the user said and what the avatar said (as heard). */
export class TurnRepository implements TurnStore {
  constructor(private readonly db: Database) {}

  async save(sessionId: string, turn: TurnRecord): Promise<{ id: string }> {
    return this.db.prisma.turn.create({
      data: { ...turn, sessionId, endedAt: new Date() },
      select: { id: true },
    });
  }

  async truncate(turnId: string, heardText: string): Promise<void> {
    await this.db.prisma.turn.update({ where: { id: turnId }, data: { text: heardText, interrupted: true } });
  }

  /** The session's last assistant turn keeps only what was heard (an owner died while it played). */
  async truncateLastAssistant(sessionId: string, heardText: string): Promise<void> {
    const last = await this.db.prisma.turn.findFirst({
      where: { sessionId, role: 'ASSISTANT' },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    if (last) await this.truncate(last.id, heardText);
  }
}
