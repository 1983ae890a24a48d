import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { InputSampleRate } from '../domain/audio';
import type { SessionEvent } from '../domain/session-events';
import { AppError, UnauthenticatedError } from '../errors';
import type { ClientChannel, MicrophoneSink, PlayedReport } from '../realtime/ports';
import { AUDIO_SUBPROTOCOL, type ServerMessage } from './audio-protocol';
import {
  type AudioSession,
  type AudioSocketOptions,
  type AudioSocketServer,
  CLOSE_SLOW_SYNC_READER,
  createAudioSocket,
} from './audio-socket';

type SinkCall =
  | ['start', string, InputSampleRate]
  | ['audio', number[]]
  | ['endTurn']
  | ['interrupt', PlayedReport?]
  | ['vadHint', boolean]
  | ['close'];

/** Records every call; `gate` lets a test stall audio delivery like a slow pipeline. */
class RecordingSink implements MicrophoneSink {
  readonly calls: SinkCall[] = [];
  gate: Promise<void> | null = null;
  /** audio() calls begun, including one still waiting at the gate. */
  audioEntered = 0;
  readonly session: AudioSession;
  readonly client: ClientChannel;
  constructor(session: AudioSession, client: ClientChannel) {
    this.session = session;
    this.client = client;
  }
  start(utteranceId: string, sampleRate: InputSampleRate) {
    this.calls.push(['start', utteranceId, sampleRate]);
  }
  async audio(pcm: Int16Array) {
    this.audioEntered++;
    if (this.gate) await this.gate;
    this.calls.push(['audio', Array.from(pcm)]);
  }
  endTurn() {
    this.calls.push(['endTurn']);
    // The server side can talk back on the same socket.
    this.client.speechEnded({ utteranceId: 'x', atMs: 0, endOfTurn: true });
  }
  interrupt(played?: PlayedReport) {
    this.calls.push(played ? ['interrupt', played] : ['interrupt']);
  }
  vadHint(speaking: boolean) {
    this.calls.push(['vadHint', speaking]);
  }
  close() {
    this.calls.push(['close']);
  }
  audioSamples(): number[] {
    return this.calls.flatMap((call) => (call[0] === 'audio' ? call[1] : []));
  }
}

let http: Server;
let audio: AudioSocketServer;
let sinks: RecordingSink[];
let url: string;
/** Each frame's latency (ms) as the socket reported it. */
let frameLatencies: number[];

async function start(overrides: Partial<AudioSocketOptions> = {}) {
  sinks = [];
  frameLatencies = [];
  audio = createAudioSocket({
    authenticate: async (token) => {
      if (token === 'good') return { sessionId: 's1', userId: 'u1' };
      if (token === 'banned') throw new AppError('FORBIDDEN', 'not yours');
      throw new UnauthenticatedError('bad token');
    },
    openSink: async (session, client) => {
      const sink = new RecordingSink(session, client);
      sinks.push(sink);
      return sink;
    },
    maxFrameBytes: 4096,
    frameLatency: { observe: (seconds) => void frameLatencies.push(seconds * 1000) },
    ...overrides,
  });
  http = createServer((_, res) => res.writeHead(404).end());
  http.on('upgrade', (req, socket, head) => {
    if (req.url?.startsWith('/audio')) audio.handleUpgrade(req, socket, head);
    else socket.destroy();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/audio`;
}

beforeEach(() => start());
afterEach(async () => {
  await audio.close();
  await new Promise((resolve) => http.close(resolve));
});

/** A client that collects server messages and can wait for one matching a predicate. */
class TestClient {
  readonly ws: WebSocket;
  readonly messages: ServerMessage[] = [];
  readonly #waiters: Array<{ match: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> =
    [];
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data, isBinary) => {
      if (isBinary) return; // sync frames, looked at by their own tests
      const message = JSON.parse(String(data)) as ServerMessage;
      this.messages.push(message);
      for (const waiter of [...this.#waiters]) {
        if (waiter.match(message)) {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          waiter.resolve(message);
        }
      }
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async connect(
    target: string,
    protocols?: string[],
    headers?: Record<string, string>,
  ): Promise<TestClient> {
    const ws = new WebSocket(target, protocols, { headers });
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await client.next((m) => m.type === 'ready');
    return client;
  }

  next(match: (m: ServerMessage) => boolean): Promise<ServerMessage> {
    const seen = this.messages.find(match);
    if (seen) {
      this.messages.splice(this.messages.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  error(code: string): Promise<ServerMessage> {
    return this.next((m) => m.type === 'error' && m.code === code);
  }

  json(message: unknown): void {
    this.ws.send(JSON.stringify(message));
  }

  pcm(samples: number[]): void {
    this.ws.send(Buffer.from(Int16Array.from(samples).buffer));
  }

  /** Round trip through the server, so everything sent before has been handled. */
  async sync(): Promise<void> {
    this.json({ type: 'vad', speaking: false });
    this.json({ type: 'control.end_turn' });
    await this.next((m) => m.type === 'turn.ended');
  }
}

function upgradeStatus(
  target: string,
  protocols?: string[],
  headers?: Record<string, string>,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target, protocols, { headers });
    ws.on('unexpected-response', (_, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    ws.on('open', () => reject(new Error('upgrade unexpectedly accepted')));
    ws.on('error', () => {});
  });
}

const START = { type: 'audio.start', utteranceId: 'utt-1', sampleRate: 16000, encoding: 'pcm16' };

describe('audio socket: authentication', () => {
  it('accepts a token from the query, the Authorization header or a bearer subprotocol', async () => {
    const viaQuery = await TestClient.connect(`${url}?token=good`);
    const viaHeader = await TestClient.connect(url, undefined, { Authorization: 'Bearer good' });
    const viaProtocol = await TestClient.connect(url, [AUDIO_SUBPROTOCOL, 'bearer.good']);
    expect(viaProtocol.ws.protocol).toBe(AUDIO_SUBPROTOCOL);
    expect(sinks.map((s) => s.session)).toEqual([
      { sessionId: 's1', userId: 'u1' },
      { sessionId: 's1', userId: 'u1' },
      { sessionId: 's1', userId: 'u1' },
    ]);
    for (const c of [viaQuery, viaHeader, viaProtocol]) c.ws.close();
  });

  it('refuses the upgrade with 401 without or with a bad token and 403 when forbidden', async () => {
    expect(await upgradeStatus(url)).toBe(401);
    expect(await upgradeStatus(`${url}?token=nope`)).toBe(401);
    expect(await upgradeStatus(`${url}?token=banned`)).toBe(403);
    expect(sinks).toHaveLength(0);
    expect(audio.stats().rejectedUpgrades).toBe(3);
  });

  it('closes with 1011 when the audio pipeline cannot be opened', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    await start({
      openSink: async () => {
        throw new AppError('UNAVAILABLE', 'no VAD');
      },
    });
    const ws = new WebSocket(`${url}?token=good`);
    const client = new TestClient(ws);
    expect((await client.closed).code).toBe(1011);
    expect(client.messages).toContainEqual(expect.objectContaining({ type: 'error', code: 'sink_failed' }));
  });
});

describe('audio socket: the session ends or moves', () => {
  it('tells the client its session ended, and closes with 1000', async () => {
    await start();
    const client = await TestClient.connect(`${url}?token=good`);
    sinks[0]!.client.sessionEnded('idle');
    expect(await client.next((m) => m.type === 'session.ended')).toEqual({
      type: 'session.ended',
      reason: 'idle',
    });
    expect((await client.closed).code).toBe(1000);
  });

  it('tells the client to connect again when the session moved to another node, and closes with 1012', async () => {
    await start();
    const client = await TestClient.connect(`${url}?token=good`);
    sinks[0]!.client.reconnect('the session moved to another node');
    expect(await client.next((m) => m.type === 'reconnect')).toEqual({
      type: 'reconnect',
      reason: 'the session moved to another node',
    });
    expect(await client.closed).toEqual({ code: 1012, reason: 'the session moved to another node' });
    await expect.poll(() => sinks[0]!.calls).toContainEqual(['close']);
  });

  it('refuses a socket its user may not open (an admission that rejects) with 429, and releases none', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    const released: string[] = [];
    await start({
      admit: async () => {
        throw new AppError('RATE_LIMITED', 'too many sockets');
      },
      release: (session) => void released.push(session.sessionId),
    });
    expect(await upgradeStatus(`${url}?token=good`)).toBe(429);
    expect(released).toEqual([]);
  });
});

describe('audio socket: streaming', () => {
  it('delivers start, audio in order, vad hints, end of turn and close to the sink', async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    client.json(START);
    expect(await client.next((m) => m.type === 'audio.started')).toEqual({
      type: 'audio.started',
      utteranceId: 'utt-1',
      sampleRate: 16000,
    });
    client.pcm([1, 2, 3]);
    client.pcm([-4, 32767, -32768]);
    client.json({ type: 'vad', speaking: true });
    client.json({ type: 'control.end_turn' });
    await client.next((m) => m.type === 'turn.ended');
    // The sink answered through its ClientChannel.
    await client.next((m) => m.type === 'speech.ended');
    client.ws.close();
    await client.closed;
    await expect.poll(() => sinks[0]!.calls.at(-1)).toEqual(['close']);
    expect(sinks[0]!.calls).toEqual([
      ['start', 'utt-1', 16000],
      ['audio', [1, 2, 3]],
      ['audio', [-4, 32767, -32768]],
      ['vadHint', true],
      ['endTurn'],
      ['close'],
    ]);
  });

  it('generates an utterance id when the client gives none', async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    client.json({ type: 'audio.start', sampleRate: 48000, encoding: 'pcm16' });
    const started = await client.next((m) => m.type === 'audio.started');
    expect(started).toMatchObject({
      sampleRate: 48000,
      utteranceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    client.ws.close();
  });

  it('interrupt jumps ahead of queued audio, which is discarded', async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    const sink = sinks[0]!;
    let release!: () => void;
    sink.gate = new Promise((resolve) => {
      release = resolve;
    });
    client.json(START);
    client.pcm([0, 0]);
    await expect.poll(() => sink.audioEntered).toBe(1);
    for (let i = 1; i < 5; i++) client.pcm([i, i]);
    await client.next((m) => m.type === 'audio.started');
    client.json({ type: 'interrupt' });
    await client.next((m) => m.type === 'interrupted');
    expect(sink.calls).toContainEqual(['interrupt']);
    release();
    await client.sync();
    // Only the frame already inside the sink when the interrupt came got through.
    expect(sink.audioSamples()).toEqual([0, 0]);
    client.ws.close();
  });

  it("hands the client's played position with its interrupt to the session", async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    client.json({ type: 'interrupt', responseId: 'r-1', playedMs: 850 });
    await client.next((m) => m.type === 'interrupted');
    expect(sinks[0]?.calls).toContainEqual(['interrupt', { playedMs: 850, responseId: 'r-1' }]);
    client.ws.close();
  });

  it('drops the oldest audio for a stalled sink and keeps memory bounded', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    await start({ maxQueuedAudioBytes: 2000 });
    const client = await TestClient.connect(`${url}?token=good`);
    const sink = sinks[0]!;
    let release!: () => void;
    sink.gate = new Promise((resolve) => {
      release = resolve;
    });
    client.json(START);
    client.pcm(new Array(100).fill(0));
    await expect.poll(() => sink.audioEntered).toBe(1);
    // 99 more frames of 100 samples (200 bytes) against a 2000-byte queue.
    for (let i = 1; i < 100; i++) client.pcm(new Array(100).fill(i));
    // Acknowledged without the sink, so once it is back every frame above reached the server.
    client.json({ ...START, utteranceId: 'utt-2' });
    await client.next((m) => m.type === 'audio.started' && m.utteranceId === 'utt-2');
    release();
    await client.sync();
    const firstSamples = sink.calls.flatMap((c) => (c[0] === 'audio' ? [c[1][0]] : []));
    // The first frame was already in flight; after it only the 10 newest fit (stale ones dropped).
    expect(firstSamples).toEqual([0, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99]);
    expect(audio.stats().droppedInboundFrames).toBe(89);
    expect(audio.stats().droppedInboundBytes).toBe(89 * 200);
    client.ws.close();
  });
});

describe('audio socket: frame latency', () => {
  it('times each frame from its arrival to the end of its sink call, waiting in the queue included', async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    const sink = sinks[0]!;
    client.json(START);
    client.pcm([1, 2]);
    await expect.poll(() => frameLatencies.length).toBe(1);
    expect(frameLatencies[0]).toBeLessThan(50);

    let release!: () => void;
    sink.gate = new Promise((resolve) => {
      release = resolve;
    });
    client.pcm([3, 4]);
    client.pcm([5, 6]);
    // The first stalled frame is inside the sink; the second waits behind it in the queue.
    await expect.poll(() => sink.audioEntered).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 80));
    release();
    await expect.poll(() => frameLatencies.length).toBe(3);
    // Both stalled frames count as slow, the one that waited behind the stalled call too.
    expect(frameLatencies.slice(1).every((ms) => ms >= 80)).toBe(true);
    client.ws.close();
  });
});

describe('audio socket: a sink that answers at once', () => {
  it('gets every frame in order, its failures reported and untimed, the socket going on', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    const received: number[] = [];
    await start({
      openSink: async () => ({
        start: () => undefined,
        audio: (pcm: Int16Array) => {
          if (pcm[0] === 2) throw new AppError('BAD_INPUT', 'two is refused');
          received.push(pcm[0]!);
        },
        endTurn: () => undefined,
        interrupt: () => undefined,
        vadHint: () => undefined,
        close: () => undefined,
      }),
    });
    const client = await TestClient.connect(`${url}?token=good`);
    client.json(START);
    for (const first of [1, 2, 3, 4]) client.pcm([first, 0]);
    expect(await client.error('BAD_INPUT')).toMatchObject({ message: 'two is refused' });
    await expect.poll(() => received).toEqual([1, 3, 4]);
    expect(frameLatencies).toHaveLength(3);
    client.ws.close();
  });
});

describe('audio socket: bad input', () => {
  let client: TestClient;
  beforeEach(async () => {
    client = await TestClient.connect(`${url}?token=good`);
  });
  afterEach(() => client.ws.close());

  it('audio before audio.start', async () => {
    client.pcm([1, 2]);
    await client.error('audio_not_started');
  });

  it('odd-length PCM', async () => {
    client.json(START);
    client.ws.send(Buffer.from([1, 2, 3]));
    await client.error('odd_length');
  });

  it('a rate outside the list and a wrong encoding', async () => {
    client.json({ ...START, sampleRate: 44100 });
    await client.error('unsupported_sample_rate');
    client.json({ ...START, encoding: 'opus' });
    await client.error('unsupported_encoding');
    // Neither started the stream.
    client.pcm([1, 2]);
    await client.error('audio_not_started');
  });

  it('a frame over the size limit gets an error; far over it closes the socket with 1009', async () => {
    client.json(START);
    client.ws.send(Buffer.alloc(4096 + 2));
    await client.error('frame_too_large');
    client.ws.send(Buffer.alloc(3 * 4096));
    expect((await client.closed).code).toBe(1009);
  });

  it('JSON sent as a binary frame, and binary data sent as a text frame', async () => {
    client.ws.send(Buffer.from(JSON.stringify(START)));
    await client.error('json_in_binary_frame');
    client.ws.send(Buffer.from([0x00, 0xff, 0x10, 0x20]).toString('latin1'));
    await client.error('bad_json');
  });

  it('random bytes, unknown messages and invalid fields', async () => {
    client.ws.send('{"type":"hello"}');
    await client.error('unknown_type');
    client.ws.send('{"type":"vad","speaking":1}');
    await client.error('invalid_message');
    client.ws.send('not json at all');
    await client.error('bad_json');
    expect(sinks[0]!.calls).toEqual([]);
  });

  it('closes with 1008 after too many protocol errors', async () => {
    for (let i = 0; i < 150; i++) client.ws.send('garbage');
    expect((await client.closed).code).toBe(1008);
  });
});

describe('audio socket: outbound backpressure', () => {
  it('skips and counts messages when the client reads too slowly', async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    const channel = sinks[0]!.client;
    // Stop reading: the kernel buffers fill and ws.bufferedAmount grows.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    const big = 'x'.repeat(64 * 1024);
    let skipped = 0;
    for (let i = 0; i < 200; i++) {
      if (!channel.speechStarted({ utteranceId: big, atMs: i })) skipped++;
    }
    expect(skipped).toBeGreaterThan(0);
    expect(audio.stats().droppedOutboundMessages).toBe(skipped);
    client.ws.terminate();
  });
});

describe('audio socket: sync frames', () => {
  const responseId = '0b6f8a52-8f0e-4c55-9d3c-2f1e7c2b9a10';
  const base = { seq: 0, sessionId: 's1', at: '' };
  /** Two minutes of one answer (more than the kernel's socket buffers hold): its audio, then its frames. */
  async function* answer(): AsyncGenerator<SessionEvent> {
    const seconds = 120;
    const samples = seconds * 24_000;
    yield {
      ...base,
      type: 'SpeechChunk',
      responseId,
      chunkSeq: 0,
      audio: Buffer.alloc(samples * 2, 1).toString('base64'),
      sampleRate: 24_000,
      encoding: 'pcm16',
      startMs: 0,
      durationMs: seconds * 1000,
      text: '',
      phonemes: [],
      visemes: [],
      gestures: [],
    };
    yield {
      ...base,
      type: 'BlendshapeFrames',
      responseId,
      chunkSeq: 0,
      fps: 30,
      sampleRate: 24_000,
      frames: Array.from({ length: seconds * 30 }, (_, index) => ({
        index,
        sampleStart: index * 800,
        sampleEnd: (index + 1) * 800,
        weights: new Array(52).fill(0.5),
      })),
    };
    await new Promise(() => {}); // the session goes on
  }
  const START = { type: 'audio.start', sampleRate: 16000, encoding: 'pcm16', syncFrames: true };

  it('refuses sync frames with a typed error where the server has no session events to build them from', async () => {
    const client = await TestClient.connect(`${url}?token=good`);
    client.json(START);
    expect(await client.next((m) => m.type === 'error')).toMatchObject({ code: 'sync_frames_unavailable' });
    client.ws.close();
  });

  it('closes a client that reads sync frames too slowly with 4008, rather than leave holes in its audio', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    await start({ maxOutboundBufferedBytes: 32 * 1024, sessionEvents: () => answer() });
    const client = await TestClient.connect(`${url}?token=good`);
    const socket = (client.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    socket.pause();
    client.json(START);
    await expect.poll(() => audio.stats().droppedOutboundMessages).toBeGreaterThan(0);
    socket.resume();
    expect((await client.closed).code).toBe(CLOSE_SLOW_SYNC_READER);
  });
});

describe('audio socket: dead clients', () => {
  it('cuts off a client that stops answering pings and closes its sink', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    await start({ heartbeatMs: 50 });
    const client = await TestClient.connect(`${url}?token=good`);
    // Simulates a half-open connection: the client no longer reads anything, so no pong comes back.
    (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
    await expect.poll(() => sinks[0]!.calls.at(-1), { timeout: 5000 }).toEqual(['close']);
    expect(audio.stats().openConnections).toBe(0);
    client.ws.terminate();
  });

  it('keeps a responsive client connected across many heartbeats', async () => {
    await audio.close();
    await new Promise((resolve) => http.close(resolve));
    await start({ heartbeatMs: 20 });
    const client = await TestClient.connect(`${url}?token=good`);
    let pings = 0;
    client.ws.on('ping', () => pings++);
    await expect.poll(() => pings, { timeout: 5000 }).toBeGreaterThan(5);
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(sinks[0]!.calls).toEqual([]);
    client.ws.close();
  });
});

describe('audio socket: fuzz', () => {
  it('survives thousands of random frames and still serves a good client', async () => {
    const random = (n: number) => Math.floor(Math.random() * n);
    const texts = [
      () =>
        JSON.stringify({
          type: ['audio.start', 'vad', 'interrupt', 'control.end_turn', 'x', 1, null][random(7)],
        }),
      () => JSON.stringify({ ...START, sampleRate: [8000, 16000, 44100, -1, '16000', 1e308][random(6)] }),
      () => JSON.stringify({ type: 'vad', speaking: [true, 'no', null][random(3)] }),
      () => String.fromCharCode(...Array.from({ length: random(200) }, () => random(0xd7ff))),
      () => '{'.repeat(random(3000)),
      () => JSON.stringify([{ type: 'interrupt' }]),
    ];
    let sent = 0;
    let connections = 0;
    while (sent < 3000) {
      const client = await TestClient.connect(`${url}?token=good`);
      connections++;
      for (let i = 0; i < 300 && client.ws.readyState === WebSocket.OPEN; i++, sent++) {
        if (Math.random() < 0.5) {
          client.ws.send(new Uint8Array(random(6000)).map(() => random(256)));
        } else {
          client.ws.send(texts[random(texts.length)]!());
        }
      }
      client.ws.terminate();
    }
    expect(connections).toBeGreaterThan(1);
    expect(audio.stats().protocolErrors).toBeGreaterThan(100);

    const good = await TestClient.connect(`${url}?token=good`);
    good.json(START);
    good.pcm([7, 8, 9]);
    await good.sync();
    const sink = sinks.at(-1)!;
    expect(sink.calls.slice(0, 2)).toEqual([
      ['start', 'utt-1', 16000],
      ['audio', [7, 8, 9]],
    ]);
    good.ws.close();
    await good.closed;
    await expect.poll(() => audio.stats().openConnections).toBe(0);
  });
});
