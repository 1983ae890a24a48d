import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('runs on the embedded defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      databaseUrl: undefined,
      redisUrl: undefined,
      corsOrigins: '*',
    });
    // The in-process model first, the rule-based responder as its fallback.
    expect(config.providers.llm).toEqual(['llama', 'local']);
    // Whisper first, pocketsphinx as its fallback.
    expect(config.providers.stt).toEqual(['whisper', 'local']);
    expect(config.auth.devUsers.map((u) => u.role)).toEqual(['admin', 'user']);
  });

  it('puts an OpenAI-compatible endpoint first and keeps the local responder as last resort', () => {
    expect(loadConfig({ OPENAI_BASE_URL: 'http://localhost:11434/v1' }).providers.llm).toEqual([
      'openai',
      'local',
    ]);
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ JWT_SECRET: 'short' }, /JWT_SECRET/],
    [{ AUTH_USERS: 'admin:pw:superuser' }, /AUTH_USERS/],
    [{ OIDC_DOMAIN: 'example.auth0.com' }, /OIDC_DOMAIN and OIDC_AUDIENCE/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ TRUSTED_PROXIES: 'loopback,not-an-address' }, /TRUSTED_PROXIES/],
  ])('rejects %o with a ConfigError naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  describe('in production', () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-0123' };

    it('refuses to start without JWT_SECRET, saying how to make one', () => {
      expect(() => loadConfig({ NODE_ENV: 'production', AUTH_USERS: 'ops:s3cret-pw:admin' })).toThrow(
        /JWT_SECRET must be set in production/,
      );
    });

    it('has no password users unless AUTH_USERS names them (sign-in by API key or OIDC)', () => {
      expect(loadConfig(production).auth.devUsers).toEqual([]);
    });

    it.each([
      ['a default user given explicitly', 'admin:admin:admin'],
      ['a change-me password', 'ops:change-me:admin'],
    ])('refuses %s', (_case, users) => {
      expect(() => loadConfig({ ...production, AUTH_USERS: users })).toThrow(/refusing the development user/);
    });

    it('serves introspection to signed-in callers only unless told otherwise', () => {
      const users = { ...production, AUTH_USERS: 'ops:s3cret-pw:admin' };
      expect(loadConfig(users).introspection).toBe('signed-in');
      expect(loadConfig({ ...users, INTROSPECTION: 'off' }).introspection).toBe('off');
      expect(loadConfig({}).introspection).toBe('on');
    });
  });

  it.each([
    [{ MAX_SOCKETS_PER_USER: '0' }, /MAX_SOCKETS_PER_USER/],
    [{ HTTP_MAX_BODY_BYTES: 'lots' }, /HTTP_MAX_BODY_BYTES/],
    [{ SESSION_IDLE_TIMEOUT_SECONDS: '-5' }, /SESSION_IDLE_TIMEOUT_SECONDS/],
    [{ INTROSPECTION: 'maybe' }, /INTROSPECTION/],
  ])('rejects the limit %o with a ConfigError naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('reads every limit, lifecycle timer and time cap', () => {
    const config = loadConfig({
      MAX_SOCKETS_PER_USER: '3',
      SESSION_IDLE_TIMEOUT_SECONDS: '60',
      SESSION_DISCONNECT_GRACE_SECONDS: '5',
      MEMORY_RECALL_TIMEOUT_MS: '250',
    });
    expect(config.limits.socketsPerUser).toBe(3);
    expect(config.lifecycle).toMatchObject({ idleTimeoutMs: 60_000, disconnectGraceMs: 5_000 });
    expect(config.timeouts.memoryRecallMs).toBe(250);
  });
});
