// Speed of stage 2: full PPO iterations (rollout of B envs × T control steps with the closed loop, GAE, the
// PPO epochs on η, b and the critic, Φ's pass) at the default sizes, on the current tfjs backend, with
// randomly initialised modules (speed does not depend on the weights). Reports env steps per second of a whole
// iteration of config.task (default Push-T) and where the time goes: physics (Rapier + the env wrapper), inference (prior chains, strategy,
// reflex, Φ predictions, critic values during the rollout), updates (PPO + Φ), and the rest (JS bookkeeping).
import { defaultConfig, type Config } from '../core/config';
import { deriveSeed } from '../core/rng';
import { Critic, criticConfig } from '../policy/critic';
import { FlowPrior, flowPriorConfig } from '../policy/flowPrior';
import { Reflex, reflexConfig } from '../policy/reflex';
import { Strategy, strategyConfig } from '../policy/strategy';
import { WorldPredictor, worldPredictorConfig } from '../policy/worldPredictor';
import { taskSpec } from '../sim/tasks';
import { SagrTrainer } from './ppoSagr';

export interface PpoBenchResult {
  numEnvs: number;
  controlStepsPerIteration: number;
  /** Iterations timed (after one untimed warm-up iteration). */
  iterations: number;
  secondsPerIteration: number;
  envStepsPerSec: number;
  /** Fractions of the iteration's wall time; they sum to 1. */
  fractions: { physics: number; inference: number; updates: number; other: number };
}

const WARMUP_ITERATIONS = 1;
const TIMED_ITERATIONS = 2;

export async function benchPpo(overrides: Partial<Config> = {}): Promise<PpoBenchResult> {
  // The policy update runs from the first iteration, so every part of an iteration is timed.
  const config: Config = { ...defaultConfig(), criticWarmupIters: 0, ...overrides };
  const spec = taskSpec(config.task);
  const seed = (name: string) => deriveSeed(config.seed, 'bench/ppo', name);
  const modules = {
    prior: new FlowPrior(flowPriorConfig(config, spec), seed('prior')),
    world: new WorldPredictor(worldPredictorConfig(config, spec), seed('world')),
    reflex: new Reflex(reflexConfig(config, spec), seed('reflex')),
    strategy: new Strategy(strategyConfig(config, spec), seed('strategy')),
    critic: new Critic(criticConfig(config, spec), seed('critic')),
  };
  const trainer = await SagrTrainer.create({ config, modules, numIterations: WARMUP_ITERATIONS + TIMED_ITERATIONS, log: () => {} });
  try {
    for (let i = 0; i < WARMUP_ITERATIONS; i++) await trainer.iterate();
    let [wall, physics, inference, updates, steps] = [0, 0, 0, 0, 0];
    for (let i = 0; i < TIMED_ITERATIONS; i++) {
      const l = await trainer.iterate();
      wall += l.wallMs;
      physics += l.rollout.physicsMs;
      inference += l.rollout.inferenceMs;
      updates += l.updateMs;
      steps += l.rollout.controlSteps;
    }
    return {
      numEnvs: config.numEnvs,
      controlStepsPerIteration: steps / TIMED_ITERATIONS,
      iterations: TIMED_ITERATIONS,
      secondsPerIteration: wall / 1000 / TIMED_ITERATIONS,
      envStepsPerSec: steps / (wall / 1000),
      fractions: { physics: physics / wall, inference: inference / wall, updates: updates / wall, other: 1 - (physics + inference + updates) / wall },
    };
  } finally {
    trainer.dispose();
    for (const m of Object.values(modules)) m.dispose();
  }
}
