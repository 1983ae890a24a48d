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
    expect(config.providers.llm).toEqual(['local']);
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
  ])('rejects %o with a ConfigError naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
