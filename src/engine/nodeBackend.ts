// tfjs backends in Node (CLI, benchmarks, unit tests). The browser picks its backend in backendChoice.ts.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import path from 'node:path';
import { patchWasmMatMul } from './wasmMatMul';

export const NODE_BACKENDS = ['wasm', 'cpu'] as const;
export type NodeBackend = (typeof NODE_BACKENDS)[number];

let wasmPathsSet = false;

/** Selects `name` as the tfjs backend (wasm reads its binaries from node_modules, SIMD without threads). */
export async function useNodeBackend(name: NodeBackend): Promise<void> {
  if (name === 'wasm' && !wasmPathsSet) {
    const require = createRequire(import.meta.url);
    const dist = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    setWasmPaths(dist);
    wasmPathsSet = true;
  }
  // PROD silences tfjs's banner recommending tfjs-node (which cannot be installed here) and its debug checks.
  tf.env().set('PROD', true);
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`backend: tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

/** The wasm backend with the project's kernels (wasmMatMul.ts): what every training and evaluation command runs on. */
export async function useProjectWasm(): Promise<void> {
  await useNodeBackend('wasm');
  patchWasmMatMul();
}
