// One angle wrap for the whole project (sim scoring, the expert's geometry, the engine's pose, the UI's drag).

const TWO_PI = 2 * Math.PI;

/** Wraps an angle to (−π, π]: the short way round, with a half turn read as +π. */
export function wrapAngle(a: number): number {
  return a - TWO_PI * Math.ceil((a - Math.PI) / TWO_PI);
}
