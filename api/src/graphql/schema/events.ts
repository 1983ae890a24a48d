import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PhonemeTiming } from '../../domain/audio';
import type {
  BlendshapeFrame,
  GesturePayload,
  SessionEvent,
  SessionEventType,
  TranscriptAlternative,
  TranscriptWord,
  VisemeCue,
} from '../../domain/session-events';
import { RECONNECTED, reconnectSignal } from '../../services/event-bus';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { SessionRef } from './session';

const TranscriptAlternativeRef = builder.objectRef<TranscriptAlternative>('TranscriptAlternative').implement({
  fields: (t) => ({ text: t.exposeString('text'), confidence: t.exposeFloat('confidence') }),
});

const TranscriptWordRef = builder.objectRef<TranscriptWord>('TranscriptWord').implement({
  description: "A recognised word, timed from the start of the utterance's audio.",
  fields: (t) => ({
    word: t.exposeString('word'),
    startMs: t.exposeFloat('startMs'),
    endMs: t.exposeFloat('endMs'),
    confidence: t.exposeFloat('confidence', {
      description: "The recognizer's probability for the word, 0–1.",
    }),
  }),
});

const PhonemeRef = builder.objectRef<PhonemeTiming>('PhonemeTiming').implement({
  fields: (t) => ({
    phoneme: t.exposeString('phoneme'),
    startMs: t.exposeFloat('startMs'),
    endMs: t.exposeFloat('endMs'),
  }),
});

const VisemeRef = builder.objectRef<VisemeCue>('VisemeCue').implement({
  fields: (t) => ({
    viseme: t.exposeString('viseme', { description: "Viseme name in the session's rig profile." }),
    startMs: t.exposeFloat('startMs'),
    endMs: t.exposeFloat('endMs'),
    weight: t.exposeFloat('weight'),
  }),
});

const GestureTiming = builder.interfaceRef<GesturePayload>('GestureTiming').implement({
  description: 'A gesture placed on the speech timeline.',
  fields: (t) => ({
    responseId: t.exposeString('responseId'),
    gesture: t.exposeString('gesture'),
    startMs: t.exposeFloat('startMs', { description: "From the start of the response's audio." }),
    durationMs: t.exposeFloat('durationMs'),
    intensity: t.exposeFloat('intensity'),
    wordIndex: t.exposeInt('wordIndex', { nullable: true }),
  }),
});

const GestureRef = builder.objectRef<GesturePayload>('Gesture').implement({
  interfaces: [GestureTiming],
  isTypeOf: (value) => (value as { type?: string }).type !== 'GestureEvent',
});

const BlendshapeFrameRef = builder.objectRef<BlendshapeFrame>('BlendshapeFrame').implement({
  fields: (t) => ({
    index: t.exposeInt('index'),
    sampleStart: t.exposeInt('sampleStart', {
      description: 'First audio sample (inclusive) this frame animates.',
    }),
    sampleEnd: t.exposeInt('sampleEnd', { description: 'Last audio sample (exclusive).' }),
    weights: t.exposeFloatList('weights', {
      description: '52 ARKit blendshape weights in ARKit order, 0..1.',
    }),
  }),
});

/** Fields every session event has; each union member implements it. */
const SessionEventFields = builder.interfaceRef<SessionEvent>('SessionEventFields').implement({
  fields: (t) => ({
    sessionId: t.id({ resolve: (e) => encodeGlobalID('Session', e.sessionId) }),
    seq: t.exposeInt('seq', { description: 'Monotonic per session: order and de-duplicate by it.' }),
    at: t.exposeString('at', { description: 'When the server emitted the event (ISO-8601).' }),
  }),
});

type Scalar = 'String' | 'Int' | 'Float' | 'Boolean';
/** The object types events carry lists of. */
type Item =
  | typeof TranscriptAlternativeRef
  | typeof TranscriptWordRef
  | typeof PhonemeRef
  | typeof VisemeRef
  | typeof GestureRef
  | typeof BlendshapeFrameRef;
/** A field of an event type: its GraphQL type (a list in brackets), nullability and description. */
type Field =
  | Scalar
  | {
      type: Scalar | [Scalar] | [Item];
      nullable?: boolean;
      description?: string;
      /** The payload holds a row id: clients get that type's global ID. */
      globalIdOf?: string;
    };

/** Every session event type: the union's members, each with the fields of its payload. */
const EVENT_TYPES: Record<SessionEventType, { description: string; fields: Record<string, Field> }> = {
  TranscriptPartial: {
    description: 'Words recognised so far in the current utterance.',
    fields: { utteranceId: 'String', text: 'String' },
  },
  TranscriptFinal: {
    description: 'The final transcript of a user utterance (or the typed text).',
    fields: {
      utteranceId: 'String',
      text: 'String',
      confidence: 'Float',
      alternatives: { type: [TranscriptAlternativeRef] },
      words: {
        type: [TranscriptWordRef],
        description:
          'Word timings with confidences; empty when the recognizer gives none, or the text was typed.',
      },
    },
  },
  ResponseStarted: {
    description: 'The avatar started answering.',
    fields: { responseId: 'String', utteranceId: { type: 'String', nullable: true } },
  },
  ResponseTextDelta: {
    description: 'More of the answer text, as the model writes it.',
    fields: { responseId: 'String', delta: 'String' },
  },
  SpeechChunk: {
    description: 'A piece of the spoken answer with its timing for lip-sync.',
    fields: {
      responseId: 'String',
      chunkSeq: { type: 'Int', description: 'Chunk number within the response.' },
      audio: { type: 'String', description: 'Base64 PCM16 little-endian mono.' },
      sampleRate: 'Int',
      encoding: 'String',
      startMs: 'Float',
      durationMs: 'Float',
      text: 'String',
      phonemes: { type: [PhonemeRef] },
      visemes: { type: [VisemeRef] },
      gestures: { type: [GestureRef] },
    },
  },
  BlendshapeFrames: {
    description: '30 fps ARKit-52 frames, each tied to its slice of a speech chunk.',
    fields: {
      responseId: 'String',
      chunkSeq: 'Int',
      fps: 'Int',
      sampleRate: 'Int',
      frames: { type: [BlendshapeFrameRef] },
    },
  },
  // Its fields come from the GestureTiming interface.
  GestureEvent: { description: "A timed gesture or expression from the answer's gesture plan.", fields: {} },
  ResponseDone: {
    description: 'The answer is complete.',
    fields: {
      responseId: 'String',
      text: 'String',
      emotion: 'String',
      actions: { type: ['String'] },
      moderated: { type: 'Boolean', description: 'True when moderation replaced part of the answer.' },
    },
  },
  Interrupted: {
    description: 'The user talked over the avatar; it stopped after `heardText`.',
    fields: { responseId: 'String', heardText: 'String', playedMs: 'Float' },
  },
  SessionError: {
    description: 'A problem in the session the client should know about.',
    fields: { code: 'String', message: 'String', retryable: 'Boolean' },
  },
  ToolCall: {
    description:
      'A tool the model called, run by the server: STARTED, then DONE or FAILED with the same callId.',
    fields: {
      responseId: 'String',
      callId: 'String',
      name: 'String',
      status: { type: 'String', description: 'STARTED, DONE or FAILED.' },
      arguments: { type: 'String', description: 'The arguments as the model wrote them (JSON).' },
      result: { type: 'String', nullable: true, description: "DONE: the tool's answer (JSON)." },
      errorCode: {
        type: 'String',
        nullable: true,
        description:
          'FAILED: UNKNOWN_TOOL, INVALID_ARGUMENTS, TIMEOUT, INVALID_RESPONSE, HTTP_ERROR or UNREACHABLE.',
      },
      errorMessage: { type: 'String', nullable: true },
    },
  },
  AvatarAction: {
    description: "An action the answer asks the application to take (the answer's `actions`).",
    fields: { responseId: 'String', action: 'String' },
  },
  ConversationModeChanged: {
    description:
      'The session answers in another mode from now on: CASCADE when its speech-to-speech agent failed (tried again later), AGENT when it is back.',
    fields: { mode: 'String', provider: { type: 'String', nullable: true }, reason: 'String' },
  },
  PersonaChanged: {
    description: "setPersona took effect: answers from now on are the new persona's.",
    fields: { personaId: { type: 'String', globalIdOf: 'Persona' }, name: 'String' },
  },
  SessionEnded: {
    description: 'The session ended; the subscription completes after this.',
    fields: {
      reason: {
        type: 'String',
        description:
          "Why: 'ended by client', or the platform's 'idle', 'max duration' or 'client disconnected' (see the README's session settings).",
      },
    },
  },
};

const members = Object.entries(EVENT_TYPES).map(([name, spec]) =>
  builder.objectRef<SessionEvent>(name).implement({
    description: spec.description,
    interfaces: name === 'GestureEvent' ? [SessionEventFields, GestureTiming] : [SessionEventFields],
    isTypeOf: (value) => (value as SessionEvent).type === name,
    fields: (t) =>
      Object.fromEntries(
        Object.entries(spec.fields).map(([field, shape]) => {
          const { type, nullable, description, globalIdOf } =
            typeof shape === 'string' ? { type: shape, globalIdOf: undefined } : shape;
          if (globalIdOf) {
            return [
              field,
              t.id({
                resolve: (e) =>
                  encodeGlobalID(globalIdOf, String((e as unknown as Record<string, unknown>)[field])),
              }),
            ];
          }
          // The table is typed by hand above; Pothos cannot check field names chosen at run time.
          return [field, t.expose(field as never, { type, nullable, description } as never)];
        }),
      ),
  }),
);

const SessionEventUnion = builder.unionType('SessionEvent', {
  types: members,
  resolveType: (event) => event.type,
});

/** How long a subscriber waits for another node's events to reach the log (attempts × wait). */
const GAP_FILL_ATTEMPTS = 20;
const GAP_FILL_WAIT_MS = 50;

/**
 * Live events of a session; with `afterSeq` the stored events after it are replayed first, so a client that
 * reconnects misses nothing. The live subscription is listening before the log is read, and events are passed
 * on once each, in seq order. Completes after SessionEnded; a reader that falls too far behind is cut off
 * (`SLOW_CONSUMER`) and resumes with `afterSeq`.
 */
function sessionEventStream(ctx: GraphQLContext, sessionId: string, afterSeq: number | null) {
  const live = ctx.services.bus.subscribe(
    'sessionEvents',
    sessionId,
    ctx.services.config.limits.subscriber,
    ctx.subscriberBudget,
  );
  // A subscriber is a client of the session: while one follows it, the session is not abandoned.
  const release = ctx.services.conversations.connect(sessionId);
  const reconnects = reconnectSignal(ctx.services.bus);
  async function* events() {
    try {
      await live.ready;
      // The last seq passed on; null until the first, for a subscriber that asked for no replay.
      let last: number | null = afterSeq;
      if (afterSeq !== null) {
        for (const event of await ctx.services.events.replay(sessionId, afterSeq)) {
          last = event.seq;
          yield event;
          if (event.type === 'SessionEnded') return;
        }
      }
      let next = live.next();
      for (;;) {
        const woke = await Promise.race([next, reconnects.next()]);
        if (woke === RECONNECTED) {
          reconnects.take();
          // Published while the bus was away: in the log, never delivered live.
          if (last === null) continue;
          for (const earlier of await ctx.services.events.replay(sessionId, last)) {
            last = earlier.seq;
            yield earlier;
            if (earlier.type === 'SessionEnded') return;
          }
          continue;
        }
        if (woke.done) return;
        next = live.next();
        const event = woke.value;
        if (last !== null && event.seq <= last) continue;
        ctx.services.tracing?.delivered(event);
        // An event another node emitted while the log was read can be in neither: fetch what is missing.
        const missed = last !== null && event.seq > last + 1 ? await missing(last, event.seq) : [];
        for (const earlier of [...missed, event]) {
          last = earlier.seq;
          yield earlier;
          if (earlier.type === 'SessionEnded') return;
        }
      }
    } finally {
      reconnects.stop();
      release();
      await live.return();
    }
  }
  /** The stored events between `after` and `before`, waiting briefly for another node's write to land. */
  async function missing(after: number, before: number) {
    for (let attempt = 0; ; attempt++) {
      const stored = (await ctx.services.events.replay(sessionId, after)).filter((e) => e.seq < before);
      if (stored.length >= before - after - 1 || attempt === GAP_FILL_ATTEMPTS) return stored;
      await new Promise((resolve) => setTimeout(resolve, GAP_FILL_WAIT_MS));
    }
  }
  const stream = events();
  return {
    next: () => stream.next(),
    // An async generator waiting for the next event would only see its return() after that event: stopping
    // the live subscription first wakes it, so an unsubscribing client is let go at once.
    return: async () => {
      await live.return();
      return stream.return(undefined);
    },
    throw: (err: unknown) => stream.throw(err),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

builder.subscriptionField('sessionEvents', (t) =>
  t.field({
    type: SessionEventUnion,
    description: 'Everything the session emits, in order. Accepts a session token or an API token.',
    args: {
      sessionId: t.arg.globalID({ required: true, for: SessionRef }),
      afterSeq: t.arg.int({ required: false, description: 'Replay stored events after this seq first.' }),
    },
    subscribe: async (_root, args, ctx) => {
      const session = await ctx.services.sessions.get(ctx.viewer, args.sessionId.id, 'read');
      return sessionEventStream(ctx, session.id, args.afterSeq ?? null);
    },
    resolve: (event) => event,
  }),
);
