import type { EventSink, Moderator, TurnStore } from '../realtime/ports';
import type { PlatformMetrics } from './metrics';

/**
 * The pipeline's ports with metrics taken on the way through, so realtime/ stays free of any metrics library:
 * events (turns, interruptions, session errors), stored turns (stage timings), moderation verdicts.
 */
export function observedPorts(
  metrics: PlatformMetrics,
  ports: { events: EventSink; turns: TurnStore; moderator: Moderator },
): { events: EventSink; turns: TurnStore; moderator: Moderator } {
  const { events, turns, moderator } = ports;
  return {
    events: {
      emit: (sessionId, payload, writer) => {
        metrics.event(payload);
        events.emit(sessionId, payload, writer);
      },
    },
    turns: {
      save: async (sessionId, turn, fence) => {
        const saved = await turns.save(sessionId, turn, fence);
        if (turn.role === 'ASSISTANT') metrics.turnTimings(turn.timings);
        if (turn.contractKept !== undefined) metrics.answerContract(turn.contractKept);
        return saved;
      },
      truncate: (turnId, heardText, fence) => turns.truncate(turnId, heardText, fence),
    },
    moderator: {
      moderate: async (input) => {
        const verdict = await moderator.moderate(input);
        if (!verdict.allowed) metrics.moderated('blocked');
        else if (verdict.flagId) metrics.moderated('flagged');
        return verdict;
      },
      attachTurn: (flagIds, turnId) => moderator.attachTurn(flagIds, turnId),
    },
  };
}
