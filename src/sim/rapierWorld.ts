// Rapier plumbing shared by Push-T's 2D world (pusht/pushTEnv.ts) and push-3d's 3D world
// (push3d/push3dEnv.ts): loading a build's WASM once, and stepping a world through the raw WASM binding.
import type RAPIER2D from '@dimforge/rapier2d-compat';
import type RAPIER3D from '@dimforge/rapier3d-compat';

/** Loads a Rapier build's WASM once (Node, Vite and Web Workers: the -compat builds embed it); `loaded`
 * says whether it has finished, for constructors that need it. */
export function wasmLoader(init: () => Promise<void>): { load: () => Promise<void>; readonly loaded: boolean } {
  let ready: Promise<void> | null = null;
  let loaded = false;
  return {
    load: () =>
      (ready ??= init().then(() => {
        loaded = true;
      })),
    get loaded() {
      return loaded;
    },
  };
}

type World = RAPIER2D.World | RAPIER3D.World;
type RawStepArgs<W extends World> = Parameters<W['physicsPipeline']['raw']['step']>;

/** Makes a freshly built `world` ready to step through the raw binding (which skips the JS wrapper's
 * per-step gravity vector): returns the raw step's arguments after one ordinary step, which lets the
 * wrapper register everything built; the caller then sets its state anew. */
export function prepareRawStep<W extends World>(world: W, gravity: RawStepArgs<W>[0]): RawStepArgs<W> {
  const args = [
    gravity,
    world.integrationParameters.raw,
    world.islands.raw,
    world.broadPhase.raw,
    world.narrowPhase.raw,
    world.bodies.raw,
    world.colliders.raw,
    world.softBodies.raw,
    world.impulseJoints.raw,
    world.multibodyJoints.raw,
    world.ccdSolver.raw,
  ] as RawStepArgs<W>;
  world.step();
  return args;
}
