import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../api/test-support/harness';
import { scrapeMetrics, seriesValue } from '../../api/test-support/prometheus';
import { freePort } from './dev-server';

// A file of its own: the Temporal runtime, and so its metrics endpoint, is installed once per process.
describe('Temporal worker metrics', () => {
  let t: TestApp;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ env: { WORKFLOWS: 'embedded', TEMPORAL_METRICS_PORT: String(port) } });
  });
  afterAll(() => t?.stop());

  it('serves the worker metrics for Prometheus on TEMPORAL_METRICS_PORT, and they move as workflows run', async () => {
    const url = `http://127.0.0.1:${port}/metrics`;
    const slots = (await scrapeMetrics(url)).get('temporal_worker_task_slots_available');
    expect(slots?.metrics.map((m) => m.labels?.worker_type)).toEqual(
      expect.arrayContaining(['ActivityWorker', 'WorkflowWorker']),
    );
    // A workflow with an activity: the export of a user's data.
    const userId = decodeJwt(await t.token('alice')).sub!;
    const workflows = t.app.services.workflows!;
    await workflows.result((await workflows.startPrivacyExport(userId)).workflowId);
    await expect
      .poll(
        async () => seriesValue((await scrapeMetrics(url)).get('temporal_workflow_completed_total'), {}),
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThanOrEqual(1);
    const activities = (await scrapeMetrics(url)).get('temporal_activity_execution_latency');
    expect(Number(activities?.metrics[0]?.count)).toBeGreaterThanOrEqual(1);
  });
});
