import { z } from 'zod';
import { TIMEFRAMES } from '../../domain/timeframes.js';

/** Parameter builders shared by the catalogue, so bounds and defaults read the same everywhere. */

export function levelsParam(fallback: number) {
  return z.number().int().min(1).max(1000).default(fallback);
}

export function periodParam(fallback: number, min = 1) {
  return z.number().int().min(min).max(100_000).default(fallback);
}

/** A time window in ms: at least 1 ms, at most a day. */
export function windowMsParam(fallback: number) {
  return z.number().int().min(1).max(86_400_000).default(fallback);
}

export function timeframeParam(fallback: (typeof TIMEFRAMES)[number] = '1m') {
  return z.enum(TIMEFRAMES).default(fallback);
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** A window length for the radix-2 FFT and the Haar transform. */
export function powerOfTwoParam(fallback: number, min: number) {
  return z
    .number()
    .int()
    .min(min)
    .max(4096)
    .refine(isPowerOfTwo, { message: 'must be a power of two' })
    .default(fallback);
}
