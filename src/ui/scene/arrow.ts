// A solid arrow (cylinder shaft, cone head) between two points, unlit so its colour reads exactly; visible from
// above in the top-down view and with depth in the 3D one. Reused every frame: set() moves it, no allocation.
import * as THREE from 'three';

const SHAFT_RADIUS = 1.2;
const HEAD_RADIUS = 3.6;
const HEAD_LENGTH = 8;
/** Shorter arrows than this (px) are hidden: a dot of a head says nothing. */
const MIN_LENGTH = 0.5;

const UP = new THREE.Vector3(0, 1, 0);
const shaftGeometry = new THREE.CylinderGeometry(SHAFT_RADIUS, SHAFT_RADIUS, 1, 8);
const headGeometry = new THREE.ConeGeometry(HEAD_RADIUS, 1, 12);

export class Arrow {
  readonly object = new THREE.Group();
  private readonly material: THREE.MeshBasicMaterial;
  private readonly shaft: THREE.Mesh;
  private readonly head: THREE.Mesh;
  private readonly dir = new THREE.Vector3();
  /** Where the arrow ends (its start is object.position). */
  readonly tip = new THREE.Vector3();

  constructor(color: number, opacity = 1) {
    this.material = new THREE.MeshBasicMaterial({ color, transparent: opacity < 1, opacity });
    this.shaft = new THREE.Mesh(shaftGeometry, this.material);
    this.head = new THREE.Mesh(headGeometry, this.material);
    this.object.add(this.shaft, this.head);
    this.object.visible = false;
  }

  /** Points the arrow from `from` to `to` (three.js coordinates); hides it when they (nearly) coincide. */
  set(from: THREE.Vector3, to: THREE.Vector3): void {
    this.tip.copy(to);
    this.dir.subVectors(to, from);
    const length = this.dir.length();
    this.object.visible = length >= MIN_LENGTH;
    if (!this.object.visible) return;
    this.dir.divideScalar(length);
    // A short arrow is all head, scaled down with it.
    const head = Math.min(HEAD_LENGTH, length * 0.6);
    const shaft = length - head;
    this.object.position.copy(from);
    this.object.quaternion.setFromUnitVectors(UP, this.dir);
    this.shaft.visible = shaft > 0;
    this.shaft.scale.set(1, Math.max(shaft, 1e-3), 1);
    this.shaft.position.set(0, shaft / 2, 0);
    const width = head / HEAD_LENGTH;
    this.head.scale.set(width, head, width);
    this.head.position.set(0, shaft + head / 2, 0);
  }

  /** Fades an arrow built translucent (opacity < 1), such as an afterimage. */
  setOpacity(opacity: number): void {
    this.material.opacity = opacity;
  }

  setColor(r: number, g: number, b: number): void {
    this.material.color.setRGB(r, g, b, THREE.SRGBColorSpace);
  }

  hide(): void {
    this.object.visible = false;
  }

  dispose(): void {
    this.material.dispose();
  }
}
