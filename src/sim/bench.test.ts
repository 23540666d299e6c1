// The benchmark's raw figure replays the wrapper run's pusher paths: it must meet the same physics, or the
// wrapper overhead compares two different simulations.
import { describe, expect, it } from 'vitest';
import { push3dDriver, pushTDriver, record, replay, type BenchDriver } from './bench';
import type { Push3DEnv } from './push3d/push3dEnv';
import { push3dTask } from './push3d/push3dTask';
import type { PushTEnv } from './pusht/pushTEnv';
import { pushTTask } from './pusht/pushTTask';
import type { TaskPerturbation } from './perturbationSpec';
import type { SimTask } from './simTask';
import { createVecEnv } from './vecEnv';

const ENVS = 4;
const STEPS = 60;

/** The objects' poses (and velocities) each env's simulator ends in after a wrapper run and after its replay. */
async function runAndReplay<Sim, S extends object, P extends TaskPerturbation>(task: SimTask<Sim, S, P>, driver: BenchDriver<Sim>, objectOf: (sim: Sim) => unknown) {
  const vec = await createVecEnv(task, { numEnvs: ENVS, seed: 0 });
  const startEpisodes = () => {
    for (let i = 0; i < ENVS; i++) vec.reseed(i, i);
  };
  const rec = record(vec, driver, startEpisodes, STEPS);
  const ran = vec.envs.map(objectOf);
  replay(vec, driver, rec, STEPS);
  const replayed = vec.envs.map(objectOf);
  vec.free();
  return { ran, replayed };
}

describe('sim bench: the raw replay', () => {
  it('Push-T: ends with every block where the wrapper run left it', async () => {
    const { ran, replayed } = await runAndReplay(pushTTask, pushTDriver, (env: PushTEnv) => {
      env.readBlockPose();
      return { ...env.block };
    });
    expect(replayed).toEqual(ran);
  });

  it('push-3d: ends with every pillar where the wrapper run left it, at the same velocity', async () => {
    const { ran, replayed } = await runAndReplay(push3dTask, push3dDriver, (env: Push3DEnv) => {
      env.readObject();
      return { ...env.object, velocity: Array.from(env.objectVel) };
    });
    expect(replayed).toEqual(ran);
  });
});
