/**
 * Example client: speaks a question to an avatar over the audio socket and prints the session's event timeline.
 *
 *   npx tsx api/examples/voice-client.ts "What is your name?"            # against npm start on :4000
 *   npx tsx api/examples/voice-client.ts --barge-in "Tell me a story"   # talks over the answer
 *
 * Options: --url (http://127.0.0.1:4000), --user/--password (admin/admin), --persona <name>.
 * The question is spoken by espeak-ng, so this needs the Debian espeak-ng package (npm start installs it).
 */
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { PcmAudio } from '../src/domain/audio';
import type { SessionEventsSubscription as SessionEventsResult } from '../test-support/gql/graphql';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  PersonasQuery,
  SessionEventsSubscription,
  SessionQuery,
} from '../test-support/operations';
import { synthesizeSpeech } from '../test-support/speech';

type SessionEvent = SessionEventsResult['sessionEvents'];

export interface TimelineEntry {
  /** Milliseconds since the question's speech ended (its trailing silence may still have been streaming). */
  atMs: number;
  event: SessionEvent;
}

export interface VoiceClientResult {
  sessionId: string;
  timeline: TimelineEntry[];
  /** The stored turns after the session ended: what the avatar remembers having said. */
  turns: { role: string; text: string; interrupted: boolean; contractKept: boolean | null }[];
}

export interface VoiceClientOptions {
  url: string;
  username: string;
  password: string;
  question: string;
  persona?: string;
  /** Speak this over the answer as soon as the first speech chunk arrives. */
  bargeIn?: string;
  timeoutMs?: number;
  /** A W3C traceparent for audio.start: the server's trace of the turn continues it. */
  traceparent?: string;
  /** The espeak-ng voice that asks the question (default en-us). */
  voice?: string;
  /** The microphone's rate (default 16 kHz; browsers capture at 48 kHz). */
  sampleRate?: number;
  /** The question already spoken (e.g. by another voice); `voice` and `sampleRate` are then unused. */
  speech?: PcmAudio;
}

const FRAME_MS = 20;

async function graphql<R, V>(
  url: string,
  token: string,
  doc: import('@graphql-typed-document-node/core').TypedDocumentNode<R, V>,
  variables: V,
): Promise<R> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  const body = (await res.json()) as {
    data?: R;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  if (body.errors?.length)
    throw new Error(body.errors.map((e) => `${e.extensions?.code}: ${e.message}`).join('; '));
  return body.data as R;
}

async function signIn(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

async function pickPersona(url: string, token: string, name?: string): Promise<string> {
  const found = await graphql(url, token, PersonasQuery, { first: 50, search: name });
  const match = found.personas.edges.find((e) => !name || e.node.name === name);
  if (match) return match.node.id;
  const created = await graphql(url, token, CreatePersonaMutation, {
    input: { name: name ?? 'Demo guide', systemPrompt: 'You are a friendly guide. Answer briefly.' },
  });
  return created.createPersona.id;
}

/** Streams PCM16 in real time, 20 ms per frame, the way a microphone would. */
async function stream(
  socket: WebSocket,
  audio: PcmAudio,
  utteranceId: string,
  traceparent?: string,
): Promise<void> {
  socket.send(
    JSON.stringify({
      type: 'audio.start',
      utteranceId,
      sampleRate: audio.sampleRate,
      encoding: 'pcm16',
      traceparent,
    }),
  );
  const frame = (audio.sampleRate * FRAME_MS) / 1000;
  await sendInRealTime(
    socket,
    (function* () {
      for (let i = 0; i < audio.samples.length; i += frame) yield audio.samples.slice(i, i + frame);
    })(),
  );
}

/** Like an open microphone after the question: silence in real time, 20 ms per frame, while `open()` holds. */
async function keepListening(socket: WebSocket, sampleRate: number, open: () => boolean): Promise<void> {
  const frame = new Int16Array((sampleRate * FRAME_MS) / 1000);
  await sendInRealTime(
    socket,
    (function* () {
      while (open() && socket.readyState === WebSocket.OPEN) yield frame;
    })(),
  );
}

/** Sends one 20 ms frame every 20 ms, on a schedule that does not drift with the time each send takes. */
async function sendInRealTime(socket: WebSocket, frames: Iterable<Int16Array>): Promise<void> {
  const started = performance.now();
  let n = 0;
  for (const chunk of frames) {
    socket.send(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const due = started + ++n * FRAME_MS;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - performance.now())));
  }
}

const withSilence = (speech: PcmAudio, ms: number): PcmAudio => {
  const pad = new Int16Array(Math.round((ms * speech.sampleRate) / 1000));
  const samples = new Int16Array(speech.samples.length + pad.length * 2);
  samples.set(pad, 0);
  samples.set(speech.samples, pad.length);
  return { samples, sampleRate: speech.sampleRate };
};

export async function runVoiceClient(opts: VoiceClientOptions): Promise<VoiceClientResult> {
  const token = await signIn(opts.url, opts.username, opts.password);
  const personaId = await pickPersona(opts.url, token, opts.persona);
  const { createSession } = await graphql(opts.url, token, CreateSessionMutation, { input: { personaId } });
  const sessionId = createSession.session.id;

  /** When each event arrived (performance.now()); made relative to the end of speech once that is known. */
  const arrivals: { at: number; event: SessionEvent }[] = [];
  const ws = createClient({
    url: createSession.graphqlUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${createSession.sessionToken}` },
    retryAttempts: 0,
  });
  const audioSocket = new WebSocket(
    `${createSession.audioUrl}?token=${encodeURIComponent(createSession.sessionToken)}`,
  );
  await new Promise((resolve, reject) => {
    audioSocket.once('open', resolve);
    audioSocket.once('error', reject);
  });

  let bargedIn = false;
  // The microphone stays open after the question, as a real one does, until the answer is done or talked over.
  let listening = true;
  const finished = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      const received = [...new Set(arrivals.map((a) => a.event.__typename))].join(', ') || 'nothing';
      reject(new Error(`no ResponseDone/Interrupted in time; received ${received}`));
    }, opts.timeoutMs ?? 60_000);
    const unsubscribe = ws.subscribe<SessionEventsResult>(
      { query: print(SessionEventsSubscription), variables: { sessionId, afterSeq: 0 } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return reject(new Error(errors.map((e) => e.message).join('; ')));
          const event = data?.sessionEvents;
          if (!event) return;
          arrivals.push({ at: performance.now(), event });
          if (event.__typename === 'SpeechChunk' && opts.bargeIn && !bargedIn) {
            bargedIn = true;
            listening = false;
            synthesizeSpeech(opts.bargeIn)
              .then((speech) => stream(audioSocket, withSilence(speech, 200), 'barge-in'))
              .catch(reject);
          }
          // An utterance transcribed to no words is not answered.
          const unheard = event.__typename === 'TranscriptFinal' && !event.text.trim();
          const done = unheard || event.__typename === 'ResponseDone' || event.__typename === 'Interrupted';
          if (done && (!opts.bargeIn || event.__typename === 'Interrupted')) {
            clearTimeout(timer);
            unsubscribe();
            resolve();
          }
        },
        error: (err) => reject(err instanceof Error ? err : new Error(String(err))),
        complete: () => undefined,
      },
    );
  });

  // Half a second of silence before and after the question, like a person pausing.
  const spoken = opts.speech ?? (await synthesizeSpeech(opts.question, opts.sampleRate, opts.voice));
  const question = withSilence(spoken, 500);
  await stream(audioSocket, question, 'question', opts.traceparent);
  const speechEndedAt = performance.now() - 500;
  const openMicrophone = keepListening(audioSocket, question.sampleRate, () => listening);
  try {
    await finished;
  } finally {
    listening = false;
    await openMicrophone;
  }

  audioSocket.close();
  await graphql(opts.url, token, EndSessionMutation, { id: sessionId });
  await ws.dispose();
  const { session } = await graphql(opts.url, token, SessionQuery, { id: sessionId });
  const turns = session.turns.edges.map((e) => ({
    role: e.node.role,
    text: e.node.text,
    interrupted: e.node.interrupted,
    contractKept: e.node.contractKept ?? null,
  }));
  const timeline = arrivals.map(({ at, event }) => ({ atMs: Math.round(at - speechEndedAt), event }));
  return { sessionId, timeline, turns };
}

function describe(event: SessionEvent): string {
  switch (event.__typename) {
    case 'TranscriptFinal':
    case 'TranscriptPartial':
      return `"${event.text}"`;
    case 'ResponseTextDelta':
      return JSON.stringify(event.delta);
    case 'SpeechChunk':
      return `#${event.chunkSeq} ${Math.round(event.durationMs)} ms audio, ${event.phonemes.length} phonemes, ${event.visemes.length} visemes`;
    case 'BlendshapeFrames':
      return `${event.frames.length} frames @ ${event.fps} fps`;
    case 'GestureEvent':
      return `${event.gesture} at ${Math.round(event.startMs)} ms`;
    case 'ResponseDone':
      return `"${event.text}" (${event.emotion})`;
    case 'Interrupted':
      return `heard: "${event.heardText}" after ${Math.round(event.playedMs)} ms`;
    case 'SessionError':
      return `${event.code}: ${event.message}`;
    default:
      return '';
  }
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:4000' },
      user: { type: 'string', default: 'admin' },
      password: { type: 'string', default: 'admin' },
      persona: { type: 'string' },
      'barge-in': { type: 'boolean', default: false },
    },
  });
  const question = positionals.join(' ') || 'Hello, what is your name?';
  const result = await runVoiceClient({
    url: values.url,
    username: values.user,
    password: values.password,
    persona: values.persona,
    question,
    bargeIn: values['barge-in'] ? 'Wait, stop, stop.' : undefined,
  });
  console.log(`session ${result.sessionId}\n`);
  for (const { atMs, event } of result.timeline) {
    console.log(`${String(atMs).padStart(6)} ms  ${event.__typename.padEnd(18)} ${describe(event)}`);
  }
  console.log('\nstored turns:');
  for (const turn of result.turns)
    console.log(`  ${turn.role}${turn.interrupted ? ' (interrupted)' : ''}: ${turn.text}`);
}

if (process.argv[1] && import.meta.filename === (await import('node:path')).resolve(process.argv[1])) {
  main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
