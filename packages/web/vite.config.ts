import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The API server the dev server proxies to (`npm run dev` in packages/web).
const apiTarget = process.env.SIGHTLINE_API ?? 'http://127.0.0.1:4000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: {
    // Bundle the client from source so the UI build does not depend on the client's tsc output.
    alias: { '@sightline/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) },
  },
  server: {
    port: 5173,
    proxy: { '/api': { target: apiTarget, changeOrigin: true } },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // bench/web-bundle-size.mjs reads the manifest to know what the first page loads.
    manifest: true,
    chunkSizeWarningLimit: 600,
  },
});
