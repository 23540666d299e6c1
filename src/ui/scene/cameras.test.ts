// The 3D view of push-3d keeps the pillar in frame: at every canvas shape, wherever on the table it stands, at any
// heading, tipped by the tilt suite's action up to lying on its side (its centre of mass still over the table: past
// an edge it falls and the episode ends), its 13 keypoints (its corners and centre of mass) project inside the view.
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { NUM_KEYPOINTS, TABLE_HALF, uprightPose, type Pose3 } from '../../sim/push3d/geometry';
import { beforeControlStep3d } from '../../sim/push3d/perturbations3d';
import { comWorld, keypointsWorld } from '../../sim/push3d/pose3';
import type { Push3DEnv } from '../../sim/push3d/push3dEnv';
import { onTable } from '../../sim/push3d/reset';
import { orbitCamera } from './cameras';
import { pillarReach, worldToScene } from './push3dTable';

/** Canvas shapes (width / height): side-by-side halves on a narrow window up to one wide view. */
const ASPECTS = [0.5, 0.8, 1, 1.6, 2.4];
const GRID_STEP = 0.05;
const HEADINGS = 8;
const TILT_DIRECTIONS = 8;
const TILTS = [0, 0.35, 0.6, 1.0, Math.PI / 2];

/** OrbitControls listens on an element and its document; the test gives it bare event targets. */
function fakeCanvas(): HTMLElement {
  return Object.assign(new EventTarget(), { ownerDocument: new EventTarget(), style: {} }) as unknown as HTMLElement;
}

/** Upright poses on a grid over the table with the whole footprint on it, each tipped as the tilt suite tips it,
 * those with the centre of mass still over the table. */
function extremePoses(): Pose3[] {
  const poses: Pose3[] = [];
  for (let x = -TABLE_HALF; x <= TABLE_HALF + 1e-9; x += GRID_STEP) {
    for (let y = -TABLE_HALF; y <= TABLE_HALF + 1e-9; y += GRID_STEP) {
      for (let h = 0; h < HEADINGS; h++) {
        const yaw = (2 * Math.PI * h) / HEADINGS;
        if (!onTable(x, y, yaw)) continue;
        for (let d = 0; d < TILT_DIRECTIONS; d++) {
          for (const angle of TILTS) {
            // The tilt suite's own action on a stand-in for the simulator (it reads and sets the object's pose).
            const object = uprightPose(x, y, yaw);
            const env = { object, setObjectPose: (p: Pose3) => Object.assign(object, p), setVelocity: () => {}, readObject: () => {} } as unknown as Push3DEnv;
            beforeControlStep3d(env, { kind: 'tilt', angle, azimuth: null, at: 0, jitter: 1 }, 0, { kickAngle: 0, tiltAzimuth: (2 * Math.PI * d) / TILT_DIRECTIONS });
            const com = comWorld(object);
            if (Math.abs(com[0]) <= TABLE_HALF && Math.abs(com[1]) <= TABLE_HALF) poses.push(object);
          }
        }
      }
    }
  }
  return poses;
}

/** How many of the poses' keypoints project outside `camera`'s view. */
function keypointsOutOfView(camera: THREE.Camera, poses: Pose3[]): number {
  camera.updateMatrixWorld();
  const world = new Float64Array(3 * NUM_KEYPOINTS);
  const p = new THREE.Vector3();
  let out = 0;
  for (const pose of poses) {
    keypointsWorld(pose, world);
    for (let k = 0; k < NUM_KEYPOINTS; k++) {
      worldToScene(world[3 * k], world[3 * k + 1], world[3 * k + 2], p).project(camera);
      if (Math.abs(p.x) > 1 || Math.abs(p.y) > 1) out++;
    }
  }
  return out;
}

describe('the 3D view of push-3d', () => {
  const poses = extremePoses();

  it('keeps every keypoint of the pillar in view, at any pose on the table and tipped up to lying flat, at every canvas shape', () => {
    expect(poses.length).toBeGreaterThan(1000);
    for (const aspect of ASPECTS) {
      const cam = orbitCamera(fakeCanvas(), () => {}, pillarReach());
      cam.fit(aspect);
      expect({ aspect, out: keypointsOutOfView(cam.camera, poses) }).toEqual({ aspect, out: 0 });
      cam.dispose();
    }
  });

  it('(the unframed camera, as before, lost tipped pillars near the edges of a narrow canvas)', () => {
    const cam = orbitCamera(fakeCanvas(), () => {});
    cam.fit(0.8);
    expect(keypointsOutOfView(cam.camera, poses)).toBeGreaterThan(0);
    cam.dispose();
  });
});
