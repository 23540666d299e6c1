// Estimating a constant target bias from a PD-driven kinematic pusher's own motion (Push-T's and push-3d's
// experts). One control step of the PD law v += (k_p·(τ − p) − k_v·v)·dt, p += v·dt from (p, v) towards a
// target τ ends at p' = f(p, v, τ) with f affine in τ, so a bias b added to τ moves p' by g·b, g = ∂p'/∂τ.
// Measuring p' gives b. The pusher is kinematic (contacts never deflect it), so one step's measurement is
// exact up to float rounding. Per axis: the axes of the PD law do not interact.

export interface PdGains {
  kp: number;
  kv: number;
  dt: number;
  substeps: number;
}

/** Position after one control step of the PD law on one axis. */
export function pdStep(p: number, v: number, target: number, g: PdGains): number {
  for (let i = 0; i < g.substeps; i++) {
    v += (g.kp * (target - p) - g.kv * v) * g.dt;
    p += v * g.dt;
  }
  return p;
}

/** The bias b that explains observing `observed` after commanding `target` from (p, v). */
export function estimateBias(p: number, v: number, target: number, observed: number, g: PdGains): number {
  return (observed - pdStep(p, v, target, g)) / pdStepGain(g);
}

/** g = ∂p'/∂τ, the same at every (p, v): f is affine in τ. */
export function pdStepGain(g: PdGains): number {
  return pdStep(0, 0, 1, g) - pdStep(0, 0, 0, g);
}
