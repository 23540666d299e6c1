// A data-parallel worker thread (dataParallel.ts), started through tsWorker.mjs. It holds a replica of one
// stage's module on its own wasm backend; for each request it loads the trainer's current weights, computes the
// loss and gradient of its part of the batch, and replies with both (the gradient's buffer transferred) and the
// time it took.
// A failure in a step is replied as a message; one while starting ends the thread (the pool sees the error).
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { useProjectWasm } from '../engine/nodeBackend';
import { assignFlat } from '../nn/flat';
import type { GradientReply, GradientRequest, WorkerStart } from './dataParallel';
import { lossAndGradient } from './guardedStep';
import { STAGE_LOSSES } from './stageLosses';

const port = parentPort!;
const { stage: name, config } = workerData as WorkerStart;
const stage = STAGE_LOSSES[name];
if (!stage) throw new Error(`no stage loss named "${name}"`);
await useProjectWasm();
const module = stage.create(config);
const variables = [...module.variables.values()];

async function gradient({ weights, examples }: GradientRequest): Promise<GradientReply> {
  const t0 = performance.now();
  tf.tidy(() => assignFlat(variables, tf.tensor1d(weights)));
  const { loss, grads } = lossAndGradient(() => stage.loss(module, examples), variables);
  try {
    const [lossValue] = await loss.data();
    const gradValues = (await grads.data()) as Float32Array;
    return { loss: lossValue, grads: gradValues, ms: performance.now() - t0 };
  } finally {
    tf.dispose([loss, grads]);
  }
}

port.on('message', (request: GradientRequest) => {
  gradient(request).then(
    (reply) => port.postMessage(reply, 'grads' in reply ? [reply.grads.buffer as ArrayBuffer] : []),
    (e: unknown) => port.postMessage({ error: (e as Error).message.split('\n')[0] } satisfies GradientReply),
  );
});
port.postMessage({ ready: true });
