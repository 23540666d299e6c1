import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { crc32 } from './crc32';
import { DEMO_VERSION, STATE_DIM, decodeDemos, encodeDemos, episodeObservationRows, episodeStepRows, type DemoMeta } from './dataset';

function synthetic(lengths: number[], numTokens = 10) {
  const rng = new Rng(5);
  const steps = lengths.reduce((a, b) => a + b, 0);
  const obs = steps + lengths.length;
  const fill = <T extends Float32Array | Float64Array>(a: T): T => {
    for (let i = 0; i < a.length; i++) a[i] = rng.range(-1, 1);
    return a;
  };
  const meta: DemoMeta = {
    task: 'push-t',
    seed: 3,
    episodes: lengths.length,
    numTokens,
    tokenDim: 3,
    actionDim: 2,
    episodeSeeds: lengths.map((_, i) => 1000 + i),
    episodeLengths: lengths,
    normalisation: { worldScale: [256, 256, 256], worldOffset: [256, 256, 0], rule: 'world = normalised·scale + offset' },
    expert: { name: 'test', attempts: 4, successes: lengths.length, successRate: lengths.length / 4, meanLength: 2, meanMaxCoverage: 0.97 },
  };
  const arrays = {
    tokens: fill(new Float32Array(obs * numTokens * 3)),
    states: fill(new Float64Array(steps * STATE_DIM)),
    actions: fill(new Float32Array(steps * 2)),
    rewards: fill(new Float32Array(steps)),
    coverage: fill(new Float32Array(steps)),
  };
  return { meta, arrays };
}

/** Rewrites the checksum so that a deliberate edit reaches the checks behind it. */
function resign(bytes: Uint8Array): Uint8Array {
  new DataView(bytes.buffer).setUint32(20, crc32(bytes.subarray(24)), true);
  return bytes;
}

describe('demonstration format', () => {
  it('round-trips every field exactly', () => {
    const { meta, arrays } = synthetic([3, 1, 5]);
    const ds = decodeDemos(encodeDemos(meta, arrays));
    expect(ds.tokens).toEqual(arrays.tokens);
    expect(ds.states).toEqual(arrays.states);
    expect(ds.actions).toEqual(arrays.actions);
    expect(ds.rewards).toEqual(arrays.rewards);
    expect(ds.coverage).toEqual(arrays.coverage);
    expect(ds.manifest.steps).toBe(9);
    expect(ds.manifest.observations).toBe(12);
    expect(ds.manifest.stepOffsets).toEqual([0, 3, 4]);
    expect(ds.manifest.episodeSeeds).toEqual([1000, 1001, 1002]);
    expect(ds.manifest.expert.successRate).toBe(0.75);
    expect(episodeObservationRows(ds.manifest, 2)).toEqual([6, 12]);
    expect(episodeStepRows(ds.manifest, 2)).toEqual([4, 9]);
  });

  it('accepts a Uint8Array view into a larger buffer', () => {
    const { meta, arrays } = synthetic([2]);
    const bytes = encodeDemos(meta, arrays);
    const bigger = new Uint8Array(bytes.length + 3);
    bigger.set(bytes, 3);
    expect(decodeDemos(bigger.subarray(3)).actions).toEqual(arrays.actions);
  });

  it('reads a Node Buffer (a view into a shared pool) correctly', () => {
    const { meta, arrays } = synthetic([3, 2]);
    const pooled = Buffer.from(encodeDemos(meta, arrays)); // small Buffers live at an offset in a larger pool
    expect(decodeDemos(pooled).states).toEqual(arrays.states);
  });

  it('refuses arrays that do not match the episode lengths', () => {
    const { meta, arrays } = synthetic([2, 2]);
    expect(() => encodeDemos(meta, { ...arrays, actions: arrays.actions.subarray(2) })).toThrow(/actions: expected 8 values, got 6/);
  });

  describe('rejects damaged files with a clear reason', () => {
    const { meta, arrays } = synthetic([4, 2]);
    const good = encodeDemos(meta, arrays);
    const copy = () => good.slice();

    it('truncated', () => {
      expect(() => decodeDemos(good.subarray(0, good.length - 8))).toThrow(/truncated/);
      expect(() => decodeDemos(good.subarray(0, 10))).toThrow(/shorter than the 24-byte header/);
    });
    it('trailing bytes', () => {
      const longer = new Uint8Array(good.length + 1);
      longer.set(good);
      expect(() => decodeDemos(longer)).toThrow(/trailing data/);
    });
    it('a flipped payload byte', () => {
      const bad = copy();
      bad[bad.length - 5] ^= 0x10;
      expect(() => decodeDemos(bad)).toThrow(/checksum mismatch/);
    });
    it('wrong magic', () => {
      const bad = copy();
      bad[0] = 0x58;
      expect(() => decodeDemos(bad)).toThrow(/not a demonstration file/);
    });
    it('a newer version', () => {
      const bad = copy();
      new DataView(bad.buffer).setUint32(8, DEMO_VERSION + 1, true);
      expect(() => decodeDemos(bad)).toThrow(`unsupported format version ${DEMO_VERSION + 1} (this build reads version ${DEMO_VERSION})`);
    });
    it('an inconsistent manifest', () => {
      const bad = copy();
      const text = new TextDecoder().decode(bad);
      const at = text.indexOf('"episodeLengths":[4,2]');
      bad.set(new TextEncoder().encode('"episodeLengths":[3,3]'), at);
      expect(() => decodeDemos(resign(bad))).toThrow(/stepOffsets disagree with episodeLengths/);
    });
    it('a non-finite value', () => {
      const { meta: m2, arrays: a2 } = synthetic([1]);
      a2.rewards[0] = NaN;
      expect(() => decodeDemos(encodeDemos(m2, a2))).toThrow(/rewards\[0\] is not finite/);
    });
  });
});
