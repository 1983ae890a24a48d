import { defineConfig } from 'prisma/config';

// The CLI needs a URL only for `migrate deploy` against a real server; generating the client works without one.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://avatar:avatar@localhost:5432/avatar' },
});
