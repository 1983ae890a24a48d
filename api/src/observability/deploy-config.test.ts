import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { PlatformMetrics } from './metrics';

const deploy = (file: string) => path.resolve(import.meta.dirname, '../../../deploy', file);

const NO_SOURCES = {
  liveSessions: () => 0,
  sockets: () => ({ audio: 0, graphql: 0, subscriptions: 0 }),
  dropped: () => ({ microphoneFrames: 0, slowConsumers: 0, audioProtocolErrors: 0, audioUpgrades: 0 }),
  providers: () => ({ stt: [], llm: [], tts: [] }),
  queues: () => ({
    sttUtterances: 0,
    events: { publish: 0, eventLog: 0 },
    bytes: { microphone: 0, subscribers: 0 },
  }),
};

describe('the observability stack of docker-compose', () => {
  it('alerts only on metrics the API exports (a renamed metric would silence an alert)', async () => {
    const alerts = parse(await readFile(deploy('prometheus-alerts.yml'), 'utf8')) as {
      groups: { rules: { alert: string; expr: string }[] }[];
    };
    const exported = new Set(
      (await new PlatformMetrics(NO_SOURCES).registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const rules = alerts.groups.flatMap((group) => group.rules);
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      const names = rule.expr.match(/avatar_\w+/g) ?? [];
      expect(names.length, rule.alert).toBeGreaterThan(0);
      for (const name of names) {
        expect(exported, `${rule.alert}: ${name}`).toContain(name.replace(/_(bucket|sum|count)$/, ''));
      }
    }
  });

  it('scrapes the metrics ports the API replicas and the worker are given, and sends traces to the collector', async () => {
    const compose = parse(await readFile(deploy('../docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment?: Record<string, string> }>;
    };
    const prometheus = parse(await readFile(deploy('prometheus.yml'), 'utf8')) as {
      scrape_configs: { dns_sd_configs: { names: string[]; port: number }[] }[];
    };
    const collector = parse(await readFile(deploy('otel-collector.yaml'), 'utf8')) as {
      receivers: { otlp: { protocols: { http: { endpoint: string } } } };
    };
    const api = compose.services.api?.environment ?? {};
    const worker = compose.services.worker?.environment ?? {};
    const targets = prometheus.scrape_configs.flatMap((job) => job.dns_sd_configs);
    expect(targets).toEqual([
      { names: ['api'], type: 'A', port: Number(api.METRICS_PORT) },
      { names: ['worker'], type: 'A', port: Number(worker.TEMPORAL_METRICS_PORT) },
    ]);
    const collectorPort = collector.receivers.otlp.protocols.http.endpoint.split(':').at(-1);
    expect(api.OTEL_EXPORTER_OTLP_ENDPOINT).toBe(`http://otel-collector:${collectorPort}`);
  });
});
