import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The API serves the built console at /console (SPA fallback to index.html), so assets live under that base.
export default defineConfig({
  root: import.meta.dirname,
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2500 },
  server: {
    proxy: { '/api': 'http://localhost:4000', '/graphql': { target: 'ws://localhost:4000', ws: true } },
  },
});
