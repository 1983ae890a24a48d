import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['api/**/*.test.ts', 'workflows/**/*.test.ts', 'console/**/*.test.ts'],
    // Integration tests start real servers (PGlite, redis-server, Temporal): give them room on 2-core CI.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
