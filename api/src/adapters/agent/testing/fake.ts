/**
 * A scriptable speech-to-speech agent for pipeline tests: per turn, the user's transcript, the answer's words
 * (each word one transcript delta and one audio chunk of a quiet tone at 24 kHz), an optional tool call first,
 * a failure after some chunks, or a hold after some chunks until `release()`. Records what it was asked.
 */
import { ProviderError } from '../../../errors';
import type {
  AgentAdapter,
  AgentConnection,
  AgentEvent,
  AgentSetup,
  AgentTurnInput,
  AgentTurnOptions,
} from '../types';

export interface FakeAgentTurn {
  inputTranscript?: string;
  answer: string;
  /** Audio per word. */
  chunkMs?: number;
  toolCall?: { name: string; arguments: string };
  /** Throw a ProviderError (a dropped connection) after this many chunks. */
  failAfterChunks?: number;
  /** Wait for `release()` after this many chunks. */
  holdAfterChunks?: number;
}

export const FAKE_AGENT_RATE = 24_000;

export class FakeAgent implements AgentAdapter {
  readonly label = 'fake-agent';
  readonly setups: AgentSetup[] = [];
  readonly inputs: AgentTurnInput[] = [];
  readonly truncations: number[] = [];
  readonly toolOutputs: string[] = [];
  private turn = 0;
  private held: (() => void) | null = null;

  constructor(private readonly turns: FakeAgentTurn[]) {}

  /** Lets a held answer go on. */
  release(): void {
    this.held?.();
    this.held = null;
  }

  async connect(setup: AgentSetup): Promise<AgentConnection> {
    this.setups.push(setup);
    let closed = false;
    return {
      label: this.label,
      get closed() {
        return closed;
      },
      close: () => {
        closed = true;
      },
      truncate: (playedMs) => this.truncations.push(playedMs),
      appendAudio: () => undefined,
      awaitUserTurn: (signal) =>
        new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
      respond: (input, opts) => this.respond(input, opts),
    };
  }

  private async *respond(
    input: AgentTurnInput,
    { signal, runTool }: AgentTurnOptions,
  ): AsyncIterable<AgentEvent> {
    this.inputs.push(input);
    const turn = this.turns[Math.min(this.turn++, this.turns.length - 1)]!;
    if (turn.inputTranscript) yield { type: 'input_transcript', text: turn.inputTranscript };
    if (turn.toolCall) this.toolOutputs.push(await runTool({ callId: 'call-1', ...turn.toolCall }));
    const samples = Math.round(((turn.chunkMs ?? 200) * FAKE_AGENT_RATE) / 1000);
    for (const [i, word] of turn.answer.split(' ').entries()) {
      if (signal.aborted) return;
      if (i === turn.failAfterChunks)
        throw new ProviderError(this.label, 'the agent connection closed (1006)');
      if (i === turn.holdAfterChunks) await new Promise<void>((resolve) => (this.held = resolve));
      yield { type: 'transcript', delta: i === 0 ? word : ` ${word}` };
      const tone = new Int16Array(samples).map((_, n) => Math.round(2000 * Math.sin(n / 10)));
      yield { type: 'audio', samples: tone, sampleRate: FAKE_AGENT_RATE };
    }
    yield { type: 'usage', usage: { promptTokens: 10, completionTokens: 5 } };
  }
}
