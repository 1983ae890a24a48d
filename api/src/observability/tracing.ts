/**
 * OpenTelemetry traces (the official SDK): one trace per user turn, a span per pipeline stage and provider
 * attempt, one per GraphQL operation, and a session's background work in the session's own trace. Clients
 * continue their own trace with a W3C `traceparent`.
 *
 * In the API only this file knows the SDK; the pipeline sees `TraceSpan` (workflows/src/tracing.ts plugs
 * Temporal's interceptors in). The tracer provider belongs to the app (not the global one), so two apps in one
 * process (tests, the cluster benchmark) keep their spans apart. Export is asynchronous and bounded: a full
 * queue drops spans, and an OTLP endpoint that is down costs a turn nothing.
 */
import { createHash } from 'node:crypto';
import {
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  type SpanContext,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  type ReadableSpan,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { type DocumentNode, type GraphQLError, getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { SessionEvent } from '../domain/session-events';
import type { TraceAttributes, TraceSpan } from '../domain/tracing';
import { errorCode } from '../errors';
import type { TurnTracer } from '../realtime/ports';

/** An export that takes longer is abandoned (its spans dropped): a collector that hangs holds nothing up. */
const EXPORT_TIMEOUT_MS = 5_000;
/** Spans waiting for export; beyond this, new ones are dropped (and counted by the SDK). */
const MAX_QUEUED_SPANS = 4_096;

const propagator = new W3CTraceContextPropagator();
const carrierGetter = {
  get: (carrier: Record<string, string>, key: string) => carrier[key],
  keys: (carrier: Record<string, string>) => Object.keys(carrier),
};

let globalContextRegistered = false;

/**
 * Temporal's interceptors carry the active context in workflow and activity headers: they need the active context
 * to follow async calls, and a W3C propagator. Process-wide and set once; our own spans name their parents
 * explicitly, so this does not touch them.
 */
function registerGlobalContext(): void {
  if (globalContextRegistered) return;
  globalContextRegistered = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagator);
}

class OtelSpan implements TraceSpan {
  constructor(
    private readonly tracer: Tracer,
    readonly span: Span,
  ) {}

  get ids(): { traceId: string; spanId: string } {
    const { traceId, spanId } = this.span.spanContext();
    return { traceId, spanId };
  }

  /** This span as a W3C `traceparent`, for work that continues it elsewhere (another node, a turn). */
  get traceparent(): string | undefined {
    const carrier: Record<string, string> = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.span), carrier, {
      set: (c, key, value) => {
        c[key] = value;
      },
    });
    return carrier.traceparent;
  }

  child(name: string, attributes?: TraceAttributes, startTime?: number): TraceSpan {
    const parent = trace.setSpan(ROOT_CONTEXT, this.span);
    const span = this.tracer.startSpan(name, { attributes: defined(attributes), startTime }, parent);
    return new OtelSpan(this.tracer, span);
  }

  set(attributes: TraceAttributes): void {
    this.span.setAttributes(defined(attributes));
  }

  mark(name: string, attributes?: TraceAttributes): void {
    this.span.addEvent(name, defined(attributes));
  }

  fail(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    this.span.recordException(error);
    this.span.setAttribute('error.type', errorCode(err));
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
  }

  end(endTime?: number): void {
    this.span.end(endTime);
  }
}

export interface TracingOptions {
  serviceName: string;
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  otlpEndpoint?: string;
  /** Tests: spans go here at once instead (an in-memory exporter). */
  exporter?: SpanExporter;
}

/**
 * The app's tracer: turns for the pipeline, operations for GraphQL, and (through Temporal's OpenTelemetry
 * interceptors, see workflows/src/tracing.ts) the workflows and activities a session starts.
 */
export class PlatformTracing implements TurnTracer {
  private readonly provider: TracerProvider;
  readonly tracer: Tracer;
  readonly resource: ReturnType<typeof resourceFromAttributes>;

  private constructor(
    options: TracingOptions,
    private readonly processor: SpanProcessor,
  ) {
    this.resource = resourceFromAttributes({ 'service.name': options.serviceName });
    this.provider = new TracerProvider({ resource: this.resource, spanProcessors: [processor] });
    this.tracer = this.provider.getTracer('avatar-platform');
    registerGlobalContext();
  }

  /** Undefined when there is nowhere to send spans: then nothing is traced at all. */
  static create(options: TracingOptions): PlatformTracing | undefined {
    if (options.exporter)
      return new PlatformTracing(options, new SimpleSpanProcessor({ exporter: options.exporter }));
    if (!options.otlpEndpoint) return undefined;
    const exporter = new OTLPTraceExporter({
      url: `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`,
      timeoutMillis: EXPORT_TIMEOUT_MS,
    });
    const processor = new BatchSpanProcessor({
      exporter,
      maxQueueSize: MAX_QUEUED_SPANS,
      // A slow turn is in Jaeger a second later.
      scheduledDelayMillis: 1_000,
      exportTimeoutMillis: EXPORT_TIMEOUT_MS,
    });
    return new PlatformTracing(options, processor);
  }

  startTurn(opts: {
    traceparent?: string;
    startTime?: number;
    attributes: TraceAttributes;
    sessionTraceId?: string;
  }): TraceSpan {
    const span = this.start('avatar.turn', opts);
    // Each turn is a trace of its own; a link ties it to its session's (workflows, summaries).
    if (opts.sessionTraceId) span.span.addLink({ context: sessionSpanContext(opts.sessionTraceId) });
    return span;
  }

  /**
   * A live event reached a subscriber's stream on this node: the first audio of a traced answer records its
   * delivery (`deliver`, from when the event was numbered to now) in the turn's trace.
   */
  delivered(event: SessionEvent): void {
    if (event.type !== 'SpeechChunk' || !event.traceparent) return;
    const parent = propagator.extract(ROOT_CONTEXT, { traceparent: event.traceparent }, carrierGetter);
    const at = Date.parse(event.at);
    this.tracer
      .startSpan(
        'deliver',
        { startTime: Number.isNaN(at) ? undefined : at, attributes: { 'event.seq': event.seq } },
        parent,
      )
      .end();
  }

  /** Finished spans made elsewhere (the Temporal workflow sandbox), exported with this app's. */
  export(spans: ReadableSpan[]): void {
    for (const span of spans) this.processor.onEnd(span);
  }

  /** Sends what is queued, within `timeoutMs`; spans still unsent after that are dropped. */
  async shutdown(timeoutMs = 2_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([this.provider.shutdown().catch(() => undefined), late]);
    clearTimeout(timer);
  }

  /**
   * A span per GraphQL operation, continuing the client's `traceparent` (HTTP header, or graphql-ws connection
   * params). Resolvers find the operation's own `traceparent` in the context, so the turn a `sendText` starts
   * hangs under it. A malformed `traceparent` starts a new trace.
   */
  graphqlPlugin(): Plugin<{ traceparent?: string }> {
    /** The operation's span; the caller ends it with its first result (a subscription: once it is set up). */
    const begin = (args: {
      document: DocumentNode;
      operationName?: string | null;
      contextValue: unknown;
    }) => {
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'unknown';
      return this.start(`graphql.${type}`, {
        traceparent: clientTraceparent(args.contextValue as TransportContext),
        attributes: { 'graphql.operation.type': type, 'graphql.operation.name': operation?.name?.value },
      });
    };
    const finish = (span: OtelSpan, errors: readonly GraphQLError[] | undefined) => {
      if (errors?.length) {
        span.fail(errors[0]?.originalError ?? errors[0]);
        span.set({ 'graphql.errors': errors.length });
      }
      span.end();
    };
    return {
      onExecute: ({ args, extendContext }) => {
        const span = begin(args);
        extendContext({ traceparent: span.traceparent });
        return {
          onExecuteDone: ({ result }) => finish(span, 'errors' in result ? result.errors : undefined),
        };
      },
      // Envelop hands subscriptions to onSubscribe instead.
      onSubscribe: ({ args, extendContext }) => {
        const span = begin(args);
        extendContext({ traceparent: span.traceparent });
        return {
          onSubscribeResult: ({ result }) => finish(span, 'errors' in result ? result.errors : undefined),
          onSubscribeError: ({ error }) => {
            span.fail(error);
            span.end();
          },
        };
      },
    };
  }

  private start(
    name: string,
    opts: { traceparent?: string; startTime?: number; attributes: TraceAttributes },
  ): OtelSpan {
    const parent = opts.traceparent
      ? propagator.extract(ROOT_CONTEXT, { traceparent: opts.traceparent }, carrierGetter)
      : ROOT_CONTEXT;
    const span = this.tracer.startSpan(
      name,
      { attributes: defined(opts.attributes), startTime: opts.startTime },
      parent,
    );
    return new OtelSpan(this.tracer, span);
  }
}

/**
 * The trace of a whole session: its id is the session's `traceId` (already a W3C trace id), under a parent span
 * id derived from it. Work a session starts in the background (its summary) runs in this trace, and turns link
 * to it, so Jaeger finds a session's background work by the trace id the console shows.
 */
export function sessionSpanContext(sessionTraceId: string): SpanContext {
  const spanId = createHash('sha256').update(sessionTraceId).digest('hex').slice(0, 16);
  return { traceId: sessionTraceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true };
}

/** Runs `work` with the session's trace as the active context (Temporal's client interceptor reads it). */
export function inSessionTrace<T>(sessionTraceId: string, work: () => Promise<T>): Promise<T> {
  return context.with(trace.setSpanContext(ROOT_CONTEXT, sessionSpanContext(sessionTraceId)), work);
}

interface TransportContext {
  request?: Request;
  connectionParams?: Record<string, unknown>;
}

function clientTraceparent(ctx: TransportContext): string | undefined {
  const fromParams = ctx.connectionParams?.traceparent;
  if (typeof fromParams === 'string') return fromParams;
  return ctx.request?.headers.get('traceparent') ?? undefined;
}

function defined(attributes: TraceAttributes | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) out[key] = value;
  return out;
}
