import { describe, expect, it } from 'vitest';
import { parseWasmKernelsParam, wasmKernelsText } from './wasmKernels';

describe('?wasmKernels=', () => {
  it.each([
    [null, 'sagr', null],
    ['', 'sagr', null],
    ['sagr', 'sagr', null],
    ['tfjs', 'tfjs', null],
    ['xnnpack', 'sagr', 'wasmKernels: "xnnpack" is not one of sagr, tfjs; using sagr\'s'],
  ])('%o → %s', (raw, kernels, error) => {
    expect(parseWasmKernelsParam(raw)).toEqual({ kernels, error });
  });
});

describe('the Engine panel\'s matMul line', () => {
  it('names the kernels in place', () => {
    expect(wasmKernelsText({ kernels: 'sagr', transposeFix: true, simdLoops: true })).toBe('explicit transposes · SIMD batched product and column sums');
    expect(wasmKernelsText({ kernels: 'sagr', transposeFix: true, simdLoops: false })).toBe("explicit transposes · tfjs's batched loop and sums (the SIMD module did not load)");
    expect(wasmKernelsText({ kernels: 'tfjs', transposeFix: false, simdLoops: false })).toBe("tfjs-wasm's own (?wasmKernels=tfjs)");
  });
});
