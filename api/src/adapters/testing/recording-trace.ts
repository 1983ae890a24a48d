import type { TraceAttributes, TraceSpan } from '../../domain/tracing';

export interface RecordedSpan {
  name: string;
  parent: RecordedSpan | null;
  attributes: TraceAttributes;
  marks: string[];
  failed: boolean;
  ended: boolean;
}

/** Records spans as the pipeline makes them, for unit tests (the real SDK is tested end to end). */
export class RecordingTracer {
  readonly spans: RecordedSpan[] = [];
  /** The `traceparent` each turn was started with. */
  readonly traceparents: (string | undefined)[] = [];

  startTurn(opts: { traceparent?: string; attributes: TraceAttributes }): TraceSpan {
    this.traceparents.push(opts.traceparent);
    return this.span('avatar.turn', null, opts.attributes);
  }

  /** A root span of any name, to hand a provider call as its context. */
  root(name: string): TraceSpan {
    return this.span(name, null, {});
  }

  /** Names of the spans under `parent` (any depth), in the order they started. */
  namesUnder(parent: RecordedSpan): string[] {
    const isUnder = (span: RecordedSpan): boolean =>
      span.parent !== null && (span.parent === parent || isUnder(span.parent));
    return this.spans.filter(isUnder).map((span) => span.name);
  }

  private span(name: string, parent: RecordedSpan | null, attributes: TraceAttributes = {}): TraceSpan {
    const record: RecordedSpan = {
      name,
      parent,
      attributes: { ...attributes },
      marks: [],
      failed: false,
      ended: false,
    };
    this.spans.push(record);
    return {
      ids: { traceId: 'trace', spanId: `span-${this.spans.length}` },
      child: (child, more) => this.span(child, record, more),
      set: (more) => Object.assign(record.attributes, more),
      mark: (mark) => void record.marks.push(mark),
      fail: () => {
        record.failed = true;
      },
      end: () => {
        record.ended = true;
      },
    };
  }
}
