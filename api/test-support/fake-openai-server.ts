/**
 * A protocol-faithful fake of the OpenAI HTTP API for tests: a real `node:http` server on a random
 * localhost port, so adapters are exercised through the real `openai` SDK (or plain fetch) end to end.
 *
 *   const fake = await startFakeOpenAI({ chat: { content: '{"text":"Hi"}', tokenDelayMs: 5 } });
 *   const client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test' });
 *   ...
 *   fake.requests;                          // every request received: { method, path, headers, body }
 *   fake.setScript({ chat: [{ error: { status: 429 } }, { content: 'ok' }] });
 *   await fake.close();
 *
 * Routes (all under `baseURL`, which ends in `/v1`):
 * - POST /chat/completions: `stream: true` answers Server-Sent Events, one `chat.completion.chunk` per
 *   token, then a usage chunk when `stream_options.include_usage`, then `data: [DONE]`; otherwise one
 *   `chat.completion` JSON. Behaviour per request comes from `script.chat` (a list is consumed one entry
 *   per request, the last entry repeating): `content` (any string: valid JSON, malformed JSON, plain
 *   text), `chunks` (explicit token split), `tokenDelayMs`, `error` (HTTP status with OpenAI's error body
 *   and `Retry-After` for 429), `dropAfterChunks` (destroys the socket mid-stream), `toolCalls` (streamed
 *   `tool_calls` instead of content, when the request offers tools). Without a script it
 *   answers avatar JSON that echoes the last user message.
 * - POST /audio/speech: `response_format: 'pcm'` gives raw 24 kHz PCM16 LE; anything else a WAV file.
 *   The audio is a sine tone (default, ~60 ms per character) or real espeak-ng speech (`speech: 'espeak'`).
 * - POST /audio/transcriptions: multipart upload; answers `{ text }`, `verbose_json` (with language,
 *   duration and one segment), plain `text`, or with `stream` the transcript.text.delta/done events, with the text
 *   from `script.transcription`.
 * - POST /embeddings: deterministic unit vectors (same input, same vector) of `dimensions` (default 384),
 *   as floats or base64 (the SDK asks for base64 by default).
 * - POST /moderations: flags inputs containing any of `script.flaggedTerms` (case-insensitive).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { encodeWav } from '../src/adapters/audio/wav';
import { synthesizeSpeech } from './speech';

export interface FakeChatBehaviour {
  /** The full assistant content; streamed in `chunks` or in 4-character tokens. */
  content?: string;
  chunks?: string[];
  tokenDelayMs?: number;
  /** Answer with an HTTP error instead of content. */
  error?: { status: number; message?: string; retryAfterSeconds?: number };
  /** Destroy the connection after this many content chunks were sent (stream only). */
  dropAfterChunks?: number;
  /**
   * Call these tools instead of answering (when the request offers tools): streamed as `tool_calls` deltas (id
   * and name first, the arguments in two parts) ending with `finish_reason: "tool_calls"`.
   */
  toolCalls?: { name: string; arguments: string }[];
}

export interface FakeOpenAIScript {
  chat?: FakeChatBehaviour | FakeChatBehaviour[];
  speech?: 'sine' | 'espeak';
  transcription?: { text: string; language?: string };
  flaggedTerms?: string[];
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON, or the text fields of a multipart form (files as `{ name, size }`). */
  body: Record<string, unknown>;
}

export interface FakeOpenAI {
  /** e.g. `http://127.0.0.1:43121/v1`: pass it as the SDK's `baseURL`. */
  baseURL: string;
  requests: RecordedRequest[];
  setScript(script: FakeOpenAIScript): void;
  close(): Promise<void>;
}

export const FAKE_SPEECH_SAMPLE_RATE = 24_000;

export async function startFakeOpenAI(initial: FakeOpenAIScript = {}): Promise<FakeOpenAI> {
  let script = initial;
  let chatCalls = 0;
  const requests: RecordedRequest[] = [];

  const nextChatBehaviour = (): FakeChatBehaviour => {
    const chat = script.chat;
    if (!Array.isArray(chat)) return chat ?? {};
    const behaviour = chat[Math.min(chatCalls, chat.length - 1)] ?? {};
    chatCalls++;
    return behaviour;
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `fake server bug: ${String(err)}`, 'server_error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '').replace(/\?.*$/, '').replace(/^\/v1/, '');
    const contentType = req.headers['content-type'] ?? '';
    const body = contentType.startsWith('multipart/form-data')
      ? await parseMultipart(raw, contentType)
      : raw.length > 0
        ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>)
        : {};
    requests.push({ method: req.method ?? 'GET', path, headers: req.headers, body });

    if (req.method !== 'POST') return sendError(res, 405, 'Method not allowed', 'invalid_request_error');
    switch (path) {
      case '/chat/completions':
        return chatCompletions(body, nextChatBehaviour(), req, res);
      case '/audio/speech':
        return speech(body, script.speech ?? 'sine', res);
      case '/audio/transcriptions':
        return transcription(body, script.transcription ?? { text: 'hello' }, res);
      case '/embeddings':
        return embeddings(body, res);
      case '/moderations':
        return moderations(body, script.flaggedTerms ?? [], res);
      default:
        return sendError(res, 404, `Unknown route ${path}`, 'invalid_request_error');
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    setScript(next) {
      script = next;
      chatCalls = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

/** Node's fetch `Request` already speaks multipart; reuse it rather than hand-rolling a parser. */
async function parseMultipart(raw: Buffer, contentType: string): Promise<Record<string, unknown>> {
  const form = await new Request('http://fake/', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: new Uint8Array(raw),
  }).formData();
  const fields: Record<string, unknown> = {};
  for (const [key, value] of form.entries()) {
    fields[key] = typeof value === 'string' ? value : { name: value.name, size: value.size };
  }
  return fields;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  type: string,
  code: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type, param: null, code } }, headers);
}

function lastUserMessage(body: Record<string, unknown>): string {
  const messages = Array.isArray(body.messages)
    ? (body.messages as { role?: string; content?: unknown }[])
    : [];
  const last = messages.filter((m) => m.role === 'user').at(-1);
  if (Array.isArray(last?.content)) {
    return (last.content as { type: string; text?: string }[])
      .flatMap((p) => (p.type === 'text' ? [p.text] : []))
      .join(' ');
  }
  return typeof last?.content === 'string' ? last.content : '';
}

const approxTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

async function chatCompletions(
  body: Record<string, unknown>,
  behaviour: FakeChatBehaviour,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (behaviour.error) {
    const { status, retryAfterSeconds } = behaviour.error;
    const headers: Record<string, string> =
      retryAfterSeconds !== undefined ? { 'retry-after': String(retryAfterSeconds) } : {};
    if (status === 429) {
      const message = behaviour.error.message ?? 'Rate limit reached for requests. Please try again later.';
      return sendError(res, 429, message, 'requests', 'rate_limit_exceeded', headers);
    }
    const message =
      behaviour.error.message ?? 'The server had an error while processing your request. Sorry about that!';
    return sendError(
      res,
      status,
      message,
      status >= 500 ? 'server_error' : 'invalid_request_error',
      null,
      headers,
    );
  }

  const content =
    behaviour.content ??
    JSON.stringify({
      text: `You said: ${lastUserMessage(body)}`,
      gesture_plan: [],
      emotion: 'neutral',
      actions: [],
    });
  const chunks = behaviour.chunks ?? (content.match(/[\s\S]{1,4}/g) || []);
  const model = typeof body.model === 'string' ? body.model : 'fake-model';
  const id = `chatcmpl-fake${Date.now().toString(36)}`;
  const created = Math.floor(Date.now() / 1000);
  const promptText = JSON.stringify(body.messages ?? '');
  const usage = {
    prompt_tokens: approxTokens(promptText),
    completion_tokens: chunks.length,
    total_tokens: approxTokens(promptText) + chunks.length,
  };

  if (body.stream !== true) {
    return sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: null },
          logprobs: null,
          finish_reason: 'stop',
        },
      ],
      usage,
    });
  }

  const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
  const includeUsage = streamOptions?.include_usage === true;
  let clientGone = false;
  req.on('close', () => {
    clientGone = true;
  });
  res.on('close', () => {
    clientGone = true;
  });
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  const send = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const chunk = {
      id,
      object: 'chat.completion.chunk',
      created,
      model,
      system_fingerprint: 'fp_fake',
      choices,
      ...extra,
    };
    res.write(`data: ${JSON.stringify(includeUsage ? { usage: null, ...chunk } : chunk)}\n\n`);
  };
  const choice = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
    index: 0,
    delta,
    logprobs: null,
    finish_reason: finishReason,
  });

  send([choice({ role: 'assistant', content: '', refusal: null })]);
  if (behaviour.toolCalls && Array.isArray(body.tools)) {
    for (const [index, call] of behaviour.toolCalls.entries()) {
      const half = Math.ceil(call.arguments.length / 2);
      const id = `call_${index}_${Date.now().toString(36)}`;
      send([
        choice({
          tool_calls: [{ index, id, type: 'function', function: { name: call.name, arguments: '' } }],
        }),
      ]);
      for (const part of [call.arguments.slice(0, half), call.arguments.slice(half)]) {
        send([choice({ tool_calls: [{ index, function: { arguments: part } }] })]);
      }
    }
    send([choice({}, 'tool_calls')]);
    if (includeUsage) send([], { usage });
    res.end('data: [DONE]\n\n');
    return;
  }
  for (const [i, token] of chunks.entries()) {
    if (behaviour.dropAfterChunks !== undefined && i >= behaviour.dropAfterChunks) {
      // Let the chunks already written reach the client first, as a real mid-stream drop would.
      await new Promise((resolve) => res.write('', resolve));
      await sleep(20);
      res.socket?.destroy();
      return;
    }
    if (behaviour.tokenDelayMs) await sleep(behaviour.tokenDelayMs);
    if (clientGone) return;
    send([choice({ content: token })]);
  }
  send([choice({}, 'stop')]);
  if (includeUsage) send([], { usage });
  res.end('data: [DONE]\n\n');
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function speech(body: Record<string, unknown>, source: 'sine' | 'espeak', res: ServerResponse) {
  const text = typeof body.input === 'string' ? body.input : '';
  if (!text) return sendError(res, 400, "Missing required parameter: 'input'.", 'invalid_request_error');
  const samples =
    source === 'espeak' ? (await synthesizeSpeech(text, FAKE_SPEECH_SAMPLE_RATE)).samples : sineSpeech(text);
  if (body.response_format === 'pcm') {
    res.writeHead(200, { 'content-type': 'audio/pcm' });
    res.end(Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength));
    return;
  }
  res.writeHead(200, { 'content-type': 'audio/wav' });
  res.end(encodeWav({ samples, sampleRate: FAKE_SPEECH_SAMPLE_RATE }));
}

function sineSpeech(text: string): Int16Array {
  const samples = new Int16Array(Math.round((FAKE_SPEECH_SAMPLE_RATE * 60 * text.length) / 1000));
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / FAKE_SPEECH_SAMPLE_RATE));
  }
  return samples;
}

function transcription(
  body: Record<string, unknown>,
  result: { text: string; language?: string },
  res: ServerResponse,
) {
  const file = body.file as { size?: number } | undefined;
  if (!file?.size) return sendError(res, 400, "Missing required parameter: 'file'.", 'invalid_request_error');
  if (body.stream === 'true') {
    // The gpt-4o transcribe models' server-sent events: a delta per word, then the whole text.
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    for (const word of result.text.match(/\S+\s*/g) ?? []) {
      res.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta: word })}\n\n`);
    }
    res.end(`data: ${JSON.stringify({ type: 'transcript.text.done', text: result.text })}\n\n`);
    return;
  }
  const format = body.response_format ?? 'json';
  if (format === 'text') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(result.text);
    return;
  }
  if (format === 'verbose_json') {
    // A PCM16 WAV at 16 kHz is the common upload; the duration is only indicative.
    const duration = Math.max(0, (file.size - 44) / 32_000);
    return sendJson(res, 200, {
      task: 'transcribe',
      language: result.language ?? 'english',
      duration,
      text: result.text,
      segments: [
        {
          id: 0,
          seek: 0,
          start: 0,
          end: duration,
          text: result.text,
          tokens: [],
          temperature: 0,
          avg_logprob: -0.2,
          compression_ratio: 1,
          no_speech_prob: 0.01,
        },
      ],
    });
  }
  return sendJson(res, 200, { text: result.text });
}

/** Same text, same unit vector: seeded from a hash of the input so similarity tests are reproducible. */
export function fakeEmbedding(text: string, dimensions = 384): number[] {
  const vector: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; vector.length < dimensions; i++) {
    if (i * 4 >= block.length)
      block = Buffer.concat([block, createHash('sha256').update(`${text}#${i}`).digest()]);
    vector.push(block.readInt32LE(i * 4) / 2 ** 31);
  }
  const norm = Math.hypot(...vector) || 1;
  return vector.map((v) => v / norm);
}

function embeddings(body: Record<string, unknown>, res: ServerResponse): void {
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
  const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 384;
  const data = inputs.map((input, index) => {
    const vector = fakeEmbedding(input, dimensions);
    const embedding =
      body.encoding_format === 'base64'
        ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
        : vector;
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.reduce((sum, input) => sum + approxTokens(input), 0);
  sendJson(res, 200, {
    object: 'list',
    data,
    model: body.model ?? 'fake-embedding',
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

function moderations(body: Record<string, unknown>, flaggedTerms: string[], res: ServerResponse): void {
  const inputs = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? '')];
  const results = inputs.map((input) => {
    const flagged = flaggedTerms.some((term) => input.toLowerCase().includes(term.toLowerCase()));
    return {
      flagged,
      categories: { harassment: flagged, hate: false, 'self-harm': false, sexual: false, violence: false },
      category_scores: {
        harassment: flagged ? 0.98 : 0.001,
        hate: 0,
        'self-harm': 0,
        sexual: 0,
        violence: 0,
      },
    };
  });
  sendJson(res, 200, {
    id: `modr-fake${Date.now().toString(36)}`,
    model: body.model ?? 'omni-moderation-latest',
    results,
  });
}
