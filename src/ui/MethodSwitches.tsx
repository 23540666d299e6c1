// The method's switches in the Run panel, all live: the executed chunk length n (the config's, so the URL keeps
// it; the next chunk uses it), each lane's own n and reflex gain g_b (the side-by-side lanes can run one policy
// two ways), and comparisons set up in one click: the reflex's stage-1 target (reflex against reflex-literal),
// η per chunk or per control step (strategy against residual), the full method against DSRL and against ReinFlow,
// the prior fine-tuned by reward-weighted flow matching against its GRPO variant, the K-step prior against its
// one-step distillation (MeanFlow), the shipped prior against the long-chunk one, and short against long chunks.
import { useState } from 'react';
import { parseValue, SCHEMA } from '../core/config';
import type { LaneSettings } from '../engine/laneSettings';
import { isFullyTrained, type LivePolicyName } from '../engine/livePolicies';
import { CONTROL_HZ } from '../sim/pusht/geometry';
import { controls } from './controls';
import { appStore, useApp } from './store';

function ChunkLength() {
  const n = useApp((s) => s.config.executeSteps);
  const horizon = useApp((s) => s.config.horizon);
  const setParam = useApp((s) => s.setParam);
  return (
    <div className="switch-row" title={SCHEMA.executeSteps.help}>
      <label htmlFor="run-execute-steps">chunk length n</label>
      <input id="run-execute-steps" type="range" min={1} max={horizon} step={1} value={n} aria-label="executed chunk length n" data-testid="run-execute-steps" onChange={(e) => setParam('executeSteps', Number(e.target.value))} />
      <output htmlFor="run-execute-steps" data-testid="run-execute-steps-value">
        {n} of H = {horizon}
      </output>
      <p className="muted">
        the prior re-plans every {n} steps ({(n / CONTROL_HZ).toFixed(1)} s) and executes the rest of each chunk open loop: the longer the chunk, the more a correction between re-plans (the reflex) matters.
      </p>
    </div>
  );
}

/** One lane's overrides: its own n (or the config's) and, when it runs a reflex, its own gain. */
function LaneRow({ lane, count }: { lane: number; count: number }) {
  const status = useApp((s) => s.playground?.lanes[lane]);
  const config = useApp((s) => s.config);
  // Text being typed into the gain box, and the reason the last one was refused.
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!status) return null;
  const name = count > 1 ? (lane === 0 ? 'left' : 'right') : 'running';
  const set = (s: Partial<LaneSettings>) => void controls().setLaneSettings(lane, s);
  const commitGain = () => {
    if (draft === null) return;
    const text = draft.trim();
    if (text === '') {
      set({ reflexGain: null });
      setDraft(null);
      setError(null);
      return;
    }
    const r = parseValue('reflexGain', text);
    if (!r.ok) {
      setError(`lanes[${lane}].reflexGain: ${r.message}`);
      return;
    }
    set({ reflexGain: r.value as number });
    setDraft(null);
    setError(null);
  };
  const n = status.settings.executeSteps;
  return (
    <div className="switch-lane" data-testid={`lane-switches-${lane}`}>
      <span className="switch-lane-name">
        {name}: {status.policy}
      </span>
      <label>
        n{' '}
        <select aria-label={`${name} lane chunk length n`} data-testid={`lane-n-${lane}`} value={n === null ? '' : String(n)} onChange={(e) => set({ executeSteps: e.target.value === '' ? null : Number(e.target.value) })}>
          <option value="">config ({config.executeSteps})</option>
          {Array.from({ length: config.horizon }, (_, i) => i + 1).map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
      </label>
      {status.modules.reflex !== undefined && (
        <label title={`${SCHEMA.reflexGain.help} Empty: the config's.`}>
          g_b{' '}
          <input
            type="text"
            className="param-value"
            aria-label={`${name} lane reflex gain g_b`}
            data-testid={`lane-gain-${lane}`}
            spellCheck={false}
            placeholder={`config (${config.reflexGain})`}
            value={draft ?? (status.settings.reflexGain === null ? '' : String(status.settings.reflexGain))}
            onChange={(e) => setDraft(e.target.value)}
            onBlur={commitGain}
            onKeyDown={(e) => {
              if (e.key === 'Enter') commitGain();
              if (e.key === 'Escape') {
                setDraft(null);
                setError(null);
              }
            }}
          />
        </label>
      )}
      {error && (
        <div className="param-error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}

/** Side-by-side comparisons of one switch each: the pair, then each lane's overrides (null: the config's). */
const FOLLOW: LaneSettings = { executeSteps: null, reflexGain: null };
const COMPARISONS: readonly { id: string; label: string; help: string; pair: [LivePolicyName, LivePolicyName]; settings: [LaneSettings, LaneSettings] }[] = [
  {
    id: 'reflex-target',
    label: 'reflex target',
    help: 'the reflex warmed up on the consistent target (left) against the literal recipe (right): press bias and watch the literal one add the offset a second time',
    pair: ['reflex', 'reflex-literal'],
    settings: [FOLLOW, FOLLOW],
  },
  {
    id: 'eta-rate',
    label: 'η per chunk / step',
    help: 'η once per chunk, in the sampler’s drift (strategy, left), against η at every control step on top of the chunk (residual, right), each trained by its own stage-2 run',
    pair: ['strategy', 'residual'],
    settings: [FOLLOW, FOLLOW],
  },
  {
    id: 'dsrl',
    label: 'SA-GR / DSRL',
    help: 'the full method (left) against DSRL (right): the same frozen prior, whose initial noise a_0 a PPO-trained actor chooses instead of a reflex and η correcting the actions',
    pair: ['sagr', 'dsrl'],
    settings: [FOLLOW, FOLLOW],
  },
  {
    id: 'reinflow',
    label: 'SA-GR / ReinFlow',
    help: 'the full method (left) against ReinFlow (right): PPO fine-tunes the prior’s velocity field itself, exploring with a learned noise σ_k(s) in the chain (used when σ > 0; at σ = 0 the fine-tuned prior runs its ODE), instead of a reflex and η correcting a frozen prior',
    pair: ['sagr', 'reinflow'],
    settings: [FOLLOW, FOLLOW],
  },
  {
    id: 'reinflow-reflex',
    label: 'ReinFlow ± reflex',
    help: 'ReinFlow (left: PPO fine-tunes the prior, no reflex) against ReinFlow trained and run with the warmed-up reflex and Φ acting at every control step (right), both executing 8 steps of each chunk: the long-chunk regime, where the reflex has to carry the correction',
    pair: ['reinflow', 'reinflow-reflex'],
    settings: [
      { ...FOLLOW, executeSteps: 8 },
      { ...FOLLOW, executeSteps: 8 },
    ],
  },
  {
    id: 'rwfm',
    label: 'RWFM / GRPO',
    help: 'the prior fine-tuned on its own rollouts by reward-weighted flow matching, weight exp(α·r) (left), against the GRPO variant, 10 samples from each state weighted by exp(2A) within the group (right): no reflex, no η, other weights',
    pair: ['rwfm', 'grpo'],
    settings: [FOLLOW, FOLLOW],
  },
  {
    id: 'meanflow',
    label: 'K-step / one-step prior',
    help: 'the prior integrated in K Euler steps (left) against the one-step prior distilled from it (MeanFlow, right): one network evaluation per chunk instead of K',
    pair: ['prior', 'meanflow'],
    settings: [FOLLOW, FOLLOW],
  },
  {
    id: 'long-prior',
    label: 'prior / long-chunk prior',
    help: 'the reflex on the shipped prior (left) against the same reflex on the long-chunk prior (right: DAgger with the learner executing 8 and 16 actions per chunk), both executing 8 steps of each chunk: most of the long-chunk gain is the prior’s',
    pair: ['reflex', 'reflex-long'],
    settings: [
      { ...FOLLOW, executeSteps: 8 },
      { ...FOLLOW, executeSteps: 8 },
    ],
  },
  {
    id: 'expert-plans',
    label: 'expert plans ± reflex',
    help: 'the expert’s own plans executed open loop, 8 actions per chunk (left), against the same plans with the shipped Φ and reflex correcting every action (right): press bias and watch the open-loop plans miss by the offset while the reflex cancels it',
    pair: ['expert-chunks', 'expert-chunks-reflex'],
    settings: [
      { ...FOLLOW, executeSteps: 8 },
      { ...FOLLOW, executeSteps: 8 },
    ],
  },
  {
    id: 'chunk-length',
    label: 'n = 4 / 16',
    help: 'the full method re-planning every 4 steps (left) against every 16 (right), the long-chunk regime where the reflex has to carry the correction',
    pair: ['sagr', 'sagr'],
    settings: [
      { ...FOLLOW, executeSteps: 4 },
      { ...FOLLOW, executeSteps: 16 },
    ],
  },
];

function Comparisons() {
  const horizon = useApp((s) => s.config.horizon);
  const trained = new Set(useApp((s) => s.playground?.trained) ?? []);
  const compare = async (c: (typeof COMPARISONS)[number]) => {
    appStore.getState().setPair(c.pair);
    await controls().setView('side');
    for (const [lane, settings] of c.settings.entries()) await controls().setLaneSettings(lane, settings);
  };
  return (
    <div className="button-row" role="group" aria-label="compare side by side">
      {COMPARISONS.map((c) => {
        // A comparison of randomly initialised stand-ins would show nothing about the switch (push-3d ships no variants).
        const untrained = c.pair.filter((p) => !isFullyTrained(p, trained));
        const tooLong = c.settings.some((s) => (s.executeSteps ?? 0) > horizon);
        const why = untrained.length ? ` (not available: no trained ${untrained.join(', ')} for this task)` : tooLong ? ` (not available: the horizon is ${horizon})` : '';
        return (
          <button key={c.id} type="button" data-testid={`compare-${c.id}`} title={`${c.help}${why}`} disabled={why !== ''} onClick={() => void compare(c)}>
            {c.label}
          </button>
        );
      })}
    </div>
  );
}

export function MethodSwitches() {
  const count = useApp((s) => s.playground?.lanes.length ?? 0);
  return (
    <div className="method-switches" data-testid="method-switches">
      <ChunkLength />
      {Array.from({ length: count }, (_, i) => (
        <LaneRow key={i} lane={i} count={count} />
      ))}
      <p className="muted">compare side by side:</p>
      <Comparisons />
    </div>
  );
}
