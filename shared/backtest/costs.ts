import { z } from 'zod';
import type { Rng } from '../market/rng.js';
import type { Liquidity } from './orders.js';

/**
 * Trading costs: fees and latency. Both are plain data plus a tiny interface so the UI can
 * edit them, the run record can store them, and the paper broker can use the same ones.
 */

/** Maker/taker fee rates as fractions of notional (0.001 = 10 bp); negative = rebate. */
export const feeScheduleSchema = z.strictObject({
  maker: z.number().min(-0.01).max(0.05),
  taker: z.number().min(-0.01).max(0.05),
});
export type FeeSchedule = z.infer<typeof feeScheduleSchema>;

/**
 * A market's fees as ccxt reports them (`market.maker`, `market.taker`), with the user's
 * overrides on top: the run record keeps the result, so a report says which fees it used.
 */
export function feesFor(
  market: { readonly maker?: number | undefined; readonly taker?: number | undefined },
  override: Partial<FeeSchedule> = {},
): FeeSchedule {
  return feeScheduleSchema.parse({
    maker: override.maker ?? market.maker ?? 0,
    taker: override.taker ?? market.taker ?? 0,
  });
}

export function feeOf(fees: FeeSchedule, liquidity: Liquidity, notional: number): number {
  switch (liquidity) {
    case 'maker':
      return notional * fees.maker;
    case 'taker':
      return notional * fees.taker;
    default:
      return liquidity satisfies never;
  }
}

/**
 * How long an order or a cancel takes to reach the venue, in ms of market time. An order
 * becomes live only after its delay: whatever the market does in between can make it miss.
 */
export interface LatencyModel {
  submitDelay(): number;
  cancelDelay(): number;
}

export const latencySchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('constant'),
    submitMs: z.number().min(0),
    cancelMs: z.number().min(0),
  }),
  z.strictObject({
    kind: z.literal('empirical'),
    /** Measured one-way delays (ms), e.g. half of each measured round trip. */
    samplesMs: z.array(z.number().min(0)).min(1),
    /** Cancels often take a different path; without them, cancels draw from `samplesMs`. */
    cancelSamplesMs: z.array(z.number().min(0)).min(1).optional(),
  }),
]);
export type LatencyConfig = z.infer<typeof latencySchema>;

/**
 * An empirical latency from measured round trips (order sent -> acknowledgement received):
 * the order is live at the venue after the outbound half, so each sample is halved. The
 * split is an assumption (symmetric paths); measure one-way delays instead where possible.
 */
export function latencyFromRoundTrips(roundTripsMs: readonly number[]): LatencyConfig {
  return latencySchema.parse({ kind: 'empirical', samplesMs: roundTripsMs.map((ms) => ms / 2) });
}

export const ZERO_LATENCY: LatencyConfig = { kind: 'constant', submitMs: 0, cancelMs: 0 };

/**
 * A latency model from its config. Empirical delays are drawn uniformly from the measured
 * samples (a bootstrap of the measurements: no shape is assumed) with the caller's seeded
 * random source, so a run replays exactly.
 */
export function createLatency(config: LatencyConfig, rng: Rng): LatencyModel {
  switch (config.kind) {
    case 'constant': {
      const { submitMs, cancelMs } = config;
      return { submitDelay: () => submitMs, cancelDelay: () => cancelMs };
    }
    case 'empirical': {
      const submit = Float64Array.from(config.samplesMs);
      const cancel = Float64Array.from(config.cancelSamplesMs ?? config.samplesMs);
      return {
        submitDelay: () => submit[rng.int(0, submit.length)] ?? 0,
        cancelDelay: () => cancel[rng.int(0, cancel.length)] ?? 0,
      };
    }
    default:
      return config satisfies never;
  }
}
