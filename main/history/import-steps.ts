import { StepSniffer } from '../../shared/domain/precision.js';
import { PROVISIONAL_STEPS, type InstrumentStepSizes } from './instrument-steps.js';
import type { MarketRows } from './trade-batch.js';

/** Most decimals StepSniffer keeps (precision.ts). */
const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/**
 * Least d <= 12 with round(v * 10^d) / 10^d === v (v is then the double nearest a decimal of
 * d places, so its 12-digit form has at most d decimals), or -1. Arithmetic only: StepSniffer
 * formats every value as text, which cost more than reading the row from the file.
 */
function decimalsBound(value: number): number {
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const scale = POW10[d] ?? 1;
    const units = Math.round(value * scale);
    if (units / scale === value && Number.isSafeInteger(units)) return d;
  }
  return -1;
}

/**
 * StepSniffer over a column, given only the values that can change its answer: a value whose
 * decimalsBound is at most the decimals already seen cannot raise them, so it is skipped. The
 * step found is the one StepSniffer finds over every value.
 */
class ColumnStepSniffer {
  private readonly inner = new StepSniffer();
  /** Decimals of inner's step; -1 before any value (the first value is always given). */
  private known = -1;
  private previous = Number.NaN;

  observeAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const value = values[i] ?? Number.NaN;
      // At 12 decimals StepSniffer is at its finest: nothing can change it any more.
      if (value === this.previous || this.known === MAX_DECIMALS) continue;
      this.previous = value;
      const bound = this.known < 0 ? -1 : decimalsBound(value);
      if (bound >= 0 && bound <= this.known) continue;
      this.inner.observe(value);
      this.known = this.inner.count === 0 ? -1 : decimalsOfStep(this.inner.step());
    }
  }

  step(): number | null {
    return this.inner.step();
  }
}

/** d for a step 10^-d as StepSniffer writes it. */
function decimalsOfStep(step: number | null): number {
  if (step === null) return -1;
  for (let d = 0; d <= MAX_DECIMALS; d++) if (Number((10 ** -d).toFixed(d)) === step) return d;
  return MAX_DECIMALS;
}

/**
 * The tick and lot a file's rows imply: the finest decimal step of its prices and of its
 * amounts (candles: of open/high/low/close and of volume). A file of Binance XRP/ETH trades at
 * 0.00141342 gives a tick of 1e-8, so the price shows as 0.00141342, not 0.00; null when the
 * file has no rows. Gathered batch by batch as the import checks them (the batch is then let
 * go), with StepSniffer's answer at a fraction of its cost per row, which at 1M trades/s is the
 * budget of the whole import.
 */
export class ImportStepsSniffer {
  private readonly prices = new ColumnStepSniffer();
  private readonly sizes = new ColumnStepSniffer();

  observe(data: MarketRows): void {
    if (data.kind === 'trades') {
      this.prices.observeAll(data.rows.price);
      this.sizes.observeAll(data.rows.amount);
    } else {
      this.prices.observeAll(data.rows.open);
      this.prices.observeAll(data.rows.high);
      this.prices.observeAll(data.rows.low);
      this.prices.observeAll(data.rows.close);
      this.sizes.observeAll(data.rows.volume);
    }
  }

  steps(): InstrumentStepSizes | null {
    const tickSize = this.prices.step();
    if (tickSize === null) return null;
    // Bars of no volume say nothing of the lot: fall back to the finest stored.
    return { tickSize, lotSize: this.sizes.step() ?? PROVISIONAL_STEPS.lotSize };
  }
}

/** The steps of rows held whole (a backfill page, a test): ImportStepsSniffer over one batch. */
export function inferStepsOf(data: MarketRows): InstrumentStepSizes | null {
  const sniffer = new ImportStepsSniffer();
  sniffer.observe(data);
  return sniffer.steps();
}
