// The two ways of looking at the table: straight down through an orthographic camera (the 2D view, the whole
// workspace fitted to the canvas), or through a perspective camera that orbits the table (the 3D view). Given a
// box to frame (push-3d: everywhere its pillar can reach, tipped over included), the 3D view looks at the box's
// centre from the same direction and sets its distance, for the canvas's shape, so that the whole box is in view.
import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { WORKSPACE_SIZE } from '../../sim/pusht/geometry';

/** Room around the workspace in the top-down view, pixels. */
const VIEW_MARGIN = 16;
const CENTRE = new THREE.Vector3(WORKSPACE_SIZE / 2, -WORKSPACE_SIZE / 2, 0);
const TOP_DOWN_HEIGHT = 600;
const FAR = 5000;
/** The 3D view starts in front of the table, looking down at about 45°. */
const ORBIT_START = new THREE.Vector3(0, -560, 520);
const FOV = 40;
/** How close and how far the person may orbit (scene units). */
const MIN_DISTANCE = 150;
const MAX_DISTANCE = 2000;
/** Room left around a framed box, as a fraction of the view's half-size (normalised device coordinates). */
const FRAME_MARGIN = 0.04;
/** The framing distance's bisection: from the orbit's nearest distance to FAR, to well under a scene unit. */
const FRAME_ITERATIONS = 40;

export interface ViewCamera {
  camera: THREE.Camera;
  /** Fits the view to a canvas of this aspect (width / height). */
  fit(aspect: number): void;
  /** Called once per display frame; true when the camera moved (orbit damping) and the frame must be redrawn. */
  update(): boolean;
  /** Turns mouse orbiting off while the person drags the block. */
  setInteractive(on: boolean): void;
  dispose(): void;
}

export function topDownCamera(): ViewCamera {
  const camera = new THREE.OrthographicCamera(-1, 1, 1, -1, 1, FAR);
  camera.position.set(CENTRE.x, CENTRE.y, TOP_DOWN_HEIGHT);
  camera.lookAt(CENTRE);
  return {
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
    update: () => false,
    setInteractive: () => undefined,
    dispose: () => undefined,
  };
}

/**
 * The distance from `target` along the unit `direction` at which `camera` (its fov and aspect set) sees all of
 * `box` within its view, FRAME_MARGIN inside the edges. Bisection: the box's projection shrinks as the camera backs off.
 */
export function framingDistance(camera: THREE.PerspectiveCamera, target: THREE.Vector3, direction: THREE.Vector3, box: THREE.Box3): number {
  const corners = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => new THREE.Vector3(i & 1 ? box.max.x : box.min.x, i & 2 ? box.max.y : box.min.y, i & 4 ? box.max.z : box.min.z));
  const p = new THREE.Vector3();
  const fits = (d: number) => {
    camera.position.copy(target).addScaledVector(direction, d);
    camera.lookAt(target);
    camera.updateMatrixWorld();
    const limit = 1 - FRAME_MARGIN;
    // Every corner in front of the camera (NDC z < 1) and inside the view: then the whole (convex) box is.
    return corners.every((c) => {
      p.copy(c).project(camera);
      return Math.abs(p.x) <= limit && Math.abs(p.y) <= limit && p.z < 1;
    });
  };
  let near = MIN_DISTANCE;
  let far = FAR;
  for (let i = 0; i < FRAME_ITERATIONS; i++) {
    const mid = (near + far) / 2;
    if (fits(mid)) far = mid;
    else near = mid;
  }
  return far;
}

/** The 3D view; with `frame`, it keeps that box (scene units) in view at every canvas shape. */
export function orbitCamera(dom: HTMLElement, onChange: () => void, frame?: THREE.Box3): ViewCamera {
  const camera = new THREE.PerspectiveCamera(FOV, 1, 1, FAR);
  camera.up.set(0, 0, 1);
  const target = frame ? frame.getCenter(new THREE.Vector3()) : CENTRE;
  camera.position.copy(CENTRE).add(ORBIT_START);
  const controls = new OrbitControls(camera, dom);
  controls.target.copy(target);
  controls.enableDamping = true;
  // Stay above the table and within sight of it.
  controls.maxPolarAngle = Math.PI / 2 - 0.05;
  controls.minDistance = MIN_DISTANCE;
  controls.maxDistance = MAX_DISTANCE;
  controls.addEventListener('change', onChange);
  controls.update();
  return {
    camera,
    fit(aspect) {
      camera.aspect = aspect;
      camera.updateProjectionMatrix();
      if (frame) {
        const direction = camera.position.clone().sub(target).normalize();
        const d = framingDistance(camera, target, direction, frame);
        // A tall narrow canvas may need more room than the person's zoom-out limit.
        controls.maxDistance = Math.max(MAX_DISTANCE, d);
        camera.position.copy(target).addScaledVector(direction, d);
        controls.update();
      }
    },
    update: () => controls.update(),
    setInteractive(on) {
      controls.enabled = on;
    },
    dispose() {
      controls.removeEventListener('change', onChange);
      controls.dispose();
    },
  };
}
