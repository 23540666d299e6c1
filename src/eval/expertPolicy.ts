// A task's expert behind the RolloutPolicy interface: one expert (with its own simulator copy) per
// environment, so an env's actions never depend on the others'. And the expert executing its own plans open loop,
// n actions per chunk: the ceiling of the long-chunk regime, alone or corrected by Φ and the reflex in the closed loop.
import { defaultConfig } from '../core/config';
import type { ChunkPlanner, ReflexSource } from '../policy/closedLoop';
import type { Reflex } from '../policy/reflex';
import type { WorldPredictor } from '../policy/worldPredictor';
import { simTask, type TaskName } from '../sim/tasks';
import { normaliseCoord } from '../sim/tokens';
import { ChunkedFlowPolicy, type LearnedPolicyParams } from './learnedPolicies';
import type { PolicyObservation, PolicyOutput, RolloutPolicy } from './rolloutPolicy';

export async function createExpertPolicy(numEnvs: number, task: TaskName = 'push-t'): Promise<RolloutPolicy> {
  const sim = simTask(task);
  await sim.init();
  const experts = Array.from({ length: numEnvs }, () => sim.createExpert());
  const D = sim.spec.actionDim;
  const actions = new Float32Array(numEnvs * D);
  const target = new Float64Array(D);
  return {
    name: 'expert',
    resetEnv(env: number) {
      experts[env].reset();
    },
    act(obs: PolicyObservation): PolicyOutput {
      for (let i = 0; i < numEnvs; i++) {
        experts[i].act(obs.states[i], target);
        for (let d = 0; d < D; d++) actions[i * D + d] = normaliseCoord(sim.spec, d, target[d]);
      }
      return { actions };
    },
    dispose() {
      for (const e of experts) e.free();
    },
  };
}

/** What corrects the expert's open-loop plans: Φ and a reflex (learned, or a network-free control), at these gains. */
export interface PlanCorrections {
  name: string;
  world: WorldPredictor;
  reflex: Reflex | null;
  reflexSource: ReflexSource;
  params: LearnedPolicyParams;
  /** dispose() frees world and reflex (default true; the playground's are shared). */
  ownsModules?: boolean;
}

/**
 * The expert executing open-loop chunks: at an env's chunk start it plans `executeSteps` control steps ahead on a
 * copy of the state, from scratch (reset, as DAgger's labels are made) and under nominal physics (it cannot know a
 * shove, kick or actuator offset to come), then commands those targets whatever happens. It is what a prior whose
 * chunks matched the expert's would do at that n, so it bounds what open-loop chunks can reach there.
 * With `corrections` the plans run through the closed loop like the prior's chunks: Φ predicts each step, and the
 * reflex corrects every planned action from Δz (expert-chunks-reflex, expert-chunks-integral): does the reflex
 * recover a perfect plan from an error in the actions?
 */
export async function createExpertChunkPolicy(numEnvs: number, task: TaskName, executeSteps: number, corrections: PlanCorrections | null = null): Promise<RolloutPolicy> {
  const sim = simTask(task);
  await sim.init();
  const params = { ...(corrections?.params ?? defaultConfig()), executeSteps };
  const modules = { prior: null, world: corrections?.world ?? null, reflex: corrections?.reflex ?? null, strategy: null };
  const options = { reflexSource: corrections?.reflexSource, planner: expertPlanner(task, executeSteps), ownsModules: corrections?.ownsModules ?? true };
  return new ChunkedFlowPolicy(corrections?.name ?? 'expert-chunks', modules, sim.spec, numEnvs, params, options);
}

/**
 * The expert's open-loop plans: `steps` control steps ahead on a copy of the state, from scratch (reset, as DAgger's
 * labels are made) and under nominal physics. The task's physics must be initialised (simTask(task).init()).
 */
export function expertPlanner(task: TaskName, horizon: number): ChunkPlanner {
  const sim = simTask(task);
  const expert = sim.createExpert();
  const scratch = sim.createEnv();
  const state = sim.zeroState();
  const D = sim.spec.actionDim;
  const target = new Float64Array(D);
  return {
    horizon,
    plan(start, steps, out) {
      if (steps > horizon) throw new Error(`expert planner: ${steps} steps exceed its horizon ${horizon}`);
      expert.reset();
      scratch.setState(start);
      for (let k = 0; k < steps; k++) {
        scratch.getState(state);
        expert.act(state, target);
        for (let d = 0; d < D; d++) out[k * D + d] = normaliseCoord(sim.spec, d, target[d]);
        scratch.act(target);
      }
    },
    dispose() {
      expert.free();
      scratch.free();
    },
  };
}
