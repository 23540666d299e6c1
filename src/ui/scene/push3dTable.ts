// push-3d's table in three.js: the table top with its edges (no walls: an object pushed off falls), a grid, the
// goal T's footprint and a wire pillar where the object should stand, and the lights. Shared with Push-T's
// scene: the cameras (pixels around the 512 px workspace's centre), so push-3d's metres are drawn as
// millimetres about that centre, z up (right-handed, no y flip: push-3d's frame is z-up like three.js's).
import * as THREE from 'three';
import { COM_LOCAL, FOOTPRINT_CORNERS, GOAL_POSE, OBJECT_KEYPOINTS, OBJECT_HEIGHT, PX_PER_M, TABLE_HALF, TABLE_THICKNESS, type Pose3 } from '../../sim/push3d/geometry';
import { WORKSPACE_SIZE } from '../../sim/pusht/geometry';
import { COLORS, Z, disposeTree, tOutline, type TableScene } from './pushtTable';

/** Scene units (mm) per metre, and where the table's centre is drawn (the cameras look there). */
export const SCENE_PER_M = PX_PER_M;
const CENTRE_X = WORKSPACE_SIZE / 2;
const CENTRE_Y = -WORKSPACE_SIZE / 2;
const GRID_SPACING_M = 0.05;
const GOAL_FILL_OPACITY = 0.22;
const GOAL_PILLAR_OPACITY = 0.45;
const AMBIENT = 0.55 * Math.PI;
const KEY = 0.45 * Math.PI;

/** Three.js position of a push-3d world point (metres). */
export function worldToScene(x: number, y: number, z: number, out = new THREE.Vector3()): THREE.Vector3 {
  return out.set(CENTRE_X + SCENE_PER_M * x, CENTRE_Y + SCENE_PER_M * y, SCENE_PER_M * z);
}

/** The push-3d table point (metres) under a three.js position. */
export function sceneToWorld(p: THREE.Vector3): { x: number; y: number } {
  return { x: (p.x - CENTRE_X) / SCENE_PER_M, y: (p.y - CENTRE_Y) / SCENE_PER_M };
}

/** The footprint's widest span (m): the tallest a pillar lying on its side can stand. */
const FOOTPRINT_SPAN = Math.max(...FOOTPRINT_CORNERS.flatMap(([ax, ay]) => FOOTPRINT_CORNERS.map(([bx, by]) => Math.hypot(ax - bx, ay - by))));
/** The farthest any keypoint (a corner) is from the centre of mass (m): how far past its centre the pillar reaches, however it lies. */
const COM_REACH = Math.max(...OBJECT_KEYPOINTS.map(([x, y, z]) => Math.hypot(x - COM_LOCAL[0], y - COM_LOCAL[1], z - COM_LOCAL[2])));

/**
 * Everywhere the pillar can be while an episode runs (scene units), for the 3D camera to keep in view: its
 * centre of mass over the table (past an edge it falls, and the episode ends), so the pillar within COM_REACH
 * of the table, tipped or lying on its side; from the table's underside up to its height or, on its side, its
 * footprint's span. (A displace suite's drop starts higher, for a moment.)
 */
export function pillarReach(): THREE.Box3 {
  const reach = TABLE_HALF + COM_REACH;
  return new THREE.Box3(worldToScene(-reach, -reach, -TABLE_THICKNESS), worldToScene(reach, reach, Math.max(OBJECT_HEIGHT, FOOTPRINT_SPAN)));
}

/** The T footprint in its local frame, scene units (Push-T's boxes are push-3d's at 1 px = 1 mm). */
export function footprintShape(): THREE.Shape {
  return new THREE.Shape(tOutline().map(([x, y]) => new THREE.Vector2((x / PX_PER_M) * SCENE_PER_M, (y / PX_PER_M) * SCENE_PER_M)));
}

/** The pillar: the footprint extruded OBJECT_HEIGHT up from the body origin's plane (local frame, scene units). */
export function pillarGeometry(): THREE.ExtrudeGeometry {
  return new THREE.ExtrudeGeometry(footprintShape(), { depth: OBJECT_HEIGHT * SCENE_PER_M, bevelEnabled: false });
}

/** Sets `obj`'s transform to a push-3d pose (its local frame in scene units). */
export function placeAtPose3(obj: THREE.Object3D, pose: Pose3): void {
  worldToScene(pose.x, pose.y, pose.z, obj.position);
  obj.quaternion.set(pose.qx, pose.qy, pose.qz, pose.qw);
}

function table(): THREE.Group {
  const group = new THREE.Group();
  const side = 2 * TABLE_HALF * SCENE_PER_M;
  const slab = new THREE.Mesh(new THREE.BoxGeometry(side, side, TABLE_THICKNESS * SCENE_PER_M), new THREE.MeshLambertMaterial({ color: COLORS.table }));
  worldToScene(0, 0, -TABLE_THICKNESS / 2, slab.position);
  const edges = new THREE.LineSegments(new THREE.EdgesGeometry(slab.geometry), new THREE.LineBasicMaterial({ color: COLORS.wall }));
  edges.position.copy(slab.position);
  const pts: THREE.Vector3[] = [];
  for (let v = -TABLE_HALF + GRID_SPACING_M; v < TABLE_HALF - 1e-9; v += GRID_SPACING_M) {
    pts.push(worldToScene(v, -TABLE_HALF, 0), worldToScene(v, TABLE_HALF, 0), worldToScene(-TABLE_HALF, v, 0), worldToScene(TABLE_HALF, v, 0));
  }
  const grid = new THREE.LineSegments(new THREE.BufferGeometry().setFromPoints(pts), new THREE.LineBasicMaterial({ color: COLORS.grid }));
  grid.position.z = Z.grid;
  group.add(slab, edges, grid);
  return group;
}

function goal(): THREE.Group {
  const group = new THREE.Group();
  group.name = 'goal';
  const fill = new THREE.Mesh(new THREE.ShapeGeometry(footprintShape()), new THREE.MeshBasicMaterial({ color: COLORS.goal, transparent: true, opacity: GOAL_FILL_OPACITY, side: THREE.DoubleSide }));
  fill.position.z = Z.goal;
  // The goal pillar's edges stay visible through the object (no depth test): the target is always readable.
  const pillar = new THREE.LineSegments(new THREE.EdgesGeometry(pillarGeometry()), new THREE.LineBasicMaterial({ color: COLORS.goal, transparent: true, opacity: GOAL_PILLAR_OPACITY, depthTest: false }));
  pillar.renderOrder = 10;
  group.add(fill, pillar);
  placeAtPose3(group, GOAL_POSE);
  return group;
}

function lights(): THREE.Group {
  const group = new THREE.Group();
  group.add(new THREE.AmbientLight(0xffffff, AMBIENT));
  const key = new THREE.DirectionalLight(0xffffff, KEY);
  key.position.copy(worldToScene(-0.12, -0.16, 0.8));
  key.target.position.copy(worldToScene(0, 0, 0));
  group.add(key, key.target);
  return group;
}

export function createPush3dScene(): TableScene {
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(COLORS.background);
  scene.add(table(), goal(), lights());
  return { scene, dispose: () => disposeTree(scene) };
}
