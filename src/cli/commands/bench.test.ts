// `bench --only ppo` in a fresh process, as a person runs it: the section must set up its own backend (it once
// relied on an earlier section's, and failed alone). The PPO section is the cheapest one that trains.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../core/config';
import type { CommandContext } from '../command';
import { bench } from './bench';

describe('bench command', () => {
  it('runs the PPO section alone on wasm and reports its throughput', async () => {
    const lines: string[] = [];
    const ctx: CommandContext = { config: defaultConfig(), configFlags: new Set(), flags: { only: 'ppo' }, switches: new Set(), log: (m) => lines.push(m) };
    const result = (await bench.run(ctx)) as { ppo: { envStepsPerSec: number; numEnvs: number } };
    expect(tf.getBackend()).toBe('wasm');
    expect(result.ppo.envStepsPerSec).toBeGreaterThan(0);
    expect(lines.some((l) => l.startsWith('ppo/wasm (push-t): '))).toBe(true);
  }, 120_000);
});
