import { StaleWriterError } from '../errors';
import type { TurnRecord, TurnStore } from '../realtime/ports';
import type { Database } from './database';

type Transaction = Parameters<Parameters<Database['prisma']['$transaction']>[0]>[0];

/**
 * Stored turns of conversations: what the user said and what the avatar said (as heard). With several nodes,
 * writes carry the owner's fencing token and are refused (StaleWriterError) once a newer owner raised the
 * session's fence: a node that lost a session cannot store turns into it.
 */
export class TurnRepository implements TurnStore {
  constructor(private readonly db: Database) {}

  async save(sessionId: string, turn: TurnRecord, fence?: number): Promise<{ id: string }> {
    return this.fenced(sessionId, fence, (tx) =>
      tx.turn.create({ data: { ...turn, sessionId, endedAt: new Date() }, select: { id: true } }),
    );
  }

  async truncate(turnId: string, heardText: string, fence?: number): Promise<void> {
    const data = { text: heardText, interrupted: true };
    if (fence === undefined) {
      await this.db.prisma.turn.update({ where: { id: turnId }, data });
      return;
    }
    const { sessionId } = await this.db.prisma.turn.findUniqueOrThrow({
      where: { id: turnId },
      select: { sessionId: true },
    });
    await this.fenced(sessionId, fence, (tx) => tx.turn.update({ where: { id: turnId }, data }));
  }

  /**
   * An answer its owner died giving keeps only what was heard: its stored turn is cut there, or, when the owner
   * died before storing it, the heard part is stored. 'stored' tells the caller the history lacks it too (the
   * runtime appends the history before it stores the turn).
   */
  async settleDanglingAnswer(
    sessionId: string,
    answer: { utteranceId: string | null; heardText: string },
    fence?: number,
  ): Promise<'truncated' | 'stored'> {
    const { utteranceId, heardText } = answer;
    const stored = await this.db.prisma.turn.findFirst({
      where: { sessionId, role: 'ASSISTANT', utteranceId },
      orderBy: { createdAt: 'desc' },
      select: { id: true },
    });
    if (stored) {
      await this.truncate(stored.id, heardText, fence);
      return 'truncated';
    }
    await this.save(
      sessionId,
      { role: 'ASSISTANT', text: heardText, utteranceId, interrupted: true, emotion: null, timings: {} },
      fence,
    );
    return 'stored';
  }

  /** From now on the session's turns take writes with this fence or a newer one only. */
  async raiseFence(sessionId: string, fence: number): Promise<void> {
    await this.db.prisma.$executeRaw`
      UPDATE "Session" SET "ownerFence" = GREATEST("ownerFence", ${fence}) WHERE id = ${sessionId}`;
  }

  /**
   * Runs `write` unless the session's fence is newer than `fence`. The session row is read FOR SHARE, so a new
   * owner's raiseFence waits for a write already checked, and every later write sees the raised fence.
   */
  private async fenced<T>(
    sessionId: string,
    fence: number | undefined,
    write: (tx: Transaction) => Promise<T>,
  ) {
    if (fence === undefined) return write(this.db.prisma as unknown as Transaction);
    return this.db.prisma.$transaction(async (tx) => {
      const [row] = await tx.$queryRaw<{ ownerFence: number }[]>`
        SELECT "ownerFence" FROM "Session" WHERE id = ${sessionId} FOR SHARE`;
      if (row && row.ownerFence > fence) throw new StaleWriterError(sessionId);
      return write(tx);
    });
  }
}
