// The prior's guarded training step against the pre-issue-16 step (src/reference/: old layers, per-parameter
// Adam, clone-per-parameter guard): from the same seed, the same losses step after step; and its kernel count.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../core/config';
import { Rng } from '../core/rng';
import { useNodeBackend } from '../engine/nodeBackend';
import { patchWasmMatMul } from '../engine/wasmMatMul';
import { flowMatchingLoss, FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { randomFlowBatch } from '../policy/testFixtures';
import { withReferenceLayers } from '../reference/layers';
import { ReferenceGuardedStep } from '../reference/optimizer';
import { taskSpec } from '../sim/tasks';
import { GuardedStep, SUPERVISED_ADAM_EPS } from './guardedStep';

beforeAll(async () => {
  await useNodeBackend('wasm');
  patchWasmMatMul();
});

const STEPS = 6;
const LR = 1e-3;

describe('the prior’s training step', () => {
  const c = defaultConfig();
  const spec = taskSpec('push-t');
  const batch = (rng: Rng, b: number) => randomFlowBatch(spec, c.horizon, rng, b);

  it('gives the pre-issue-16 losses and gradient norms from the same seed, step after step', async () => {
    const [prior, referencePrior] = [new FlowPrior(flowPriorConfig(c, spec), 3), new FlowPrior(flowPriorConfig(c, spec), 3)];
    const guard = new GuardedStep('prior', prior.variables, () => {});
    const reference = new ReferenceGuardedStep(referencePrior.variables, SUPERVISED_ADAM_EPS);
    const [rng, referenceRng] = [new Rng(4), new Rng(4)];
    for (let step = 0; step < STEPS; step++) {
      const data = batch(new Rng(100 + step), 16);
      const ours = await guard.step(() => flowMatchingLoss(prior, data, rng), LR);
      const [loss, gradNorm] = await withReferenceLayers(() => reference.step(() => flowMatchingLoss(referencePrior, data, referenceRng), LR));
      expect(Math.abs(ours.loss - loss) / loss, `step ${step} loss ${ours.loss} vs ${loss}`).toBeLessThanOrEqual(1e-5);
      expect(Math.abs(ours.gradNorm - gradNorm) / gradNorm, `step ${step} grad norm`).toBeLessThanOrEqual(1e-4);
      tf.dispose(data);
    }
    [guard, reference, prior, referencePrior].forEach((x) => x.dispose());
  });

  it('launches at most 600 kernels at batch 64 (~3,900 before), and keeps the tensor count flat', async () => {
    const prior = new FlowPrior(flowPriorConfig(c, spec), 3);
    const guard = new GuardedStep('prior', prior.variables, () => {});
    const data = batch(new Rng(1), 64);
    const rng = new Rng(2);
    const step = async () => void (await guard.step(() => flowMatchingLoss(prior, data, rng), LR));
    await step();
    const before = tf.memory().numTensors;
    const profile = await tf.profile(step);
    await step();
    expect(profile.kernels.length).toBeLessThanOrEqual(600);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(data);
    [guard, prior].forEach((x) => x.dispose());
  });
});
