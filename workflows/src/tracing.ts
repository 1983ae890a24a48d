/**
 * Workflows and activities in the traces, through Temporal's OpenTelemetry interceptors
 * (`@temporalio/interceptors-opentelemetry`): the client's interceptor puts the active trace context in a
 * started workflow's headers, the workflow interceptors (inside the workflow sandbox) trace the run and pass
 * the context on to its activities, and the activity interceptor traces each execution. Our tracer and our
 * span export are used throughout, so these spans land where the API's do.
 *
 * Written here by hand: the sandbox's finished spans come out through a sink in the shape of OpenTelemetry's 1.x
 * SDK (which that package is built on); `toReadableSpan` gives them the 2.x shape our exporter reads.
 */
import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ClientInterceptors } from '@temporalio/client';
import {
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
  OpenTelemetryWorkflowClientInterceptor,
  type SerializableSpan,
} from '@temporalio/interceptors-opentelemetry';
import type { InjectedSinks, WorkerOptions } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import type { PlatformTracing } from '../../api/src/observability/tracing';

/** The sandbox's interceptors; in every workflow bundle (they cost little without a tracer behind them). */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/** Interceptors and the span sink of a worker; without `tracing` the sandbox's spans are dropped. */
export function workerTracing(
  tracing: PlatformTracing | undefined,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  const sinks: InjectedSinks<OpenTelemetrySinks> = {
    exporter: {
      export: {
        fn: (info, spans) => tracing?.export(spans.map((span) => toReadableSpan(span, info, tracing))),
        // Spans of a replayed history were exported when it first ran.
        callDuringReplay: false,
      },
    },
  };
  const activity = tracing
    ? [
        (ctx: ConstructorParameters<typeof OpenTelemetryActivityInboundInterceptor>[0]) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ]
    : [];
  return { interceptors: { workflowModules: [WORKFLOW_TRACING_MODULE], activity }, sinks };
}

/** The client's interceptor: a started workflow continues the active trace (see `inSessionTrace`). */
export function clientTracing(tracing: PlatformTracing | undefined): ClientInterceptors | undefined {
  return tracing
    ? { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] }
    : undefined;
}

function toReadableSpan(span: SerializableSpan, info: WorkflowInfo, tracing: PlatformTracing): ReadableSpan {
  const { traceId, spanId, traceFlags } = span.spanContext;
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => ({ traceId, spanId, traceFlags }),
    parentSpanContext: span.parentSpanId
      ? { traceId, spanId: span.parentSpanId, traceFlags, isRemote: true }
      : undefined,
    startTime: span.startTime,
    endTime: span.endTime,
    duration: span.duration,
    ended: true,
    status: span.status,
    attributes: {
      ...span.attributes,
      'temporal.workflow.id': info.workflowId,
      'temporal.workflow.type': info.workflowType,
      'temporal.run.id': info.runId,
    },
    links: span.links,
    events: span.events,
    resource: tracing.resource,
    instrumentationScope: span.instrumentationLibrary,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}
