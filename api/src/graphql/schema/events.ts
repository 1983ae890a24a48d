import { encodeGlobalID } from '@pothos/plugin-relay';
import type { PhonemeTiming } from '../../domain/audio';
import type {
  BlendshapeFrame,
  GesturePayload,
  SessionEvent,
  SessionEventType,
  TranscriptAlternative,
  VisemeCue,
} from '../../domain/session-events';
import { builder } from '../builder';
import type { GraphQLContext } from '../context';
import { SessionRef } from './session';

type EventOf<T extends SessionEventType> = Extract<SessionEvent, { type: T }>;

const TranscriptAlternativeRef = builder.objectRef<TranscriptAlternative>('TranscriptAlternative').implement({
  fields: (t) => ({ text: t.exposeString('text'), confidence: t.exposeFloat('confidence') }),
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

const is = (name: SessionEventType) => (value: unknown) => (value as SessionEvent).type === name;

const members = [
  builder.objectRef<EventOf<'TranscriptPartial'>>('TranscriptPartial').implement({
    description: 'Words recognised so far in the current utterance.',
    interfaces: [SessionEventFields],
    isTypeOf: is('TranscriptPartial'),
    fields: (t) => ({ utteranceId: t.exposeString('utteranceId'), text: t.exposeString('text') }),
  }),
  builder.objectRef<EventOf<'TranscriptFinal'>>('TranscriptFinal').implement({
    description: 'The final transcript of a user utterance (or the typed text).',
    interfaces: [SessionEventFields],
    isTypeOf: is('TranscriptFinal'),
    fields: (t) => ({
      utteranceId: t.exposeString('utteranceId'),
      text: t.exposeString('text'),
      confidence: t.exposeFloat('confidence'),
      alternatives: t.field({ type: [TranscriptAlternativeRef], resolve: (e) => e.alternatives }),
    }),
  }),
  builder.objectRef<EventOf<'ResponseStarted'>>('ResponseStarted').implement({
    description: 'The avatar started answering.',
    interfaces: [SessionEventFields],
    isTypeOf: is('ResponseStarted'),
    fields: (t) => ({
      responseId: t.exposeString('responseId'),
      utteranceId: t.exposeString('utteranceId', { nullable: true }),
    }),
  }),
  builder.objectRef<EventOf<'ResponseTextDelta'>>('ResponseTextDelta').implement({
    description: 'More of the answer text, as the model writes it.',
    interfaces: [SessionEventFields],
    isTypeOf: is('ResponseTextDelta'),
    fields: (t) => ({ responseId: t.exposeString('responseId'), delta: t.exposeString('delta') }),
  }),
  builder.objectRef<EventOf<'SpeechChunk'>>('SpeechChunk').implement({
    description: 'A piece of the spoken answer with its timing for lip-sync.',
    interfaces: [SessionEventFields],
    isTypeOf: is('SpeechChunk'),
    fields: (t) => ({
      responseId: t.exposeString('responseId'),
      chunkSeq: t.int({ resolve: (e) => e.chunkSeq, description: 'Chunk number within the response.' }),
      audio: t.exposeString('audio', { description: 'Base64 PCM16 little-endian mono.' }),
      sampleRate: t.exposeInt('sampleRate'),
      encoding: t.exposeString('encoding'),
      startMs: t.exposeFloat('startMs'),
      durationMs: t.exposeFloat('durationMs'),
      text: t.exposeString('text'),
      phonemes: t.field({ type: [PhonemeRef], resolve: (e) => e.phonemes }),
      visemes: t.field({ type: [VisemeRef], resolve: (e) => e.visemes }),
      gestures: t.field({ type: [GestureRef], resolve: (e) => e.gestures }),
    }),
  }),
  builder.objectRef<EventOf<'BlendshapeFrames'>>('BlendshapeFrames').implement({
    description: '30 fps ARKit-52 frames, each tied to its slice of a speech chunk.',
    interfaces: [SessionEventFields],
    isTypeOf: is('BlendshapeFrames'),
    fields: (t) => ({
      responseId: t.exposeString('responseId'),
      chunkSeq: t.exposeInt('chunkSeq'),
      fps: t.exposeInt('fps'),
      sampleRate: t.exposeInt('sampleRate'),
      frames: t.field({ type: [BlendshapeFrameRef], resolve: (e) => e.frames }),
    }),
  }),
  builder.objectRef<EventOf<'GestureEvent'>>('GestureEvent').implement({
    description: "A timed gesture or expression from the answer's gesture plan.",
    interfaces: [SessionEventFields, GestureTiming],
    isTypeOf: is('GestureEvent'),
  }),
  builder.objectRef<EventOf<'ResponseDone'>>('ResponseDone').implement({
    description: 'The answer is complete.',
    interfaces: [SessionEventFields],
    isTypeOf: is('ResponseDone'),
    fields: (t) => ({
      responseId: t.exposeString('responseId'),
      text: t.exposeString('text'),
      emotion: t.exposeString('emotion'),
      actions: t.exposeStringList('actions'),
      moderated: t.exposeBoolean('moderated', {
        description: 'True when moderation replaced part of the answer.',
      }),
    }),
  }),
  builder.objectRef<EventOf<'Interrupted'>>('Interrupted').implement({
    description: 'The user talked over the avatar; it stopped after `heardText`.',
    interfaces: [SessionEventFields],
    isTypeOf: is('Interrupted'),
    fields: (t) => ({
      responseId: t.exposeString('responseId'),
      heardText: t.exposeString('heardText'),
      playedMs: t.exposeFloat('playedMs'),
    }),
  }),
  builder.objectRef<EventOf<'SessionError'>>('SessionError').implement({
    description: 'A problem in the session the client should know about.',
    interfaces: [SessionEventFields],
    isTypeOf: is('SessionError'),
    fields: (t) => ({
      code: t.exposeString('code'),
      message: t.exposeString('message'),
      retryable: t.exposeBoolean('retryable'),
    }),
  }),
  builder.objectRef<EventOf<'SessionEnded'>>('SessionEnded').implement({
    description: 'The session ended; the subscription completes after this.',
    interfaces: [SessionEventFields],
    isTypeOf: is('SessionEnded'),
    fields: (t) => ({ reason: t.exposeString('reason') }),
  }),
];

const SessionEventUnion = builder.unionType('SessionEvent', {
  types: members,
  resolveType: (event) => event.type,
});

/** Stored log rows back into the events subscribers received. */
function fromLog(sessionId: string, row: { seq: number; type: string; payload: unknown; createdAt: Date }) {
  return {
    ...(row.payload as object),
    type: row.type,
    seq: row.seq,
    sessionId,
    at: row.createdAt.toISOString(),
  } as SessionEvent;
}

/**
 * Live events of a session; with `afterSeq` the stored events after it are replayed first, so a client that
 * reconnects misses nothing. Completes after SessionEnded.
 */
async function* sessionEventStream(ctx: GraphQLContext, sessionId: string, afterSeq: number | null) {
  const live = ctx.services.bus.subscribe('sessionEvents', sessionId)[Symbol.asyncIterator]();
  let last = afterSeq ?? Number.POSITIVE_INFINITY;
  try {
    if (afterSeq !== null) {
      // Events this node emitted may still be on their way into the log.
      await ctx.services.events.flush(sessionId);
      const rows = await ctx.services.db.prisma.sessionEvent.findMany({
        where: { sessionId, seq: { gt: afterSeq } },
        orderBy: { seq: 'asc' },
      });
      last = afterSeq;
      for (const row of rows) {
        const event = fromLog(sessionId, row);
        last = event.seq;
        yield event;
        if (event.type === 'SessionEnded') return;
      }
    }
    while (true) {
      const next = await live.next();
      if (next.done) return;
      if (Number.isFinite(last) && next.value.seq <= last) continue;
      yield next.value;
      if (next.value.type === 'SessionEnded') return;
    }
  } finally {
    await live.return?.();
  }
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
