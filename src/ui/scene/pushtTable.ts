// The Push-T table in three.js, top-down: the 512×512 workspace, its walls and the goal T silhouette.
// World coordinates are Push-T pixels with y down; three.js has y up, so a pose (x, y, θ) is drawn at
// (x, −y) rotated by −θ, and shapes are built from local (lx, −ly). Then world = R(θ)·local + origin holds
// on screen exactly as in the simulator.
import * as THREE from 'three';
import { BLOCK_BOXES, GOAL_POSE, WALL_CORNERS, WALL_RADIUS, WORKSPACE_SIZE, type Pose } from '../../sim/pusht/geometry';

/** Room around the workspace in the view, pixels. */
const VIEW_MARGIN = 16;
const GRID_SPACING = 64;

export const COLORS = {
  background: 0x111315,
  table: 0x1b1e22,
  grid: 0x262a30,
  wall: 0x8b949e,
  goal: 0x3fb950,
} as const;
const GOAL_FILL_OPACITY = 0.22;

/** Draw order (z) for the flat layers; the camera looks down −z. */
const Z = { table: 0, grid: 0.1, goal: 0.2, walls: 0.3 } as const;

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

function tShape(): THREE.Shape {
  const pts = tOutline().map(([x, y]) => new THREE.Vector2(x, -y));
  return new THREE.Shape(pts);
}

function goalSilhouette(): THREE.Group {
  const group = new THREE.Group();
  group.name = 'goal';
  const fill = new THREE.Mesh(
    new THREE.ShapeGeometry(tShape()),
    new THREE.MeshBasicMaterial({ color: COLORS.goal, transparent: true, opacity: GOAL_FILL_OPACITY, side: THREE.DoubleSide }),
  );
  const outlinePts = tOutline().map(([x, y]) => new THREE.Vector3(x, -y, 0));
  const outline = new THREE.LineLoop(new THREE.BufferGeometry().setFromPoints(outlinePts), new THREE.LineBasicMaterial({ color: COLORS.goal }));
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
    const bar = new THREE.Mesh(new THREE.PlaneGeometry(length, 2 * WALL_RADIUS), material);
    placeAtPose(bar, { x: (ax + bx) / 2, y: (ay + by) / 2, angle: Math.atan2(by - ay, bx - ax) }, Z.walls);
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

export interface TableScene {
  scene: THREE.Scene;
  camera: THREE.OrthographicCamera;
  /** Fits the whole workspace into a viewport of this aspect (width / height). */
  fit(aspect: number): void;
  dispose(): void;
}

export function createTableScene(): TableScene {
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(COLORS.background);
  scene.add(tableAndGrid(), goalSilhouette(), walls());
  const camera = new THREE.OrthographicCamera(-1, 1, 1, -1, -10, 10);
  camera.position.set(WORKSPACE_SIZE / 2, -WORKSPACE_SIZE / 2, 5);
  return {
    scene,
    camera,
    fit(aspect) {
      const half = WORKSPACE_SIZE / 2 + VIEW_MARGIN;
      const [hw, hh] = aspect >= 1 ? [half * aspect, half] : [half, half / aspect];
      camera.left = -hw;
      camera.right = hw;
      camera.top = hh;
      camera.bottom = -hh;
      camera.updateProjectionMatrix();
    },
    dispose() {
      scene.traverse((o) => {
        if (o instanceof THREE.Mesh || o instanceof THREE.Line) {
          o.geometry.dispose();
          (o.material as THREE.Material).dispose();
        }
      });
    },
  };
}
