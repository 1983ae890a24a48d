/**
 * Gemini Live as a speech-to-speech agent, over its `BidiGenerateContent` WebSocket: `setup` (model, audio out,
 * voice, system instruction, tools, input and output transcription; automatic activity detection off, since
 * turns are ours); the user's audio as `realtimeInput` between `activityStart` and `activityEnd` (16 kHz PCM16),
 * typed text and images as `clientContent`; back come `serverContent` with model-turn audio parts (24 kHz),
 * transcriptions both ways, `interrupted` and `turnComplete`, and `toolCall`s, answered with `toolResponse`.
 * The persona's memories for each turn go in as context content: a live session's system instruction is fixed
 * at setup. The protocol has no truncation: after a barge-in Gemini keeps its whole answer in its context (our
 * stored turn and history still hold only what was heard). A connection opened mid-session is given the
 * conversation so far as `clientContent` turns, without asking for an answer.
 */
import { int16FromBytes, pcm16ToBase64 } from '../audio/pcm';
import { type ResamplerPool, resampleClip } from '../audio/resampler';
import { type JsonMessage, JsonSocket, LISTEN_IDLE_MS, stringField } from './json-socket';
import type {
  AgentAdapter,
  AgentConnection,
  AgentEvent,
  AgentSetup,
  AgentTurnInput,
  AgentTurnOptions,
} from './types';

const INPUT_RATE = 16_000;
/** Audio per `realtimeInput` message. */
const CHUNK_SAMPLES = INPUT_RATE / 5;

export interface GeminiLiveOptions {
  /** The `BidiGenerateContent` endpoint (`wss://generativelanguage.googleapis.com/ws/…`) or a compatible one. */
  url: string;
  apiKey?: string;
  /** e.g. `models/gemini-2.0-flash-live-001`. */
  model: string;
  resamplers: ResamplerPool;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export class GeminiLiveAgent implements AgentAdapter {
  readonly label: string;

  constructor(private readonly opts: GeminiLiveOptions) {
    this.label = `gemini-live:${opts.model}`;
  }

  async connect(setup: AgentSetup, { signal }: { signal?: AbortSignal } = {}): Promise<AgentConnection> {
    const timeoutMs = this.opts.connectTimeoutMs ?? 10_000;
    const key = this.opts.apiKey ? `?key=${encodeURIComponent(this.opts.apiKey)}` : '';
    const socket = await JsonSocket.open(`${this.opts.url}${key}`, { label: this.label, timeoutMs, signal });
    const model = setup.model ?? this.opts.model;
    socket.send({
      setup: {
        model: model.startsWith('models/') ? model : `models/${model}`,
        generationConfig: {
          responseModalities: ['AUDIO'],
          ...(setup.voice
            ? { speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: setup.voice } } } }
            : {}),
        },
        systemInstruction: { parts: [{ text: setup.instructions }] },
        ...(setup.tools.length > 0 ? { tools: [{ functionDeclarations: setup.tools }] } : {}),
        // Our end of turn marks the activity; otherwise Gemini's own activity detection hears the streamed audio.
        ...(setup.turnDetection === 'ours'
          ? { realtimeInputConfig: { automaticActivityDetection: { disabled: true } } }
          : {}),
        inputAudioTranscription: {},
        outputAudioTranscription: {},
      },
    });
    try {
      for (;;) {
        const message = await socket.next({ idleMs: timeoutMs, signal });
        if (message.setupComplete) break;
      }
      const turns = setup.history
        .filter((turn) => turn.text)
        .map((turn) => ({ role: turn.role === 'user' ? 'user' : 'model', parts: [{ text: turn.text }] }));
      if (turns.length > 0) socket.send({ clientContent: { turns, turnComplete: false } });
    } catch (err) {
      socket.close();
      throw err;
    }
    return new GeminiLiveConnection(socket, setup.instructions, this.opts);
  }
}

class GeminiLiveConnection implements AgentConnection {
  readonly label: string;
  /** A turn we stopped reading may still be sending: read off before the next one. */
  private unsettled = false;

  constructor(
    private readonly socket: JsonSocket,
    private instructions: string,
    private readonly opts: GeminiLiveOptions,
  ) {
    this.label = socket.label;
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  close(): void {
    this.socket.close();
  }

  /** Gemini Live cannot cut an answer in its context; our own record of the turn holds only what was heard. */
  truncate(): void {}

  appendAudio(pcm: Int16Array): void {
    this.socket.send({
      realtimeInput: { audio: { data: pcm16ToBase64(pcm), mimeType: `audio/pcm;rate=${INPUT_RATE}` } },
    });
  }

  async awaitUserTurn(signal: AbortSignal): Promise<'speech' | 'turn'> {
    for (;;) {
      const message = await this.socket.next({ idleMs: LISTEN_IDLE_MS, signal });
      const content = message.serverContent as JsonMessage | undefined;
      if (content?.interrupted) return 'speech';
      if (
        content?.inputTranscription ||
        content?.modelTurn ||
        content?.outputTranscription ||
        message.toolCall
      ) {
        // The turn's first event: `respond` reads it.
        this.socket.unshift(message);
        return 'turn';
      }
    }
  }

  async *respond(input: AgentTurnInput, { signal, runTool }: AgentTurnOptions): AsyncIterable<AgentEvent> {
    if (input.providerTurn) {
      yield* this.answer(signal, runTool, true);
      return;
    }
    if (input.audio) this.socket.send({ realtimeInput: { activityStart: {} } });
    await this.settle(signal);
    if (input.instructions !== this.instructions) {
      this.instructions = input.instructions;
      this.socket.send({
        clientContent: {
          turns: [
            {
              role: 'user',
              parts: [
                { text: `(Context for your next answer, not said by the user.)\n${input.instructions}` },
              ],
            },
          ],
          turnComplete: false,
        },
      });
    }
    const images = (input.images ?? []).map((image) => ({
      mimeType: image.mimeType,
      data: image.data.toString('base64'),
    }));
    if (input.audio) {
      const pcm = await resampleClip(
        this.opts.resamplers,
        input.audio.samples,
        input.audio.sampleRate,
        INPUT_RATE,
      );
      for (const video of images) this.socket.send({ realtimeInput: { video } });
      for (let at = 0; at < pcm.length; at += CHUNK_SAMPLES) {
        const data = pcm16ToBase64(pcm.subarray(at, at + CHUNK_SAMPLES));
        this.socket.send({ realtimeInput: { audio: { data, mimeType: `audio/pcm;rate=${INPUT_RATE}` } } });
      }
      this.socket.send({ realtimeInput: { activityEnd: {} } });
    } else {
      const parts = [...images.map((inlineData) => ({ inlineData })), { text: input.text ?? '' }];
      this.socket.send({ clientContent: { turns: [{ role: 'user', parts }], turnComplete: true } });
    }

    yield* this.answer(signal, runTool, false);
  }

  /** Reads one answer; `detected`: Gemini's VAD started it, and an interruption means the user talks over it. */
  private async *answer(
    signal: AbortSignal,
    runTool: AgentTurnOptions['runTool'],
    detected: boolean,
  ): AsyncIterable<AgentEvent> {
    let heard = '';
    const flushHeard = function* (): Generator<AgentEvent> {
      if (heard.trim()) yield { type: 'input_transcript', text: heard.trim() };
      heard = '';
    };
    this.unsettled = true;
    for (;;) {
      const message = await this.socket.next({ idleMs: this.opts.idleTimeoutMs ?? 15_000, signal });
      const content = message.serverContent as JsonMessage | undefined;
      if (content) {
        const inputText = (content.inputTranscription as JsonMessage | undefined)?.text;
        if (typeof inputText === 'string') heard += inputText;
        const parts = ((content.modelTurn as JsonMessage | undefined)?.parts ?? []) as JsonMessage[];
        if (parts.length > 0) yield* flushHeard();
        for (const part of parts) {
          const inline = part.inlineData as JsonMessage | undefined;
          if (!inline) continue;
          const mimeType = stringField(inline, 'mimeType', this.label);
          const samples = int16FromBytes(Buffer.from(stringField(inline, 'data', this.label), 'base64'));
          yield { type: 'audio', samples, sampleRate: rateOf(mimeType) };
        }
        const outputText = (content.outputTranscription as JsonMessage | undefined)?.text;
        if (typeof outputText === 'string') yield { type: 'transcript', delta: outputText };
        if (content.interrupted || content.turnComplete) {
          if (content.interrupted && detected) yield { type: 'speech_started' };
          yield* flushHeard();
          yield* usageOf(message);
          this.unsettled = false;
          return;
        }
      }
      const toolCall = message.toolCall as { functionCalls?: JsonMessage[] } | undefined;
      for (const call of toolCall?.functionCalls ?? []) {
        const name = stringField(call, 'name', this.label);
        const callId = typeof call.id === 'string' ? call.id : name;
        const output = await runTool({ callId, name, arguments: JSON.stringify(call.args ?? {}) });
        this.socket.send({
          toolResponse: { functionResponses: [{ id: callId, name, response: asObject(output) }] },
        });
      }
    }
  }

  /** Reads off what a turn we stopped listening to still sends, up to its end (briefly). */
  private async settle(signal: AbortSignal): Promise<void> {
    if (!this.unsettled) return;
    this.unsettled = false;
    try {
      for (;;) {
        const content = (await this.socket.next({ idleMs: 2000, signal })).serverContent as
          | JsonMessage
          | undefined;
        if (content?.interrupted || content?.turnComplete) return;
      }
    } catch (err) {
      if (this.socket.closed || signal.aborted) throw err;
    }
  }
}

/** `audio/pcm;rate=24000` → 24000 (Gemini's output rate when the type does not say). */
function rateOf(mimeType: string): number {
  const rate = Number(/rate=(\d+)/.exec(mimeType)?.[1]);
  return Number.isInteger(rate) && rate >= 8000 && rate <= 48_000 ? rate : 24_000;
}

function* usageOf(message: JsonMessage): Generator<AgentEvent> {
  const usage = message.usageMetadata as
    | { promptTokenCount?: number; responseTokenCount?: number }
    | undefined;
  if (usage) {
    yield {
      type: 'usage',
      usage: { promptTokens: usage.promptTokenCount ?? 0, completionTokens: usage.responseTokenCount ?? 0 },
    };
  }
}

/** A tool's output for `functionResponses`, which takes an object. */
function asObject(output: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(output) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { result: parsed };
  } catch {
    return { result: output };
  }
}
