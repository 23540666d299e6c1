// push-3d's live layer: the pillar drawn from its keypoint tokens lands where the simulator has the object (tipped
// included), and a tipping object's Δz arrows point down at the corners that drop and up at those that rise.
import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import { laneLayout, laneViews } from '../../engine/liveFrame';
import { COM_LOCAL, OBJECT_KEYPOINTS, uprightPose, type Pose3 } from '../../sim/push3d/geometry';
import { comWorld, rotateAbout, toWorld3 } from '../../sim/push3d/pose3';
import { push3dSpec } from '../../sim/push3d/push3dSpec';
import { writePush3DTokens } from '../../sim/push3d/tokens3d';
import { denormaliseCoord } from '../../sim/tokens';
import { Push3dLayer } from './push3dLayer';
import { SCENE_PER_M, worldToScene } from './push3dTable';

const N = push3dSpec.numTokens;
const TIP = 0.4;
/** Keypoints: 6 is the top of the crossbar's outer corner (it drops as the pillar tips back about x), 3 the stem end's bottom (it rises). */
const TOP_OUTER = 6;
const STEM_BOTTOM = 3;

function frame(tokens: Pose3, predicted: Pose3 | null) {
  const layout = laneLayout(N, push3dSpec.actionDim);
  const v = laneViews(new Float32Array(layout.size), layout);
  writePush3DTokens(push3dSpec, tokens, 0.2, 0.2, 0.05, v.tokens, 0);
  if (predicted) {
    writePush3DTokens(push3dSpec, predicted, 0.2, 0.2, 0.05, v.predicted, 0);
    for (let j = 0; j < v.deltaZ.length; j++) v.deltaZ[j] = v.tokens[j] - v.predicted[j];
    v.setScalar('hasPrediction', 1);
  }
  return { layout, v };
}

/** True length, no auto scale, no noise arrow, at display time 0. */
const TRUE_LENGTH = { deltaZ: '1', terms: '1', showNoise: false, now: 0 } as const;

/** Where the arrow points (its local +y, as Arrow builds it). */
const direction = (o: THREE.Object3D) => new THREE.Vector3(0, 1, 0).applyQuaternion(o.quaternion);

describe('Push3dLayer', () => {
  it('places the pillar at the pose its tokens came from, upright or tipped', () => {
    const upright = uprightPose(0.05, -0.03, 1.1);
    const tipped = { ...upright };
    rotateAbout(tipped, 1, 0, 0, TIP, upright.x, upright.y, 0);
    for (const pose of [upright, tipped]) {
      const { layout, v } = frame(pose, null);
      const layer = new Push3dLayer(N, 4);
      layer.update(v, layout, new Float32Array(0), null, TRUE_LENGTH);
      const com = new THREE.Vector3(...COM_LOCAL).multiplyScalar(SCENE_PER_M).applyMatrix4(layer.pillar.matrix);
      const c = comWorld(pose);
      expect(com.distanceTo(worldToScene(c[0], c[1], c[2]))).toBeLessThan(0.05); // scene units are mm
      const [lx, ly, lz] = OBJECT_KEYPOINTS[STEM_BOTTOM];
      const corner = new THREE.Vector3(lx, ly, lz).multiplyScalar(SCENE_PER_M).applyMatrix4(layer.pillar.matrix);
      const w = new Float64Array(3);
      toWorld3(pose, lx, ly, lz, w);
      expect(corner.distanceTo(worldToScene(w[0], w[1], w[2]))).toBeLessThan(0.05);
      layer.dispose();
    }
  });

  it('draws Δz in 3D: tipping back, the top outer corner drops and the stem end rises', () => {
    const predicted = uprightPose(0, 0, 0);
    const actual = { ...predicted };
    rotateAbout(actual, 1, 0, 0, TIP, 0, 0, 0);
    const { layout, v } = frame(actual, predicted);
    const layer = new Push3dLayer(N, 4);
    layer.update(v, layout, new Float32Array(0), null, TRUE_LENGTH);
    const down = direction(layer.residuals[TOP_OUTER].object);
    const up = direction(layer.residuals[STEM_BOTTOM].object);
    expect(layer.residuals[TOP_OUTER].object.visible).toBe(true);
    expect(down.z).toBeLessThan(-0.1);
    expect(up.z).toBeGreaterThan(0.5);
    // At ×1 each arrow runs from the prediction Ŝ to the token S.
    const start = layer.residuals[TOP_OUTER].object.position;
    const sceneAt = (src: Float32Array, k: number) => worldToScene(...([0, 1, 2].map((i) => denormaliseCoord(push3dSpec, i, src[3 * k + i])) as [number, number, number]));
    expect(start.distanceTo(sceneAt(v.predicted, TOP_OUTER))).toBeLessThan(1e-3);
    expect(layer.residuals[TOP_OUTER].tip.distanceTo(sceneAt(v.tokens, TOP_OUTER))).toBeLessThan(1e-3);
    // The pusher did not move: its arrow is hidden.
    expect(layer.residuals[N - 1].object.visible).toBe(false);
    layer.dispose();
  });
});
