import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Cross-origin isolation (crossOriginIsolated === true) gives the page SharedArrayBuffer, which tfjs-wasm's threaded
// binary needs. Every resource the app loads is same-origin, so require-corp blocks nothing of its own; static
// hosting needs the same two headers (README, "Threads in the page").
const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

// The engine runs in a module worker; the tfjs wasm binaries are bundled as assets through `?url` imports in
// src/engine/browserBackends.ts, so the built app runs offline and no extra plugin is needed.
export default defineConfig({
  plugins: [react()],
  // The worker's dependencies are found late by the dev server's crawler; listing them avoids a reload on first load.
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  worker: { format: 'es', rolldownOptions: { output: { minify: { compress: false, mangle: true } } } },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { port: 5173, headers: ISOLATION_HEADERS },
  preview: { port: 4173, strictPort: true, headers: ISOLATION_HEADERS },
});
