// End-to-end tests drive the BUILT app (`npm test` builds first) in the system Chromium; Playwright never
// downloads a browser. WebGPU runs headless through SwiftShader with the flags in e2e/chromium.ts.
import { defineConfig } from '@playwright/test';
import { BASE_ARGS, WEBGPU_ARGS, chromiumPath } from './e2e/chromium';

// SAGR_E2E_PORT moves the preview server off 4173, e.g. where another checkout's tests run on the same machine (a
// server already listening on the port is reused outside CI, whatever it serves).
const PORT = Number(process.env.SAGR_E2E_PORT ?? 4173);
if (!Number.isInteger(PORT) || PORT < 1024 || PORT > 65535) throw new Error(`SAGR_E2E_PORT: "${process.env.SAGR_E2E_PORT}" is not a port in [1024, 65535]`);

export default defineConfig({
  testDir: 'e2e',
  // Two cores on CI: one browser at a time keeps SwiftShader timings (and the backend choice) stable.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  // Screenshot baselines (e2e/scene.spec.ts) live beside the specs under one name for every platform. A missing or
  // different one fails and is never written by a plain run: refresh them on purpose with --update-snapshots.
  snapshotPathTemplate: '{testDir}/baselines/{arg}{ext}',
  updateSnapshots: 'none',
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    launchOptions: {
      executablePath: chromiumPath(),
      args: [...WEBGPU_ARGS, ...BASE_ARGS],
    },
  },
  webServer: {
    command: `npx vite preview --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
