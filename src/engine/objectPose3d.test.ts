// The pose score's parts read off the keypoint tokens are the simulator's own (score.ts's poseErrors of the pose).
import { describe, expect, it } from 'vitest';
import { Rng } from '../core/rng';
import { uprightPose, type Pose3 } from '../sim/push3d/geometry';
import { rotateAbout } from '../sim/push3d/pose3';
import { push3dSpec } from '../sim/push3d/push3dSpec';
import { poseErrors, zeroErrors } from '../sim/push3d/score';
import { writeKeypointTokens3d } from '../sim/push3d/tokens3d';
import { TOKEN_DIM } from '../sim/taskSpec';
import { poseParts } from './objectPose3d';

/** A pose anywhere on the table, any heading, tipped up to π/2 about a random horizontal axis through its origin. */
function randomPose(rng: Rng): Pose3 {
  const p = uprightPose(rng.range(-0.2, 0.2), rng.range(-0.2, 0.2), rng.range(-Math.PI, Math.PI));
  const azimuth = rng.range(-Math.PI, Math.PI);
  rotateAbout(p, Math.cos(azimuth), Math.sin(azimuth), 0, rng.range(0, Math.PI / 2), p.x, p.y, p.z);
  p.z += rng.range(0, 0.05);
  return p;
}

describe('poseParts', () => {
  it("reads position, heading and tilt off the tokens as score.ts's poseErrors computes them from the pose", () => {
    const rng = new Rng(7);
    const tokens = new Float32Array(13 * TOKEN_DIM);
    for (let i = 0; i < 200; i++) {
      const pose = randomPose(rng);
      writeKeypointTokens3d(push3dSpec, pose, tokens, 0);
      const e = poseErrors(pose, zeroErrors());
      const parts = poseParts(tokens, push3dSpec);
      // Tokens are float32 normalised coordinates: ~1e-7 of 0.3 m.
      expect(parts.position).toBeCloseTo(e.position, 5);
      expect(parts.heading).toBeCloseTo(e.yaw, 3);
      expect(parts.tilt).toBeCloseTo(e.tilt, 3);
    }
  });
});
