import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { BLOCK_AREA, blockKeypointsWorld, GOAL_POSE, type Pose } from '../../sim/pusht/geometry';
import { placeAtPose, tOutline } from './pushtTable';

/** Shoelace area of a polygon given as [x, y] pairs. */
function area(pts: [number, number][]): number {
  let twice = 0;
  for (let i = 0, j = pts.length - 1; i < pts.length; j = i++) twice += pts[j][0] * pts[i][1] - pts[i][0] * pts[j][1];
  return Math.abs(twice) / 2;
}

describe('push-T table scene', () => {
  it('outlines the T from the simulator boxes (8 corners, the block area)', () => {
    const outline = tOutline();
    expect(outline).toHaveLength(8);
    expect(area(outline)).toBe(BLOCK_AREA);
    expect(outline).toContainEqual([-15, 120]);
    expect(outline).toContainEqual([60, 0]);
  });

  it('draws a local point where the simulator puts it (world = R(θ)·local + origin, y down → three y up)', () => {
    const poses: Pose[] = [GOAL_POSE, { x: 100, y: 400, angle: -2.3 }];
    for (const pose of poses) {
      const obj = new THREE.Object3D();
      placeAtPose(obj, pose, 0);
      obj.updateMatrixWorld();
      // The simulator's own transform, through the keypoint helper.
      const sim = new Float64Array(18);
      blockKeypointsWorld(pose, sim);
      const [lx, ly] = [9.27, 90.04]; // BLOCK_KEYPOINTS[0]
      const drawn = obj.localToWorld(new THREE.Vector3(lx, -ly, 0));
      expect(drawn.x).toBeCloseTo(sim[0], 9);
      expect(-drawn.y).toBeCloseTo(sim[1], 9);
    }
  });
});
