// Multi-head scaled dot-product attention, batch-first. Heads are folded into the batch axis
// ([B, L, D] → [B·heads, L, D/heads]) so every product is rank-3 with MATCHING batch dimensions: the gradient
// of a broadcast-batch matMul is wrong in tfjs (tensorflow/tfjs#8721). Keys and values can be projected
// once and reused (`keysValues` then `attend`), which is how the flow prior caches its observation.
//
// Speed (the prior's training step and its chunk sample are mostly these layers): two fused kernels
// (fusedKernel.ts), each with its backward pass written out as one kernel too:
//   project-heads  the projections that read the same input (Q|K|V for self-attention, K|V for a context) in one
//                  launch, split into heads; the backward pass is ONE product against the weights concatenated
//                  in the kernel (the stored variables stay wq, wk, wv, so checkpoints are unchanged);
//   attention      P = softmax(q·kᵀ/√d), out = P·v with the heads merged back, the products on batchMatMul's
//                  SIMD kernel where registered (wasm).
import * as tf from '@tensorflow/tfjs';
import { BATCH_MATMUL_KERNEL } from './batchMatMul';
import { Dense } from './dense';
import { type BackendOps, fusedKernel, runFused } from './fusedKernel';
import { orthogonal } from './init';
import type { Scope } from './scope';

/** Projected keys and values, heads folded into the batch: [B·heads, Lk, D/heads] each. */
export type KeyValues = {
  keys: tf.Tensor3D;
  values: tf.Tensor3D;
};

export interface AttentionResult {
  out: tf.Tensor3D;
  /** Softmax weights [B, heads, Lq, Lk]: how much each query looked at each key. */
  weights: tf.Tensor4D;
}

type Info = tf.TensorInfo;
const ATTENTION = 'SagrAttention';
const ATTENTION_GRAD = 'SagrAttentionGrad';
/** One kernel per number of projections (1: Q; 2: K|V; 3: Q|K|V), so each knows which inputs its gradient saves. */
const PROJECTIONS = [1, 2, 3] as const;
const projectKernel = (n: number) => `SagrProjectHeads${n}`;
const projectGradKernel = (n: number) => `SagrProjectHeadsGrad${n}`;
const names = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/**
 * [n·B·heads, L, D/heads] per-head rows (projection-major) ↔ [B·L, n·D] projection rows. Rank-4 transposes only:
 * tfjs-wasm transposes rank 5 in a generic loop, ~150× slower ([64, 19, 3, 4, 16]: 23 ms against 0.15 ms).
 */
function headsToRows(o: BackendOps, heads: Info, n: number, b: number, h: number): Info {
  const [, l, d] = heads.shape;
  const perPosition = o.reshape(o.transpose(o.reshape(heads, [n * b, h, l, d]), [0, 2, 1, 3]), [n, b * l, h * d]);
  return o.reshape(n === 1 ? perPosition : o.transpose(o.reshape(perPosition, [n, b * l, 1, h * d]), [1, 2, 0, 3]), [b * l, n * h * d]);
}

function registerProjection(n: number): void {
  // [x, w0…, b0…] → n tensors [B·heads, L, D/heads].
  fusedKernel(projectKernel(n), (o, inputs, attrs) => {
    const { x } = inputs;
    const heads = attrs.heads as number;
    const [b, l, inDim] = x.shape;
    const width = inputs.w0.shape[1];
    const rows = o.reshape(x, [b * l, inDim]);
    // One product per projection, against each weight as stored: tfjs-wasm's XNNPACK keeps a product's packed
    // weights per weight tensor, so weights concatenated per call would be packed again on every call
    // (~100 µs at B = 1, against ~7 µs for a kept one). The backward pass, where weights are new every step, uses
    // one product against the concatenation.
    const projected = names('w', n).map((w, i) => o.reshape(o.add(o.matMul(rows, inputs[w]), inputs[`b${i}`]), [1, b * l, width]));
    const byProjection = o.concat(projected, 0); // [n, B·L, D]
    const perHead = o.transpose(o.reshape(byProjection, [n * b, l, heads, width / heads]), [0, 2, 1, 3]); // [n·B, heads, L, D/heads]
    return o.splitFirst(perHead, n, [b * heads, l, width / heads]);
  }, {
    // wasm, small tensors: each product on the backend (XNNPACK), bias and head split as one heap loop.
    elements: ({ x, w0 }) => (x.shape[0] * x.shape[1] * n * w0.shape[1]),
    body: (backend, inputs, attrs) => {
      const { x } = inputs;
      const heads = attrs.heads as number;
      const [b, l, inDim] = x.shape;
      const width = inputs.w0.shape[1];
      const headDim = width / heads;
      const rows = { ...x, shape: [b * l, inDim] };
      const matMul = tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc;
      return names('w', n).map((w, i) => {
        const y = matMul({ inputs: { a: rows, b: inputs[w] }, backend, attrs: { transposeA: false, transposeB: false } }) as Info;
        const out = backend.makeOutput([b * heads, l, headDim], 'float32');
        const [from, bias, to] = [y, inputs[`b${i}`], out].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
        // from[(bi·L + t)·D + h·d + e] + bias[h·d + e] → to[((bi·heads + h)·L + t)·d + e]
        for (let bi = 0; bi < b; bi++)
          for (let t = 0; t < l; t++)
            for (let h = 0; h < heads; h++)
              for (let e = 0, src = (bi * l + t) * width + h * headDim, dst = ((bi * heads + h) * l + t) * headDim; e < headDim; e++) to[dst + e] = from[src + e] + bias[h * headDim + e];
        backend.disposeData(y.dataId);
        return out;
      });
    },
  });
  // [dy0…, x, w0…] → [dx, dw0…, db0…].
  fusedKernel(projectGradKernel(n), (o, inputs, attrs) => {
    const { x } = inputs;
    const heads = attrs.heads as number;
    const [b, l, inDim] = x.shape;
    const w = o.concat(names('w', n).map((k) => inputs[k]), 1);
    const dRows = headsToRows(o, o.concat(names('dy', n).map((k) => inputs[k]), 0), n, b, heads); // [B·L, n·D]
    const rows = o.reshape(x, [b * l, inDim]);
    const dx = o.reshape(o.matMul(dRows, w, false, true), x.shape);
    const width = w.shape[1] / n;
    const dw = o.matMul(rows, dRows, true, false); // [in, n·D]
    const db = o.sum(dRows, 0);
    const dwParts = n === 1 ? [dw] : o.run('SplitV', { x: dw }, { numOrSizeSplits: Array(n).fill(width), axis: 1 });
    const dbParts = n === 1 ? [db] : o.splitFirst(db, n, [width]);
    return [dx, ...dwParts, ...dbParts];
  });
  tf.registerGradient({
    kernelName: projectKernel(n),
    inputsToSave: ['x', ...names('w', n)],
    gradFunc: (dy, saved, attrs) => {
      const dys = n === 1 ? [dy as tf.Tensor] : (dy as tf.Tensor[]);
      // All gradients from one kernel, computed here (see Dense's gradient for why not in the thunks).
      const [dx, ...dParams] = runFused(projectGradKernel(n), { ...named('dy', dys), x: saved[0], ...named('w', saved.slice(1)) }, attrs as Record<string, unknown>);
      const thunks: Record<string, () => tf.Tensor> = { x: () => dx };
      for (let i = 0; i < n; i++) {
        thunks[`w${i}`] = () => dParams[i];
        thunks[`b${i}`] = () => dParams[n + i];
      }
      return thunks;
    },
  });
}

const named = (prefix: string, ts: tf.Tensor[]) => Object.fromEntries(ts.map((t, i) => [`${prefix}${i}`, t]));

PROJECTIONS.forEach(registerProjection);

// [q, k, v] (heads folded into the batch) → [out [B, Lq, D] with the heads merged, P [B·heads, Lq, Lk]].
fusedKernel(
  ATTENTION,
  (o, { q, k, v }, attrs) => {
    const [g, lq, d] = q.shape;
    const b = attrs.batch as number;
    const p = o.softmax(o.mul(o.batchMatMul(q, k, false, true), o.scalar(attrs.scale as number)));
    const mixed = o.batchMatMul(p, v); // [B·heads, Lq, D/heads]
    const merged = o.reshape(o.transpose(o.reshape(mixed, [b, g / b, lq, d]), [0, 2, 1, 3]), [b, lq, (g / b) * d]);
    return [merged, p];
  },
  // wasm, small tensors: the two products on the backend, the scaled softmax and the head merge as heap loops.
  {
    elements: ({ q, k }) => q.shape[0] * q.shape[1] * Math.max(q.shape[2], k.shape[1]),
    body: (backend, { q, k, v }, attrs) => {
      const [g, lq, d] = q.shape;
      const lk = k.shape[1];
      const [b, scale] = [attrs.batch as number, attrs.scale as number];
      const heads = g / b;
      const product = tf.getKernel(tf.getKernel(BATCH_MATMUL_KERNEL, 'wasm') ? BATCH_MATMUL_KERNEL : 'BatchMatMul', 'wasm')!.kernelFunc;
      const matMul = (a: Info, c: Info, transposeB: boolean) => product({ inputs: { a, b: c }, backend, attrs: { transposeA: false, transposeB } }) as Info;
      const p = matMul(q, k, true);
      const scores = backend.typedArrayFromHeap(p) as Float32Array;
      for (let at = 0; at < scores.length; at += lk) {
        let max = -Infinity;
        for (let j = at; j < at + lk; j++) max = Math.max(max, (scores[j] *= scale));
        let sum = 0;
        for (let j = at; j < at + lk; j++) sum += scores[j] = Math.exp(scores[j] - max);
        for (let j = at; j < at + lk; j++) scores[j] /= sum;
      }
      const mixed = matMul(p, v, false); // [B·heads, Lq, D/heads]
      const merged = backend.makeOutput([b, lq, heads * d], 'float32');
      const [from, to] = [mixed, merged].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
      for (let bi = 0; bi < b; bi++)
        for (let h = 0; h < heads; h++)
          for (let i = 0; i < lq; i++) to.set(from.subarray(((bi * heads + h) * lq + i) * d, ((bi * heads + h) * lq + i + 1) * d), ((bi * lq + i) * heads + h) * d);
      backend.disposeData(mixed.dataId);
      return [merged, p];
    },
  },
);

// dS = scale · P ⊙ (dP − Σ_keys dP ⊙ P) with dP = dmixed·vᵀ (+ the gradient reaching P directly), dq = dS·k,
// dk = dSᵀ·q, dv = Pᵀ·dmixed → [dq, dk, dv].
fusedKernel(ATTENTION_GRAD, (o, { dOut, dWeights, q, k, v, p }, attrs) => {
  const [g, lq, d] = q.shape;
  const b = attrs.batch as number;
  const dMixed = o.reshape(o.transpose(o.reshape(dOut, [b, lq, g / b, d]), [0, 2, 1, 3]), [g, lq, d]);
  const dP = o.add(o.batchMatMul(dMixed, v, false, true), dWeights);
  const dS = o.mul(o.mul(p, o.sub(dP, o.sum(o.mul(dP, p), -1, true))), o.scalar(attrs.scale as number));
  return [o.batchMatMul(dS, k), o.batchMatMul(dS, q, true, false), o.batchMatMul(p, dMixed, true, false)];
});

tf.registerGradient({
  kernelName: ATTENTION,
  inputsToSave: ['q', 'k', 'v'],
  outputsToSave: [false, true],
  gradFunc: (dys, [q, k, v, p], attrs) => {
    const [dOut, dWeights] = dys as tf.Tensor[];
    const [dq, dk, dv] = runFused(ATTENTION_GRAD, { dOut, dWeights, q, k, v, p }, attrs as Record<string, unknown>);
    return { q: () => dq, k: () => dk, v: () => dv };
  },
});

export class MultiHeadAttention {
  readonly wq: Dense;
  readonly wk: Dense;
  readonly wv: Dense;
  readonly wo: Dense;
  readonly headDim: number;

  constructor(
    scope: Scope,
    readonly width: number,
    readonly heads: number,
    readonly contextWidth = width,
  ) {
    if (width % heads !== 0) throw new Error(`attention: width ${width} is not divisible by heads ${heads}`);
    this.headDim = width / heads;
    this.wq = new Dense(scope.child('wq'), width, width, orthogonal(1));
    this.wk = new Dense(scope.child('wk'), contextWidth, width, orthogonal(1));
    this.wv = new Dense(scope.child('wv'), contextWidth, width, orthogonal(1));
    this.wo = new Dense(scope.child('wo'), width, width, orthogonal(1));
  }

  /** x [B, L, in] through `layers` (one matMul) → one [B·heads, L, D/heads] per layer. */
  private projectHeads(x: tf.Tensor3D, layers: Dense[]): tf.Tensor3D[] {
    const inputs = { x, ...named('w', layers.map((d) => d.w)), ...named('b', layers.map((d) => d.b)) };
    return runFused(projectKernel(layers.length), inputs, { heads: this.heads }) as tf.Tensor3D[];
  }

  keysValues(context: tf.Tensor3D): KeyValues {
    const [keys, values] = this.projectHeads(context, [this.wk, this.wv]);
    return { keys, values };
  }

  /** Queries [B·heads, Lq, D/heads] over `kv` → wo(heads merged) (+ residual) and the weights [B·heads, Lq, Lk]. */
  private mix(queries: tf.Tensor3D, kv: KeyValues, b: number, residual?: tf.Tensor3D): { out: tf.Tensor3D; weights: tf.Tensor3D } {
    const [merged, weights] = runFused(ATTENTION, { q: queries, k: kv.keys, v: kv.values }, { scale: 1 / Math.sqrt(this.headDim), batch: b });
    return { out: this.wo.apply(merged as tf.Tensor3D, residual), weights: weights as tf.Tensor3D };
  }

  /** Attention of x's queries over `kv`; `residual` is added to the output (a block's skip connection). */
  attend(x: tf.Tensor3D, kv: KeyValues, residual?: tf.Tensor3D): AttentionResult {
    return tf.tidy(() => {
      const [b, lq] = x.shape;
      const [queries] = this.projectHeads(x, [this.wq]);
      const { out, weights } = this.mix(queries, kv, b, residual);
      return { out, weights: tf.reshape(weights, [b, this.heads, lq, kv.keys.shape[1]]) as tf.Tensor4D };
    });
  }

  /** Self-attention (Q, K and V from one matMul) when `context` is omitted; `residual` as in attend. */
  apply(x: tf.Tensor3D, context?: tf.Tensor3D, residual?: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      if (context) return this.mix(this.projectHeads(x, [this.wq])[0], this.keysValues(context), x.shape[0], residual).out;
      const [queries, keys, values] = this.projectHeads(x, [this.wq, this.wk, this.wv]);
      return this.mix(queries, { keys, values }, x.shape[0], residual).out;
    });
  }
}
