/**
 * Provider turn detection (a persona's `turnDetection: provider`): the microphone's audio streams to the agent,
 * whose own VAD decides the turns. Between answers this waits for the agent to hear the user: speech that starts
 * talks over the avatar, and a detected turn is answered like any other. A failure sends the session to the
 * cascade (our VAD's turns) until the agent is tried again; the next audio heard opens a new connection.
 */
import { randomUUID } from 'node:crypto';
import type { AgentConnection } from '../adapters/agent/types';
import { float32ToInt16 } from '../adapters/audio/resampler';
import type { AgentContext, AgentLink } from './agent-link';

/** Microphone chunks kept for an agent still connecting (20 ms each from our clients: about 5 s). */
const MAX_AUDIO_WHILE_CONNECTING = 250;

/** What the session does with what the agent hears. */
export interface ProviderTurnHandlers {
  /** The instructions (persona and memories) and the conversation so far, for a new connection. */
  context(): Promise<AgentContext>;
  /** The agent heard the user start speaking (a barge-in when the avatar is talking). */
  userSpeechStarted(): void;
  /** The agent detected a finished turn: answer it; resolves once the session is idle again. */
  answerTurn(utteranceId: string): Promise<void>;
  modeChanged(mode: 'AGENT' | 'CASCADE', provider: string | null, reason: string): void;
}

export class ProviderTurns {
  private listening: AbortController | null = null;
  private heardWhileConnecting: Int16Array[] = [];
  /** The utterance id the client named for the audio the agent hears: its detected turns carry it. */
  private heardUtterance: string | null = null;

  constructor(
    private readonly agent: AgentLink,
    private readonly handlers: ProviderTurnHandlers,
  ) {}

  /** The agent is connected and listening: it answers the turns it detects, and our VAD's turns are not needed. */
  get active(): boolean {
    return this.agent.current !== null && this.listening !== null;
  }

  /**
   * The microphone's audio as it comes (16 kHz). A connection is opened when there is none, unless the agent is
   * resting after a failure (then our VAD's turns go to the cascade).
   */
  hear(samples: Float32Array, utteranceId: string): void {
    if (this.agent.resting) return;
    this.heardUtterance = utteranceId;
    const pcm = float32ToInt16(samples);
    const connection = this.agent.current;
    if (connection && this.listening) {
      connection.appendAudio(pcm);
      return;
    }
    this.heardWhileConnecting.push(pcm);
    // What the agent has not heard within a few seconds of connecting is not worth sending late.
    if (this.heardWhileConnecting.length > MAX_AUDIO_WHILE_CONNECTING) this.heardWhileConnecting.shift();
    if (!this.listening) this.listen();
  }

  stop(): void {
    this.listening?.abort();
    this.listening = null;
    this.heardWhileConnecting = [];
  }

  private listen(): void {
    const { agent, handlers } = this;
    const controller = new AbortController();
    this.listening = controller;
    const { signal } = controller;
    let connection: AgentConnection | null = null;
    const run = async () => {
      const available = await agent.acquire(await handlers.context(), signal);
      if (!available.connection) {
        this.heardWhileConnecting = [];
        if (available.justFailed) handlers.modeChanged('CASCADE', null, available.reason);
        return;
      }
      connection = available.connection;
      if (available.restored) handlers.modeChanged('AGENT', agent.label, 'the agent is back');
      for (const pcm of this.heardWhileConnecting.splice(0)) connection.appendAudio(pcm);
      for (;;) {
        const heard = await connection.awaitUserTurn(signal);
        if (heard === 'speech') handlers.userSpeechStarted();
        else await handlers.answerTurn(this.heardUtterance ?? randomUUID());
      }
    };
    run()
      .catch((err: unknown) => {
        if (signal.aborted) return;
        // A turn's own failure already failed the agent over; a drop between answers is reported here.
        if (connection && agent.current === connection) {
          agent.failed(err);
          handlers.modeChanged('CASCADE', null, err instanceof Error ? err.message : String(err));
        }
      })
      .finally(() => {
        if (this.listening === controller) this.listening = null;
      });
  }
}
