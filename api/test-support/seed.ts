import { randomUUID } from 'node:crypto';
import type { Database } from '../src/db/database';

/** Test data for memory, moderation, privacy and workflow tests: a user, a persona and a session with turns. */
export async function seedConversation(
  db: Database,
  turns: { role: 'USER' | 'ASSISTANT'; text: string }[] = [],
  opts: { username?: string; personaName?: string; userId?: string; personaId?: string } = {},
): Promise<{ userId: string; personaId: string; sessionId: string; turnIds: string[] }> {
  const suffix = randomUUID().slice(0, 8);
  const userId =
    opts.userId ??
    (await db.prisma.user.create({ data: { username: opts.username ?? `user-${suffix}` } })).id;
  const personaId =
    opts.personaId ??
    (
      await db.prisma.persona.create({
        data: {
          name: opts.personaName ?? `persona-${suffix}`,
          systemPrompt: 'You are friendly.',
          safeFallback: 'Let us talk about something else.',
        },
      })
    ).id;
  const session = await db.prisma.session.create({
    data: {
      userId,
      personaId,
      traceId: randomUUID(),
      status: 'ENDED',
      startedAt: new Date(),
      endedAt: new Date(),
    },
  });
  const turnIds: string[] = [];
  const start = Date.now() - turns.length * 1_000;
  for (const [i, turn] of turns.entries()) {
    const created = await db.prisma.turn.create({
      data: {
        sessionId: session.id,
        role: turn.role,
        text: turn.text,
        createdAt: new Date(start + i * 1_000),
      },
    });
    turnIds.push(created.id);
  }
  return { userId, personaId, sessionId: session.id, turnIds };
}
