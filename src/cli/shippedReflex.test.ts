// The shipped reflex of each task (Push-T, push-3d) does its job: it cancels an action error instead of copying it.
//   - The consistent pseudo-residual shows what the run-time loop shows under an actuator error ε: the pusher
//     lands g·ε further than Φ predicted from the command; the literal recipe shows the opposite sign.
//   - On Φ-consistent windows with constant offsets d (Push-T 2–16 px, random directions), b ≈ −d.
//   - In closed loop under a constant offset, the executed-minus-intended action error of the reflex policy is at
//     most half the prior's (the prior's is the whole offset).
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { nodeFileHandler } from '../engine/nodeCheckpoint';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { loadPrior, loadReflex, loadWorld } from '../eval/learnedCheckpoints';
import { ClosedLoop } from '../policy/closedLoop';
import { reflexHistory, type Reflex } from '../policy/reflex';
import { agentTokenIndex } from '../policy/stateTokens';
import type { WorldPredictor } from '../policy/worldPredictor';
import { decodeDemos } from '../sim/dataset';
import type { TaskPerturbation } from '../sim/perturbationSpec';
import { simTask, taskSpec, TASK_NAMES, type TaskName } from '../sim/tasks';
import { createVecEnv } from '../sim/vecEnv';
import { demoTransitions, indexSteps, splitEpisodes } from '../train/demoData';
import { evaluateReflex, hindsightBatch, windowErrors, windowRows } from '../train/reflexWarmup';
import { shippedCheckpoints } from './learnedPolicy';

/** A constant actuator offset of about 10 px (Push-T) or 10 mm (push-3d) in the table's plane. */
const OFFSETS: Record<TaskName, { kind: 'bias'; dx: number; dy: number; dz?: number }> = {
  'push-t': { kind: 'bias', dx: 8, dy: -6 },
  'push-3d': { kind: 'bias', dx: 0.008, dy: -0.006, dz: 0 },
};

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

describe.each(TASK_NAMES)('the shipped %s reflex', (task) => {
  const DIR = shippedCheckpoints(task);
  const spec = taskSpec(task);
  const demos = decodeDemos(readFileSync(new URL(`../../public/data/${task}-demos.bin`, import.meta.url)));
  const held = splitEpisodes(demos.manifest.episodes, defaultConfig().seed).heldOut;
  const index = indexSteps(demos, held);
  const transitions = demoTransitions(demos, index);
  const picks = Int32Array.from({ length: 512 }, (_, i) => Math.floor((i * index.count) / 512));
  const A = spec.actionDim;

  let world: WorldPredictor;
  let reflex: Reflex;
  beforeAll(async () => {
    world = await loadWorld(nodeFileHandler(path.join(DIR, 'world')), spec);
    reflex = await loadReflex(nodeFileHandler(path.join(DIR, 'reflex')), spec);
  });

  it('is warmed up on the consistent pseudo-residual, whose pusher residual has the sign an actuator error produces', async () => {
    const metadata = JSON.parse(readFileSync(path.join(DIR, 'reflex', 'model.json'), 'utf8')).userDefinedMetadata;
    expect(metadata.config.reflexTarget).toBe('consistent');
    const k = reflexHistory(reflex.config);
    const errors = windowErrors(new Rng(1), picks.length, k, A, 0.05);
    const agent = agentTokenIndex(spec);
    const slope = async (target: 'consistent' | 'literal') => {
      const h = hindsightBatch(world, transitions, index, windowRows(index, picks, k), k, errors, target);
      const [dz, eps] = (await Promise.all([h.deltaZ.data(), h.eps.data()])) as Float32Array[];
      tf.dispose(h);
      let num = 0;
      let den = 0;
      for (let r = 0; r < picks.length; r++) {
        for (let d = 0; d < A; d++) {
          num += dz[(r * spec.numTokens + agent) * 3 * k + d] * eps[r * A + d]; // the newest residual of the pusher token
          den += eps[r * A + d] ** 2;
        }
      }
      return num / den;
    };
    // The pusher covers g of a target change in a step (spec.agentStepGain: Push-T ≈ 0.30).
    const g = spec.agentStepGain;
    expect(await slope('consistent')).toBeGreaterThan(0.6 * g);
    expect(await slope('literal')).toBeLessThan(-0.6 * g);
  });

  it('cancels constant offsets on Φ-consistent data: cos(b, −d) ≥ 0.9 and |b|/|d| in [0.7, 1.3]', async () => {
    const m = await evaluateReflex(reflex, world, transitions, index, picks, { reflexNu: 0.05, reflexTarget: 'consistent' }, 7);
    expect(m.offsetCos).toBeGreaterThanOrEqual(0.9);
    expect(m.offsetGain).toBeGreaterThanOrEqual(0.7);
    expect(m.offsetGain).toBeLessThanOrEqual(1.3);
  });

  it('halves the executed-minus-intended action error under a constant offset in closed loop', async () => {
    const prior = await loadPrior(nodeFileHandler(path.join(DIR, 'prior')), spec);
    const offset = OFFSETS[task];
    const d = [offset.dx / spec.worldScale[0], offset.dy / spec.worldScale[1], 0].slice(0, A);
    const params = { ...defaultConfig(), sigmaMax: 0, sigmaMin: 0 };
    const meanError = async (withReflex: boolean) => {
      const B = 4;
      const env = await createVecEnv(simTask(task), { numEnvs: B, seed: 3, perturbation: offset as TaskPerturbation });
      const loop = new ClosedLoop({ prior, world, reflex: withReflex ? reflex : null, strategy: null }, spec, B);
      for (let i = 0; i < B; i++) loop.resetEnv(i, 30 + i);
      let sum = 0;
      let count = 0;
      for (let t = 0; t < 60; t++) {
        const { step } = await loop.step(env.tokens, params);
        env.step(step.actions);
        loop.observe(env.tokens, env.dones, env.finalTokens);
        for (let i = 0; i < B; i++) if (env.dones[i]) loop.resetEnv(i, 100 + 10 * t + i);
        if (t < 5) continue; // the reflex needs residuals first
        // executed − intended = g_b·b + d (the chunk's action is what was intended).
        for (let i = 0; i < B; i++) sum += Math.hypot(...d.map((dj, j) => step.reflex[A * i + j] + dj));
        count += B;
      }
      env.free();
      return sum / count;
    };
    const [priorError, reflexError] = [await meanError(false), await meanError(true)];
    expect(priorError).toBeCloseTo(Math.hypot(...d), 6);
    expect(reflexError).toBeLessThanOrEqual(0.5 * priorError);
    prior.dispose();
  });
});
