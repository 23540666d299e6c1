// Hosts the three.js table. The render loop runs on requestAnimationFrame, independent of the engine's
// message rate: each frame it reads the latest snapshot from the store (no React re-render) and redraws only
// when the snapshot or the canvas size changed.
import { useEffect, useRef } from 'react';
import * as THREE from 'three';
import { appStore } from '../store';
import { createTableScene } from './pushtTable';

export function TableView() {
  const hostRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const host = hostRef.current!;
    const renderer = new THREE.WebGLRenderer({ antialias: true });
    renderer.setPixelRatio(window.devicePixelRatio);
    renderer.domElement.setAttribute('aria-label', 'Push-T table, top-down');
    renderer.domElement.dataset.testid = 'table-canvas';
    host.appendChild(renderer.domElement);
    const table = createTableScene();

    let dirty = true;
    const resize = () => {
      const { width, height } = host.getBoundingClientRect();
      if (width < 1 || height < 1) return;
      renderer.setSize(width, height);
      table.fit(width / height);
      dirty = true;
    };
    const observer = new ResizeObserver(resize);
    observer.observe(host);
    resize();

    let frame = 0;
    let drawn = appStore.getState().snapshot;
    const loop = () => {
      const latest = appStore.getState().snapshot;
      if (latest !== drawn) {
        drawn = latest;
        dirty = true;
      }
      if (dirty) {
        renderer.render(table.scene, table.camera);
        dirty = false;
      }
      frame = requestAnimationFrame(loop);
    };
    frame = requestAnimationFrame(loop);

    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      table.dispose();
      renderer.dispose();
      renderer.domElement.remove();
    };
  }, []);

  return <div className="table-view" ref={hostRef} />;
}
