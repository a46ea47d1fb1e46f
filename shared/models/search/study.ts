import { createRng, type Rng } from '../../market/rng.js';
import {
  categoricalSample,
  categoricalWeights,
  parzenDensity,
  parzenMixture,
  parzenSample,
} from './parzen.js';
import {
  fromInternal,
  internalBounds,
  sampleUniform,
  toInternal,
  type SearchSpace,
  type TrialParams,
} from './space.js';

/**
 * A hyper-parameter search as an ask/tell loop, so trials can run in parallel workers: the
 * coordinator `ask`s for a trial, a worker trains it and `report`s intermediate scores (the
 * median pruner may stop it), then the coordinator `tell`s its final score. Every trial stays
 * recorded with its state. Samplers: random, and TPE (Bergstra et al. 2011): completed trials
 * are split at the gamma quantile of their score into good and bad, each parameter gets a Parzen
 * density l(x) over the good and g(x) over the bad, and of `candidates` draws from l the one
 * maximising l(x) / g(x) is tried. The first `startupTrials` are random.
 *
 * Deterministic: trial n draws from a stream seeded by (seed, n), so the same sequence of
 * ask / tell calls gives the same parameters.
 */

export type TrialState = 'running' | 'complete' | 'pruned' | 'failed';

export interface Trial {
  readonly trialId: number;
  readonly params: TrialParams;
  readonly state: TrialState;
  /** Final score (complete), last reported score (pruned), NaN otherwise. */
  readonly value: number;
  /** Reported intermediate scores in report order. */
  readonly intermediate: readonly { readonly step: number; readonly value: number }[];
}

export interface StudyOptions {
  readonly space: SearchSpace;
  readonly direction: 'minimize' | 'maximize';
  readonly sampler: 'random' | 'tpe';
  readonly seed: number;
  /** Random trials before TPE takes over; default 10. */
  readonly startupTrials?: number;
  /** Draws from l(x) per TPE suggestion; default 24. */
  readonly candidates?: number;
  /** Share of completed trials counted as good; default 0.25. */
  readonly gamma?: number;
  /** Median pruning (null = never prune); defaults warmupSteps 0, minTrials 5. */
  readonly pruner?: { readonly warmupSteps?: number; readonly minTrials?: number } | null;
}

interface MutableTrial {
  readonly trialId: number;
  readonly params: TrialParams;
  state: TrialState;
  value: number;
  readonly intermediate: { step: number; value: number }[];
}

export class Study {
  private readonly records: MutableTrial[] = [];
  private readonly sign: number;

  constructor(readonly options: StudyOptions) {
    this.sign = options.direction === 'minimize' ? 1 : -1;
    if (Object.keys(options.space).length === 0)
      throw new RangeError('a search space needs at least one parameter');
  }

  ask(): { trialId: number; params: TrialParams } {
    const trialId = this.records.length;
    // An odd multiplier keeps (seed, trial) pairs apart; createRng's splitmix spreads the rest.
    const rng = createRng((this.options.seed * 1_000_003 + trialId) % Number.MAX_SAFE_INTEGER);
    const completed = this.records.filter((t) => t.state === 'complete' || t.state === 'pruned');
    const useTpe = this.options.sampler === 'tpe' && completed.length >= (this.options.startupTrials ?? 10);
    const params = useTpe ? this.suggestTpe(completed, rng) : this.suggestRandom(rng);
    this.records.push({ trialId, params, state: 'running', value: Number.NaN, intermediate: [] });
    return { trialId, params };
  }

  /** Records an intermediate score; 'prune' when it is worse than the median of completed trials at that step. */
  report(trialId: number, step: number, value: number): 'continue' | 'prune' {
    const trial = this.running(trialId);
    trial.intermediate.push({ step, value });
    const pruner = this.options.pruner;
    if (pruner === null || pruner === undefined) return 'continue';
    if (step < (pruner.warmupSteps ?? 0)) return 'continue';
    const peers: number[] = [];
    for (const other of this.records) {
      if (other.state !== 'complete') continue;
      const at = other.intermediate.find((point) => point.step === step);
      if (at !== undefined) peers.push(at.value * this.sign);
    }
    if (peers.length < (pruner.minTrials ?? 5)) return 'continue';
    peers.sort((a, b) => a - b);
    const middle = peers.length >> 1;
    const median =
      peers.length % 2 === 1 ? (peers[middle] ?? 0) : ((peers[middle - 1] ?? 0) + (peers[middle] ?? 0)) / 2;
    if (!(value * this.sign > median)) return 'continue';
    trial.state = 'pruned';
    trial.value = value;
    return 'prune';
  }

  /** The final score; NaN or Infinity marks the trial failed. */
  tell(trialId: number, value: number): void {
    const trial = this.running(trialId);
    trial.state = Number.isFinite(value) ? 'complete' : 'failed';
    trial.value = Number.isFinite(value) ? value : Number.NaN;
  }

  trials(): Trial[] {
    return this.records.map((t) => ({ ...t, intermediate: t.intermediate.map((point) => ({ ...point })) }));
  }

  best(): Trial | null {
    let best: MutableTrial | null = null;
    for (const trial of this.records) {
      if (trial.state !== 'complete') continue;
      if (best === null || trial.value * this.sign < best.value * this.sign) best = trial;
    }
    return best === null ? null : { ...best, intermediate: [...best.intermediate] };
  }

  private running(trialId: number): MutableTrial {
    const trial = this.records[trialId];
    if (trial === undefined) throw new RangeError(`no trial ${trialId}`);
    if (trial.state !== 'running') throw new Error(`trial ${trialId} is already ${trial.state}`);
    return trial;
  }

  private suggestRandom(rng: Rng): TrialParams {
    const params: Record<string, TrialParams[string]> = {};
    for (const [name, spec] of Object.entries(this.options.space)) params[name] = sampleUniform(spec, rng);
    return params;
  }

  private suggestTpe(observed: readonly MutableTrial[], rng: Rng): TrialParams {
    // Pruned trials count as bad: they were stopped for doing worse than the median.
    const scored = observed
      .filter((t) => t.state === 'complete')
      .sort((a, b) => a.value * this.sign - b.value * this.sign);
    const goodCount = Math.max(1, Math.ceil((this.options.gamma ?? 0.25) * scored.length));
    const good = scored.slice(0, goodCount);
    const bad = [...scored.slice(goodCount), ...observed.filter((t) => t.state === 'pruned')];
    const candidates = this.options.candidates ?? 24;
    const draws: Record<string, number>[] = Array.from({ length: candidates }, () => ({}));
    const scores = new Float64Array(candidates);
    for (const [name, spec] of Object.entries(this.options.space)) {
      const goodValues = good.map((t) => toInternal(spec, t.params[name] ?? 0));
      const badValues = bad.map((t) => toInternal(spec, t.params[name] ?? 0));
      if (spec.type === 'choice') {
        const l = categoricalWeights(goodValues, spec.values.length);
        const g = categoricalWeights(badValues, spec.values.length);
        draws.forEach((draw, i) => {
          const index = categoricalSample(l, rng);
          draw[name] = index;
          scores[i] = (scores[i] ?? 0) + Math.log(l[index] ?? 1e-300) - Math.log(g[index] ?? 1e-300);
        });
        continue;
      }
      const { low, high } = internalBounds(spec);
      const l = parzenMixture(goodValues, low, high);
      const g = parzenMixture(badValues, low, high);
      draws.forEach((draw, i) => {
        const x = parzenSample(l, rng);
        draw[name] = x;
        scores[i] =
          (scores[i] ?? 0) +
          Math.log(Math.max(1e-300, parzenDensity(l, x))) -
          Math.log(Math.max(1e-300, parzenDensity(g, x)));
      });
    }
    let pick = 0;
    for (let i = 1; i < candidates; i++) if ((scores[i] ?? 0) > (scores[pick] ?? 0)) pick = i;
    const params: Record<string, TrialParams[string]> = {};
    for (const [name, spec] of Object.entries(this.options.space))
      params[name] = fromInternal(spec, draws[pick]?.[name] ?? 0);
    return params;
  }
}
