// Training, evaluation and the playground run one control loop (src/policy/closedLoop.ts): for the same modules,
// start state and episode seed, a stage-2 rollout, an `eval` episode and a playground lane execute the same
// actions, bit for bit, with the stochastic sampler (σ > 0), the reflex on a residual history and η per chunk; and
// the expert's plans corrected by the reflex run the same in `eval` and in a playground lane.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig, type Config } from '../core/config';
import { createExpertChunkPolicy } from '../eval/expertPolicy';
import { ChunkedFlowPolicy } from '../eval/learnedPolicies';
import type { RolloutPolicy } from '../eval/rolloutPolicy';
import { episodeSeed, runEpisodes } from '../eval/runEpisodes';
import { residualSteps } from '../policy/closedLoop';
import { pushTSpec } from '../sim/pusht/pushTSpec';
import { SUITES } from '../sim/perturbations';
import { TOKEN_DIM } from '../sim/taskSpec';
import { PushTVecEnv } from '../sim/vecEnv';
import { TINY_SAGR_NETS } from '../testing/tinyConfig';
import { sdeParams } from '../train/ppoSagr';
import { RolloutBuffer, SagrRollout, decisionsPerRollout } from '../train/rollout';
import { LiveLane } from './liveLane';
import { LivePolicy } from './livePolicy';
import { useNodeBackend } from './nodeBackend';
import { standIn, type ModuleSet } from './policyModules';

const config: Config = { ...defaultConfig(), ...TINY_SAGR_NETS, executeSteps: 3, rolloutSteps: 9, numEnvs: 1, reflexHistory: 2, sigmaMax: 0.2, episodeLength: 300 };
const STEPS = 9;
const ROOT = 21;
const spec = pushTSpec;

let modules: Required<ModuleSet>;
beforeAll(async () => {
  await useNodeBackend('cpu');
  modules = {
    prior: standIn('prior', config, spec),
    world: standIn('world', config, spec),
    reflex: standIn('reflex', config, spec),
    strategy: standIn('strategy', config, spec),
    critic: standIn('critic', config, spec),
  };
});

/** The sagr policy of `eval`, recording what it executes. */
class Recorder implements RolloutPolicy {
  readonly name = 'recorder';
  readonly actions: number[] = [];
  constructor(private readonly inner: ChunkedFlowPolicy) {}
  resetEnv(env: number, seed: number) {
    this.inner.resetEnv(env, seed);
  }
  async act(...args: Parameters<ChunkedFlowPolicy['act']>) {
    const out = await this.inner.act(...args);
    this.actions.push(...out.actions);
    return out;
  }
  observe(...args: Parameters<ChunkedFlowPolicy['observe']>) {
    this.inner.observe(...args);
  }
  dispose() {}
}

describe('one control loop', () => {
  it('a stage-2 rollout, an eval episode and a playground lane execute the same actions for the same seed', async () => {
    const seed = episodeSeed(ROOT, 0);
    const { prior, world, reflex, strategy, critic } = modules;

    // Evaluation: episode 0 of root seed ROOT.
    const recorder = new Recorder(new ChunkedFlowPolicy('sagr', { prior, world, reflex, strategy }, spec, 1, config));
    await runEpisodes(recorder, { perturbation: SUITES.nominal, episodes: 1, seed: ROOT, numEnvs: 1, maxSteps: STEPS });

    // Training: the same start state and noise stream.
    const env = await PushTVecEnv.create({ numEnvs: 1, seed: 0 });
    env.reseed(0, seed);
    const rollout = new SagrRollout(env, { prior, world, reflex, strategy }, critic, config.executeSteps, config.discount, 0);
    rollout.loop.resetEnv(0, seed);
    const sde = sdeParams(config);
    const obsSize = spec.numTokens * TOKEN_DIM;
    const buf = new RolloutBuffer(decisionsPerRollout(config), 1, obsSize, residualSteps(sde) * config.horizon * spec.actionDim, spec.actionDim, config.executeSteps, config.horizon, rollout.loop.history * obsSize);
    await rollout.collect(buf, { ...config, sde });
    env.free();

    // The playground: a sagr lane started on the same episode seed.
    const lane = await LiveLane.create(new LivePolicy('sagr', { prior, world, reflex, strategy }, spec), config);
    lane.startEpisode(0, seed);
    for (let t = 0; t < STEPS; t++) await lane.stepOnce(config);
    const live = Array.from(lane.exportArrays().action.data);
    lane.free();

    const training = Array.from(buf.stepActions);
    expect(training).toHaveLength(STEPS * 2);
    expect(recorder.actions).toEqual(training);
    expect(live).toEqual(training);
    // The reflex acted (after the first step) and the chunk was replanned (n = 3 of H = 4): the test covers both.
    expect(Array.from(buf.stepReflex).slice(2).some((x) => x !== 0)).toBe(true);
  });

  it('expert-chunks-reflex: an eval episode and a playground lane execute the same corrected plans', async () => {
    const { world, reflex } = modules;
    const params = { ...config, sigmaMax: 0 };
    const recorder = new Recorder((await createExpertChunkPolicy(1, 'push-t', 3, { name: 'expert-chunks-reflex', world, reflex, reflexSource: 'learned', params, ownsModules: false })) as ChunkedFlowPolicy);
    await runEpisodes(recorder, { perturbation: SUITES.nominal, episodes: 1, seed: ROOT, numEnvs: 1, maxSteps: STEPS });
    const lane = await LiveLane.create(new LivePolicy('expert-chunks-reflex', { world, reflex }, spec, config.horizon), params);
    lane.startEpisode(0, episodeSeed(ROOT, 0));
    for (let t = 0; t < STEPS; t++) await lane.stepOnce(params);
    const live = Array.from(lane.exportArrays().action.data);
    lane.free();
    expect(live).toEqual(recorder.actions);
    expect(live).toHaveLength(STEPS * 2);
    // The (randomly initialised) reflex acted: the plans alone execute other actions.
    const plans = new Recorder((await createExpertChunkPolicy(1, 'push-t', 3)) as ChunkedFlowPolicy);
    await runEpisodes(plans, { perturbation: SUITES.nominal, episodes: 1, seed: ROOT, numEnvs: 1, maxSteps: STEPS });
    expect(plans.actions.some((x, k) => Math.abs(x - live[k]) > 1e-4)).toBe(true);
  });
});
