// End-to-end tests drive the BUILT app (`npm test` builds first) in the system Chromium; Playwright never
// downloads a browser. WebGPU runs headless through SwiftShader with the flags below.
import { defineConfig } from '@playwright/test';
import { existsSync } from 'node:fs';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** One clear line and a non-zero exit, rather than a stack trace from inside Playwright. */
function die(line: string): never {
  console.error(line);
  process.exit(1);
}

function chromiumPath(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : die(`CHROME_PATH=${fromEnv} does not exist: install Chromium (apt-get install -y chromium) or fix CHROME_PATH`);
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? die('Chromium not found: install it (apt-get install -y chromium) or set CHROME_PATH');
}

const PORT = 4173;

export default defineConfig({
  testDir: 'e2e',
  // Two cores on CI: one browser at a time keeps SwiftShader timings (and the backend choice) stable.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    launchOptions: {
      executablePath: chromiumPath(),
      args: [
        '--enable-unsafe-webgpu',
        '--enable-unsafe-swiftshader',
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
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
