// Rigid-pose arithmetic for push-3d: quaternions (x, y, z, w), local → world points, and the pose errors
// the score and success use (heading about z, tilt away from upright). No allocation: results go to `out`.
import { COM_LOCAL, NUM_KEYPOINTS, OBJECT_KEYPOINTS, type Pose3 } from './geometry';

/** world = R(q)·(lx, ly, lz) + position, written to out[offset…offset+3). */
export function toWorld3(p: Pose3, lx: number, ly: number, lz: number, out: Float64Array | Float32Array, offset = 0): void {
  // v' = v + 2w(u × v) + 2u × (u × v), u = (qx, qy, qz)
  const { qx, qy, qz, qw } = p;
  const tx = 2 * (qy * lz - qz * ly);
  const ty = 2 * (qz * lx - qx * lz);
  const tz = 2 * (qx * ly - qy * lx);
  out[offset] = lx + qw * tx + (qy * tz - qz * ty) + p.x;
  out[offset + 1] = ly + qw * ty + (qz * tx - qx * tz) + p.y;
  out[offset + 2] = lz + qw * tz + (qx * ty - qy * tx) + p.z;
}

/** The 13 keypoints at pose `p`, world metres, out[3k…3k+3). */
export function keypointsWorld(p: Pose3, out: Float64Array | Float32Array, offset = 0): void {
  for (let k = 0; k < NUM_KEYPOINTS; k++) {
    const [lx, ly, lz] = OBJECT_KEYPOINTS[k];
    toWorld3(p, lx, ly, lz, out, offset + 3 * k);
  }
}

const comScratch = new Float64Array(3);

/** Centre of mass (world) of the nominal object at pose `p`, into out[0…3). */
export function comWorld(p: Pose3, out: Float64Array = comScratch): Float64Array {
  toWorld3(p, COM_LOCAL[0], COM_LOCAL[1], COM_LOCAL[2], out, 0);
  return out;
}

/** Angle between the object's up axis and the world's: acos(R₂₂), R₂₂ = 1 − 2(qx² + qy²). */
export function tiltOf(p: Pose3): number {
  const c = 1 - 2 * (p.qx * p.qx + p.qy * p.qy);
  return Math.acos(c > 1 ? 1 : c < -1 ? -1 : c);
}

/** Heading: the direction of the object's local x axis projected on the table, atan2(R₁₀, R₀₀). */
export function yawOf(p: Pose3): number {
  return Math.atan2(2 * (p.qx * p.qy + p.qw * p.qz), 1 - 2 * (p.qy * p.qy + p.qz * p.qz));
}

const pointScratch = new Float64Array(3);
const rotation: Pose3 = { x: 0, y: 0, z: 0, qx: 0, qy: 0, qz: 0, qw: 1 };

/** Rotates pose `p` by `angle` about the world axis (ax, ay, az) (unit) through the world point (cx, cy, cz), in place. */
export function rotateAbout(p: Pose3, ax: number, ay: number, az: number, angle: number, cx: number, cy: number, cz: number): void {
  const s = Math.sin(angle / 2);
  const r = rotation;
  r.qx = ax * s;
  r.qy = ay * s;
  r.qz = az * s;
  r.qw = Math.cos(angle / 2);
  // Position: c + R·(position − c).
  const v = pointScratch;
  toWorld3(r, p.x - cx, p.y - cy, p.z - cz, v, 0);
  p.x = v[0] + cx;
  p.y = v[1] + cy;
  p.z = v[2] + cz;
  // Orientation: r ⊗ q.
  const { qx, qy, qz, qw } = p;
  p.qx = r.qw * qx + r.qx * qw + r.qy * qz - r.qz * qy;
  p.qy = r.qw * qy - r.qx * qz + r.qy * qw + r.qz * qx;
  p.qz = r.qw * qz + r.qx * qy - r.qy * qx + r.qz * qw;
  p.qw = r.qw * qw - r.qx * qx - r.qy * qy - r.qz * qz;
  normalise(p);
}

/** Rescales the quaternion of `p` to unit length, in place. */
export function normalise(p: Pose3): void {
  const n = Math.hypot(p.qx, p.qy, p.qz, p.qw);
  p.qx /= n;
  p.qy /= n;
  p.qz /= n;
  p.qw /= n;
}
