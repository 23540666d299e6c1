// Push-T's TaskSpec: N = 10 tokens (9 block keypoints, then the agent), the goal's 9 keypoints as
// conditioning, 2-D actions (target position), pixels normalised by (world − 256) / 256 on x and y
// (z: offset 0, scale 256, and always 0).
import { TOKEN_TYPE, type TaskSpec } from '../taskSpec';
import { keypointTokens } from '../tokens';
import { pdStepGain } from '../pdBias';
import { CONTROL_HZ, GOAL_POSE, K_P, K_V, MAX_STEPS, NUM_KEYPOINTS, SUBSTEP_DT, SUBSTEPS_PER_ACTION, WORKSPACE_SIZE } from './geometry';

const HALF = WORKSPACE_SIZE / 2;
const NUM_TOKENS = NUM_KEYPOINTS + 1;

function buildSpec(): TaskSpec {
  const tokenTypes = new Int32Array(NUM_TOKENS).fill(TOKEN_TYPE.objectKeypoint);
  tokenTypes[NUM_KEYPOINTS] = TOKEN_TYPE.agent;
  const spec: TaskSpec = {
    name: 'push-t',
    numTokens: NUM_TOKENS,
    tokenTypes,
    goalTokens: new Float32Array(0),
    numGoalTokens: NUM_KEYPOINTS,
    actionDim: 2,
    maxSteps: MAX_STEPS,
    controlHz: CONTROL_HZ,
    agentStepGain: pdStepGain({ kp: K_P, kv: K_V, dt: SUBSTEP_DT, substeps: SUBSTEPS_PER_ACTION }),
    worldScale: [HALF, HALF, HALF],
    worldOffset: [HALF, HALF, 0],
  };
  spec.goalTokens = keypointTokens(spec, GOAL_POSE);
  return spec;
}

export const pushTSpec: TaskSpec = buildSpec();
