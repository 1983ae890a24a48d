import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test-support/harness';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ env: { CORS_ORIGINS: 'https://console.example' } });
});
afterAll(() => t?.stop());

const post = (body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  fetch(`${t.url}/api/auth/token`, { method: 'POST', headers, body });

describe('HTTP routes', () => {
  it('GET / names the service and its version', async () => {
    const res = await fetch(`${t.url}/`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: 'avatar-platform',
      version: expect.any(String),
      status: 'ok',
    });
  });

  it('GET /health reports each component', async () => {
    const res = await fetch(`${t.url}/health`);
    const body = (await res.json()) as { status: string; components: { name: string; status: string }[] };
    expect(res.status).toBe(200);
    expect(body.status).toBe('up');
    expect(body.components.map((c) => c.name)).toEqual(['database (embedded)', 'pubsub (memory)']);
  });

  it('issues a JWT for a configured user and for an API key', async () => {
    const res = await post(JSON.stringify({ username: 'alice', password: 'alice-pw' }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { accessToken: string; tokenType: string; user: { role: string } };
    expect(body.tokenType).toBe('Bearer');
    expect(body.accessToken.split('.')).toHaveLength(3);
    expect(body.user.role).toBe('USER');
    const byKey = await post(JSON.stringify({ apiKey: 'test-api-key' }));
    expect(byKey.status).toBe(200);
  });

  it('refuses wrong credentials, malformed bodies and unknown shapes with typed errors', async () => {
    const wrong = await post(JSON.stringify({ username: 'alice', password: 'nope' }));
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    const notJson = await post('{not json');
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toMatchObject({ error: { code: 'BAD_INPUT' } });
    const shape = await post(JSON.stringify({ user: 'x' }));
    expect(shape.status).toBe(400);
  });

  it('answers CORS preflights for the configured origin only', async () => {
    const preflight = (origin: string) =>
      fetch(`${t.url}/graphql`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST' },
      });
    const allowed = await preflight('https://console.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://console.example');
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
  });
});

describe('health when a required component is down', () => {
  it('answers 503 and names the failed component', async () => {
    const local = await startTestApp();
    try {
      await local.app.services.db.close();
      const res = await fetch(`${local.url}/health`);
      expect(res.status).toBe(503);
      const body = (await res.json()) as { components: { name: string; status: string }[] };
      expect(body.components.find((c) => c.name.startsWith('database'))?.status).toBe('down');
    } finally {
      // The database is already closed; stopping the rest must still work.
      await local.stop().catch(() => undefined);
    }
  });
});
