/**
 * The seeded random source every simulation in shared/ draws from. Replays, tests and the
 * demo market must give the same stream for the same seed on every machine, so this is a
 * fixed algorithm on 32-bit integer arithmetic (sfc32, seeded through splitmix32), not
 * Math.random.
 */
export interface Rng {
  /** Uniform on [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform 32-bit unsigned integer. */
  uint32(): number;
  /** Uniform integer in [minInclusive, maxExclusive); the range must be at most 2^32 wide. */
  int(minInclusive: number, maxExclusive: number): number;
  /** Standard normal (mean 0, variance 1). */
  normal(): number;
  /** Exponential with the given rate (mean 1 / rate). */
  exponential(rate: number): number;
  /** Poisson with mean lambda. */
  poisson(lambda: number): number;
}

const TWO_POW_32 = 4294967296;

/** One splitmix32 step: spreads a weak seed (0, 1, 2 ...) over all 32 bits. */
function splitmix32(state: number): number {
  let z = state | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

const GOLDEN_GAMMA = 0x9e3779b9;

/** ln(k!) for the Poisson rejection test: exact table for small k, Stirling series above. */
const LOG_FACTORIAL_TABLE = [
  0, 0, 0.6931471805599453, 1.791759469228055, 3.1780538303479458, 4.787491742782046, 6.579251212010101,
  8.525161361065415, 10.60460290274525, 12.801827480081469,
];

function logFactorial(k: number): number {
  const exact = LOG_FACTORIAL_TABLE[k];
  if (exact !== undefined) return exact;
  const inverse = 1 / k;
  const inverse2 = inverse * inverse;
  return (
    (k + 0.5) * Math.log(k) -
    k +
    0.9189385332046728 + // ln(sqrt(2 pi))
    inverse * (1 / 12 - inverse2 * (1 / 360 - inverse2 / 1260))
  );
}

class Sfc32 implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Box-Muller yields normals in pairs; the second waits here. */
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number) {
    // Fold the high bits in too, so seeds that differ only above 2^32 still differ.
    const low = seed >>> 0;
    const high = Math.floor(seed / TWO_POW_32) >>> 0;
    let state = (low ^ Math.imul(high, 0x6c8e9cf5)) | 0;
    state = (state + GOLDEN_GAMMA) | 0;
    this.a = splitmix32(state);
    state = (state + GOLDEN_GAMMA) | 0;
    this.b = splitmix32(state);
    state = (state + GOLDEN_GAMMA) | 0;
    this.c = splitmix32(state);
    this.d = 1;
    // The authors' recommended warm-up, so nearby seeds decorrelate before the first draw.
    for (let i = 0; i < 15; i++) this.uint32();
  }

  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  next(): number {
    return this.uint32() / TWO_POW_32;
  }

  int(minInclusive: number, maxExclusive: number): number {
    if (!Number.isSafeInteger(minInclusive) || !Number.isSafeInteger(maxExclusive)) {
      throw new RangeError(`int() takes integer bounds, got [${minInclusive}, ${maxExclusive})`);
    }
    const width = maxExclusive - minInclusive;
    if (width <= 0 || width > TWO_POW_32) {
      throw new RangeError(`int() needs 0 < max - min <= 2^32, got [${minInclusive}, ${maxExclusive})`);
    }
    return minInclusive + Math.floor(this.next() * width);
  }

  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    // 1 - next() is in (0, 1], so the log is finite.
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return radius * Math.cos(angle);
  }

  exponential(rate: number): number {
    if (!(rate > 0) || !Number.isFinite(rate))
      throw new RangeError(`exponential() needs a positive rate, got ${rate}`);
    return -Math.log(1 - this.next()) / rate;
  }

  poisson(lambda: number): number {
    if (!(lambda >= 0) || !Number.isFinite(lambda))
      throw new RangeError(`poisson() needs lambda >= 0, got ${lambda}`);
    if (lambda === 0) return 0;
    return lambda < 30 ? this.poissonByProducts(lambda) : this.poissonByRejection(lambda);
  }

  /** Knuth: count uniforms until their product drops below e^-lambda; O(lambda), fine when small. */
  private poissonByProducts(lambda: number): number {
    const limit = Math.exp(-lambda);
    let count = 0;
    let product = 1 - this.next();
    while (product > limit) {
      count++;
      product *= 1 - this.next();
    }
    return count;
  }

  /** Hörmann's transformed rejection (PTRS), O(1) for large lambda. */
  private poissonByRejection(lambda: number): number {
    const sqrtLambda = Math.sqrt(lambda);
    const logLambda = Math.log(lambda);
    const b = 0.931 + 2.53 * sqrtLambda;
    const a = -0.059 + 0.02483 * b;
    const inverseAlpha = 1.1239 + 1.1328 / (b - 3.4);
    const acceptBox = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + lambda + 0.43);
      if (us >= 0.07 && v <= acceptBox) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      const logV = Math.log(v) + Math.log(inverseAlpha) - Math.log(a / (us * us) + b);
      if (logV <= -lambda + k * logLambda - logFactorial(k)) return k;
    }
  }
}

/** A new random stream; the same integer seed gives the same stream, bit for bit. */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`An Rng seed must be a safe integer, got ${seed}`);
  return new Sfc32(seed);
}
