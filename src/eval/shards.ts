// An evaluation split into shards that any array-job runner (a Kubernetes Indexed Job, a Slurm job array) spreads
// over machines. The cells of one evaluation (policy × chunk length n × suite, in the order one machine runs them)
// are numbered; shard i of n runs the cells whose number is i mod n. Every cell is independent of the others
// (episode k of a cell always has the seed derived from the root seed and k, and the policy is reseeded with it),
// so `merge` puts the parts back together into what one machine would have written, wall-clock seconds aside.

/** Shard `index` (0-based, as Kubernetes' JOB_COMPLETION_INDEX) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

export const MAX_SHARDS = 10_000;

/** Parses "i/n" (0 ≤ i < n ≤ MAX_SHARDS); the message names the flag. */
export function parseShard(raw: string, flag = '--shard'): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw.trim());
  if (!m) throw new Error(`${flag}: "${raw.slice(0, 24)}" is not i/n (e.g. 0/4 for the first of four shards)`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1 || count > MAX_SHARDS) throw new Error(`${flag}: ${count} shards is outside [1, ${MAX_SHARDS}]`);
  if (index >= count) throw new Error(`${flag}: shard ${index} of ${count} does not exist (shards are numbered 0 to ${count - 1})`);
  return { index, count };
}

/** One cell of an evaluation's plan. */
export interface PlannedCell<P> {
  policy: string;
  n: number;
  perturbation: P;
  /** Its number in the plan's order. */
  index: number;
}

/** The cells in the order one machine runs them: each policy, each of its chunk lengths, each suite. */
export function planCells<P>(policies: readonly string[], executeSteps: readonly number[], perturbations: readonly P[], chunkLengths: (policy: string) => readonly number[] = () => executeSteps): PlannedCell<P>[] {
  const cells: PlannedCell<P>[] = [];
  for (const policy of policies) for (const n of chunkLengths(policy)) for (const perturbation of perturbations) cells.push({ policy, n, perturbation, index: cells.length });
  return cells;
}

/**
 * The items (e.g. learner episodes) of shard i of n when a run's `total` items are cut into n consecutive blocks of
 * near-equal size: [first, first + count). Consecutive blocks put back in shard order are the run's order.
 */
export function shardBlock(shard: Shard, total: number): { first: number; count: number } {
  const first = Math.floor((shard.index * total) / shard.count);
  return { first, count: Math.floor(((shard.index + 1) * total) / shard.count) - first };
}

export const inShard = (cell: { index: number }, shard: Shard | null): boolean => shard === null || cell.index % shard.count === shard.index;

/** What a shard's JSON carries besides its cells, so that `merge` can check the parts and order the cells. */
export interface ShardInfo extends Shard {
  /** The shard's command line with its index written I (the same for every part). */
  command: string;
  policies: string[];
  /** The suite (cell) keys of each policy, in plan order. */
  cells: Record<string, string[]>;
}

/** The fields every part of one evaluation must share. */
const SHARED = ['task', 'seed', 'episodes', 'numEnvs', 'maxSteps', 'executeSteps', 'defaultExecuteSteps'] as const;

export interface ShardedReport {
  backend: string;
  checkpoints: Record<string, string | null>;
  results: Record<string, Record<string, unknown>>;
  shard?: ShardInfo;
}

/** Combines the parts of one sharded evaluation (any order) into the report one machine would have written. */
export function mergeShards<R extends ShardedReport>(parts: readonly R[]): Omit<R, 'shard'> {
  if (parts.length === 0) throw new Error('no parts to merge');
  const infos = parts.map((p, i) => {
    if (!p.shard) throw new Error(`part ${i + 1} is not a shard (it has no "shard" field; was it made with eval --shard i/n --json?)`);
    return p.shard;
  });
  const first = parts[0];
  const plan = JSON.stringify([infos[0].count, infos[0].policies, infos[0].cells]);
  const seen = new Set<number>();
  const field = (p: R, key: string) => JSON.stringify((p as unknown as Record<string, unknown>)[key]);
  parts.forEach((p, i) => {
    for (const key of SHARED) if (field(p, key) !== field(first, key)) throw new Error(`part ${i + 1} differs from part 1 in ${key} (${field(p, key)} against ${field(first, key)}): not the same evaluation`);
    if (JSON.stringify([infos[i].count, infos[i].policies, infos[i].cells]) !== plan) throw new Error(`part ${i + 1} has another plan of cells than part 1: not the same evaluation`);
    if (seen.has(infos[i].index)) throw new Error(`shard ${infos[i].index}/${infos[i].count} is given twice`);
    seen.add(infos[i].index);
  });
  const missing = Array.from({ length: infos[0].count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) throw new Error(`shards ${missing.map((i) => `${i}/${infos[0].count}`).join(', ')} are missing`);

  const backends = new Set(parts.map((p) => p.backend).filter((b) => b !== 'none'));
  if (backends.size > 1) throw new Error(`the parts ran on different backends (${[...backends].join(', ')}), so their figures are not one evaluation`);
  const { shard: _shard, ...rest } = first;
  const checkpoints: ShardedReport['checkpoints'] = {};
  const results: ShardedReport['results'] = {};
  for (const policy of infos[0].policies) {
    const holder = parts.find((p) => policy in p.checkpoints);
    if (holder) checkpoints[policy] = holder.checkpoints[policy];
    results[policy] = {};
    for (const cell of infos[0].cells[policy]) {
      const part = parts.find((p) => p.results[policy]?.[cell] !== undefined);
      if (!part) throw new Error(`cell ${policy} ${cell} is in no part`);
      results[policy][cell] = part.results[policy][cell];
    }
  }
  // Keys in the order of the unsharded run's object, so that the printed JSON is the same text.
  return { ...rest, backend: backends.size ? [...backends][0] : 'none', checkpoints, results } as Omit<R, 'shard'>;
}
