/**
 * Price and size precision of an instrument: how many decimals show a tick or a lot, and the
 * tick and lot a history implies when no exchange says (an imported file).
 */

/** Decimals beyond which a step is float noise, not a market's increment. */
const MAX_DECIMALS = 12;

/**
 * Decimal places that show every multiple of `step` exactly: 0.01 -> 2, 0.5 -> 1,
 * 0.125 -> 3, 1e-8 -> 8, 5 -> 0. Read from the step's shortest decimal form (12 significant
 * digits, so 0.1 + 0.2 counts as 0.3), not from its logarithm, which gets 0.125 wrong.
 */
export function stepDecimals(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 2;
  return Math.min(MAX_DECIMALS, decimalsOf(step));
}

/** Decimals of a value's shortest decimal form at 12 significant digits. */
function decimalsOf(value: number): number {
  const text = Math.abs(value).toPrecision(MAX_DECIMALS);
  const [mantissa = '', exponentText] = text.split('e');
  const point = mantissa.indexOf('.');
  const fraction = point < 0 ? '' : mantissa.slice(point + 1).replace(/0+$/, '');
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  return Math.max(0, fraction.length - exponent);
}

/**
 * Accumulates the finest decimal step a column of prices (or amounts) shows: 10^-d for the
 * most decimals d any value has in its shortest form (12 significant digits). 0.00141342
 * gives 1e-8; an amount written 23.00000000 is the number 23 and gives 1. A coarser grid
 * (a 0.5 tick) is not guessed from a sample: the decimal step shows every price exactly,
 * which is what the workstation needs a tick for, and the user can set the real one.
 * Feed it chunk by chunk; it keeps two numbers.
 */
export class StepSniffer {
  private decimals = 0;
  private seen = 0;

  /** Values seen (positive finite ones; others are ignored). */
  get count(): number {
    return this.seen;
  }

  observe(value: number): void {
    if (!(value > 0) || !Number.isFinite(value)) return;
    this.seen++;
    const decimals = decimalsOf(value);
    if (decimals > this.decimals) this.decimals = Math.min(MAX_DECIMALS, decimals);
  }

  observeAll(values: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) this.observe(values[i] ?? Number.NaN);
  }

  /** The inferred step, or null when no value was seen. */
  step(): number | null {
    return this.seen === 0 ? null : Number((10 ** -this.decimals).toFixed(this.decimals));
  }
}
