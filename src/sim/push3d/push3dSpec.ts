// push-3d's TaskSpec: N = 14 tokens (13 object keypoints, then the pusher), the goal's 13 keypoints as
// conditioning, 3-D actions (the pusher's target position). Normalisation is isotropic, so distances keep
// their proportions in every direction: normalised = world / 0.3 m on x, y and z (offset 0). The action
// space x, y ∈ [−0.3, 0.3] m maps onto [−1, 1]; the table top onto [−0.83, 0.83]²; z ∈ [0.015, 0.25] m onto
// [0.05, 0.83]; the pillar's top corners stand at z = 0.4.
import { TOKEN_TYPE, type TaskSpec } from '../taskSpec';
import { pdStepGain } from '../pdBias';
import { ACTION_HALF, CONTROL_HZ, GOAL_POSE, K_P, K_V, MAX_STEPS, NUM_KEYPOINTS, SUBSTEP_DT, SUBSTEPS_PER_ACTION } from './geometry';
import { writeKeypointTokens3d } from './tokens3d';

const NUM_TOKENS = NUM_KEYPOINTS + 1;

function buildSpec(): TaskSpec {
  const tokenTypes = new Int32Array(NUM_TOKENS).fill(TOKEN_TYPE.objectKeypoint);
  tokenTypes[NUM_KEYPOINTS] = TOKEN_TYPE.agent;
  const spec: TaskSpec = {
    name: 'push-3d',
    numTokens: NUM_TOKENS,
    tokenTypes,
    goalTokens: new Float32Array(3 * NUM_KEYPOINTS),
    numGoalTokens: NUM_KEYPOINTS,
    actionDim: 3,
    maxSteps: MAX_STEPS,
    controlHz: CONTROL_HZ,
    agentStepGain: pdStepGain({ kp: K_P, kv: K_V, dt: SUBSTEP_DT, substeps: SUBSTEPS_PER_ACTION }),
    worldScale: [ACTION_HALF, ACTION_HALF, ACTION_HALF],
    worldOffset: [0, 0, 0],
  };
  writeKeypointTokens3d(spec, GOAL_POSE, spec.goalTokens, 0);
  return spec;
}

export const push3dSpec: TaskSpec = buildSpec();
