// Finite-difference checks of the hand-written layers' gradients (cpu backend, float32): central differences
// with ε = 1e-2 on a random linear functional of the output, compared within 1e-2 relative error.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { MultiHeadAttention } from './attention';
import { Dense } from './dense';
import { orthogonal } from './init';
import { LayerNorm } from './layerNorm';
import { gaussianTensor } from './noise';
import { Scope } from './scope';
import { TransformerBlock } from './transformerBlock';

const EPS = 1e-2;
const REL_TOL = 1e-2;
const ABS_TOL = 1e-3;
const PROBES_PER_TENSOR = 4;

beforeAll(async () => {
  await useNodeBackend('cpu');
});

/**
 * Checks d loss / d x for every variable of `scope` and for `input`, where loss = Σ f(x) ⊙ R for a fixed random R.
 * Probes a few random entries of each tensor.
 */
function checkGradients(scope: Scope, input: tf.Tensor, f: (x: tf.Tensor) => tf.Tensor, seed: number): number {
  const rng = new Rng(seed);
  const probe = tf.tidy(() => gaussianTensor(rng, f(input).shape));
  const loss = (x: tf.Tensor) => tf.tidy(() => tf.sum(tf.mul(f(x), probe)) as tf.Scalar);
  const inputVar = tf.variable(input);
  const targets: [string, tf.Variable][] = [...scope.variables, ['input', inputVar]];
  const { grads } = tf.variableGrads(() => loss(inputVar), targets.map(([, v]) => v));
  let checked = 0;
  for (const [name, v] of targets) {
    const analytic = grads[v.name].dataSync();
    const values = v.dataSync().slice();
    for (let p = 0; p < PROBES_PER_TENSOR; p++) {
      const i = rng.int(0, values.length);
      const at = (delta: number) => {
        const shifted = values.slice();
        shifted[i] += delta;
        v.assign(tf.tensor(shifted, v.shape));
        return loss(inputVar).dataSync()[0];
      };
      const numeric = (at(EPS) - at(-EPS)) / (2 * EPS);
      v.assign(tf.tensor(values, v.shape));
      const tol = REL_TOL * Math.max(Math.abs(numeric), Math.abs(analytic[i])) + ABS_TOL;
      expect(Math.abs(numeric - analytic[i]), `${name}[${i}]: numeric ${numeric} vs analytic ${analytic[i]}`).toBeLessThanOrEqual(tol);
      checked++;
    }
  }
  tf.dispose(grads);
  inputVar.dispose();
  probe.dispose();
  return checked;
}

describe('gradients match finite differences', () => {
  it('dense on a rank-3 input', () => {
    const scope = Scope.root('t', 1);
    const dense = new Dense(scope.child('d'), 5, 3, orthogonal(1));
    const x = gaussianTensor(new Rng(2), [2, 4, 5]);
    expect(checkGradients(scope, x, (t) => dense.apply(t), 3)).toBe(3 * PROBES_PER_TENSOR);
    scope.dispose();
  });

  it('layer norm', () => {
    const scope = Scope.root('t', 1);
    const norm = new LayerNorm(scope.child('ln'), 6);
    // A non-trivial gain and bias so their gradients are not the identity's.
    norm.gain.assign(tf.add(1, gaussianTensor(new Rng(4), [6])));
    norm.bias.assign(gaussianTensor(new Rng(5), [6]));
    const x = gaussianTensor(new Rng(2), [3, 2, 6]);
    checkGradients(scope, x, (t) => norm.apply(t), 3);
    scope.dispose();
  });

  it('multi-head self-attention (batched matMul with matching batch dims)', () => {
    const scope = Scope.root('t', 1);
    const attn = new MultiHeadAttention(scope.child('attn'), 8, 2);
    const x = gaussianTensor<tf.Rank.R3>(new Rng(2), [3, 5, 8]);
    checkGradients(scope, x, (t) => attn.apply(t as tf.Tensor3D), 3);
    scope.dispose();
  });

  it('multi-head cross-attention, through the attention weights too', () => {
    const scope = Scope.root('t', 1);
    const attn = new MultiHeadAttention(scope.child('attn'), 8, 2, 6);
    const context = gaussianTensor<tf.Rank.R3>(new Rng(7), [3, 4, 6]);
    const x = gaussianTensor<tf.Rank.R3>(new Rng(2), [3, 2, 8]);
    checkGradients(scope, x, (t) => {
      const { out, weights } = attn.attend(t as tf.Tensor3D, attn.keysValues(context));
      return tf.concat([tf.reshape(out, [3, -1]), tf.reshape(weights, [3, -1])], 1);
    }, 3);
    scope.dispose();
  });

  it('pre-LN transformer block with cross-attention', () => {
    const scope = Scope.root('t', 1);
    const block = new TransformerBlock(scope.child('block'), { width: 8, heads: 2, mlpRatio: 2, crossWidth: 8 });
    const context = gaussianTensor<tf.Rank.R3>(new Rng(7), [2, 3, 8]);
    const x = gaussianTensor<tf.Rank.R3>(new Rng(2), [2, 4, 8]);
    const checked = checkGradients(scope, x, (t) => block.apply(t as tf.Tensor3D, block.contextKeysValues(context)), 3);
    expect(checked).toBe((scope.variables.size + 1) * PROBES_PER_TENSOR);
    scope.dispose();
  });
});
