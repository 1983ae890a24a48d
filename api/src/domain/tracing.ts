/**
 * A span of a turn's trace as the pipeline and the adapters see it. No tracing SDK behind this line:
 * `observability/tracing.ts` implements it with OpenTelemetry, and `UNTRACED` costs nothing.
 */
export type TraceAttributes = Record<string, string | number | boolean | undefined>;

export interface TraceSpan {
  /** W3C ids of this span, for log lines; undefined when nothing is traced. */
  readonly ids: { traceId: string; spanId: string } | undefined;
  /** `startTime`: `performance.now()` ms, for a stage that began before it was known (end of turn). */
  child(name: string, attributes?: TraceAttributes, startTime?: number): TraceSpan;
  set(attributes: TraceAttributes): void;
  /** A moment inside the span (first token, first audio). */
  mark(name: string, attributes?: TraceAttributes): void;
  /** The span's work failed; `code` is the typed error code when the error has one. */
  fail(err: unknown): void;
  /** `endTime`: `performance.now()` ms, when the span ended before it could be recorded. */
  end(endTime?: number): void;
}

/** The span a provider call runs under and the fields its log lines carry (ids of session, response, trace). */
export interface CallContext {
  trace: TraceSpan;
  log: Readonly<Record<string, string>>;
}

/** The span as a W3C `traceparent` (sampled: only recorded spans have ids), for work that continues it elsewhere. */
export function traceparentOf(span: TraceSpan): string | undefined {
  return span.ids && `00-${span.ids.traceId}-${span.ids.spanId}-01`;
}

export const UNTRACED: TraceSpan = {
  ids: undefined,
  child: () => UNTRACED,
  set: () => undefined,
  mark: () => undefined,
  fail: () => undefined,
  end: () => undefined,
};

/** Runs `work` as a child span of `parent`: ended when it settles, failed when it rejects. */
export async function traced<T>(
  parent: TraceSpan,
  name: string,
  work: (span: TraceSpan) => Promise<T>,
): Promise<T> {
  const span = parent.child(name);
  try {
    return await work(span);
  } catch (err) {
    span.fail(err);
    throw err;
  } finally {
    span.end();
  }
}
