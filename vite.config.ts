import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The engine runs in a module worker; the tfjs wasm binaries are bundled as assets through `?url` imports in
// src/engine/browserBackends.ts, so the built app runs offline and no extra plugin is needed.
export default defineConfig({
  plugins: [react()],
  // The worker's dependencies are found late by the dev server's crawler; listing them avoids a reload on first load.
  optimizeDeps: { include: ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm'] },
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { port: 5173 },
  preview: { port: 4173, strictPort: true },
});
