/**
 * OpenAI's Realtime API as a speech-to-speech agent, over its WebSocket protocol: `session.update` (instructions,
 * voice, tools, input transcription; turn detection off, since turns are ours), the user's audio as
 * `input_audio_buffer.append` + `commit`, typed text and images as a `conversation.item.create`, `response.create`;
 * back come `response.audio.delta`, `response.audio_transcript.delta`, the input transcription, function calls
 * (answered with `function_call_output` items and another `response.create`) and `response.done`. A barge-in
 * sends `response.cancel`, and `conversation.item.truncate` with the milliseconds the user heard. A connection
 * opened mid-session is given the conversation so far as message items first.
 * Audio is PCM16 mono at 24 kHz both ways.
 */

import type { ModelToolCall } from '../../domain/tools';
import { ProviderError } from '../../errors';
import { int16FromBytes, pcm16ToBase64 } from '../audio/pcm';
import {
  float32ToInt16,
  type ResamplerPool,
  resampleClip,
  type StreamingResampler,
} from '../audio/resampler';
import { type JsonMessage, JsonSocket, LISTEN_IDLE_MS, stringField } from './json-socket';
import type {
  AgentAdapter,
  AgentConnection,
  AgentEvent,
  AgentSetup,
  AgentTurnInput,
  AgentTurnOptions,
} from './types';

const RATE = 24_000;
/** What the microphone path hands over for provider turn detection. */
const MICROPHONE_RATE = 16_000;
/** Audio per `input_audio_buffer.append` (the API takes up to 15 MiB per event; smaller keeps events light). */
const APPEND_SAMPLES = RATE / 2;

export interface OpenAIRealtimeOptions {
  /** `wss://api.openai.com/v1/realtime` or a compatible server. */
  url: string;
  apiKey?: string;
  model: string;
  resamplers: ResamplerPool;
  /** The model that transcribes the user's audio for us (input transcription). */
  transcriptionModel?: string;
  connectTimeoutMs?: number;
  /** Longest silence from the provider while an answer is due: past it the turn fails over. */
  idleTimeoutMs?: number;
}

export class OpenAIRealtimeAgent implements AgentAdapter {
  readonly label: string;

  constructor(private readonly opts: OpenAIRealtimeOptions) {
    this.label = `openai-realtime:${opts.model}`;
  }

  async connect(setup: AgentSetup, { signal }: { signal?: AbortSignal } = {}): Promise<AgentConnection> {
    const model = setup.model ?? this.opts.model;
    const timeoutMs = this.opts.connectTimeoutMs ?? 10_000;
    const socket = await JsonSocket.open(`${this.opts.url}?model=${encodeURIComponent(model)}`, {
      label: this.label,
      headers: {
        ...(this.opts.apiKey ? { authorization: `Bearer ${this.opts.apiKey}` } : {}),
        'openai-beta': 'realtime=v1',
      },
      timeoutMs,
      signal,
    });
    try {
      await expectEvent(socket, 'session.created', timeoutMs, signal);
      socket.send({
        type: 'session.update',
        session: {
          modalities: ['audio', 'text'],
          instructions: setup.instructions,
          ...(setup.voice ? { voice: setup.voice } : {}),
          input_audio_format: 'pcm16',
          output_audio_format: 'pcm16',
          input_audio_transcription: { model: this.opts.transcriptionModel ?? 'whisper-1' },
          // Our end of turn commits the audio; the provider's server VAD commits and answers on its own.
          turn_detection:
            setup.turnDetection === 'provider'
              ? {
                  type: 'server_vad',
                  silence_duration_ms: 500,
                  create_response: true,
                  interrupt_response: true,
                }
              : null,
          tools: setup.tools.map((t) => ({ type: 'function', ...t })),
          tool_choice: setup.tools.length > 0 ? 'auto' : 'none',
        },
      });
      await expectEvent(socket, 'session.updated', timeoutMs, signal);
      for (const turn of setup.history) {
        if (!turn.text) continue;
        // Beta content types: the user's words are input text, the answer's (as far as it was heard) text.
        const content = [{ type: turn.role === 'user' ? 'input_text' : 'text', text: turn.text }];
        socket.send({
          type: 'conversation.item.create',
          item: { type: 'message', role: turn.role, content },
        });
      }
    } catch (err) {
      socket.close();
      throw err;
    }
    return new OpenAIRealtimeConnection(socket, setup.instructions, this.opts);
  }
}

/** An assistant audio item of the last answer, where it starts on the answer's audio timeline. */
interface SpokenItem {
  id: string;
  startMs: number;
  endMs: number;
}

class OpenAIRealtimeConnection implements AgentConnection {
  readonly label: string;
  private readonly idleMs: number;
  private items: SpokenItem[] = [];
  /** A response we cancelled may still be sending: its events are read off before the next turn. */
  private unsettled = false;
  /** Provider turn detection: the user's item the server VAD committed last, whose answer comes next. */
  private detectedItem: string | null = null;
  /** Provider turn detection: the microphone's 16 kHz audio on its way to 24 kHz, in order. */
  private upsampler: Promise<StreamingResampler> | null = null;
  private appending: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: JsonSocket,
    private instructions: string,
    private readonly opts: OpenAIRealtimeOptions,
  ) {
    this.label = socket.label;
    this.idleMs = opts.idleTimeoutMs ?? 15_000;
  }

  get closed(): boolean {
    return this.socket.closed;
  }

  close(): void {
    this.socket.close();
    const upsampler = this.upsampler;
    this.upsampler = null;
    void upsampler?.then((resampler) => this.opts.resamplers.release(resampler)).catch(() => undefined);
  }

  appendAudio(pcm: Int16Array): void {
    this.upsampler ??= this.opts.resamplers.acquire(MICROPHONE_RATE, RATE);
    const upsampler = this.upsampler;
    // Chained, so the audio goes out in the order it came; a closed socket drops it.
    this.appending = this.appending
      .then(async () => {
        const out = float32ToInt16((await upsampler).push(pcm));
        if (out.length > 0)
          this.socket.send({ type: 'input_audio_buffer.append', audio: pcm16ToBase64(out) });
      })
      .catch(() => undefined);
  }

  async awaitUserTurn(signal: AbortSignal): Promise<'speech' | 'turn'> {
    for (;;) {
      const message = await this.socket.next({ idleMs: LISTEN_IDLE_MS, signal });
      if (message.type === 'input_audio_buffer.speech_started') return 'speech';
      if (message.type === 'input_audio_buffer.committed') {
        this.detectedItem = stringField(message, 'item_id', this.label);
        return 'turn';
      }
      if (message.type === 'error') throw providerError(this.label, message);
    }
  }

  async *respond(input: AgentTurnInput, { signal, runTool }: AgentTurnOptions): AsyncIterable<AgentEvent> {
    if (!input.providerTurn) await this.settle(signal);
    if (input.instructions !== this.instructions) {
      this.instructions = input.instructions;
      this.socket.send({ type: 'session.update', session: { instructions: input.instructions } });
    }
    if (input.audio && !input.providerTurn) {
      const pcm = await resampleClip(this.opts.resamplers, input.audio.samples, input.audio.sampleRate, RATE);
      for (let at = 0; at < pcm.length; at += APPEND_SAMPLES) {
        this.socket.send({
          type: 'input_audio_buffer.append',
          audio: pcm16ToBase64(pcm.subarray(at, at + APPEND_SAMPLES)),
        });
      }
      this.socket.send({ type: 'input_audio_buffer.commit' });
    }
    if (!input.providerTurn && (input.text || input.images?.length)) {
      const content = [
        ...(input.images ?? []).map((image) => ({
          type: 'input_image',
          image_url: `data:${image.mimeType};base64,${image.data.toString('base64')}`,
        })),
        ...(input.text ? [{ type: 'input_text', text: input.text }] : []),
      ];
      this.socket.send({
        type: 'conversation.item.create',
        item: { type: 'message', role: 'user', content },
      });
    }
    // The provider's VAD started this answer itself.
    if (!input.providerTurn) this.socket.send({ type: 'response.create' });
    this.items = [];

    let audioMs = 0;
    let responding = true;
    /** The response being read: events of any other (one we cancelled) are stale. */
    let responseId: string | null = null;
    /** The user's spoken item, whose transcript we wait for (it may come after the answer). */
    let inputItem: string | null = input.providerTurn ? this.detectedItem : null;
    let transcriptDue = Boolean(input.audio) || inputItem !== null;
    const calls: ModelToolCall[] = [];
    const cancel = () => {
      if (responding) this.socket.send({ type: 'response.cancel' });
      this.unsettled = responding;
    };
    signal.addEventListener('abort', cancel, { once: true });
    try {
      for (;;) {
        let message: JsonMessage;
        try {
          message = await this.socket.next({ idleMs: responding ? this.idleMs : 3000, signal });
        } catch (err) {
          // The answer is complete; a transcription that never comes leaves the turn without the user's words.
          if (!responding && !signal.aborted && !this.socket.closed) return;
          throw err;
        }
        const about = responseOf(message);
        if (message.type === 'response.created') responseId = about;
        else if (about !== null && about !== responseId) continue;
        switch (message.type) {
          case 'input_audio_buffer.speech_started':
            yield { type: 'speech_started' };
            break;
          case 'input_audio_buffer.committed':
            inputItem = stringField(message, 'item_id', this.label);
            break;
          case 'conversation.item.input_audio_transcription.completed':
          case 'conversation.item.input_audio_transcription.failed':
            if (message.item_id !== inputItem) break;
            transcriptDue = false;
            if (message.type.endsWith('completed')) {
              yield { type: 'input_transcript', text: stringField(message, 'transcript', this.label) };
            }
            if (!responding) return;
            break;
          case 'response.output_item.added': {
            const item = message.item as JsonMessage | undefined;
            if (item?.type === 'message')
              this.items.push({ id: stringField(item, 'id', this.label), startMs: audioMs, endMs: audioMs });
            break;
          }
          case 'response.audio.delta':
          case 'response.output_audio.delta': {
            const samples = int16FromBytes(Buffer.from(stringField(message, 'delta', this.label), 'base64'));
            audioMs += (samples.length * 1000) / RATE;
            const item = this.items.at(-1);
            if (item) item.endMs = audioMs;
            yield { type: 'audio', samples, sampleRate: RATE };
            break;
          }
          case 'response.audio_transcript.delta':
          case 'response.output_audio_transcript.delta':
            yield { type: 'transcript', delta: stringField(message, 'delta', this.label) };
            break;
          case 'response.function_call_arguments.done':
            calls.push({
              callId: stringField(message, 'call_id', this.label),
              name: stringField(message, 'name', this.label),
              arguments: stringField(message, 'arguments', this.label),
            });
            break;
          case 'response.done': {
            responding = false;
            const response = (message.response ?? {}) as JsonMessage;
            const usage = response.usage as { input_tokens?: number; output_tokens?: number } | undefined;
            if (usage) {
              yield {
                type: 'usage',
                usage: { promptTokens: usage.input_tokens ?? 0, completionTokens: usage.output_tokens ?? 0 },
              };
            }
            if (response.status === 'failed' || response.status === 'incomplete') {
              throw new ProviderError(
                this.label,
                `the response ${response.status}: ${JSON.stringify(response.status_details ?? {})}`,
              );
            }
            if (calls.length > 0) {
              for (const call of calls.splice(0)) {
                const output = await runTool(call);
                this.socket.send({
                  type: 'conversation.item.create',
                  item: { type: 'function_call_output', call_id: call.callId, output },
                });
              }
              this.socket.send({ type: 'response.create' });
              responding = true;
              break;
            }
            if (!transcriptDue) return;
            break;
          }
          case 'error': {
            // Cancelling a response that had just finished is a race, not a failure.
            if ((message.error as { code?: string } | undefined)?.code === 'response_cancel_not_active')
              break;
            throw providerError(this.label, message);
          }
        }
      }
    } finally {
      signal.removeEventListener('abort', cancel);
    }
  }

  truncate(playedMs: number): void {
    const cut = this.items.findLast((item) => item.startMs <= playedMs) ?? this.items[0];
    if (!cut) return;
    const audioEndMs = Math.round(Math.max(0, Math.min(playedMs, cut.endMs) - cut.startMs));
    this.socket.send({
      type: 'conversation.item.truncate',
      item_id: cut.id,
      content_index: 0,
      audio_end_ms: audioEndMs,
    });
    // Items the user never heard at all (after a tool call) are forgotten too.
    for (const later of this.items.filter((item) => item.startMs > cut.startMs)) {
      this.socket.send({ type: 'conversation.item.delete', item_id: later.id });
    }
    this.items = [];
  }

  /** Reads off what a cancelled response still sends, up to its `response.done` (briefly). */
  private async settle(signal: AbortSignal): Promise<void> {
    if (!this.unsettled) return;
    this.unsettled = false;
    try {
      for (;;) {
        const message = await this.socket.next({ idleMs: 2000, signal });
        if (message.type === 'response.done') return;
      }
    } catch (err) {
      if (this.socket.closed || signal.aborted) throw err;
      // A provider that never confirms the cancel: go on, its stray events carry an old response.
    }
  }
}

/** The response an event belongs to, when it says (`response_id`, or the response it carries). */
function responseOf(message: JsonMessage): string | null {
  if (typeof message.response_id === 'string') return message.response_id;
  const response = message.response as { id?: unknown } | undefined;
  return typeof response?.id === 'string' ? response.id : null;
}

/** The provider's `error` event as our error. */
function providerError(label: string, message: JsonMessage): ProviderError {
  const error = (message.error ?? {}) as { message?: string };
  return new ProviderError(label, error.message ?? 'the agent reported an error', { retryable: true });
}

/** Waits for an event of `type`, skipping others; the provider's `error` event fails it. */
async function expectEvent(
  socket: JsonSocket,
  type: string,
  idleMs: number,
  signal?: AbortSignal,
): Promise<JsonMessage> {
  for (;;) {
    const message = await socket.next({ idleMs, signal });
    if (message.type === type) return message;
    if (message.type === 'error') throw providerError(socket.label, message);
  }
}
