import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql 16 has no "exports" map, so Node gives every importer (graphql-ws, yoga, Pothos) its CJS `main`, while
  // Vite would hand our sources the ESM `module` build; `instanceof GraphQLError` between the two fails.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    include: ['api/**/*.test.ts', 'workflows/**/*.test.ts', 'console/**/*.test.ts', 'client/**/*.test.ts'],
    // Integration tests start real servers (PGlite, redis-server, Temporal): give them room on 2-core CI.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
