import type { BookSide, BookSnapshot, Instrument, Level, MarketEvent, TakerSide } from '../domain/market.js';
import { createRng, type Rng } from './rng.js';

/**
 * The demo market: the seeded synthetic exchange the workstation runs on when no real one is
 * configured, and the honesty harness's ground truth (DESIGN.md). It emits an L2 book of
 * `levels` price levels a side with queues that grow a few ticks behind the touch, limit
 * orders arriving and cancelling, market orders trading against the touch, sweeps that walk
 * the book, and a calm/volatile regime switch (faster order flow, more noise, wider spreads,
 * multi-tick jumps).
 *
 * HOW PRICES MOVE, AND THE PLANTED SIGNAL
 *
 * A latent fair price F lives on the half-tick grid and moves by jumps (a compound Poisson
 * process). Its up and down jump rates carry the regime's noise and the planted drift:
 *
 *   expected change of F per ms = beta * imbalance_t * F / horizonMs
 *
 * where imbalance_t = (bid - ask) / (bid + ask) over the top 5 levels of the book as it is
 * at that moment. So over the next `horizonMs` the mid returns beta * imbalance on average,
 * plus the regime's noise; beta = 0 is a null market. The slope a regression of the forward
 * return on today's imbalance finds is beta times how much of the imbalance survives the
 * horizon: about 0.93 beta at 1 s and 0.87 beta at 5 s with the default half-life.
 *
 * The book follows F at once: when F jumps, a market order sweeps the levels now on the wrong
 * side of fair and liquidity providers improve the other side, all within that millisecond,
 * so at every millisecond boundary the mid is exactly F (spread 2 ticks when F is on a tick,
 * 1 or 3 when it is between two). Nothing else moves the touch: ordinary market orders and
 * cancels never empty it. That is deliberate. If the book lagged F, the orders catching it up
 * would thin the far side first and imbalance would predict returns even at beta = 0: a false
 * edge in the one market that must have none. Here, at beta = 0, the mid is a martingale.
 *
 * What moves the imbalance is a slow, latent order-flow pressure (a mean-reverting process
 * with half-life `imbalanceHalfLifeMs`): it tilts limit-order arrivals towards one side and
 * cancellations towards the other.
 *
 * Internally prices are integer ticks and sizes integer lots; they become decimals only on
 * the way out (ticks * tickSize rounded to the tick's decimals), so the book stays on the grid
 * however long it runs. Events come from a Gillespie loop: each process has a rate, the next
 * event time is exponential in the total rate and the process is drawn in proportion, so the
 * stream does not depend on how the caller slices time in `advanceTo`.
 */

export type DemoRegime = 'calm' | 'volatile';

export interface DemoRegimeConfig {
  /** Mean time in the calm regime before the market turns volatile (ms). */
  readonly calmMeanMs: number;
  /** Mean time in the volatile regime before it calms down (ms). */
  readonly volatileMeanMs: number;
  /** Multiplier of order arrival rates while volatile. */
  readonly volatileActivity: number;
  /** Multiplier of the fair price's volatility while volatile. */
  readonly volatileNoise: number;
  /** Chance the spread opens to 3 ticks instead of 1 when the fair price sits between ticks. */
  readonly calmWideSpread: number;
  readonly volatileWideSpread: number;
}

export interface DemoInstrumentSpec {
  readonly symbol: string;
  readonly base: string;
  readonly quote: string;
  readonly lotSize: number;
}

export interface DemoMarketConfig {
  readonly seed: number;
  /** Market time of the first event (the book snapshot), ms UTC. */
  readonly startTs: number;
  /**
   * Prepended to every trade id. The recorder drops a trade whose id it already stored, so a
   * stream that restarts (the App's demo source after a restart) must not reuse the ids of a
   * previous run: the source passes its start time here. Default '' (ids 1, 2, 3 ...).
   */
  readonly tradeIdPrefix?: string;
  readonly instrument?: Partial<DemoInstrumentSpec>;
  readonly startPrice?: number;
  /**
   * Tuned for a price of about 10,000 ticks (100 at 0.01). On a much finer grid one second of
   * noise spans more ticks than the book has levels, and every fair-price jump sweeps many.
   */
  readonly tickSize?: number;
  /** Price levels kept on each side of the book; at least 50. */
  readonly levels?: number;
  /**
   * Planted signal: expected mid return over `horizonMs` per unit of top-5 imbalance. Linear
   * up to about noise^2 * (price in half ticks) * horizonMs / 1000 (1e-3 at the defaults);
   * beyond that the fair price would have to drift faster than it jumps, and the drift saturates.
   */
  readonly beta?: number;
  readonly horizonMs?: number;
  /** Calm-regime volatility of the fair price: standard deviation of its return per sqrt(second). */
  readonly noise?: number;
  /** Calm-regime limit, cancel and market order arrivals per second (about events per second). */
  readonly ordersPerSecond?: number;
  /** Half-life of the order-flow pressure that shapes the imbalance. */
  readonly imbalanceHalfLifeMs?: number;
  readonly regimes?: Partial<DemoRegimeConfig>;
}

const DEFAULT_REGIMES: DemoRegimeConfig = {
  calmMeanMs: 10 * 60_000,
  volatileMeanMs: 2 * 60_000,
  volatileActivity: 2,
  volatileNoise: 2.5,
  calmWideSpread: 0.1,
  volatileWideSpread: 0.5,
};

const MIN_LEVELS = 50;
/** Levels counted by the planted imbalance (and by the product's imbalance feature). */
const IMBALANCE_LEVELS = 5;
/** Limit orders may rest this many ticks beyond `levels`, so depth breathes a little. */
const EXTRA_TICKS = 8;
/** Depths never emptied by a cancel, so the touch area stays dense as on a liquid venue. */
const DENSE_DEPTH = 10;

const ADD_SHARE = 0.45;
const CANCEL_SHARE = 0.43;
const MARKET_SHARE = 0.12;
const MEAN_ORDER_LOTS = 20;
const MEAN_MARKET_LOTS = 4;
const STEADY_LOTS_PER_WEIGHT = 190;
/** A cancel pulls the whole level this often (deep levels only), else a part of it. */
const FULL_CANCEL_SHARE = 0.1;

const PRESSURE_STEPS_PER_SECOND = 10;
const PRESSURE_SPREAD = 0.6;
const PRESSURE_MAX = 0.9;

/** Fair-price jump sizes (in jump units) and their probabilities, per regime. */
const JUMPS: readonly (readonly [size: number, probability: number][])[] = [
  [[1, 1]],
  [
    [1, 0.7],
    [2, 0.15],
    [3, 0.1],
    [4, 0.05],
  ],
];
/** Above this many jumps per second at the start price, jumps get coarser instead. */
const MAX_JUMPS_PER_SECOND = 100;

const BID = 0;
const ASK = 1;
const CALM = 0;
const VOLATILE = 1;

/** Decimal places of a step like 0.01 or 0.25, so ticks * step can be rounded exactly. */
function decimalsOf(step: number, what: string): number {
  if (!(step > 0) || !Number.isFinite(step)) throw new RangeError(`${what} must be positive, got ${step}`);
  for (let decimals = 0; decimals <= 12; decimals++) {
    const scaled = step * 10 ** decimals;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return decimals;
  }
  throw new RangeError(`${what} must have at most 12 decimals, got ${step}`);
}

/** Weight of a limit-order arrival at `depth` ticks behind the touch: the queue hump a few ticks out. */
function arrivalWeight(depth: number): number {
  const x = (depth - 4) / 7;
  return 0.45 + 0.8 * Math.exp(-x * x);
}

/**
 * Typical resting lots at `depth` once arrivals, cancels and market orders balance (measured
 * on long runs): the opening book starts there, and levels that appear far out get it too.
 * Levels near the touch are younger (the touch keeps moving) and traded against, so thinner.
 */
function typicalLots(depth: number): number {
  return Math.round(STEADY_LOTS_PER_WEIGHT * arrivalWeight(depth) * (1 - 0.6 * Math.exp(-depth / 2)));
}

function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((weight, i) => {
    total += weight;
    out[i] = total;
  });
  for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) / total;
  return out;
}

export class DemoMarket {
  readonly instrument: Instrument;

  private readonly rng: Rng;
  private readonly levels: number;
  private readonly window: number;
  private readonly beta: number;
  private readonly horizonMs: number;
  private readonly noise: readonly [number, number];
  private readonly activity: readonly [number, number];
  private readonly wideSpread: readonly [number, number];
  private readonly switchRate: readonly [number, number];
  private readonly jumpUnit: number;
  private readonly jumpMean: readonly [number, number];
  private readonly jumpSquareMean: readonly [number, number];
  private readonly maxJump: number;
  private readonly minFair: number;
  private readonly ordersPerMs: number;
  private readonly pressureDecay: number;
  private readonly pressureShock: number;

  /** Where limit orders arrive: cumulative share by depth behind the touch. */
  private readonly depthCdf: Float64Array;

  private readonly tickUnits: number;
  private readonly priceScale: number;
  private readonly lotUnits: number;
  private readonly sizeScale: number;

  /** Resting lots per tick, both sides in one ring indexed by tick & mask. */
  private readonly lots: Float64Array;
  private readonly mask: number;
  private bestBid = 0;
  private bestAsk = 0;
  private bidLevels = 0;
  private askLevels = 0;

  /** Fair price in half ticks. */
  private fair: number;
  private regimeIndex = CALM;
  private pressureState: number;
  private pressure: number;

  private started = false;
  private readonly startTs: number;
  private clock: number;
  private nextEventAt: number;
  private ts: number;
  private seq = 0;
  private tradeId = 0;
  private readonly tradeIdPrefix: string;

  // Rates of every process per ms, refreshed after each event.
  private rateAdd = 0;
  private rateCancel = 0;
  private rateMarket = 0;
  private rateUp = 0;
  private rateDown = 0;
  private ratePressure = 0;
  private rateSwitch = 0;
  private rateTotal = 0;

  constructor(config: DemoMarketConfig) {
    const regimes = { ...DEFAULT_REGIMES, ...config.regimes };
    if (!Number.isSafeInteger(config.startTs))
      throw new RangeError(`startTs must be integer ms, got ${config.startTs}`);
    this.rng = createRng(config.seed);
    this.startTs = config.startTs;
    this.tradeIdPrefix = config.tradeIdPrefix ?? '';
    this.clock = config.startTs;
    this.ts = config.startTs;

    this.levels = config.levels ?? 60;
    if (!Number.isInteger(this.levels) || this.levels < MIN_LEVELS) {
      throw new RangeError(`levels must be an integer >= ${MIN_LEVELS}, got ${this.levels}`);
    }
    this.window = this.levels + EXTRA_TICKS;
    this.beta = config.beta ?? 0;
    this.horizonMs = config.horizonMs ?? 5_000;
    const noise = config.noise ?? 1e-4;
    const ordersPerSecond = config.ordersPerSecond ?? 300;
    if (!Number.isFinite(this.beta)) throw new RangeError(`beta must be finite, got ${this.beta}`);
    if (!(this.horizonMs > 0)) throw new RangeError(`horizonMs must be positive, got ${this.horizonMs}`);
    if (!(noise > 0) || !Number.isFinite(noise)) throw new RangeError(`noise must be positive, got ${noise}`);
    if (!(ordersPerSecond > 0))
      throw new RangeError(`ordersPerSecond must be positive, got ${ordersPerSecond}`);

    const tickSize = config.tickSize ?? 0.01;
    const tickDecimals = decimalsOf(tickSize, 'tickSize');
    this.priceScale = 10 ** tickDecimals;
    this.tickUnits = Math.round(tickSize * this.priceScale);
    const lotSize = config.instrument?.lotSize ?? 0.01;
    const lotDecimals = decimalsOf(lotSize, 'lotSize');
    this.sizeScale = 10 ** lotDecimals;
    this.lotUnits = Math.round(lotSize * this.sizeScale);

    const symbol = config.instrument?.symbol ?? 'DEMO/USD';
    const [symbolBase, symbolQuote] = symbol.split('/');
    this.instrument = {
      id: `demo:${symbol}`,
      exchange: 'demo',
      symbol,
      base: config.instrument?.base ?? symbolBase ?? 'DEMO',
      quote: config.instrument?.quote ?? symbolQuote ?? 'USD',
      tickSize: this.tickUnits / this.priceScale,
      lotSize: this.lotUnits / this.sizeScale,
    };

    this.noise = [noise, noise * regimes.volatileNoise];
    this.activity = [1, regimes.volatileActivity];
    this.wideSpread = [regimes.calmWideSpread, regimes.volatileWideSpread];
    this.switchRate = [1 / regimes.calmMeanMs, 1 / regimes.volatileMeanMs];
    this.ordersPerMs = ordersPerSecond / 1000;

    const startPrice = config.startPrice ?? 100;
    this.fair = Math.round((2 * startPrice) / this.instrument.tickSize);
    const moments = JUMPS.map((sizes) => {
      let mean = 0;
      let square = 0;
      for (const [size, probability] of sizes) {
        mean += size * probability;
        square += size * size * probability;
      }
      return [mean, square] as const;
    });
    const [calmMoments, volatileMoments] = moments;
    if (calmMoments === undefined || volatileMoments === undefined)
      throw new Error('JUMPS needs two regimes');
    // Half ticks per second the calm noise asks for; coarser jumps keep the event rate sane
    // when the tick is tiny relative to the price. An odd unit keeps the spread alternating.
    const jumpsPerSecond = (noise * this.fair) ** 2 / calmMoments[1];
    this.jumpUnit = Math.max(1, Math.floor(Math.sqrt(jumpsPerSecond / MAX_JUMPS_PER_SECOND))) | 1;
    this.jumpMean = [calmMoments[0] * this.jumpUnit, volatileMoments[0] * this.jumpUnit];
    this.jumpSquareMean = [calmMoments[1] * this.jumpUnit ** 2, volatileMoments[1] * this.jumpUnit ** 2];
    this.maxJump = 4 * this.jumpUnit;
    // Keep the whole bid side above zero: below this the fair price only moves up.
    this.minFair = 2 * (this.window + this.maxJump + 2);
    if (this.fair < this.minFair) {
      throw new RangeError(
        `startPrice ${startPrice} is too close to 0 for ${this.levels} levels of ${tickSize}`,
      );
    }

    const span = 2 * (this.window + 2 * this.maxJump + 4);
    let capacity = 256;
    while (capacity < 2 * span) capacity *= 2;
    this.lots = new Float64Array(capacity);
    this.mask = capacity - 1;

    const weights: number[] = [];
    for (let depth = 0; depth < this.window; depth++) weights.push(arrivalWeight(depth));
    this.depthCdf = cumulative(weights);

    const halfLifeMs = config.imbalanceHalfLifeMs ?? 30_000;
    if (!(halfLifeMs > 0)) throw new RangeError(`imbalanceHalfLifeMs must be positive, got ${halfLifeMs}`);
    // An AR(1) step on a Poisson clock: k steps decay by decay^k, so per ms the mean decay
    // rate is stepRate * (1 - decay); solve that for the requested half-life.
    this.ratePressure = PRESSURE_STEPS_PER_SECOND / 1000;
    this.pressureDecay = Math.max(0, 1 - Math.LN2 / halfLifeMs / this.ratePressure);
    this.pressureShock = PRESSURE_SPREAD * Math.sqrt(1 - this.pressureDecay ** 2);
    this.pressureState = PRESSURE_SPREAD * this.rng.normal();
    this.pressure = PRESSURE_MAX * Math.tanh(this.pressureState);

    this.openBook();
    this.refreshRates();
    this.nextEventAt = this.startTs + this.rng.exponential(this.rateTotal);
  }

  /**
   * Appends every event with a timestamp <= ts, in (ts, seq) order; the first is the opening
   * book snapshot at startTs. Calling it with a ts already passed appends nothing.
   */
  advanceTo(ts: number, out: MarketEvent[]): void {
    if (ts < this.startTs) return;
    if (!this.started) {
      this.started = true;
      out.push({ kind: 'book_snapshot', ...this.snapshotAt(this.startTs, ++this.seq) });
    }
    while (Math.floor(this.nextEventAt) <= ts) {
      this.clock = this.nextEventAt;
      this.ts = Math.floor(this.clock);
      this.step(out);
      this.refreshRates();
      this.nextEventAt = this.clock + this.rng.exponential(this.rateTotal);
    }
  }

  /** The whole current book; `seq` is the last event it includes, so deltas after it apply on top. */
  snapshot(): BookSnapshot {
    return this.snapshotAt(this.ts, this.seq);
  }

  regime(): DemoRegime {
    return this.regimeIndex === CALM ? 'calm' : 'volatile';
  }

  private step(out: MarketEvent[]): void {
    // Which process fires: each with probability rate / total (the Gillespie choice).
    let u = this.rng.next() * this.rateTotal;
    if (u < this.rateAdd) this.addLimitOrder(out);
    else if ((u -= this.rateAdd) < this.rateCancel) this.cancelOrder(out);
    else if ((u -= this.rateCancel) < this.rateMarket) this.marketOrder(out);
    else if ((u -= this.rateMarket) < this.rateUp) this.moveFair(out, 1);
    else if ((u -= this.rateUp) < this.rateDown) this.moveFair(out, -1);
    else if (u - this.rateDown < this.ratePressure) this.stepPressure();
    else this.regimeIndex = this.regimeIndex === CALM ? VOLATILE : CALM;
  }

  private refreshRates(): void {
    const regime = this.regimeIndex;
    const orders = this.ordersPerMs * (this.activity[regime] ?? 1);
    this.rateAdd = orders * ADD_SHARE;
    this.rateCancel = orders * CANCEL_SHARE;
    this.rateMarket = orders * MARKET_SHARE;
    // Jump rate so the fair price's return variance per second is noise^2, and the up/down
    // asymmetry that makes its drift beta * imbalance * F / horizon (both in half ticks).
    const noise = (this.noise[regime] ?? 0) * this.fair;
    const jumps = (noise * noise) / 1000 / (this.jumpSquareMean[regime] ?? 1);
    const drift = (this.beta * this.topImbalance() * this.fair) / this.horizonMs;
    const tilt = drift / (this.jumpMean[regime] ?? 1);
    this.rateUp = Math.max(0, (jumps + tilt) / 2);
    this.rateDown = this.fair - this.maxJump < this.minFair ? 0 : Math.max(0, (jumps - tilt) / 2);
    this.rateSwitch = this.switchRate[regime] ?? 0;
    this.rateTotal =
      this.rateAdd +
      this.rateCancel +
      this.rateMarket +
      this.rateUp +
      this.rateDown +
      this.ratePressure +
      this.rateSwitch;
  }

  /** (bid - ask) / (bid + ask) over the best IMBALANCE_LEVELS levels of each side. */
  private topImbalance(): number {
    let bid = 0;
    let ask = 0;
    for (let depth = 0, found = 0; depth < this.window && found < IMBALANCE_LEVELS; depth++) {
      const lots = this.lotsAt(this.bestBid - depth);
      if (lots > 0) {
        bid += lots;
        found++;
      }
    }
    for (let depth = 0, found = 0; depth < this.window && found < IMBALANCE_LEVELS; depth++) {
      const lots = this.lotsAt(this.bestAsk + depth);
      if (lots > 0) {
        ask += lots;
        found++;
      }
    }
    return (bid - ask) / (bid + ask);
  }

  /** A limit order joins a level at or behind the touch; pressure tilts which side it joins. */
  private addLimitOrder(out: MarketEvent[]): void {
    const u = this.rng.next() * 2;
    const side = u < 1 + this.pressure ? BID : ASK;
    const depth = this.sampleDepth(this.rng.next());
    const tick = side === BID ? this.bestBid - depth : this.bestAsk + depth;
    const before = this.lotsAt(tick);
    const after = before + this.orderLots(MEAN_ORDER_LOTS);
    if (before === 0) this.countLevel(side, 1);
    this.setLots(tick, after);
    this.emitDelta(out, side, tick, after);
  }

  /**
   * A resting order leaves, more often on the side the pressure leans against. Levels are
   * picked uniformly and lose a share of their size, so big queues shrink faster and sizes
   * settle where arrivals and cancels balance.
   */
  private cancelOrder(out: MarketEvent[]): void {
    const side = this.rng.next() * 2 < 1 - this.pressure ? BID : ASK;
    let depth = Math.floor(this.rng.next() * this.window);
    let tick = side === BID ? this.bestBid - depth : this.bestAsk + depth;
    let before = this.lotsAt(tick);
    if (before === 0) {
      // A gap deep in the book: take the next level towards the touch instead.
      while (before === 0 && depth > 0) {
        depth--;
        tick += side === BID ? 1 : -1;
        before = this.lotsAt(tick);
      }
    }
    // Deep in the book a whole level sometimes goes; near the touch, and whenever the side is
    // down to `levels`, a cancel only thins the level.
    const mayEmpty = depth >= DENSE_DEPTH && this.levelsOf(side) > this.levels;
    const whole = mayEmpty && this.rng.next() < FULL_CANCEL_SHARE;
    let cancelled = whole ? before : Math.max(1, Math.round(before * (0.1 + 0.2 * this.rng.next())));
    if (cancelled >= before && !mayEmpty) cancelled = before - 1;
    if (cancelled <= 0) return;
    const after = before - cancelled;
    if (after === 0) this.countLevel(side, -1);
    this.setLots(tick, after);
    this.emitDelta(out, side, tick, after);
  }

  /** A market order trades against the touch without emptying it (only the fair price moves the touch). */
  private marketOrder(out: MarketEvent[]): void {
    const buy = this.rng.next() < 0.5;
    const tick = buy ? this.bestAsk : this.bestBid;
    const resting = this.lotsAt(tick);
    if (resting <= 1) return;
    const taken = Math.min(this.orderLots(MEAN_MARKET_LOTS), resting - 1);
    this.emitTrade(out, buy ? 'buy' : 'sell', tick, taken);
    this.setLots(tick, resting - taken);
    this.emitDelta(out, buy ? ASK : BID, tick, resting - taken);
  }

  /**
   * The fair price jumps; the book follows within the same millisecond: far levels are added
   * on the side about to be swept (so depth never dips below `levels`), a market order walks
   * every level now on the wrong side of fair, and the other side improves up to its new touch.
   */
  private moveFair(out: MarketEvent[], direction: 1 | -1): void {
    const sizes = JUMPS[this.regimeIndex] ?? [];
    let u = this.rng.next();
    let jump = 1;
    for (const [size, probability] of sizes) {
      jump = size;
      if ((u -= probability) < 0) break;
    }
    this.fair += direction * jump * this.jumpUnit;
    const odd = (this.fair & 1) === 1;
    const wide = odd && this.rng.next() < (this.wideSpread[this.regimeIndex] ?? 0);
    const half = this.fair >> 1;
    const targetBid = odd ? (wide ? half - 1 : half) : half - 1;
    const targetAsk = odd ? (wide ? half + 2 : half + 1) : half + 1;

    if (direction > 0) {
      this.sweep(out, ASK, targetAsk);
      this.improve(out, BID, targetBid);
    } else {
      this.sweep(out, BID, targetBid);
      this.improve(out, ASK, targetAsk);
    }
    this.trimBeyondWindow(out, BID);
    this.trimBeyondWindow(out, ASK);
  }

  /** Moves one side's touch away from the spread to `target`, trading everything in between. */
  private sweep(out: MarketEvent[], side: number, target: number): void {
    const away = side === BID ? -1 : 1;
    const touch = side === BID ? this.bestBid : this.bestAsk;
    if ((target - touch) * away <= 0) return;
    let doomed = 0;
    for (let tick = touch; tick !== target; tick += away) if (this.lotsAt(tick) > 0) doomed++;
    // Liquidity at the new touch and beyond the new far end first, so the sweep never leaves
    // the side short of levels.
    if (this.lotsAt(target) === 0) this.addLevel(out, side, target, this.orderLots(MEAN_ORDER_LOTS));
    const farEnd = target + away * (this.window - 1);
    for (let tick = farEnd; this.levelsOf(side) - doomed < this.levels && tick !== target; tick -= away) {
      if (this.lotsAt(tick) === 0) this.addLevel(out, side, tick, this.typicalAt(side, tick, target));
    }
    const taker: TakerSide = side === BID ? 'sell' : 'buy';
    for (let tick = touch; tick !== target; tick += away) {
      const resting = this.lotsAt(tick);
      if (resting === 0) continue;
      this.emitTrade(out, taker, tick, resting);
      this.setLots(tick, 0);
      this.countLevel(side, -1);
      this.emitDelta(out, side, tick, 0);
    }
    if (side === BID) this.bestBid = target;
    else this.bestAsk = target;
    // The sweeping order often has size left over and takes part of the new touch too.
    const resting = this.lotsAt(target);
    if (resting >= 2 && this.rng.next() < 0.5) {
      const taken = 1 + Math.floor(this.rng.next() * (resting - 1) * 0.5);
      this.emitTrade(out, taker, target, taken);
      this.setLots(target, resting - taken);
      this.emitDelta(out, side, target, resting - taken);
    }
  }

  /** Moves one side's touch into the spread to `target` with fresh limit orders on every tick. */
  private improve(out: MarketEvent[], side: number, target: number): void {
    const toward = side === BID ? 1 : -1;
    const touch = side === BID ? this.bestBid : this.bestAsk;
    const lean = side === BID ? this.pressure : -this.pressure;
    if ((target - touch) * toward <= 0) return;
    for (let tick = touch + toward; tick !== target + toward; tick += toward) {
      const lots = Math.max(1, Math.round(this.orderLots(5 * MEAN_ORDER_LOTS) * (1 + lean)));
      this.addLevel(out, side, tick, lots);
    }
    if (side === BID) this.bestBid = target;
    else this.bestAsk = target;
  }

  /** Cancels levels that a touch move left beyond the window, on the far side of the book. */
  private trimBeyondWindow(out: MarketEvent[], side: number): void {
    const away = side === BID ? -1 : 1;
    const first = (side === BID ? this.bestBid : this.bestAsk) + away * this.window;
    for (let i = 0, tick = first; i <= 2 * this.maxJump; i++, tick += away) {
      if (this.lotsAt(tick) === 0) continue;
      this.setLots(tick, 0);
      this.countLevel(side, -1);
      this.emitDelta(out, side, tick, 0);
    }
  }

  private stepPressure(): void {
    this.pressureState = this.pressureDecay * this.pressureState + this.pressureShock * this.rng.normal();
    this.pressure = PRESSURE_MAX * Math.tanh(this.pressureState);
  }

  private openBook(): void {
    const odd = (this.fair & 1) === 1;
    const half = this.fair >> 1;
    this.bestBid = odd ? half : half - 1;
    this.bestAsk = half + 1;
    for (let depth = 0; depth < this.levels; depth++) {
      this.setLots(this.bestBid - depth, this.typicalAt(BID, this.bestBid - depth, this.bestBid));
      this.setLots(this.bestAsk + depth, this.typicalAt(ASK, this.bestAsk + depth, this.bestAsk));
    }
    this.bidLevels = this.levels;
    this.askLevels = this.levels;
  }

  private typicalAt(side: number, tick: number, touch: number): number {
    const depth = side === BID ? touch - tick : tick - touch;
    return Math.max(1, Math.round(typicalLots(depth) * (0.5 + this.rng.next())));
  }

  private addLevel(out: MarketEvent[], side: number, tick: number, lots: number): void {
    this.setLots(tick, lots);
    this.countLevel(side, 1);
    this.emitDelta(out, side, tick, lots);
  }

  private sampleDepth(u: number): number {
    const cdf = this.depthCdf;
    let low = 0;
    let high = cdf.length - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (u < (cdf[mid] ?? 1)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Order size in lots: 1 plus a geometric-like tail, mean about `mean`. */
  private orderLots(mean: number): number {
    return Math.max(1, Math.round(mean * (0.5 + this.rng.next())));
  }

  private lotsAt(tick: number): number {
    return this.lots[tick & this.mask] ?? 0;
  }

  private setLots(tick: number, lots: number): void {
    this.lots[tick & this.mask] = lots;
  }

  private levelsOf(side: number): number {
    return side === BID ? this.bidLevels : this.askLevels;
  }

  private countLevel(side: number, change: number): void {
    if (side === BID) this.bidLevels += change;
    else this.askLevels += change;
  }

  private priceOf(tick: number): number {
    return (tick * this.tickUnits) / this.priceScale;
  }

  private sizeOf(lots: number): number {
    return (lots * this.lotUnits) / this.sizeScale;
  }

  private emitDelta(out: MarketEvent[], side: number, tick: number, lots: number): void {
    const bookSide: BookSide = side === BID ? 'bid' : 'ask';
    out.push({
      kind: 'book_delta',
      instrument: this.instrument.id,
      ts: this.ts,
      seq: ++this.seq,
      side: bookSide,
      price: this.priceOf(tick),
      size: this.sizeOf(lots),
    });
  }

  private emitTrade(out: MarketEvent[], side: TakerSide, tick: number, lots: number): void {
    out.push({
      kind: 'trade',
      instrument: this.instrument.id,
      ts: this.ts,
      seq: ++this.seq,
      id: `${this.tradeIdPrefix}${++this.tradeId}`,
      price: this.priceOf(tick),
      amount: this.sizeOf(lots),
      side,
    });
  }

  private snapshotAt(ts: number, seq: number): BookSnapshot {
    const bids: Level[] = [];
    const asks: Level[] = [];
    for (let depth = 0; depth < this.window; depth++) {
      const bid = this.lotsAt(this.bestBid - depth);
      if (bid > 0) bids.push([this.priceOf(this.bestBid - depth), this.sizeOf(bid)]);
      const ask = this.lotsAt(this.bestAsk + depth);
      if (ask > 0) asks.push([this.priceOf(this.bestAsk + depth), this.sizeOf(ask)]);
    }
    return { instrument: this.instrument.id, ts, seq, bids, asks };
  }
}
