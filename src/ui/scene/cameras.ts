// The two ways of looking at the table: straight down through an orthographic camera (the 2D view, the whole
// workspace fitted to the canvas), or through a perspective camera that orbits the table (the 3D view).
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

export function orbitCamera(dom: HTMLElement, onChange: () => void): ViewCamera {
  const camera = new THREE.PerspectiveCamera(FOV, 1, 1, FAR);
  camera.up.set(0, 0, 1);
  camera.position.copy(CENTRE).add(ORBIT_START);
  const controls = new OrbitControls(camera, dom);
  controls.target.copy(CENTRE);
  controls.enableDamping = true;
  // Stay above the table and within sight of it.
  controls.maxPolarAngle = Math.PI / 2 - 0.05;
  controls.minDistance = 150;
  controls.maxDistance = 2000;
  controls.addEventListener('change', onChange);
  controls.update();
  return {
    camera,
    fit(aspect) {
      camera.aspect = aspect;
      camera.updateProjectionMatrix();
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
