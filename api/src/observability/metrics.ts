import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ProviderMetricsSnapshot } from '../adapters/failover';
import type { SessionEventPayload } from '../domain/session-events';

/** Seconds: from a few ms (our own stages) to the provider timeouts. */
const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32];
/** Seconds; 50 ms is a bound, the frame latency target. */
const FRAME_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.2, 0.5, 1];

/** A turn's stored timings (ms from the end of the user's turn) and the stage each one closes. */
const TIMING_STAGES: Record<string, string> = {
  sttMs: 'stt',
  promptMs: 'prompt',
  llmFirstTokenMs: 'llm_first_token',
  firstAudioMs: 'first_audio',
  totalMs: 'total',
};

/** What the node counts elsewhere and hands over at each scrape. */
export interface MetricSources {
  liveSessions(): number;
  sockets(): { audio: number; graphql: number; subscriptions: number };
  /** Counters since start. */
  dropped(): {
    microphoneFrames: number;
    slowConsumers: number;
    audioProtocolErrors: number;
    audioUpgrades: number;
  };
  providers(): Record<'stt' | 'llm' | 'tts', ProviderMetricsSnapshot[]>;
  /** What waits in the node's bounded queues now. */
  queues(): {
    /** Utterances waiting for the local speech recognizer. */
    sttUtterances: number;
    events: { publish: number; eventLog: number };
    bytes: { microphone: number; subscribers: number };
  };
}

/**
 * The node's Prometheus metrics (prom-client). Labels stay bounded: stages, event types, error codes, provider
 * labels, never a session or user id. Counts kept elsewhere (sockets, provider chains) are read at scrape time.
 */
export class PlatformMetrics {
  readonly registry = new Registry();
  readonly turnStage = new Histogram({
    name: 'avatar_turn_stage_seconds',
    help: 'Time from the end of the user turn to the end of each stage (stt, prompt, llm_first_token, first_audio, total)',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });
  readonly firstAudio = new Histogram({
    name: 'avatar_end_of_speech_to_first_audio_seconds',
    help: 'End of the user turn to the first synthesized audio of the answer',
    buckets: STAGE_BUCKETS,
    registers: [this.registry],
  });
  /** Microphone frames, from their arrival on the audio socket to their VAD result. */
  readonly audioFrameLatency = new Histogram({
    name: 'avatar_audio_frame_latency_seconds',
    help: 'Microphone frame arrival on the audio socket to its VAD result',
    buckets: FRAME_BUCKETS,
    registers: [this.registry],
  });
  private readonly turns = new Counter({
    name: 'avatar_turns_total',
    help: 'User turns taken (spoken or typed)',
    registers: [this.registry],
  });
  private readonly interruptions = new Counter({
    name: 'avatar_interruptions_total',
    help: 'Answers the user talked over (barge-in) or interrupted',
    registers: [this.registry],
  });
  private readonly sessionErrors = new Counter({
    name: 'avatar_session_errors_total',
    help: 'SessionError events sent to clients, by code',
    labelNames: ['code'],
    registers: [this.registry],
  });
  private readonly failovers = new Counter({
    name: 'avatar_provider_failovers_total',
    help: 'Calls moved from a failing provider to the next one',
    labelNames: ['from', 'to'],
    registers: [this.registry],
  });
  private readonly answers = new Counter({
    name: 'avatar_llm_answers_total',
    help: 'Complete model answers, by whether they satisfied the answer contract as written (kept) or needed repair',
    labelNames: ['contract'],
    registers: [this.registry],
  });
  private readonly exhausted = new Counter({
    name: 'avatar_provider_chain_exhausted_total',
    help: 'Calls every configured provider failed',
    registers: [this.registry],
  });
  private readonly moderation = new Counter({
    name: 'avatar_moderation_flags_total',
    help: 'Answer sentences moderation flagged for review or blocked',
    labelNames: ['outcome'],
    registers: [this.registry],
  });
  private readonly rejected: Counter<'reason'>;

  constructor(sources: MetricSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'avatar_' });
    const registers = [this.registry];
    new Gauge({
      name: 'avatar_live_sessions',
      help: 'Sessions running on this node',
      registers,
      collect() {
        this.set(sources.liveSessions());
      },
    });
    new Gauge({
      name: 'avatar_open_sockets',
      help: 'Open client sockets on this node, by kind',
      labelNames: ['kind'],
      registers,
      collect() {
        const open = sources.sockets();
        this.set({ kind: 'audio' }, open.audio);
        this.set({ kind: 'graphql' }, open.graphql);
      },
    });
    new Gauge({
      name: 'avatar_queued_events',
      help: 'Session events waiting: to be numbered and published (publish), to be written to the log (event_log)',
      labelNames: ['queue'],
      registers,
      collect() {
        const { events } = sources.queues();
        this.set({ queue: 'publish' }, events.publish);
        this.set({ queue: 'event_log' }, events.eventLog);
      },
    });
    new Gauge({
      name: 'avatar_stt_queued_utterances',
      help: 'Utterances waiting for the local speech recognizer (Whisper), in arrival order',
      registers,
      collect() {
        this.set(sources.queues().sttUtterances);
      },
    });
    new Gauge({
      name: 'avatar_queued_bytes',
      help: 'Bytes waiting: microphone audio for the input path (microphone), events for slow readers (subscribers)',
      labelNames: ['queue'],
      registers,
      collect() {
        const { bytes } = sources.queues();
        this.set({ queue: 'microphone' }, bytes.microphone);
        this.set({ queue: 'subscribers' }, bytes.subscribers);
      },
    });
    new Gauge({
      name: 'avatar_subscriptions',
      help: 'Open graphql-ws subscriptions on this node',
      registers,
      collect() {
        this.set(sources.sockets().subscriptions);
      },
    });
    mirroredCounter(
      registers,
      'avatar_microphone_frames_dropped_total',
      'Microphone audio dropped for a slow pipeline',
      () => [[{}, sources.dropped().microphoneFrames]],
    );
    mirroredCounter(
      registers,
      'avatar_slow_consumer_disconnects_total',
      'Subscribers cut off for reading too slowly (4008)',
      () => [[{}, sources.dropped().slowConsumers]],
    );
    mirroredCounter(
      registers,
      'avatar_provider_calls_total',
      'Provider calls by capability, provider and outcome',
      () =>
        Object.entries(sources.providers()).flatMap(([capability, chain]) =>
          chain.flatMap((p) =>
            (['successes', 'failures', 'timeouts', 'aborts'] as const).map(
              (outcome) => [{ capability, provider: p.label, outcome }, p[outcome]] as const,
            ),
          ),
        ),
      ['capability', 'provider', 'outcome'],
    );
    // GraphQL refusals are counted as they are masked (rejectedInput); the audio socket's are its own counts,
    // brought in at scrape time.
    const audioCounted = { protocol: 0, upgrades: 0 };
    this.rejected = new Counter({
      name: 'avatar_rejected_inputs_total',
      help: 'Client input refused, by reason (a GraphQL error code, audio_protocol, audio_upgrade)',
      labelNames: ['reason'],
      registers,
      collect() {
        const { audioProtocolErrors, audioUpgrades } = sources.dropped();
        this.inc({ reason: 'audio_protocol' }, audioProtocolErrors - audioCounted.protocol);
        this.inc({ reason: 'audio_upgrade' }, audioUpgrades - audioCounted.upgrades);
        Object.assign(audioCounted, { protocol: audioProtocolErrors, upgrades: audioUpgrades });
      },
    });
  }

  /** A session event left the pipeline. */
  event(payload: SessionEventPayload): void {
    if (payload.type === 'TranscriptFinal') this.turns.inc();
    else if (payload.type === 'Interrupted') this.interruptions.inc();
    else if (payload.type === 'SessionError') this.sessionErrors.inc({ code: payload.code });
  }

  /** An assistant turn was stored with its timings (ms from the end of the user's turn). */
  turnTimings(timings: Record<string, number>): void {
    for (const [key, stage] of Object.entries(TIMING_STAGES)) {
      const ms = timings[key];
      if (ms !== undefined) this.turnStage.observe({ stage }, ms / 1000);
    }
    if (timings.firstAudioMs !== undefined) this.firstAudio.observe(timings.firstAudioMs / 1000);
  }

  answerContract(kept: boolean): void {
    this.answers.inc({ contract: kept ? 'kept' : 'repaired' });
  }

  failover(event: { type: 'failover'; from: string; to: string } | { type: 'exhausted' }): void {
    if (event.type === 'failover') this.failovers.inc({ from: event.from, to: event.to });
    else this.exhausted.inc();
  }

  moderated(outcome: 'flagged' | 'blocked'): void {
    this.moderation.inc({ outcome });
  }

  /** A client input refused with this error code (BAD_INPUT, RATE_LIMITED, UNAUTHENTICATED...). */
  rejectedInput(code: string): void {
    this.rejected.inc({ reason: code.toLowerCase() });
  }

  /** The Prometheus text exposition. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

type Labels = Record<string, string>;

/** A counter whose value is kept elsewhere (cumulative since start) and copied in at each scrape. */
function mirroredCounter(
  registers: Registry[],
  name: string,
  help: string,
  read: () => (readonly [Labels, number])[],
  labelNames: string[] = [],
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      this.reset();
      for (const [labels, value] of read()) this.inc(labels, value);
    },
  });
}

/** What GET /metrics answers: the exposition, or 401 when a token is configured and the request lacks it. */
export async function metricsResponse(
  metrics: PlatformMetrics,
  token: string | undefined,
  authorization: string | null | undefined,
): Promise<{ status: number; contentType: string; body: string }> {
  if (token && !sameSecret(authorization ?? '', `Bearer ${token}`)) {
    return { status: 401, contentType: 'text/plain', body: 'Bearer token required\n' };
  }
  const { contentType, body } = await metrics.scrape();
  return { status: 200, contentType, body };
}

/** Compares in constant time, so the response time says nothing about how much of a guess was right. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
