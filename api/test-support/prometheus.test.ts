import { describe, expect, it } from 'vitest';
import { parseExposition, seriesValue } from './prometheus';

/** As prom-client writes a labelled histogram: each label set's buckets, then its sum and count. */
const EXPOSITION = `# HELP stage_seconds Stage latency
# TYPE stage_seconds histogram
stage_seconds_bucket{le="1",stage="stt"} 1
stage_seconds_bucket{le="+Inf",stage="stt"} 1
stage_seconds_sum{stage="stt"} 0.5
stage_seconds_count{stage="stt"} 1
stage_seconds_bucket{le="1",stage="tts"} 2
stage_seconds_bucket{le="+Inf",stage="tts"} 3
stage_seconds_sum{stage="tts"} 4.5
stage_seconds_count{stage="tts"} 3
# HELP turns_total Turns
# TYPE turns_total counter
turns_total 7
`;

describe('parseExposition', () => {
  const families = parseExposition(EXPOSITION);

  it('keeps one series per label set of a labelled histogram, with its buckets, count and sum', () => {
    const histogram = families.get('stage_seconds');
    expect(histogram?.type).toBe('HISTOGRAM');
    expect(histogram?.metrics).toEqual([
      { labels: { stage: 'stt' }, buckets: { '1': '1', '+Inf': '1' }, count: '1', sum: '0.5' },
      { labels: { stage: 'tts' }, buckets: { '1': '2', '+Inf': '3' }, count: '3', sum: '4.5' },
    ]);
    expect(families.has('stage_seconds_bucket')).toBe(false);
  });

  it('sums the matching series: counters by value, histograms by count', () => {
    expect(seriesValue(families.get('turns_total'))).toBe(7);
    expect(seriesValue(families.get('stage_seconds'), { stage: 'tts' })).toBe(3);
    expect(seriesValue(families.get('stage_seconds'))).toBe(4);
    expect(seriesValue(families.get('absent_total'))).toBe(0);
  });
});
