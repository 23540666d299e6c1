// The original's reset distribution, and the shifted variant used by the `shifted-init` suite.
// We draw the plain pose (origin, angle): the original's legacy code set the position before the angle,
// rotating about the centre of gravity, which moves the origin off the drawn integers. We set the drawn
// origin and angle directly (the plain pose), so the drawn numbers are exactly the pose.
import type { Rng } from '../../core/rng';
import { RESET_AGENT_RANGE, RESET_BLOCK_RANGE, blockInsideArena, type Pose } from './geometry';
import type { PushTState } from './pushTEnv';

/** Nominal reset: agent ints in [50, 450)², block ints in [100, 400)², angle uniform in [−π, π), at rest. */
export function sampleResetState(rng: Rng, out: PushTState): PushTState {
  const [alo, ahi] = RESET_AGENT_RANGE;
  const [blo, bhi] = RESET_BLOCK_RANGE;
  out.agentX = rng.int(alo, ahi);
  out.agentY = rng.int(alo, ahi);
  out.blockX = rng.int(blo, bhi);
  out.blockY = rng.int(blo, bhi);
  out.blockAngle = rng.range(-Math.PI, Math.PI);
  out.agentVx = 0;
  out.agentVy = 0;
  return out;
}

/**
 * Shifted reset: as the nominal one, but the block origin lies in the border band of width `band` around
 * the nominal square, ints in [100 − band, 400 + band)² minus [100, 400)², and the whole T inside the
 * walls (so the start is a legal state, not one the solver must first push out of a wall). Rejection
 * sampling of (x, y, angle).
 */
export function sampleShiftedResetState(rng: Rng, band: number, out: PushTState): PushTState {
  sampleResetState(rng, out);
  const [blo, bhi] = RESET_BLOCK_RANGE;
  const pose: Pose = { x: 0, y: 0, angle: 0 };
  for (;;) {
    pose.x = rng.int(blo - band, bhi + band);
    pose.y = rng.int(blo - band, bhi + band);
    pose.angle = rng.range(-Math.PI, Math.PI);
    const inNominalSquare = pose.x >= blo && pose.x < bhi && pose.y >= blo && pose.y < bhi;
    if (!inNominalSquare && blockInsideArena(pose)) {
      out.blockX = pose.x;
      out.blockY = pose.y;
      out.blockAngle = pose.angle;
      return out;
    }
  }
}
