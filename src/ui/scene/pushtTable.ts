// The Push-T table in three.js: the 512×512 workspace, its walls and the goal T silhouette, built in 3D (z up)
// so the same scene serves the top-down orthographic view and the orbitable perspective one.
// World coordinates are Push-T pixels with y down; three.js has y up, so a pose (x, y, θ) is drawn at
// (x, −y) rotated by −θ, and shapes are built from local (lx, −ly). Then world = R(θ)·local + origin holds
// on screen exactly as in the simulator.
import * as THREE from 'three';
import { BLOCK_BOXES, GOAL_POSE, WALL_CORNERS, WALL_RADIUS, WORKSPACE_SIZE, type Pose } from '../../sim/pusht/geometry';

const GRID_SPACING = 64;

export const COLORS = {
  background: 0x111315,
  table: 0x1b1e22,
  grid: 0x262a30,
  wall: 0x8b949e,
  goal: 0x3fb950,
  /** The original's LightSlateGray block and RoyalBlue agent. */
  block: 0x778899,
  pusher: 0x4169e1,
} as const;
const GOAL_FILL_OPACITY = 0.22;

/** Heights (z, pixels) of the solid things in the 3D view; flat layers sit just above the table. */
export const HEIGHT = { wall: 24, block: 20, pusher: 28 } as const;
export const Z = { table: 0, grid: 0.1, goal: 0.2, trail: 0.4 } as const;

/** The T's outline in its local frame, in order around the boundary (from BLOCK_BOXES: crossbar, then stem). */
export function tOutline(): [number, number][] {
  const [bar, stem] = BLOCK_BOXES;
  return [
    [bar.x0, bar.y0],
    [bar.x1, bar.y0],
    [bar.x1, bar.y1],
    [stem.x1, stem.y0],
    [stem.x1, stem.y1],
    [stem.x0, stem.y1],
    [stem.x0, stem.y0],
    [bar.x0, bar.y1],
  ];
}

/** Places an object at a Push-T pose (see the header for the y flip). */
export function placeAtPose(obj: THREE.Object3D, pose: Pose, z: number): void {
  obj.position.set(pose.x, -pose.y, z);
  obj.rotation.set(0, 0, -pose.angle);
}

export function tShape(): THREE.Shape {
  return new THREE.Shape(tOutline().map(([x, y]) => new THREE.Vector2(x, -y)));
}

/** The T outline as a closed line in the local frame (z = 0). */
export function tOutlineGeometry(): THREE.BufferGeometry {
  return new THREE.BufferGeometry().setFromPoints(tOutline().map(([x, y]) => new THREE.Vector3(x, -y, 0)));
}

function goalSilhouette(): THREE.Group {
  const group = new THREE.Group();
  group.name = 'goal';
  const fill = new THREE.Mesh(new THREE.ShapeGeometry(tShape()), new THREE.MeshBasicMaterial({ color: COLORS.goal, transparent: true, opacity: GOAL_FILL_OPACITY, side: THREE.DoubleSide }));
  // The outline stays visible through the block (drawn last, no depth test): the target is always readable.
  const outline = new THREE.LineLoop(tOutlineGeometry(), new THREE.LineBasicMaterial({ color: COLORS.goal, depthTest: false }));
  outline.renderOrder = 10;
  group.add(fill, outline);
  placeAtPose(group, GOAL_POSE, Z.goal);
  return group;
}

function walls(): THREE.Group {
  const group = new THREE.Group();
  group.name = 'walls';
  const material = new THREE.MeshBasicMaterial({ color: COLORS.wall });
  for (let i = 0; i < WALL_CORNERS.length; i++) {
    const [ax, ay] = WALL_CORNERS[i];
    const [bx, by] = WALL_CORNERS[(i + 1) % WALL_CORNERS.length];
    // A segment of radius r is a box 2r wide, extended by r at both ends so the corners close.
    const length = Math.hypot(bx - ax, by - ay) + 2 * WALL_RADIUS;
    const bar = new THREE.Mesh(new THREE.BoxGeometry(length, 2 * WALL_RADIUS, HEIGHT.wall), material);
    placeAtPose(bar, { x: (ax + bx) / 2, y: (ay + by) / 2, angle: Math.atan2(by - ay, bx - ax) }, HEIGHT.wall / 2);
    group.add(bar);
  }
  return group;
}

function tableAndGrid(): THREE.Group {
  const group = new THREE.Group();
  const table = new THREE.Mesh(new THREE.PlaneGeometry(WORKSPACE_SIZE, WORKSPACE_SIZE), new THREE.MeshBasicMaterial({ color: COLORS.table }));
  table.position.set(WORKSPACE_SIZE / 2, -WORKSPACE_SIZE / 2, Z.table);
  const pts: THREE.Vector3[] = [];
  for (let v = GRID_SPACING; v < WORKSPACE_SIZE; v += GRID_SPACING) {
    pts.push(new THREE.Vector3(v, 0, Z.grid), new THREE.Vector3(v, -WORKSPACE_SIZE, Z.grid));
    pts.push(new THREE.Vector3(0, -v, Z.grid), new THREE.Vector3(WORKSPACE_SIZE, -v, Z.grid));
  }
  const grid = new THREE.LineSegments(new THREE.BufferGeometry().setFromPoints(pts), new THREE.LineBasicMaterial({ color: COLORS.grid }));
  group.add(table, grid);
  return group;
}

/**
 * Light that leaves a surface facing straight up at (nearly) its own colour: three.js's lights are physical, a
 * Lambert surface reflects irradiance/π, so ambient + overhead intensities summing to π give the material colour.
 */
const AMBIENT = 0.55 * Math.PI;
const KEY = 0.45 * Math.PI;

function lights(): THREE.Group {
  const group = new THREE.Group();
  group.add(new THREE.AmbientLight(0xffffff, AMBIENT));
  // From above and a little to the front, so the block's sides shade differently in the 3D view.
  const key = new THREE.DirectionalLight(0xffffff, KEY);
  key.position.set(WORKSPACE_SIZE / 2 - 120, -WORKSPACE_SIZE / 2 - 160, 800);
  key.target.position.set(WORKSPACE_SIZE / 2, -WORKSPACE_SIZE / 2, 0);
  group.add(key, key.target);
  return group;
}

export interface TableScene {
  scene: THREE.Scene;
  dispose(): void;
}

export function createTableScene(): TableScene {
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(COLORS.background);
  scene.add(tableAndGrid(), goalSilhouette(), walls(), lights());
  return { scene, dispose: () => disposeTree(scene) };
}

/** Frees every geometry and material under `root`. */
export function disposeTree(root: THREE.Object3D): void {
  root.traverse((o) => {
    if (o instanceof THREE.Mesh || o instanceof THREE.Line || o instanceof THREE.Points) {
      o.geometry.dispose();
      for (const m of Array.isArray(o.material) ? o.material : [o.material]) (m as THREE.Material).dispose();
    }
  });
}
