// The system Chromium and its flags, shared by playwright.config.ts and specs that launch it differently.
import { existsSync } from 'node:fs';

const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

/** One clear line and a non-zero exit, rather than a stack trace from inside Playwright. */
function die(line: string): never {
  console.error(line);
  process.exit(1);
}

export function chromiumPath(): string {
  const fromEnv = process.env.CHROME_PATH;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : die(`CHROME_PATH=${fromEnv} does not exist: install Chromium (apt-get install -y chromium) or fix CHROME_PATH`);
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? die('Chromium not found: install it (apt-get install -y chromium) or set CHROME_PATH');
}

/** What headless Chromium needs as root on a machine without a GPU, WebGPU aside. */
export const BASE_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** WebGPU through SwiftShader when there is no GPU (WebGL needs no flag: it falls back to SwiftShader by itself). */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-unsafe-swiftshader'];
