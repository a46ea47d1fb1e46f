import { normalCdf, normalQuantile } from '../../backtest/honesty.js';
import type { Rng } from '../../market/rng.js';

/**
 * The adaptive Parzen estimators of TPE (Bergstra et al. 2011, as in hyperopt): a mixture of
 * normals truncated to the parameter's range, one per observation with a width set by the
 * distance to its neighbours, plus a broad prior component so an unseen region keeps some
 * density; for choices, observed frequencies plus one pseudo-count per value.
 */

export interface ParzenMixture {
  readonly means: Float64Array;
  readonly sigmas: Float64Array;
  readonly low: number;
  readonly high: number;
}

export function parzenMixture(observations: readonly number[], low: number, high: number): ParzenMixture {
  const span = high - low;
  const prior = (low + high) / 2;
  const components = [
    ...observations.map((mean) => ({ mean, prior: false })),
    { mean: prior, prior: true },
  ].sort((a, b) => a.mean - b.mean || Number(a.prior) - Number(b.prior));
  const means = components.map((c) => c.mean);
  const priorSigma = span > 0 ? span : 1;
  // Narrower with more data, never narrower than 1/100 of the range (hyperopt's clip).
  const minSigma = priorSigma / Math.min(100, 1 + means.length);
  const sigmas = means.map((mean, i) => {
    if (components[i]?.prior === true) return priorSigma;
    const left = i > 0 ? mean - (means[i - 1] ?? mean) : mean - low;
    const right = i + 1 < means.length ? (means[i + 1] ?? mean) - mean : high - mean;
    return Math.min(priorSigma, Math.max(minSigma, left, right));
  });
  return { means: Float64Array.from(means), sigmas: Float64Array.from(sigmas), low, high };
}

/** Mixture density at x (equal component weights, each normal truncated to [low, high]). */
export function parzenDensity(mixture: ParzenMixture, x: number): number {
  const { means, sigmas, low, high } = mixture;
  let density = 0;
  for (let i = 0; i < means.length; i++) {
    const mean = means[i] ?? 0;
    const sigma = sigmas[i] ?? 1;
    const mass = normalCdf((high - mean) / sigma) - normalCdf((low - mean) / sigma);
    const z = (x - mean) / sigma;
    density += Math.exp(-0.5 * z * z) / (sigma * Math.sqrt(2 * Math.PI) * Math.max(mass, 1e-12));
  }
  return density / means.length;
}

/** A draw from the mixture: a component uniformly, then its truncated normal by inverse CDF. */
export function parzenSample(mixture: ParzenMixture, rng: Rng): number {
  const i = rng.int(0, mixture.means.length);
  const mean = mixture.means[i] ?? 0;
  const sigma = mixture.sigmas[i] ?? 1;
  const from = normalCdf((mixture.low - mean) / sigma);
  const to = normalCdf((mixture.high - mean) / sigma);
  const u = from + rng.next() * (to - from);
  const x = mean + sigma * normalQuantile(Math.min(1 - 1e-12, Math.max(1e-12, u)));
  return Math.min(mixture.high, Math.max(mixture.low, x));
}

/** Choice probabilities: (count + 1) / (n + values). */
export function categoricalWeights(observations: readonly number[], values: number): Float64Array {
  const weights = new Float64Array(values).fill(1);
  for (const index of observations) weights[index] = (weights[index] ?? 0) + 1;
  const total = observations.length + values;
  for (let i = 0; i < values; i++) weights[i] = (weights[i] ?? 0) / total;
  return weights;
}

export function categoricalSample(weights: Float64Array, rng: Rng): number {
  let u = rng.next();
  for (let i = 0; i < weights.length; i++) {
    u -= weights[i] ?? 0;
    if (u < 0) return i;
  }
  return weights.length - 1;
}
