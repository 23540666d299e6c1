// One table view of one lane: a line with its title and counters (push-3d: and one with the pose score's parts),
// and under it a WebGL canvas with the table, the live layer and either camera (nothing is drawn over the table). The render loop runs on requestAnimationFrame and never waits on the engine: each display
// frame it takes the latest frame from liveFeed and redraws only when that frame, the camera or a drag changed (and, while
// a residual's afterimage fades, at most every FADE_FRAME_MS).
// Dragging the block (pointer events on the canvas, raycast to the table) sends shoves to the engine; they land
// at the next control step, and until then a dashed outline shows where the block is going.
// push-3d (the `task` prop, the playground's) gets its own scene and layer, in 3D; its pillar is grabbed where the
// pointer's ray meets it and dragged on the table top (metres), with no outline preview.
// The canvas takes focus (Tab or a click); then the arrow keys shove the block one step in the direction they point
// on screen, and Shift + arrow turns it.
import { useEffect, useRef } from 'react';
import * as THREE from 'three';
import { blockCentroid, pointInBlock, type Displacement } from '../../engine/blockPose';
import { laneViews } from '../../engine/liveFrame';
import { controls } from '../controls';
import { LanePolicy } from '../PlaygroundBar';
import { liveFeed } from '../live';
import { layoutOf, posePartsText } from '../liveSummary';
import { appStore } from '../store';
import { orbitCamera, topDownCamera, type ViewCamera } from './cameras';
import { addDisplacement, ARROW_KEYS, arrowShove, dragAboutCentre, dragDisplacement, displaced, KEY_SHOVE_FRACTION, type Point } from './dragShove';
import { LiveLayer, tableToWorld } from './liveLayer';
import { Push3dLayer } from './push3dLayer';
import { createPush3dScene, pillarReach, sceneToWorld, worldToScene } from './push3dTable';
import { HEIGHT, createTableScene } from './pushtTable';
import { views } from './viewRegistry';
import { SCHEMA } from '../../core/config';
import { ARENA_MAX, ARENA_MIN } from '../../sim/pusht/geometry';
import { TABLE_HALF } from '../../sim/push3d/geometry';

/** How often a drag sends its accumulated shove to the engine, ms. */
const SHOVE_SEND_MS = 50;
/** A press this close to the block (px) still grabs it. */
const GRAB_MARGIN = 6;
const NO_SHOVE: Displacement = { dx: 0, dy: 0, dtheta: 0 };
const MAX_TRAIL = SCHEMA.liveEpisodeLength.max + 1;
/** How far (client px) from the block the arrow keys' screen directions are read back onto the table. */
const KEY_PROBE_PX = 20;
/**
 * While only afterimages fade (no new frame, no drag), redraw at most this often, ms. A fade reads as smooth at
 * ~15 fps, and redrawing both views at the display's rate made push-3d's side-by-side crawl in software WebGL: its
 * Φ's residuals are spikes at most steps, so some afterimage is always fading.
 */
const FADE_FRAME_MS = 66;

export function SceneView({ lane, mode, task }: { lane: number; mode: '2d' | '3d'; task: string }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const titleRef = useRef<HTMLDivElement>(null);
  const countersRef = useRef<HTMLDivElement>(null);
  const poseRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const host = hostRef.current!;
    const renderer = new THREE.WebGLRenderer({ antialias: true });
    renderer.setPixelRatio(window.devicePixelRatio);
    const canvas = renderer.domElement;
    const pushT = task === 'push-t';
    const taskName = pushT ? 'Push-T' : task;
    const where = mode === '2d' ? `${taskName} table, top-down, lane ${lane}` : `${taskName} table, 3D, lane ${lane}`;
    canvas.setAttribute('role', 'application');
    canvas.setAttribute('aria-label', `${where}: arrow keys shove the block, Shift + arrow keys turn it`);
    canvas.tabIndex = 0;
    canvas.dataset.testid = `table-canvas-${lane}`;
    if (lane === 0) canvas.dataset.testid = 'table-canvas';
    canvas.dataset.view = mode;
    canvas.dataset.task = task;
    host.prepend(canvas);
    const table = pushT ? createTableScene() : createPush3dScene();
    let dirty = true;
    const cam: ViewCamera = mode === '2d' ? topDownCamera() : orbitCamera(canvas, () => (dirty = true), pushT ? undefined : pillarReach());
    let layer: LiveLayer | Push3dLayer | null = null;

    const resize = () => {
      const { width, height } = host.getBoundingClientRect();
      if (width < 1 || height < 1) return;
      renderer.setSize(width, height);
      cam.fit(width / height);
      dirty = true;
    };
    const observer = new ResizeObserver(resize);
    observer.observe(host);
    resize();

    // ── drag state: shoves not yet sent, and sent but not yet in a frame ─────────────────────────────
    let dragging: { pointer: number; last: Point } | null = null;
    let unsent: Displacement = NO_SHOVE;
    let inFlight: Displacement = NO_SHOVE;
    let sendTimer: ReturnType<typeof setTimeout> | null = null;
    const raycaster = new THREE.Raycaster();
    const plane = new THREE.Plane(new THREE.Vector3(0, 0, 1), pushT ? -HEIGHT.block : 0);
    const hit = new THREE.Vector3();

    /** The table point under client point (x, y). */
    const tablePointAt = (x: number, y: number): Point | null => {
      const r = canvas.getBoundingClientRect();
      const ndc = new THREE.Vector2(((x - r.left) / r.width) * 2 - 1, -((y - r.top) / r.height) * 2 + 1);
      raycaster.setFromCamera(ndc, cam.camera);
      if (!raycaster.ray.intersectPlane(plane, hit)) return null;
      return pushT ? { x: hit.x, y: -hit.y } : sceneToWorld(hit);
    };
    const tablePoint = (e: PointerEvent) => tablePointAt(e.clientX, e.clientY);
    /** Where table point (x, y) is on the page, client px (the block's height for Push-T, the table top for push-3d). */
    const toClient = (x: number, y: number) => {
      const p = (pushT ? tableToWorld(x, y, HEIGHT.block) : worldToScene(x, y, 0)).project(cam.camera);
      if (Math.abs(p.x) > 1 || Math.abs(p.y) > 1) return null;
      const r = canvas.getBoundingClientRect();
      return { x: r.left + ((p.x + 1) / 2) * r.width, y: r.top + ((1 - p.y) / 2) * r.height };
    };
    /** Whether the press at table point `p` (tablePoint just aimed the ray) grabs the block / pillar. */
    const grabs = (p: Point | null): boolean => {
      if (!p) return false;
      if (layer instanceof Push3dLayer) return raycaster.intersectObject(layer.pillar, true).length > 0;
      const pose = previewPose();
      return pose !== null && pointInBlock(pose, p.x, p.y, GRAB_MARGIN);
    };
    const laneState = () => {
      const f = liveFeed.latest;
      const l = f?.lanes[lane];
      return f && l ? laneViews(l.data, layoutOf(f)) : null;
    };
    /** Where the block will be once every shove so far has landed. */
    const previewShove = (): Displacement => {
      const v = laneState();
      const fromFrame = v ? { dx: v.scalar('pendingDx'), dy: v.scalar('pendingDy'), dtheta: v.scalar('pendingDtheta') } : NO_SHOVE;
      return addDisplacement(addDisplacement(fromFrame, inFlight), unsent);
    };
    const previewPose = () => {
      const v = laneState();
      return v ? displaced({ x: v.scalar('blockX'), y: v.scalar('blockY'), angle: v.scalar('blockAngle') }, previewShove()) : null;
    };
    const send = () => {
      sendTimer = null;
      const d = unsent;
      if (d.dx === 0 && d.dy === 0 && d.dtheta === 0) return;
      unsent = NO_SHOVE;
      inFlight = addDisplacement(inFlight, d);
      void controls()
        .shove(d.dx, d.dy, d.dtheta)
        .finally(() => {
          inFlight = addDisplacement(inFlight, { dx: -d.dx, dy: -d.dy, dtheta: -d.dtheta });
          dirty = true;
        });
    };

    // Capture phase on the host: decided before OrbitControls (on the canvas) sees the press.
    const onDown = (e: PointerEvent) => {
      if (e.button !== 0 || e.target !== canvas) return;
      const p = tablePoint(e);
      if (!p || !grabs(p)) return;
      cam.setInteractive(false);
      dragging = { pointer: e.pointerId, last: p };
      canvas.setPointerCapture(e.pointerId);
      canvas.style.cursor = 'grabbing';
      e.preventDefault();
    };
    const onMove = (e: PointerEvent) => {
      const p = tablePoint(e);
      if (!dragging) {
        canvas.style.cursor = grabs(p) ? 'grab' : '';
        return;
      }
      if (e.pointerId !== dragging.pointer || !p) return;
      const pose = previewPose()!;
      const d = pushT ? dragDisplacement(pose, dragging.last, p, e.shiftKey) : dragAboutCentre(pose, dragging.last, p, e.shiftKey);
      unsent = addDisplacement(unsent, d);
      dragging.last = p;
      dirty = true;
      sendTimer ??= setTimeout(send, SHOVE_SEND_MS);
    };
    const onUp = (e: PointerEvent) => {
      if (!dragging || e.pointerId !== dragging.pointer) return;
      dragging = null;
      canvas.style.cursor = '';
      cam.setInteractive(true);
      if (sendTimer !== null) clearTimeout(sendTimer);
      send();
    };
    // ── arrow keys: one shove per press, in the direction the arrow points on screen (any camera) ─────────────
    const keyStep = KEY_SHOVE_FRACTION * (pushT ? ARENA_MAX - ARENA_MIN : 2 * TABLE_HALF);
    const onKey = (e: KeyboardEvent) => {
      const key = ARROW_KEYS[e.key];
      if (!key || e.ctrlKey || e.metaKey || e.altKey) return;
      e.preventDefault(); // the page would scroll
      const pose = previewPose();
      if (!pose) return;
      // push-3d's pose is already the centre it turns about.
      const centre = pushT ? blockCentroid(pose) : pose;
      const here = toClient(centre.x, centre.y);
      const ahead = here && tablePointAt(here.x + key.x * KEY_PROBE_PX, here.y + key.y * KEY_PROBE_PX);
      const alongX = toClient(centre.x + keyStep, centre.y);
      const alongY = toClient(centre.x, centre.y + keyStep);
      if (!here || !ahead || !alongX || !alongY) return; // the block is off screen
      // The sign of the screen's cross product of the table axes: positive when +x turning to +y looks clockwise (y down).
      const clockwise = (alongX.x - here.x) * (alongY.y - here.y) - (alongX.y - here.y) * (alongY.x - here.x);
      unsent = addDisplacement(unsent, arrowShove(pose, centre, key, e.shiftKey, { x: ahead.x - centre.x, y: ahead.y - centre.y }, clockwise, keyStep));
      dirty = true;
      if (sendTimer !== null) clearTimeout(sendTimer);
      send();
    };
    canvas.addEventListener('keydown', onKey);
    host.addEventListener('pointerdown', onDown, { capture: true });
    canvas.addEventListener('pointermove', onMove);
    canvas.addEventListener('pointerup', onUp);
    canvas.addEventListener('pointercancel', onUp);

    // ── drawing ───────────────────────────────────────────────────────────────────────────────────────
    let drawnSeq = -1;
    /** Whether the last drawing had something fading (an afterimage): the loop then keeps redrawing. */
    let animating = false;
    const drawFrame = () => {
      animating = false;
      const f = liveFeed.latest;
      const l = f?.lanes[lane];
      if (!f || !l || f.task !== task) return; // frames of the task before a switch
      const layout = layoutOf(f);
      const v = laneViews(l.data, layout);
      if (!layer) {
        layer = pushT ? new LiveLayer(layout.numTokens, MAX_TRAIL) : new Push3dLayer(layout.numTokens, MAX_TRAIL);
        table.scene.add(layer.group);
      }
      if (layer.update(v, layout, l.trail, previewShove(), { ...appStore.getState().arrows, now: performance.now() })) animating = true;
      if (f.seq !== drawnSeq) {
        drawnSeq = f.seq;
        titleRef.current!.textContent = l.label + (l.condition ? ` · ${l.condition}` : '');
        const s = v.scalar;
        // Short of the step limit without success, a push-3d episode ended in failure (fallen off or tipped over).
        const cut = s('step') >= (appStore.getState().playground?.runConfig.liveEpisodeLength ?? 0);
        const end = s('done') ? (s('success') ? ' · success' : cut ? ' · time limit' : ' · fallen or tipped over') : '';
        countersRef.current!.textContent = `episode ${s('episode')} · step ${s('step')} · ${pushT ? 'coverage' : 'pose score'} ${s('coverage').toFixed(3)} (max ${s('maxCoverage').toFixed(3)}) · R ${s('sagrReward').toFixed(3)} (Σ ${s('sagrReturn').toFixed(1)})${end}`;
        if (poseRef.current) poseRef.current.textContent = `pose score parts: ${posePartsText(s('posePosition'), s('poseHeading'), s('poseTilt'))}`;
        countersRef.current!.dataset.done = s('done') ? (s('success') ? 'success' : cut ? 'timeout' : 'failed') : '';
      }
    };
    const render = () => {
      drawFrame();
      renderer.render(table.scene, cam.camera);
      dirty = false;
    };

    let frame = 0;
    let renderedAt = -Infinity;
    let arrows = appStore.getState().arrows;
    const loop = (now: number) => {
      if (lane === 0) liveFeed.countDisplayFrame(now);
      if (cam.update()) dirty = true;
      const f = liveFeed.latest;
      if ((f && f.seq !== drawnSeq) || dragging || appStore.getState().arrows !== arrows) dirty = true;
      if (animating && now - renderedAt >= FADE_FRAME_MS) dirty = true;
      arrows = appStore.getState().arrows;
      if (dirty) {
        render();
        renderedAt = now;
      }
      frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);

    views.set(lane, {
      canvas,
      renderNow: render,
      tableToClient: toClient,
    });

    return () => {
      views.delete(lane);
      cancelAnimationFrame(frame);
      if (sendTimer !== null) clearTimeout(sendTimer);
      observer.disconnect();
      host.removeEventListener('pointerdown', onDown, { capture: true });
      canvas.removeEventListener('keydown', onKey);
      cam.dispose();
      layer?.dispose();
      table.dispose();
      renderer.dispose();
      canvas.remove();
    };
  }, [lane, mode, task]);

  return (
    <div className="table-view" data-lane={lane}>
      <div className="view-head" data-testid={`view-head-${lane}`}>
        <LanePolicy lane={lane} />
        <span className="view-title" ref={titleRef} data-testid={`view-title-${lane}`} />
        <span className="view-counters" ref={countersRef} data-testid={`view-counters-${lane}`} />
        {task === 'push-3d' && <span className="view-pose" ref={poseRef} data-testid={`view-pose-${lane}`} />}
      </div>
      <div className="canvas-host" ref={hostRef} />
    </div>
  );
}
