import { defineConfig } from 'vite';

// The API serves the built demo at /demo, so assets live under that base.
export default defineConfig({
  root: import.meta.dirname,
  base: '/demo/',
  // libsamplerate's WASM (only loaded for microphones at rates the server does not take) is one large chunk.
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 2100 },
  server: {
    proxy: { '/api': 'http://localhost:4000', '/graphql': { target: 'ws://localhost:4000', ws: true } },
  },
});
