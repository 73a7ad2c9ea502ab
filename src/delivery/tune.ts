/**
 * Scale-out tuning (tune.yml): a bounded list of trainer parameter sets, one matrix job each on the same prepared
 * split, then a fan-in that ranks the candidates' evaluations by the primary metric. Pure functions; the actions
 * do the files and artifacts.
 */
import { InputError } from '../errors.ts';
import { METRICS } from '../evaluate/index.ts';

/**
 * Most candidates one tune run may train. GitHub allows 256 jobs per matrix, but every candidate is a full
 * training job billed by the minute: 8 keeps a button press cheap; edit it here to raise the bound.
 */
export const MAX_TUNE_CANDIDATES = 8;

/** One parameter set: trainer.params keys and values (numbers, strings, booleans). */
export type TuneCandidate = Readonly<Record<string, number | string | boolean>>;

/**
 * Parse the candidates from JSON text (an input or a file): an array of objects, 1..MAX_TUNE_CANDIDATES,
 * each a flat object of parameter values. `where` names the source in errors.
 */
export function parseCandidates(text: string, where: string): TuneCandidate[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InputError(`${where}: not JSON (${(error as Error).message}); expected an array of parameter objects`);
  }
  if (!Array.isArray(value) || value.length === 0) {
    throw new InputError(`${where}: expected a non-empty array of parameter objects, e.g. [{"n_trees": 50}]`);
  }
  if (value.length > MAX_TUNE_CANDIDATES) {
    throw new InputError(`${where}: ${value.length} candidates; at most ${MAX_TUNE_CANDIDATES} per tune run`);
  }
  return value.map((candidate, index) => {
    if (candidate === null || typeof candidate !== 'object' || Array.isArray(candidate)) {
      throw new InputError(`${where}: candidate ${index} must be an object of parameter values`);
    }
    for (const [key, v] of Object.entries(candidate)) {
      if (!['number', 'string', 'boolean'].includes(typeof v)) {
        throw new InputError(`${where}: candidate ${index}: ${key} must be a number, string or boolean`);
      }
    }
    return candidate as TuneCandidate;
  });
}

/** Config overrides (`trainer.params.<key>=<value>` lines) that train one candidate. */
export function candidateOverrides(candidate: TuneCandidate): string[] {
  return Object.entries(candidate).map(([key, value]) => `trainer.params.${key}=${value}`);
}

export interface CandidateResult {
  /** Index in the candidate list (the matrix job). */
  readonly index: number;
  readonly params: TuneCandidate;
  /** Holdout metrics of its evaluation report. */
  readonly metrics: Readonly<Record<string, number | null>>;
  /** Where its run folder is (the artifact it came from). */
  readonly source: string;
}

export interface RankedCandidate extends CandidateResult {
  readonly rank: number;
  readonly value: number | null;
}

/**
 * Candidates best first by `metric` (its direction from the metrics table); a candidate without a value ranks
 * last; ties keep the candidate order (the lower index wins), so the ranking is deterministic.
 */
export function rankCandidates(results: readonly CandidateResult[], metric: string): RankedCandidate[] {
  const spec = METRICS[metric as keyof typeof METRICS];
  if (!spec) throw new InputError(`unknown primary metric "${metric}"; known: ${Object.keys(METRICS).join(', ')}`);
  if (results.length === 0) throw new InputError('no candidate results to rank (did every matrix job fail?)');
  const metricValue = (r: CandidateResult) => {
    const v = r.metrics[metric];
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const sorted = [...results].sort((a, b) => {
    const va = metricValue(a);
    const vb = metricValue(b);
    if (va === null || vb === null) return va === null ? (vb === null ? a.index - b.index : 1) : -1;
    if (va !== vb) return spec.higherIsBetter ? vb - va : va - vb;
    return a.index - b.index;
  });
  return sorted.map((r, i) => ({ ...r, rank: i + 1, value: metricValue(r) }));
}

/** The ranking as a Markdown table for the job summary. */
export function rankingTable(ranked: readonly RankedCandidate[], metric: string): string {
  const lines = [`| rank | candidate | ${metric} | parameters |`, '| --- | --- | --- | --- |'];
  for (const r of ranked) {
    const params = Object.entries(r.params)
      .map(([k, v]) => `\`${k}=${v}\``)
      .join(' ');
    lines.push(
      `| ${r.rank} | ${r.index} | ${r.value === null ? 'n/a' : r.value.toFixed(4)} | ${params || '(defaults)'} |`,
    );
  }
  return lines.join('\n');
}
