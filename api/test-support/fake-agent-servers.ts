/**
 * Protocol-faithful fakes of the two speech-to-speech agent APIs, for tests: real WebSocket servers on random
 * localhost ports that answer with scripted turns (real espeak-ng speech at 24 kHz and its transcript) and record
 * every message they receive, so the real adapters run end to end.
 *
 *   const fake = await startFakeRealtime({ turns: [{ inputTranscript: 'Hi', answer: 'Hello there.' }] });
 *   // OPENAI_REALTIME_URL=fake.url ... ; fake.received: every client event; fake.setTurns([...])
 *   const gemini = await startFakeGeminiLive({ turns: [...] });   // GEMINI_LIVE_URL=gemini.url
 *
 * Each user turn (a committed audio buffer, a `response.create` after messages, an `activityEnd` or a complete
 * `clientContent`) takes the next scripted turn (the last repeats). A turn may first call a tool (`toolCall`: the answer follows
 * the tool's output), or misbehave after `failAfterDeltas` audio deltas: `drop` (the socket is destroyed),
 * `malformed` (a message that is not JSON), `stall` (nothing more is sent). `refuse: true` answers the upgrade
 * with HTTP 503.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import { int16FromBytes, pcm16ToBase64 } from '../src/adapters/audio/pcm';
import type { PcmAudio } from '../src/domain/audio';
import { synthesizeSpeech } from './speech';

export interface FakeAgentTurn {
  /** What the provider heard the user say (its input transcription). */
  inputTranscript?: string;
  /** The answer's transcript, spoken by espeak-ng as its audio. */
  answer: string;
  /** Call this tool first; the answer is given once its output comes back. */
  toolCall?: { name: string; arguments: Record<string, unknown> | string };
  fail?: 'drop' | 'malformed' | 'stall';
  failAfterDeltas?: number;
  /** Pause between audio deltas (each ~100 ms of audio). */
  deltaDelayMs?: number;
}

export interface FakeAgentOptions {
  turns: FakeAgentTurn[];
  refuse?: boolean;
}

export interface FakeAgentServer {
  url: string;
  /** Every JSON message received, in order, with the connection it came on. */
  received: { connection: number; message: Record<string, unknown> }[];
  /** How many connections were accepted, and how many of them have closed since. */
  connections: number;
  closedConnections: number;
  /** The upgrade requests: URL and headers. */
  upgrades: { url: string; headers: Record<string, string | string[] | undefined> }[];
  setTurns(turns: FakeAgentTurn[]): void;
  setRefuse(refuse: boolean): void;
  /** Tool outputs fed back by the client, in order. */
  toolOutputs(): unknown[];
  close(): Promise<void>;
}

const RATE = 24_000;
const DELTA_SAMPLES = RATE / 10;

type Send = (message: unknown) => void;

/** The scaffolding both fakes share: the server, the recording, the script, a spoken answer. */
async function startFakeAgent(
  opts: FakeAgentOptions,
  onConnection: (ws: WebSocket, connection: number, record: (m: Record<string, unknown>) => void) => void,
): Promise<FakeAgentServer & { server: Server; nextTurn(): FakeAgentTurn }> {
  let turns = opts.turns;
  let refuse = opts.refuse ?? false;
  let turnIndex = 0;
  const server = createServer();
  const wss = new WebSocketServer({ noServer: true });
  const fake = {
    url: '',
    received: [] as FakeAgentServer['received'],
    connections: 0,
    closedConnections: 0,
    upgrades: [] as FakeAgentServer['upgrades'],
    server,
    setTurns(next: FakeAgentTurn[]) {
      turns = next;
      turnIndex = 0;
    },
    setRefuse(next: boolean) {
      refuse = next;
    },
    nextTurn() {
      const turn = turns[Math.min(turnIndex, turns.length - 1)]!;
      turnIndex++;
      return turn;
    },
    toolOutputs: () => [] as unknown[],
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  server.on('upgrade', (req, socket, head) => {
    fake.upgrades.push({ url: req.url ?? '', headers: req.headers });
    if (refuse) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const connection = ++fake.connections;
      ws.on('error', () => undefined);
      ws.on('close', () => fake.closedConnections++);
      onConnection(ws, connection, (message) => fake.received.push({ connection, message }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

/** Each answer's speech, made once: a fake that answers at once is not slowed by espeak-ng. */
const answers = new Map<string, Promise<PcmAudio>>();
function spokenAnswer(text: string): Promise<PcmAudio> {
  let speech = answers.get(text);
  if (!speech) {
    speech = synthesizeSpeech(text, RATE);
    answers.set(text, speech);
    speech.catch(() => answers.delete(text));
  }
  return speech;
}

/**
 * Plays a turn's answer: transcript deltas (a word each) and ~100 ms audio deltas, interleaved, through the
 * protocol's own `sendTranscript`/`sendAudio`. Resolves false when it stopped early (cancelled or failing).
 */
async function playAnswer(
  ws: WebSocket,
  turn: FakeAgentTurn,
  state: { cancelled: boolean },
  out: { transcript(text: string): void; audio(base64: string): void },
): Promise<boolean> {
  const speech = await spokenAnswer(turn.answer);
  const words = turn.answer.split(' ');
  const deltas = Math.ceil(speech.samples.length / DELTA_SAMPLES);
  let word = 0;
  for (let i = 0; i < deltas; i++) {
    if (state.cancelled || ws.readyState !== ws.OPEN) return false;
    if (turn.fail && i === (turn.failAfterDeltas ?? 0)) {
      if (turn.fail === 'drop') ws.terminate();
      if (turn.fail === 'malformed') ws.send('{"type": "response.audio.delta", "delta": ');
      return false;
    }
    // The transcript runs a little ahead of the audio, as the real services' does.
    const wordsDue = Math.min(words.length, Math.ceil(((i + 2) / deltas) * words.length));
    for (; word < wordsDue; word++) out.transcript(word === 0 ? words[word]! : ` ${words[word]}`);
    out.audio(pcm16ToBase64(speech.samples.subarray(i * DELTA_SAMPLES, (i + 1) * DELTA_SAMPLES)));
    await new Promise((resolve) => setTimeout(resolve, turn.deltaDelayMs ?? 10));
  }
  return true;
}

/**
 * The fakes' stand-in for a provider's server VAD: a chunk louder than a whisper starts speech, 500 ms of quiet
 * ends it. Enough for espeak speech padded with digital silence.
 */
class EnergyVad {
  private speaking = false;
  private quietMs = 0;

  constructor(private readonly sampleRate: number) {}

  push(samples: Int16Array): 'start' | 'end' | null {
    if (samples.length === 0) return null;
    let sum = 0;
    for (const s of samples) sum += s * s;
    const loud = Math.sqrt(sum / samples.length) > 300;
    if (loud) {
      this.quietMs = 0;
      if (this.speaking) return null;
      this.speaking = true;
      return 'start';
    }
    if (!this.speaking) return null;
    this.quietMs += (samples.length * 1000) / this.sampleRate;
    if (this.quietMs < 500) return null;
    this.speaking = false;
    return 'end';
  }
}

const argumentsText = (args: FakeAgentTurn['toolCall'] & object) =>
  typeof args.arguments === 'string' ? args.arguments : JSON.stringify(args.arguments);

/** OpenAI Realtime (`/v1/realtime?model=…`), the beta event names. */
export async function startFakeRealtime(opts: FakeAgentOptions): Promise<FakeAgentServer> {
  const outputs: unknown[] = [];
  const fake = await startFakeAgent(opts, (ws, connection, record) => {
    const send: Send = (message) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(message));
    let ids = 0;
    const id = (prefix: string) => `${prefix}_${connection}_${++ids}`;
    let turn: FakeAgentTurn | null = null;
    /** The scripted turn was taken for the user turn being answered (by its commit, or its first response). */
    let turnTaken = false;
    let toolPending = false;
    let state = { cancelled: false };
    let responding = false;
    /** The user's audio so far is a turn: committed, transcribed a little later, the next scripted turn taken. */
    const commit = () => {
      turn = fake.nextTurn();
      turnTaken = true;
      const itemId = id('item');
      send({ type: 'input_audio_buffer.committed', item_id: itemId });
      const transcript = turn.inputTranscript ?? '';
      // The transcription finishes a little later, as the real one does.
      setTimeout(
        () =>
          send({
            type: 'conversation.item.input_audio_transcription.completed',
            item_id: itemId,
            content_index: 0,
            transcript,
          }),
        30,
      );
    };
    /** One response: a tool call first when the turn has one pending, else the spoken answer. */
    const createResponse = async () => {
      if (!turnTaken) turn = fake.nextTurn();
      turnTaken = true;
      if (!turn) return;
      const responseId = id('resp');
      state = { cancelled: false };
      responding = true;
      send({ type: 'response.created', response: { id: responseId, status: 'in_progress' } });
      if (turn.toolCall && !toolPending && !outputs.length) {
        toolPending = true;
        const callId = id('call');
        send({
          type: 'response.output_item.added',
          response_id: responseId,
          item: { id: id('item'), type: 'function_call', call_id: callId, name: turn.toolCall.name },
        });
        send({
          type: 'response.function_call_arguments.done',
          response_id: responseId,
          call_id: callId,
          name: turn.toolCall.name,
          arguments: argumentsText(turn.toolCall),
        });
        send({ type: 'response.done', response: { id: responseId, status: 'completed' } });
        responding = false;
        return;
      }
      outputs.length = 0;
      const itemId = id('item');
      send({
        type: 'response.output_item.added',
        response_id: responseId,
        item: { id: itemId, type: 'message', role: 'assistant' },
      });
      const finished = await playAnswer(ws, turn, state, {
        transcript: (delta) =>
          send({
            type: 'response.audio_transcript.delta',
            response_id: responseId,
            item_id: itemId,
            delta,
          }),
        audio: (delta) =>
          send({ type: 'response.audio.delta', response_id: responseId, item_id: itemId, delta }),
      });
      if (!finished && !state.cancelled) return;
      responding = false;
      turnTaken = false;
      send({
        type: 'response.done',
        response: {
          id: responseId,
          status: finished ? 'completed' : 'cancelled',
          usage: { input_tokens: 100, output_tokens: turn.answer.length },
        },
      });
    };
    /** Server VAD (`turn_detection: server_vad`): speech starts and ends by the appended audio's energy. */
    let serverVad = false;
    const vad = new EnergyVad(RATE);
    const hearForVad = (bytes: Buffer) => {
      const heard = vad.push(int16FromBytes(bytes));
      if (heard === 'start') {
        send({ type: 'input_audio_buffer.speech_started', item_id: id('item') });
        // interrupt_response: the answer being given stops.
        if (responding) state.cancelled = true;
      }
      if (heard === 'end') {
        send({ type: 'input_audio_buffer.speech_stopped' });
        commit();
        void createResponse();
      }
    };
    send({ type: 'session.created', event_id: id('event'), session: { id: id('sess') } });
    ws.on('message', async (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      record(message);
      switch (message.type) {
        case 'session.update': {
          const detection = (message.session as { turn_detection?: { type?: string } | null }).turn_detection;
          if (detection !== undefined) serverVad = detection?.type === 'server_vad';
          send({ type: 'session.updated', session: message.session });
          break;
        }
        case 'input_audio_buffer.commit':
          commit();
          break;
        case 'conversation.item.create': {
          const item = message.item as { type: string; output?: string };
          // Messages (the user's, or the history a new connection is given) wait for a `response.create`.
          if (item.type === 'function_call_output') {
            outputs.push(item.output);
            toolPending = false;
          }
          send({ type: 'conversation.item.created', item });
          break;
        }
        case 'response.cancel':
          if (!responding)
            send({
              type: 'error',
              error: {
                type: 'invalid_request_error',
                code: 'response_cancel_not_active',
                message: 'no response',
              },
            });
          state.cancelled = true;
          break;
        case 'conversation.item.truncate':
          send({
            type: 'conversation.item.truncated',
            item_id: message.item_id,
            audio_end_ms: message.audio_end_ms,
          });
          break;
        case 'response.create':
          await createResponse();
          break;
        case 'input_audio_buffer.append':
          if (serverVad) hearForVad(Buffer.from(String(message.audio), 'base64'));
          break;
      }
    });
  });
  fake.toolOutputs = () => [...outputsSeen(fake.received)];
  return fake;
}

/** Tool outputs fed back, from the recording (OpenAI's function_call_output items, Gemini's toolResponse). */
function outputsSeen(received: FakeAgentServer['received']): unknown[] {
  return received.flatMap(({ message }) => {
    const item = message.item as { type?: string; output?: string } | undefined;
    if (item?.type === 'function_call_output') return [item.output];
    const response = message.toolResponse as { functionResponses?: { response: unknown }[] } | undefined;
    return response?.functionResponses?.map((r) => r.response) ?? [];
  });
}

/** Gemini Live (`BidiGenerateContent`), with automatic activity detection off (turns are the client's). */
export async function startFakeGeminiLive(opts: FakeAgentOptions): Promise<FakeAgentServer> {
  const fake = await startFakeAgent(opts, (ws, _connection, record) => {
    const send: Send = (message) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(message));
    let setUp = false;
    let state = { cancelled: false };
    let generating = false;
    let turn: FakeAgentTurn | null = null;
    let calls = 0;
    /** Automatic activity detection (on unless the setup disables it): turns by the audio's energy. */
    let autoVad = false;
    const vad = new EnergyVad(16_000);
    const answer = async (current: FakeAgentTurn) => {
      if (current.toolCall && calls === 0) {
        calls++;
        send({
          toolCall: {
            functionCalls: [
              {
                id: `call_${calls}`,
                name: current.toolCall.name,
                args:
                  typeof current.toolCall.arguments === 'string'
                    ? JSON.parse(current.toolCall.arguments)
                    : current.toolCall.arguments,
              },
            ],
          },
        });
        return;
      }
      state = { cancelled: false };
      generating = true;
      const finished = await playAnswer(ws, current, state, {
        transcript: (text) => send({ serverContent: { outputTranscription: { text } } }),
        audio: (data) =>
          send({
            serverContent: {
              modelTurn: { parts: [{ inlineData: { mimeType: 'audio/pcm;rate=24000', data } }] },
            },
          }),
      });
      generating = false;
      if (!finished) return;
      send({ serverContent: { generationComplete: true } });
      send({
        serverContent: { turnComplete: true },
        usageMetadata: { promptTokenCount: 100, responseTokenCount: current.answer.length },
      });
    };
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as Record<string, unknown>;
      record(message);
      if (!setUp) {
        if (!message.setup) return ws.close(1007, 'setup must come first');
        setUp = true;
        const config = message.setup as {
          realtimeInputConfig?: { automaticActivityDetection?: { disabled?: boolean } };
        };
        autoVad = config.realtimeInputConfig?.automaticActivityDetection?.disabled !== true;
        send({ setupComplete: {} });
        return;
      }
      const input = message.realtimeInput as Record<string, unknown> | undefined;
      if (input?.activityStart && generating) {
        state.cancelled = true;
        send({ serverContent: { interrupted: true } });
      }
      const audio = input?.audio as { data?: string } | undefined;
      const heard =
        autoVad && audio?.data ? vad.push(int16FromBytes(Buffer.from(audio.data, 'base64'))) : null;
      if (heard === 'start' && generating) {
        state.cancelled = true;
        send({ serverContent: { interrupted: true } });
      }
      if (heard === 'end') {
        turn = fake.nextTurn();
        calls = 0;
        if (turn.inputTranscript)
          send({ serverContent: { inputTranscription: { text: turn.inputTranscript } } });
        void answer(turn);
      }
      const content = message.clientContent as { turnComplete?: boolean } | undefined;
      if (input?.activityEnd || content?.turnComplete) {
        turn = fake.nextTurn();
        calls = 0;
        if (input?.activityEnd && turn.inputTranscript)
          send({ serverContent: { inputTranscription: { text: turn.inputTranscript } } });
        void answer(turn);
      }
      if (message.toolResponse && turn) void answer(turn);
    });
  });
  fake.toolOutputs = () => [...outputsSeen(fake.received)];
  return fake;
}
