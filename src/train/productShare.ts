// How much of a training step is matrix products, the part no kernel fusion removes: the FLOPs and the time of
// every BatchMatMul (and the SIMD batched product of attention and Dense's one-call product, where registered) that
// one call of `run` launches, directly or from inside the fused kernels. The kernels are wrapped for the call's
// duration and restored after; the time includes the explicit transposes of the wasm matMul fix. Bench only (issue
// 16: the products' time at the backend's product rate is a floor under the step's time).
import * as tf from '@tensorflow/tfjs';
import { BATCH_MATMUL_KERNEL, DENSE_PRODUCT_KERNEL } from '../nn/batchMatMul';

export interface ProductShare {
  /** 2·M·K·N summed over the products, GFLOP. */
  gflop: number;
  products: number;
  /** Wall time inside the product kernels, ms. */
  ms: number;
}

type MatMulAttrs = { transposeA: boolean; transposeB: boolean };

/** FLOPs of a (batched) product a·b with the transposes of `attrs`. */
export function productFlops(a: readonly number[], b: readonly number[], { transposeA, transposeB }: MatMulAttrs): number {
  const batch = a.slice(0, -2).reduce((n, d) => n * d, 1);
  const [m, k] = transposeA ? [a[a.length - 1], a[a.length - 2]] : [a[a.length - 2], a[a.length - 1]];
  const n = transposeB ? b[b.length - 2] : b[b.length - 1];
  return 2 * batch * m * k * n;
}

export async function measureProducts(run: () => Promise<void>): Promise<ProductShare> {
  const backendName = tf.getBackend();
  const share = { flops: 0, products: 0, ms: 0 };
  const originals = ['BatchMatMul', BATCH_MATMUL_KERNEL, DENSE_PRODUCT_KERNEL].map((name) => tf.getKernel(name, backendName)).filter((k) => k !== undefined);
  for (const original of originals) {
    tf.unregisterKernel(original.kernelName, backendName);
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        // Dense's product is x·w (its bias and residual adds ride along); the others a·b with transposes
        const { a, b, x, w } = args.inputs as Record<string, tf.TensorInfo>;
        share.flops += x ? productFlops(x.shape, w.shape, { transposeA: false, transposeB: false }) : productFlops(a.shape, b.shape, args.attrs as unknown as MatMulAttrs);
        share.products++;
        const t0 = performance.now();
        const out = original.kernelFunc(args);
        share.ms += performance.now() - t0;
        return out;
      },
    });
  }
  try {
    await run();
  } finally {
    for (const original of originals) {
      tf.unregisterKernel(original.kernelName, backendName);
      tf.registerKernel(original);
    }
  }
  return { gflop: share.flops / 1e9, products: share.products, ms: share.ms };
}
