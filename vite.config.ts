import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The engine runs in a module worker; the tfjs wasm binaries are served from public/ (copied at build time by
// the engine's backend loader through `?url` imports), so no extra plugin is needed.
export default defineConfig({
  plugins: [react()],
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
  server: { port: 5173 },
  preview: { port: 4173, strictPort: true },
});
