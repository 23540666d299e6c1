// The one source of truth for hyperparameters (TensorFlow Playground's state.ts, grown up).
// Every parameter has a default, a range, a step, a group and help text; the sliders, the URL hash, the
// CLI flags and the config files are all generated from and validated against this table.

export type Group = 'task' | 'sde' | 'reward' | 'prior' | 'world' | 'reflex' | 'strategy' | 'ppo' | 'rwfm' | 'eval' | 'perturb';

export const GROUPS: readonly { id: Group; label: string }[] = [
  { id: 'task', label: 'Task' },
  { id: 'sde', label: 'SDE sampler' },
  { id: 'reward', label: 'Reward (stage 2)' },
  { id: 'prior', label: 'Prior v_θ (stage 0)' },
  { id: 'world', label: 'World predictor Φ (stage 0)' },
  { id: 'reflex', label: 'Reflex b_ψ (stage 1)' },
  { id: 'strategy', label: 'Strategy η_φ and critic' },
  { id: 'ppo', label: 'PPO (stage 2)' },
  { id: 'rwfm', label: 'Reward-weighted flow matching (baseline)' },
  { id: 'eval', label: 'Evaluation' },
  { id: 'perturb', label: 'Live perturbations' },
];

interface Common {
  group: Group;
  /** A plain name for the panel (its unit, if any, is shown after it); the key stays the hash's and CLI's name. */
  label: string;
  help: string;
  /** True when a change takes effect in a running rollout; false means "applies at the next (re)start". */
  live: boolean;
}
export interface NumberParam extends Common {
  kind: 'float' | 'int';
  default: number;
  min: number;
  max: number;
  step: number;
  unit?: string;
  /** Sliders on a log scale (learning rates). */
  log?: boolean;
}
export interface EnumParam<T extends string = string> extends Common {
  kind: 'enum';
  default: T;
  options: readonly T[];
}
export interface BoolParam extends Common {
  kind: 'bool';
  default: boolean;
}
export type Param = NumberParam | EnumParam | BoolParam;

const float = (p: Omit<NumberParam, 'kind'>): NumberParam => ({ kind: 'float', ...p });
const int = (p: Omit<NumberParam, 'kind'>): NumberParam => ({ kind: 'int', ...p });
const choice = <T extends string>(p: Omit<EnumParam<T>, 'kind'>): EnumParam<T> => ({ kind: 'enum', ...p });
const bool = (p: Omit<BoolParam, 'kind'>): BoolParam => ({ kind: 'bool', ...p });

export const TASKS = ['push-t', 'push-3d'] as const;
export const SIGMA_SCHEDULES = ['constant', 'linear', 'cosine'] as const;
export const SDE_MODES = ['chain', 'terminal'] as const;
export const REFLEX_TARGETS = ['consistent', 'literal'] as const;
export const STRATEGY_RATES = ['chunk', 'step', 'latent', 'noise'] as const;

/**
 * The schema. Keys are camelCase; the CLI flag is the kebab-case form (`sigmaMax` → `--sigma-max`).
 * Actions inside the networks are normalised to [−1, 1] (Push-T: pixel / 256 − 1), so σ and ν are in those units.
 */
export const SCHEMA = {
  // ── task ──────────────────────────────────────────────────────────────────────────────────────────
  task: choice({ group: 'task', label: 'Task', default: 'push-t', options: TASKS, live: false, help: 'Which pushing task runs.' }),
  seed: int({ group: 'task', label: 'Root seed (training, evaluation)', default: 0, min: 0, max: 2 ** 31 - 1, step: 1, live: false, help: 'Root seed: every random draw (resets, noise, initialisation) flows from it.' }),
  numEnvs: int({ group: 'task', label: 'Parallel environments B', default: 32, min: 1, max: 512, step: 1, live: false, help: 'B, the number of environments stepped in parallel for rollouts.' }),
  episodeLength: int({ group: 'task', label: 'Training/eval episode length', default: 300, min: 10, max: 2000, step: 10, unit: 'steps', live: false, help: 'Control steps (10 Hz) before a training or evaluation episode is cut (PPO rollouts, the evaluation, the CLI). The live view has its own, liveEpisodeLength.' }),
  liveEpisodeLength: int({ group: 'task', label: 'Live view episode length', default: 300, min: 10, max: 2000, step: 10, unit: 'steps', live: false, help: 'Control steps (10 Hz) before an episode of the live view is cut; independent of episodeLength, so a short training rollout does not shorten what the view shows.' }),
  liveSeed: int({ group: 'task', label: 'Live view seed', default: 11, min: 0, max: 2 ** 31 - 1, step: 1, live: false, help: 'Root seed of the live view’s episodes (episode k starts as episode k of `sagr eval --seed <liveSeed>`). The default 11 was picked by measurement (src/engine/liveSeed.test.ts) so that the policy shown at load, sagr on the shipped Push-T checkpoints, succeeds in its first episode (at step 100, on the wasm and cpu backends alike) instead of seed 0’s long failure; set another value here, as #liveSeed=… in the URL, or in a config file to see other starts.' }),

  // ── SDE sampler: da = [v + g_b·b + g_η·η] dτ + σ(τ) dW ─────────────────────────────────────────────
  sdeSteps: int({ group: 'sde', label: 'Flow steps K', default: 10, min: 1, max: 50, step: 1, live: true, help: 'K, Euler–Maruyama steps over flow time τ ∈ [0, 1] (K = 1 works).' }),
  sdeMode: choice({ group: 'sde', label: 'SDE mode', default: 'chain', options: SDE_MODES, live: true, help: 'chain: exact log-probability of the K-step noisy chain (ReinFlow/DPPO); terminal: deterministic prior sample + b + η + σ·ε, one Gaussian.' }),
  sigmaSchedule: choice({ group: 'sde', label: 'σ schedule over flow time', default: 'constant', options: SIGMA_SCHEDULES, live: true, help: 'Shape of σ(τ): constant σ_max, linear from σ_max to σ_min, or cosine from σ_max to σ_min.' }),
  sigmaMax: float({ group: 'sde', label: 'σ max (noise at τ=0)', default: 0.1, min: 0, max: 1, step: 0.005, live: true, help: 'σ at the start of the flow (τ = 0), in normalised action units.' }),
  sigmaMin: float({ group: 'sde', label: 'σ min (noise at τ=1)', default: 0.02, min: 0, max: 1, step: 0.005, live: true, help: 'σ at the end of the flow (τ = 1) for the linear and cosine schedules.' }),
  sigmaFloor: float({ group: 'sde', label: 'σ floor in the log-probability', default: 0.01, min: 0.0001, max: 0.5, step: 0.001, live: true, help: 'Lower bound on σ used in the log-probability (DPPO uses 0.1 for its likelihood) so ratios stay finite.' }),
  reflexGain: float({ group: 'sde', label: 'Reflex gain g_b', default: 1, min: 0, max: 3, step: 0.05, live: true, help: 'g_b, scales the reflex b_ψ inside the drift (0 turns the reflex off).' }),
  strategyGain: float({ group: 'sde', label: 'Strategy gain g_η', default: 1, min: 0, max: 3, step: 0.05, live: true, help: 'g_η, scales the strategy η_φ inside the drift (0 turns it off).' }),

  // ── reward: R = α·r_task − β‖Δz‖² − γ‖b‖² ───────────────────────────────────────────────────────────
  alpha: float({ group: 'reward', label: 'Task reward weight α', default: 1, min: 0, max: 10, step: 0.1, live: true, help: 'α, weight of the task reward r_task = clip(coverage / 0.95, 0, 1).' }),
  beta: float({ group: 'reward', label: 'Surprise penalty β (on ‖Δz‖²)', default: 0.1, min: 0, max: 10, step: 0.01, live: true, help: 'β, penalty on the geometric residual ‖Δz‖² (surprise).' }),
  gamma: float({ group: 'reward', label: 'Effort penalty γ (on ‖b‖²)', default: 0.01, min: 0, max: 10, step: 0.005, live: true, help: 'γ, penalty on the reflex magnitude ‖b‖² (effort).' }),

  // ── prior v_θ: conditional flow matching on action chunks ───────────────────────────────────────────
  horizon: int({ group: 'prior', label: 'Chunk length H', default: 16, min: 1, max: 32, step: 1, unit: 'steps', live: false, help: 'H, the action-chunk length predicted by the prior (Diffusion Policy on Push-T: 16).' }),
  executeSteps: int({ group: 'prior', label: 'Executed chunk length n', default: 4, min: 1, max: 32, step: 1, unit: 'steps', live: true, help: 'n, how many actions of a chunk are executed before replanning (≤ H). Diffusion Policy executes 8 on Push-T; the shipped Push-T prior succeeds most often at 4 (public/checkpoints/push-t/README.md).' }),
  replanThreshold: float({ group: 'prior', label: 'Re-plan threshold on ‖Δz‖', default: 0, min: 0, max: 1, step: 0.005, live: true, help: 'A control for long chunks: when the newest residual ‖Δz‖ of an object token exceeds this (normalised units; 0.04 ≈ 10 px on Push-T), the chunk is cut and the prior samples a new one at once. 0 = off. Needs Φ (reflex, sagr); training ignores it.' }),
  priorWidth: int({ group: 'prior', label: 'Prior width', default: 64, min: 8, max: 512, step: 8, live: false, help: 'Token width of the prior’s observation encoder and action expert.' }),
  priorDepth: int({ group: 'prior', label: 'Prior encoder blocks', default: 2, min: 1, max: 8, step: 1, live: false, help: 'Transformer blocks in the prior’s observation encoder.' }),
  priorHeads: int({ group: 'prior', label: 'Prior attention heads', default: 4, min: 1, max: 16, step: 1, live: false, help: 'Attention heads in the prior.' }),
  priorExpertDepth: int({ group: 'prior', label: 'Action expert blocks', default: 2, min: 1, max: 8, step: 1, live: false, help: 'Transformer blocks in the action expert (self-attention over the chunk, cross-attention to the encoded observation).' }),
  priorActionTokens: int({ group: 'prior', label: 'Action tokens per chunk', default: 4, min: 1, max: 32, step: 1, live: false, help: 'Tokens the action expert splits the H-step chunk into (each carries H / tokens consecutive actions; H gives one token per step as in π0). Must divide H; fewer is faster.' }),
  priorLr: float({ group: 'prior', label: 'Prior learning rate', default: 1e-3, min: 1e-6, max: 1e-1, step: 1e-6, log: true, live: false, help: 'Adam learning rate for flow matching.' }),
  priorBatch: int({ group: 'prior', label: 'Prior batch size', default: 64, min: 1, max: 4096, step: 1, live: false, help: 'Minibatch size for flow matching.' }),
  priorIters: int({ group: 'prior', label: 'Prior training steps', default: 10_000, min: 1, max: 1_000_000, step: 1, live: false, help: 'Optimiser steps for stage 0 (prior).' }),
  // ── the one-step prior (MeanFlow baseline, `train --stage meanflow`): distilled from the K-step prior ─────────
  meanflowIters: int({ group: 'prior', label: 'MeanFlow training steps', default: 1500, min: 1, max: 1_000_000, step: 1, live: false, help: 'Optimiser steps of `train --stage meanflow`, which distils the K-step prior into a one-step prior (MeanFlow: an average velocity u(z_r, r, t), a = a_0 + u(a_0, 0, 1)).' }),
  meanflowLr: float({ group: 'prior', label: 'MeanFlow learning rate', default: 1e-4, min: 1e-6, max: 1e-1, step: 1e-6, log: true, live: false, help: 'Adam learning rate of the MeanFlow stage (it starts from the K-step prior’s weights, so a fine-tuning rate; at 3e-4 the bootstrapped target ran away once the warm-up ended, measured).' }),
  meanflowBatch: int({ group: 'prior', label: 'MeanFlow batch size', default: 64, min: 1, max: 4096, step: 1, live: false, help: 'Minibatch size of the MeanFlow stage.' }),
  meanflowFdStep: float({ group: 'prior', label: 'MeanFlow finite-difference step δ', default: 0.02, min: 1e-6, max: 0.1, step: 1e-6, log: true, live: false, help: 'δ of the central finite difference that stands in for the JVP d/dr u = v·∂_z u + ∂_r u in the MeanFlow target (tfjs has no forward-mode autodiff). Not infinitesimal on purpose: the shipped prior’s velocity wiggles in τ at the time embedding’s fast periods (down to 4e-3), so its exact derivative at τ ≈ 0 is ~9× the smooth one (rms 1.05 at δ → 0 against 0.12 at δ = 0.02, measured) and the bootstrapped target ran away with δ = 3e-5; δ = 0.02 differentiates the smooth part.' }),
  meanflowLossPower: float({ group: 'prior', label: 'MeanFlow adaptive loss weight power p', default: 1, min: 0, max: 2, step: 0.05, live: false, help: 'MeanFlow’s adaptive loss weighting: each example’s squared error e is weighted by the stop-gradient 1 / (e + 1e-3)^p (the paper’s best, p = 1); 0 is the plain squared error.' }),
  meanflowFullFraction: float({ group: 'prior', label: 'MeanFlow share of whole intervals', default: 0.25, min: 0, max: 1, step: 0.01, live: false, help: 'Share of training examples with (r, t) = (0, 1), the one interval the one-step prior is evaluated on; the rest draw r ≤ t from the flow-time schedule.' }),
  meanflowEqualFraction: float({ group: 'prior', label: 'MeanFlow share of empty intervals', default: 0.25, min: 0, max: 1, step: 0.01, live: false, help: 'Share of training examples with r = t, where the target is the K-step prior’s velocity itself (MeanFlow’s flow-matching part).' }),

  // ── world predictor Φ ──────────────────────────────────────────────────────────────────────────────
  worldWidth: int({ group: 'world', label: 'Φ width', default: 64, min: 8, max: 512, step: 8, live: false, help: 'Token width of the world predictor.' }),
  worldDepth: int({ group: 'world', label: 'Φ blocks', default: 2, min: 1, max: 8, step: 1, live: false, help: 'Residual transformer blocks in Φ.' }),
  worldHeads: int({ group: 'world', label: 'Φ attention heads', default: 4, min: 1, max: 16, step: 1, live: false, help: 'Attention heads in Φ.' }),
  worldLr: float({ group: 'world', label: 'Φ learning rate', default: 1e-3, min: 1e-6, max: 1e-1, step: 1e-6, log: true, live: false, help: 'Adam learning rate for Φ’s dynamics loss.' }),
  worldBatch: int({ group: 'world', label: 'Φ batch size', default: 256, min: 1, max: 4096, step: 1, live: false, help: 'Minibatch size for Φ.' }),
  worldIters: int({ group: 'world', label: 'Φ training steps', default: 3000, min: 1, max: 1_000_000, step: 1, live: false, help: 'Optimiser steps for stage 0 (Φ).' }),
  worldMotion: bool({ group: 'world', label: 'Φ reads motion', default: true, live: false, help: 'Φ also reads each token’s last displacement S_t − S_{t−1} and the previous commanded action, so it can tell the pusher’s velocity (positions alone cannot).' }),
  worldActionNoise: float({ group: 'world', label: 'Φ data action noise', default: 0.1, min: 0, max: 1, step: 0.01, live: false, help: 'Std of the action perturbations replayed in the simulator to collect Φ’s training transitions (normalised units).' }),
  worldEventRollouts: float({ group: 'world', label: 'Φ event rollouts (per step)', default: 0, min: 0, max: 1, step: 0.01, live: false, help: 'Short rollouts after one-shot disturbances (displace, kick; push-3d also tilt, drawn as stage 2 trains) per demonstrated training step, replayed in the simulator so that Φ learns the motion that follows an event (a tipped pillar falling back) instead of reading it as the action’s. 0: none.' }),

  // ── reflex b_ψ, stage 1 hindsight warm-up ──────────────────────────────────────────────────────────
  reflexWidth: int({ group: 'reflex', label: 'Reflex width', default: 64, min: 8, max: 512, step: 8, live: false, help: 'Width of the reflex cross-attention.' }),
  reflexHeads: int({ group: 'reflex', label: 'Reflex attention heads', default: 4, min: 1, max: 16, step: 1, live: false, help: 'Attention heads of the reflex.' }),
  reflexDeltaScale: float({ group: 'reflex', label: 'Reflex Δz input scale', default: 10, min: 0.1, max: 1000, step: 0.1, live: false, help: 'Δz is multiplied by this before the reflex embeds it: residuals (~0.01–0.1 normalised units) then reach the scale of token positions (~1).' }),
  reflexQueries: int({ group: 'reflex', label: 'Reflex action queries', default: 1, min: 1, max: 8, step: 1, live: false, help: 'Learnable action queries attending over the residual tokens.' }),
  reflexHistory: int({ group: 'reflex', label: 'Reflex Δz history k', default: 4, min: 1, max: 16, step: 1, unit: 'steps', live: false, help: 'k, residuals per token the reflex reads: Δz of the last k control steps (1 = the latest only). A persistent error shows over several steps; one step of Δz is noisy.' }),
  reflexRefineRounds: int({ group: 'reflex', label: 'Reflex closed-loop refinement rounds', default: 3, min: 0, max: 20, step: 1, live: false, help: 'Closed-loop refinement of stage 1: over its second half, rounds that run the loop (prior, Φ, reflex) under actuator offsets and add what the reflex read, with target −offset, to its training data (DAgger for the reflex). 0: demonstration windows only.' }),
  integralDecay: float({ group: 'reflex', label: 'Integral reflex decay λ', default: 0.5, min: 0, max: 0.99, step: 0.01, live: true, help: 'λ of the integral reflex (a non-learned control): b = −EMA_λ(Δz of the pusher token) / g, g the fraction of a target change the pusher covers in one step.' }),
  reflexNu: float({ group: 'reflex', label: 'Hindsight perturbation ν', default: 0.05, min: 0, max: 1, step: 0.005, live: false, help: 'ν, std of the hindsight action perturbation ε ~ N(0, ν²) (normalised units).' }),
  reflexTarget: choice({ group: 'reflex', label: 'Reflex training target', default: 'consistent', options: REFLEX_TARGETS, live: false, help: 'Stage-1 pseudo-residual. consistent: Δz = S(executed a*) − Φ(S, commanded a* − ε), formed as the run-time loop forms it, so b learns to cancel a persistent error; literal: the method source’s Δz = S_{t+1} − Φ(S, a* + ε), which teaches b to copy the error (kept to show that it doubles an offset).' }),
  reflexLr: float({ group: 'reflex', label: 'Reflex learning rate', default: 1e-3, min: 1e-6, max: 1e-1, step: 1e-6, log: true, live: false, help: 'Adam learning rate for stage 1.' }),
  reflexBatch: int({ group: 'reflex', label: 'Reflex batch size', default: 256, min: 1, max: 4096, step: 1, live: false, help: 'Minibatch size for stage 1.' }),
  reflexIters: int({ group: 'reflex', label: 'Reflex training steps', default: 2000, min: 1, max: 1_000_000, step: 1, live: false, help: 'Optimiser steps for stage 1.' }),

  // ── strategy η_φ and critic V ──────────────────────────────────────────────────────────────────────
  strategyReadsPlan: bool({ group: 'strategy', label: 'Per-step η reads the plan', default: false, live: false, help: 'With the step rate: η_φ also reads the chunk’s action for this step, the chunk’s age and each token’s Δz summed since the chunk was planned (residual RL that sees the action it corrects, as ResiP). Fixed when the strategy is built (PPO).' }),
  strategyWidth: int({ group: 'strategy', label: 'Strategy width', default: 64, min: 8, max: 512, step: 8, live: false, help: 'Width of the strategy network over state tokens.' }),
  strategyRate: choice({ group: 'strategy', label: 'Strategy rate (per chunk, step, latent or noise)', default: 'chunk', options: STRATEGY_RATES, live: false, help: 'When and where η_φ acts: once per chunk, inside the sampler’s drift; at every control step on top of the chunk (residual RL), like the reflex; latent: once per chunk as the prior’s initial noise a_0, the prior otherwise untouched (DSRL, `train --stage dsrl`); or noise: once per chunk as the chain’s per-step noise scale σ_k(s) in [σ min, σ max] while PPO fine-tunes the prior’s v_θ (ReinFlow, `train --stage reinflow`). Fixed when the strategy is built (PPO).' }),
  criticWidth: int({ group: 'strategy', label: 'Critic width', default: 64, min: 8, max: 512, step: 8, live: false, help: 'Width of the critic V(s).' }),

  // ── PPO ─────────────────────────────────────────────────────────────────────────────────────────────
  ppoIters: int({ group: 'ppo', label: 'PPO iterations', default: 100, min: 1, max: 100_000, step: 1, live: false, help: 'PPO iterations (each: a rollout of B envs × T steps, then updates).' }),
  rolloutSteps: int({ group: 'ppo', label: 'Rollout length T', default: 64, min: 1, max: 2048, step: 1, unit: 'steps', live: false, help: 'T, control steps per env per rollout.' }),
  discount: float({ group: 'ppo', label: 'Discount factor', default: 0.99, min: 0, max: 1, step: 0.001, live: false, help: 'Discount factor (CleanRL’s γ; named so it is not confused with the reward’s γ).' }),
  gaeLambda: float({ group: 'ppo', label: 'GAE λ', default: 0.95, min: 0, max: 1, step: 0.01, live: false, help: 'λ of generalised advantage estimation.' }),
  clipEps: float({ group: 'ppo', label: 'PPO clip range ε', default: 0.05, min: 0.001, max: 0.5, step: 0.001, live: false, help: 'PPO clip range ε (flow policies want it tight; ReinFlow uses 0.01).' }),
  valueClip: float({ group: 'ppo', label: 'Value clip range', default: 0.2, min: 0, max: 10, step: 0.01, live: false, help: 'Value-function clip range (0 disables value clipping).' }),
  vfCoef: float({ group: 'ppo', label: 'Value loss weight', default: 0.5, min: 0, max: 10, step: 0.05, live: false, help: 'Value-loss coefficient.' }),
  entCoef: float({ group: 'ppo', label: 'Entropy bonus weight', default: 0, min: 0, max: 1, step: 0.001, live: false, help: 'Entropy-bonus coefficient.' }),
  epochs: int({ group: 'ppo', label: 'Epochs per rollout', default: 4, min: 1, max: 50, step: 1, live: false, help: 'Passes over each rollout.' }),
  minibatches: int({ group: 'ppo', label: 'Minibatches per epoch', default: 4, min: 1, max: 256, step: 1, live: false, help: 'Minibatches per epoch.' }),
  maxGradNorm: float({ group: 'ppo', label: 'Gradient norm clip', default: 0.5, min: 0.01, max: 100, step: 0.01, live: false, help: 'Global gradient-norm clip.' }),
  targetKl: float({ group: 'ppo', label: 'Target KL (early stop)', default: 0.02, min: 0, max: 1, step: 0.001, live: false, help: 'Stop the epochs early when approximate KL exceeds this (0 disables).' }),
  criticWarmupIters: int({ group: 'ppo', label: 'Critic warm-up iterations', default: 5, min: 0, max: 1000, step: 1, live: false, help: 'Iterations that train only the critic before the policy moves.' }),
  lrStrategy: float({ group: 'ppo', label: 'Strategy learning rate (PPO)', default: 3e-4, min: 1e-7, max: 1e-1, step: 1e-7, log: true, live: false, help: 'Learning rate of η_φ.' }),
  lrReflex: float({ group: 'ppo', label: 'Reflex learning rate (PPO)', default: 1e-4, min: 1e-7, max: 1e-1, step: 1e-7, log: true, live: false, help: 'Learning rate of b_ψ under PPO.' }),
  lrWorld: float({ group: 'ppo', label: 'Φ learning rate (PPO)', default: 3e-4, min: 1e-7, max: 1e-1, step: 1e-7, log: true, live: false, help: 'Learning rate of Φ on fresh rollouts.' }),
  lrPrior: float({ group: 'ppo', label: 'Prior learning rate (PPO, ReinFlow)', default: 3e-6, min: 1e-7, max: 1e-1, step: 1e-7, log: true, live: false, help: 'Learning rate of the prior’s velocity field v_θ when PPO fine-tunes it (ReinFlow, `train --stage reinflow`); SA-GR and DSRL keep v_θ frozen. 3e-6 was chosen on selection seed 11: at 3e-5 the fine-tuned prior fell to 0–13% success.' }),
  bcCoef: float({ group: 'ppo', label: 'Behaviour-cloning weight λ (ReinFlow)', default: 0, min: 0, max: 100, step: 0.01, live: false, help: 'ReinFlow only: adds λ × the flow-matching loss of v_θ on the task’s shipped demonstrations (a fresh batch for each PPO minibatch) to PPO’s loss, to keep the imitation prior’s short-chunk competence while PPO fine-tunes v_θ for long chunks. 0: off (ReinFlow as published).' }),
  lrCritic: float({ group: 'ppo', label: 'Critic learning rate (PPO)', default: 1e-3, min: 1e-7, max: 1e-1, step: 1e-7, log: true, live: false, help: 'Learning rate of the critic.' }),
  ppoChunkMix: bool({ group: 'ppo', label: 'Mix chunk lengths n, 2n, 4n', default: false, live: false, help: 'Each PPO iteration executes n, 2n or 4n actions per chunk (n = executeSteps, at most H), drawn per iteration, so one policy learns the long-chunk regime too (a slow prior executes long chunks open loop).' }),
  disturbanceMix: float({ group: 'ppo', label: 'Disturbed training episodes (fraction)', default: 0.5, min: 0, max: 1, step: 0.05, live: false, help: 'Fraction of PPO training episodes that draw a disturbance (displace, kick, offset, friction, mass; push-3d also tilt) from a training distribution with random sizes and times, never the evaluation suites’ exact values. Without it the reflex never earns reward for reacting.' }),
  annealLr: bool({ group: 'ppo', label: 'Anneal learning rates', default: true, live: false, help: 'Anneal learning rates linearly to zero over the run.' }),

  // ── reward-weighted flow matching (RWFM, Pfrommer et al. 2025) and its GRPO variant: baselines, src/train/rwfm.ts ──
  rwfmGroupSize: int({ group: 'rwfm', label: 'Samples per state G', default: 1, min: 1, max: 64, step: 1, live: false, help: 'G: chunks sampled from the same simulator state. 1: RWFM, weight min(exp(α·r), cap); more: the GRPO variant, weight min(exp(α·A), cap) with A = (r − mean)/std within the group (rl.md: G = 10, α = 2). numEnvs must be a multiple of G.' }),
  rwfmAlpha: float({ group: 'rwfm', label: 'Weight temperature α', default: 3, min: 0, max: 50, step: 0.1, live: false, help: 'α in w = exp(α·r) (RWFM; r is a chunk’s discounted mean task reward, in [0, 1] on Push-T) or exp(α·A) (GRPO). 0: plain flow matching on the rollouts.' }),
  rwfmWeightCap: float({ group: 'rwfm', label: 'Weight cap', default: 20, min: 1, max: 1e6, step: 1, log: true, live: false, help: 'Weights are min(exp(·), cap) before they are normalised to mean 1 over each minibatch (rl.md: 20).' }),
  rwfmLr: float({ group: 'rwfm', label: 'Fine-tuning learning rate', default: 1e-6, min: 1e-8, max: 1e-1, step: 1e-8, log: true, live: false, help: 'Adam learning rate of the prior’s weighted flow-matching fine-tuning (annealed with annealLr). Small: at 1e-5 and above the prior drifts away from itself on its own rollouts even unweighted (α = 0), its success falling round by round (Push-T, seed 1).' }),
  rwfmEpochs: int({ group: 'rwfm', label: 'Epochs per round', default: 4, min: 1, max: 50, step: 1, live: false, help: 'Passes over each round’s rolled-out (observation, chunk) pairs.' }),
  rwfmBatch: int({ group: 'rwfm', label: 'Minibatch size', default: 64, min: 1, max: 4096, step: 1, live: false, help: 'Pairs per fine-tuning step (the weights are normalised over it).' }),

  // ── live perturbations: the playground's buttons apply these now (defaults: the eval suites') ────────
  displaceDx: float({ group: 'perturb', label: 'Displace Δx', default: 30, min: -200, max: 200, step: 1, unit: 'px', live: true, help: 'Displace button: block moved by dx (suite displace default 30).' }),
  displaceDy: float({ group: 'perturb', label: 'Displace Δy', default: -20, min: -200, max: 200, step: 1, unit: 'px', live: true, help: 'Displace button: block moved by dy, image axes, y down (suite default −20).' }),
  displaceDtheta: float({ group: 'perturb', label: 'Displace Δθ', default: 0.3, min: -3.14, max: 3.14, step: 0.01, unit: 'rad', live: true, help: 'Displace button: block turned by dθ about its origin (suite default 0.3).' }),
  kickImpulse: float({ group: 'perturb', label: 'Kick impulse', default: 40, min: 0, max: 200, step: 1, unit: 'px', live: true, help: 'Kick button: impulse in mass·px, how far a free unit-mass block would travel (suite default 40); direction drawn from the seed.' }),
  biasDx: float({ group: 'perturb', label: 'Bias x', default: 8, min: -64, max: 64, step: 0.5, unit: 'px', live: true, help: 'Bias button: offset added to every commanded target, x (suite default 8).' }),
  biasDy: float({ group: 'perturb', label: 'Bias y', default: 0, min: -64, max: 64, step: 0.5, unit: 'px', live: true, help: 'Bias button: offset added to every commanded target, y (suite default 0).' }),
  frictionMu: float({ group: 'perturb', label: 'Friction μ', default: 0.6, min: 0, max: 2, step: 0.05, live: true, help: 'Friction button: Coulomb μ at the pusher–block contact (the task: 0; suite default 0.6).' }),
  massComDx: float({ group: 'perturb', label: 'Mass: centre-of-mass shift', default: 10, min: -60, max: 60, step: 1, unit: 'px', live: true, help: 'Mass button: the block’s centre of mass moved by this along its local x (suite default 10).' }),
} as const satisfies Record<string, Param>;

export type Schema = typeof SCHEMA;
export type ConfigKey = keyof Schema;
type ValueOf<P> = P extends { kind: 'enum'; options: readonly (infer T)[] } ? T : P extends { kind: 'bool' } ? boolean : number;
export type Config = { [K in ConfigKey]: ValueOf<Schema[K]> };

export const CONFIG_KEYS = Object.keys(SCHEMA) as ConfigKey[];

export function defaultConfig(): Config {
  const out: Record<string, unknown> = {};
  for (const k of CONFIG_KEYS) out[k] = SCHEMA[k].default;
  return out as Config;
}

export interface FieldError {
  field: string;
  message: string;
}

export class ConfigError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((e) => `${e.field}: ${e.message}`).join('; '));
    this.name = 'ConfigError';
  }
}

const MAX_VALUE_CHARS = 64;
const MAX_FIELD_CHARS = 64;
/** A hash longer than this is refused whole: no legitimate link is that long. */
export const MAX_HASH_CHARS = 8192;

function isConfigKey(k: string): k is ConfigKey {
  return Object.prototype.hasOwnProperty.call(SCHEMA, k);
}

/** A printable, bounded rendering of hostile input for an error message. */
function show(raw: unknown): string {
  const s = typeof raw === 'string' ? raw : JSON.stringify(raw) ?? String(raw);
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 24 ? `${clean.slice(0, 24)}…` : clean;
}

/**
 * Parses and validates one value. Strings (URL hash, CLI) and JSON values (config files) are both accepted.
 * Returns the typed value or an error message (without the field name).
 */
export function parseValue(key: ConfigKey, raw: unknown): { ok: true; value: Config[ConfigKey] } | { ok: false; message: string } {
  const p: Param = SCHEMA[key];
  if (typeof raw === 'string' && raw.length > MAX_VALUE_CHARS) return { ok: false, message: `value is too long (${raw.length} characters)` };
  if (p.kind === 'enum') {
    if (typeof raw !== 'string' || !p.options.includes(raw)) return { ok: false, message: `"${show(raw)}" is not one of ${p.options.join(', ')}` };
    return { ok: true, value: raw as Config[ConfigKey] };
  }
  if (p.kind === 'bool') {
    if (raw === true || raw === 'true' || raw === '1') return { ok: true, value: true };
    if (raw === false || raw === 'false' || raw === '0') return { ok: true, value: false };
    return { ok: false, message: `"${show(raw)}" is not true or false` };
  }
  let x: number;
  if (typeof raw === 'number') x = raw;
  else if (typeof raw === 'string' && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(raw.trim())) x = Number(raw);
  else return { ok: false, message: `"${show(raw)}" is not a number` };
  if (!Number.isFinite(x)) return { ok: false, message: `"${show(raw)}" is not a finite number` };
  if (p.kind === 'int' && !Number.isInteger(x)) return { ok: false, message: `${x} is not an integer` };
  if (x < p.min || x > p.max) return { ok: false, message: `${x} is outside [${p.min}, ${p.max}]` };
  return { ok: true, value: x as Config[ConfigKey] };
}

/** A violated relation between fields: `fields` are all the fields involved; the message names them all. */
export interface RelationError extends FieldError {
  fields: ConfigKey[];
}

/** Checks relations between fields that no single range can express. */
export function crossFieldErrors(c: Config): RelationError[] {
  const errs: RelationError[] = [];
  const rule = (fields: ConfigKey[], message: string) => errs.push({ field: fields[0], fields, message });
  if (c.executeSteps > c.horizon) rule(['executeSteps', 'horizon'], `executeSteps ${c.executeSteps} exceeds horizon ${c.horizon}`);
  if (c.horizon % c.priorActionTokens !== 0) rule(['priorActionTokens', 'horizon'], `priorActionTokens ${c.priorActionTokens} does not divide horizon ${c.horizon}`);
  for (const [heads, width] of [['priorHeads', 'priorWidth'], ['worldHeads', 'worldWidth'], ['reflexHeads', 'reflexWidth']] as const) {
    if (c[width] % c[heads] !== 0) rule([heads, width], `${heads} ${c[heads]} does not divide ${width} ${c[width]}`);
  }
  if (c.meanflowFullFraction + c.meanflowEqualFraction > 1) rule(['meanflowFullFraction', 'meanflowEqualFraction'], `meanflowFullFraction ${c.meanflowFullFraction} + meanflowEqualFraction ${c.meanflowEqualFraction} exceeds 1`);
  if (c.sigmaMin > c.sigmaMax) rule(['sigmaMin', 'sigmaMax'], `sigmaMin ${c.sigmaMin} exceeds sigmaMax ${c.sigmaMax}`);
  if (c.numEnvs % c.rwfmGroupSize !== 0) rule(['rwfmGroupSize', 'numEnvs'], `rwfmGroupSize ${c.rwfmGroupSize} does not divide numEnvs ${c.numEnvs} (the envs run in groups of G)`);
  return errs;
}

/**
 * Applies raw values over a base config. Each bad field is reported and keeps its base value; the rest apply.
 * A violated relation between fields is reported and undone (see below).
 */
export function applyRaw(base: Config, raw: Record<string, unknown>): { config: Config; errors: FieldError[] } {
  const config = { ...base } as Record<ConfigKey, unknown>; // only schema keys are ever written to it
  const errors: FieldError[] = [];
  for (const [field, value] of Object.entries(raw)) {
    const name = field.length > MAX_FIELD_CHARS ? `${show(field)}` : field;
    if (!isConfigKey(field)) {
      errors.push({ field: show(name), message: 'unknown parameter' });
      continue;
    }
    const r = parseValue(field, value);
    if (r.ok) config[field] = r.value;
    else errors.push({ field, message: r.message });
  }
  // A violated relation undoes the fields of it that this input changed (those are what broke it); if the
  // input changed none of them, the base itself was inconsistent and those fields go back to the defaults.
  // One relation at a time, re-checked after each undo: undoing can mend another violated relation (horizon 2
  // breaks two, and undoing it mends both) or expose a new one. The defaults satisfy every relation, so this ends.
  const changed = new Set(Object.keys(raw));
  for (let pass = 0; pass < CONFIG_KEYS.length; pass++) {
    const [v] = crossFieldErrors(config as Config);
    if (!v) break;
    const undo = v.fields.filter((f) => changed.has(f));
    for (const f of undo.length ? undo : v.fields) {
      config[f] = undo.length ? base[f] : SCHEMA[f].default;
      changed.delete(f);
    }
    errors.push({ field: undo[0] ?? v.field, message: v.message });
  }
  return { config: config as Config, errors };
}

/** Serialises every field (so a link keeps meaning the same thing if defaults change later). */
export function toHash(c: Config): string {
  return CONFIG_KEYS.map((k) => `${k}=${encodeURIComponent(String(c[k]))}`).join('&');
}

/**
 * Parses a URL hash (with or without the leading '#'). Never throws: a hostile hash yields per-field errors
 * and the defaults for those fields. Keys outside the schema are reported, not applied. `extra` names
 * non-config keys the caller handles itself (e.g. `backend`), which are returned untouched.
 */
export function parseHash(hash: string, extraKeys: readonly string[] = []): { config: Config; errors: FieldError[]; extra: Record<string, string> } {
  const extra: Record<string, string> = {};
  const base = defaultConfig();
  let h = hash.startsWith('#') ? hash.slice(1) : hash;
  if (h.length > MAX_HASH_CHARS) return { config: base, errors: [{ field: 'hash', message: `too long (${h.length} characters); all defaults used` }], extra };
  h = h.trim();
  if (!h) return { config: base, errors: [], extra };
  const raw: Record<string, unknown> = Object.create(null); // so a '__proto__' key is data, not a prototype
  const errors: FieldError[] = [];
  for (const part of h.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
      value = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1));
    } catch {
      errors.push({ field: show(part), message: 'malformed percent-encoding' });
      continue;
    }
    if (extraKeys.includes(key)) extra[key] = value.slice(0, MAX_VALUE_CHARS);
    else if (Object.prototype.hasOwnProperty.call(raw, key)) errors.push({ field: show(key), message: 'given twice; the first value is kept' });
    else raw[key] = value;
  }
  const applied = applyRaw(base, raw);
  return { config: applied.config, errors: [...errors, ...applied.errors], extra };
}

/** Validates a config file's JSON (partial configs are allowed: missing fields keep `base`). Throws ConfigError. */
export function parseConfigJson(json: unknown, base: Config = defaultConfig()): Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new ConfigError([{ field: 'config', message: 'expected a JSON object of parameter: value' }]);
  const { config, errors } = applyRaw(base, json as Record<string, unknown>);
  if (errors.length) throw new ConfigError(errors);
  return config;
}

export const kebab = (k: string): string => k.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`);
const camel = (k: string): string => k.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Parses CLI flags: `--sigma-max 0.2`, `--sigma-max=0.2`, and booleans as `--anneal-lr` / `--no-anneal-lr`.
 * Config flags are validated against the schema; `commandFlags` names the command's own flags
 * (value flags and boolean switches). Anything else is an error naming the flag. `commandFlags.configKeys`, when
 * given, are the only config keys the command takes: the others are refused before any value is checked, so the
 * message says why the flag is wrong rather than what its value breaks. Throws ConfigError.
 */
export function parseCliArgs(
  args: readonly string[],
  commandFlags: { values?: readonly string[]; switches?: readonly string[]; configKeys?: readonly ConfigKey[] } = {},
  base: Config = defaultConfig(),
): { config: Config; flags: Record<string, string>; switches: Set<string>; configFlags: Set<ConfigKey> } {
  const values = new Set(commandFlags.values ?? []);
  const switchNames = new Set(commandFlags.switches ?? []);
  const flags: Record<string, string> = {};
  const switches = new Set<string>();
  const raw: Record<string, unknown> = Object.create(null);
  const errors: FieldError[] = [];
  /** Whether the command refuses config key `key` (given as --`flag`); records the error if so. */
  const refused = (key: ConfigKey, flag: string): boolean => {
    if (!commandFlags.configKeys || commandFlags.configKeys.includes(key)) return false;
    errors.push({ field: `--${flag}`, message: 'unknown flag (this command takes no hyperparameters)' });
    return true;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (!arg.startsWith('--') || arg.length < 3) {
      errors.push({ field: show(arg), message: 'unexpected argument (flags look like --name value)' });
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    const inline = eq < 0 ? undefined : arg.slice(eq + 1);
    const takeValue = (): string | undefined => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) return undefined;
      i++;
      return next;
    };
    if (switchNames.has(name)) {
      if (inline !== undefined) errors.push({ field: `--${name}`, message: 'takes no value' });
      switches.add(name);
      continue;
    }
    if (values.has(name)) {
      const v = takeValue();
      if (v === undefined) errors.push({ field: `--${name}`, message: 'needs a value' });
      else if (Object.prototype.hasOwnProperty.call(flags, name)) errors.push({ field: `--${name}`, message: 'given twice' });
      else flags[name] = v;
      continue;
    }
    const negated = name.startsWith('no-') ? camel(name.slice(3)) : null;
    if (negated && isConfigKey(negated) && SCHEMA[negated].kind === 'bool' && inline === undefined) {
      if (!refused(negated, name)) raw[negated] = false;
      continue;
    }
    const key = camel(name);
    if (!isConfigKey(key) || kebab(key) !== name) {
      errors.push({ field: `--${show(name)}`, message: 'unknown flag' });
      continue;
    }
    if (refused(key, name)) {
      if (SCHEMA[key].kind !== 'bool' || inline !== undefined) takeValue();
      continue;
    }
    if (SCHEMA[key].kind === 'bool' && inline === undefined) {
      raw[key] = true;
      continue;
    }
    const v = takeValue();
    if (v === undefined) errors.push({ field: `--${name}`, message: 'needs a value' });
    else raw[key] = v;
  }
  const applied = applyRaw(base, raw);
  const all = [...errors, ...applied.errors.map((e) => ({ field: isConfigKey(e.field) ? `--${kebab(e.field)}` : e.field, message: e.message }))];
  if (all.length) throw new ConfigError(all);
  return { config: applied.config, flags, switches, configFlags: new Set(Object.keys(raw) as ConfigKey[]) };
}

/** The first sentence of a parameter's help: the one-line description beside its control (the whole help is the tooltip). */
export function helpSummary(p: Param): string {
  const m = /^.*?[.!?](?=\s|$)/.exec(p.help);
  return m ? m[0] : p.help;
}
