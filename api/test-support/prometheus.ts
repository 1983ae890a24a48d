import parsePrometheusTextFormat from 'parse-prometheus-text-format';

type Labels = Record<string, string>;

/** One metric family of a Prometheus text exposition, as parse-prometheus-text-format reads it. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  metrics: {
    labels?: Labels;
    value?: string;
    /** Histograms: cumulative count per upper bound (`le`), with their count and sum. */
    buckets?: Record<string, string>;
    count?: string;
    sum?: string;
  }[];
}

/** Scrapes a /metrics endpoint over HTTP and parses it with a Prometheus text-format parser library. */
export async function scrapeMetrics(url: string, init?: RequestInit): Promise<Map<string, MetricFamily>> {
  const res = await fetch(url, init);
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  return parseExposition(await res.text());
}

/**
 * The library merges every series of a labelled histogram into one and drops its count and sum, so histograms
 * are declared untyped before parsing (their `_bucket`, `_count` and `_sum` series then parse as families of
 * their own, labels kept) and put back together here, one series per label set.
 */
export function parseExposition(text: string): Map<string, MetricFamily> {
  const histograms = [...text.matchAll(/^# TYPE (\S+) histogram$/gm)].map((m) => m[1]!);
  const untyped = text.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped');
  // A histogram's series interleave (`_bucket`, `_sum`, `_count` per label set), so one name parses as many families.
  const families = new Map<string, MetricFamily>();
  for (const family of parsePrometheusTextFormat(untyped) as MetricFamily[]) {
    const seen = families.get(family.name);
    if (seen) seen.metrics.push(...family.metrics);
    else families.set(family.name, family);
  }
  for (const name of histograms) {
    const series = new Map<string, MetricFamily['metrics'][number]>();
    const seriesOf = (labels: Labels = {}) => {
      const key = JSON.stringify(Object.entries(labels).sort());
      let entry = series.get(key);
      if (!entry) {
        entry = { labels, buckets: {} };
        series.set(key, entry);
      }
      return entry;
    };
    for (const { labels = {}, value } of families.get(`${name}_bucket`)?.metrics ?? []) {
      const { le, ...rest } = labels;
      seriesOf(rest).buckets![le!] = value!;
    }
    for (const { labels, value } of families.get(`${name}_count`)?.metrics ?? [])
      seriesOf(labels).count = value;
    for (const { labels, value } of families.get(`${name}_sum`)?.metrics ?? []) seriesOf(labels).sum = value;
    for (const suffix of ['_bucket', '_count', '_sum']) families.delete(name + suffix);
    const help = families.get(name)?.help ?? '';
    families.set(name, { name, help, type: 'HISTOGRAM', metrics: [...series.values()] });
  }
  return families;
}

/** The sum of the family's series whose labels include `labels` (a histogram's: their counts); 0 with none. */
export function seriesValue(family: MetricFamily | undefined, labels: Labels = {}): number {
  return (family?.metrics ?? [])
    .filter((m) => Object.entries(labels).every(([key, value]) => m.labels?.[key] === value))
    .reduce((total, m) => total + Number(m.value ?? m.count ?? 0), 0);
}
