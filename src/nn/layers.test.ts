// The layers against their pre-issue-16 forward passes (src/reference/layers.ts): the same outputs and the same
// gradients for every variable and the input, on the Node backends, and the same flow-prior loss, gradients and
// samples — for the shipped Push-T prior too.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { NODE_BACKENDS, useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { loadPrior, loadReflex, loadWorld } from '../eval/learnedCheckpoints';
import { flowMatchingLoss, FlowPrior, flowPriorConfig, sampleOde } from '../policy/flowPrior';
import { randomFlowBatch } from '../policy/testFixtures';
import { withReferenceLayers } from '../reference/layers';
import { taskSpec } from '../sim/tasks';
import { MultiHeadAttention } from './attention';
import { Dense } from './dense';
import { orthogonal } from './init';
import { LayerNorm } from './layerNorm';
import { Mlp } from './mlp';
import { gaussianTensor } from './noise';
import { Scope } from './scope';
import { TransformerBlock } from './transformerBlock';

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

/**
 * max |a − e| / max|e| over each pair of tensors: an error relative to the tensor's scale. A tensor that is 0
 * up to rounding (a key bias's gradient under softmax: ~1e-7 of the others) is measured on the largest scale.
 */
function relativeError(actual: Float32Array[], expected: Float32Array[]): number {
  const maxAbs = (v: Float32Array) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  const largest = Math.max(...expected.map(maxAbs));
  let worst = 0;
  expected.forEach((e, t) => {
    const scale = maxAbs(e) >= 1e-3 * largest ? maxAbs(e) : largest;
    e.forEach((x, i) => (worst = Math.max(worst, Math.abs(actual[t][i] - x) / scale)));
  });
  return worst;
}

/** The output of `f(input)` and the gradients of Σ f(input) ⊙ R for every variable of `scope` and the input. */
function outputAndGradients(scope: Scope, input: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor, seed: number): Float32Array[] {
  return tf.tidy(() => {
    const inputVar = tf.variable(input);
    const probe = gaussianTensor(new Rng(seed), f(input).shape);
    const vars = [...scope.variables.values(), inputVar];
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(f(inputVar), probe)) as tf.Scalar, vars);
    const out = [f(input), ...vars.map((v) => grads[v.name])].map((t) => t.dataSync() as Float32Array);
    inputVar.dispose();
    return out;
  });
}

async function expectSameAsReference(scope: Scope, input: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor, tol = 1e-5): Promise<void> {
  const ours = outputAndGradients(scope, input, f, 9);
  const reference = await withReferenceLayers(() => outputAndGradients(scope, input, f, 9));
  expect(ours.length).toBe(scope.variables.size + 2);
  expect(relativeError(ours, reference)).toBeLessThanOrEqual(tol);
}

describe.each(NODE_BACKENDS)('layers against the pre-issue-16 reference on %s', (backend) => {
  beforeAll(() => useNodeBackend(backend));
  const rng = new Rng(3);

  it('dense, layer norm and a SiLU MLP: same outputs and gradients', async () => {
    const scope = Scope.root('t', 1);
    const dense = new Dense(scope.child('d'), 6, 5, orthogonal(1));
    const norm = new LayerNorm(scope.child('ln'), 5);
    norm.gain.assign(tf.add(1, gaussianTensor(rng, [5])));
    norm.bias.assign(gaussianTensor(rng, [5]));
    const mlp = new Mlp(scope.child('mlp'), [5, 10, 5], 'silu', orthogonal(1));
    await expectSameAsReference(scope, gaussianTensor(rng, [3, 4, 6]), (x) => mlp.apply(norm.apply(dense.apply(x))));
    scope.dispose();
  });

  it('self-attention and cross-attention (through the weights too): same outputs and gradients', async () => {
    const scope = Scope.root('t', 2);
    const self = new MultiHeadAttention(scope.child('self'), 8, 2);
    const cross = new MultiHeadAttention(scope.child('cross'), 8, 2, 6);
    const context = gaussianTensor<tf.Rank.R3>(rng, [3, 5, 6]);
    await expectSameAsReference(scope, gaussianTensor(rng, [3, 4, 8]), (x) => {
      const h = self.apply(x as tf.Tensor3D);
      const { out, weights } = cross.attend(h, cross.keysValues(context));
      return tf.concat([tf.reshape(out, [3, -1]), tf.reshape(weights, [3, -1])], 1);
    });
    context.dispose();
    scope.dispose();
  });

  it('a pre-LN transformer block with cross-attention at the prior’s sizes: same outputs and gradients', async () => {
    const scope = Scope.root('t', 3);
    const block = new TransformerBlock(scope.child('block'), { width: 64, heads: 4, mlpRatio: 2, crossWidth: 64 });
    const context = gaussianTensor<tf.Rank.R3>(rng, [4, 19, 64]);
    await expectSameAsReference(scope, gaussianTensor(rng, [4, 4, 64]), (x) => block.apply(x as tf.Tensor3D, block.contextKeysValues(context)));
    context.dispose();
    scope.dispose();
  });
});

describe('the flow prior against the reference layers, on wasm', () => {
  beforeAll(() => useNodeBackend('wasm'));
  const c = defaultConfig();
  const spec = taskSpec('push-t');
  const inputs = (rng: Rng, b: number) => randomFlowBatch(spec, c.horizon, rng, b);
  const sample = (prior: FlowPrior, x: ReturnType<typeof inputs>) => tf.tidy(() => sampleOde(prior.velocityFn(prior.encode(x.tokens, x.goal)), x.actions, c.sdeSteps).dataSync() as Float32Array);

  it('the flow-matching loss and every gradient of a fresh prior match, batch 16', async () => {
    const prior = new FlowPrior(flowPriorConfig(c, spec), 5);
    const batch = inputs(new Rng(1), 16);
    const lossAndGrads = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => flowMatchingLoss(prior, batch, new Rng(2)), [...prior.variables.values()]);
        return [value, ...[...prior.variables.values()].map((v) => grads[v.name])].map((t) => t.dataSync() as Float32Array);
      });
    const ours = lossAndGrads();
    const reference = await withReferenceLayers(lossAndGrads);
    expect(relativeError(ours, reference)).toBeLessThanOrEqual(1e-4);
    expect(relativeError([ours[0]], [reference[0]])).toBeLessThanOrEqual(1e-5);
    tf.dispose(batch);
    prior.dispose();
  });

  it('the shipped Push-T prior, Φ and reflex load and give the reference outputs (K = 10 samples at B = 1 and 8)', async () => {
    const dir = 'public/checkpoints/push-t';
    const prior = await loadPrior(nodeFileHandler(`${dir}/prior`), spec);
    const world = await loadWorld(nodeFileHandler(`${dir}/world`), spec);
    const reflex = await loadReflex(nodeFileHandler(`${dir}/reflex`), spec);
    for (const b of [1, 8]) {
      const x = inputs(new Rng(b), b);
      const delta = tf.mul(gaussianTensor<tf.Rank.R3>(new Rng(b + 1), [b, spec.numTokens, reflex.inputDim]), 0.05) as tf.Tensor3D;
      const run = () => [
        sample(prior, x),
        tf.tidy(() => {
          const action = tf.slice(tf.reshape(x.actions, [b, -1]), [0, 0], [b, spec.actionDim]) as tf.Tensor2D;
          return world.predict({ tokens: x.tokens, action, prevTokens: x.tokens, prevAction: action }).dataSync() as Float32Array;
        }),
        tf.tidy(() => {
          const r = reflex.apply(delta, x.tokens);
          return tf.concat([tf.reshape(r.correction, [-1]), tf.reshape(r.attention, [-1])]).dataSync() as Float32Array;
        }),
      ];
      const ours = run();
      const reference = await withReferenceLayers(run);
      expect(relativeError(ours, reference)).toBeLessThanOrEqual(1e-5);
      tf.dispose([x, delta]);
    }
    [prior, world, reflex].forEach((m) => m.dispose());
  });

  it('keeps the tensor and backend-buffer counts flat over many training steps and samples', async () => {
    const prior = new FlowPrior(flowPriorConfig(c, spec), 6);
    const batch = inputs(new Rng(1), 4);
    const rng = new Rng(7);
    const once = () => {
      tf.tidy(() => void tf.variableGrads(() => flowMatchingLoss(prior, batch, rng), [...prior.variables.values()]));
      sample(prior, batch);
    };
    once();
    const before = tf.memory() as tf.MemoryInfo & { numDataBuffers: number };
    for (let i = 0; i < 10; i++) once();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect((tf.memory() as typeof before).numDataBuffers).toBe(before.numDataBuffers); // nothing left inside the fused kernels
    tf.dispose(batch);
    prior.dispose();
  });
});

