/**
 * A session's connection to its speech-to-speech agent: opened on the first turn, kept for the next ones, and
 * after a failure left alone for `retryAfterMs` (the cascade answers meanwhile) before it is tried again.
 */
import type { AgentAdapter, AgentConnection, AgentSetup } from '../adapters/agent/types';
import type { ConversationTurn } from '../domain/prompt';
import type { Clock } from './ports';

export interface AgentLinkOptions {
  adapter: AgentAdapter;
  /** The persona's voice, model and tools; the instructions and history come when a connection is opened. */
  setup: Omit<AgentSetup, 'instructions' | 'history'>;
  retryAfterMs: number;
  clock: Clock;
}

export type AgentAvailability =
  | { connection: AgentConnection; restored: boolean }
  | { connection: null; reason: string; justFailed: boolean };

/** What a new connection starts from: the current instructions, and the conversation so far (read only then). */
export interface AgentContext {
  instructions: string;
  history(): Promise<readonly ConversationTurn[]>;
}

export class AgentLink {
  private connection: AgentConnection | null = null;
  private downUntil = 0;
  private lastFailure: string | null = null;

  constructor(private readonly opts: AgentLinkOptions) {}

  get label(): string {
    return this.opts.adapter.label;
  }

  get turnDetection(): AgentSetup['turnDetection'] {
    return this.opts.setup.turnDetection;
  }

  /** The open connection, if there is one. */
  get current(): AgentConnection | null {
    return this.connection && !this.connection.closed ? this.connection : null;
  }

  /** The agent failed lately and is let rest: the cascade answers until then. */
  get resting(): boolean {
    return this.opts.clock.now() < this.downUntil;
  }

  /** The connection to answer this turn with, or why the cascade answers instead. */
  async acquire(context: AgentContext, signal: AbortSignal): Promise<AgentAvailability> {
    if (this.connection && !this.connection.closed) return { connection: this.connection, restored: false };
    if (this.connection?.closed) {
      // It dropped between turns: the session hears of it now.
      this.failed(new Error('the agent connection closed'));
      return this.down(true);
    }
    if (this.opts.clock.now() < this.downUntil) return this.down(false);
    try {
      const history = await context.history();
      this.connection = await this.opts.adapter.connect(
        { ...this.opts.setup, instructions: context.instructions, history },
        { signal },
      );
    } catch (err) {
      if (signal.aborted) return { connection: null, reason: 'cancelled', justFailed: false };
      this.failed(err);
      return this.down(true);
    }
    const restored = this.lastFailure !== null;
    this.lastFailure = null;
    return { connection: this.connection, restored };
  }

  /** The agent failed (the caller says so to the session): drop it and let it rest. */
  failed(err: unknown): void {
    this.connection?.close();
    this.connection = null;
    this.downUntil = this.opts.clock.now() + this.opts.retryAfterMs;
    this.lastFailure = err instanceof Error ? err.message : String(err);
  }

  close(): void {
    this.connection?.close();
    this.connection = null;
  }

  /** `justFailed`: it failed just now, trying to connect for this turn (the session is told once). */
  private down(justFailed: boolean): AgentAvailability {
    return { connection: null, reason: this.lastFailure ?? 'the agent is unavailable', justFailed };
  }
}
