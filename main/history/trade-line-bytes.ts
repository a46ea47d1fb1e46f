import type { TradeColumns } from './trade-batch.js';

/**
 * Reads a Binance trades-dump row (id, price, qty, quote_qty, time, is_buyer_maker[,
 * is_best_match]) straight from the file's bytes: no string per line or per field, no
 * Number() per field. A 10M-row dump is 750 MB of text; decoding and splitting it cost more
 * than everything else the import does (issue #12: 124k trades/s before, target 1M/s).
 *
 * It only accepts the plain shape exchanges write (ASCII digits, one optional point, no sign,
 * no exponent, no blank, no leading zero in an id) and gives back false for anything else,
 * so that line goes to the text parser, which accepts or refuses it with its own message
 * naming file and line. Every value it reads is the very number the text parser would read:
 * its digits make an integer m < 2^53 and 10^d (d <= 22) is exact, both exact doubles, so
 * m / 10^d is the correctly rounded value of the decimal, as Number(text) is.
 */
export class BinanceTradeLineReader {
  /** The field just read: reused, so a row allocates nothing. */
  private readonly parsed = { value: 0, end: 0 };

  constructor(
    private readonly rows: TradeColumns,
    /** Exchange time from the file's number, or null when it is no timestamp (the text path says why). */
    private readonly time: (value: number) => number | null,
  ) {}

  /** Reads line bytes[start, end) (no line break) into the rows; false when the text parser must read it. */
  read(bytes: Uint8Array, start: number, end: number): boolean {
    const field = this.parsed;
    // id: digits, no leading zero (an id "007" stays text, as the text parser keeps it).
    if (readDecimal(bytes, start, end, field) !== 0) return false;
    if (bytes[start] === 48 && field.end - start > 1) return false;
    const id = field.value;
    let at = field.end + 1;
    if (bytes[field.end] !== 44) return false;
    if (readDecimal(bytes, at, end, field) < 0 || !(field.value > 0) || bytes[field.end] !== 44) return false;
    const price = field.value;
    at = field.end + 1;
    if (readDecimal(bytes, at, end, field) < 0 || !(field.value > 0) || bytes[field.end] !== 44) return false;
    const amount = field.value;
    // quote_qty is not read: the text parser does not check it either, only that it is there.
    at = skipField(bytes, field.end + 1, end);
    if (at < 0 || bytes[at] !== 44) return false;
    if (readDecimal(bytes, at + 1, end, field) !== 0 || bytes[field.end] !== 44) return false;
    const ts = this.time(field.value);
    if (ts === null) return false;
    at = field.end + 1;
    let side: number;
    if (isWord(bytes, at, end, TRUE)) {
      side = -1; // the buyer was the maker: the taker sold
      at += TRUE.length;
    } else if (isWord(bytes, at, end, FALSE)) {
      side = 1;
      at += FALSE.length;
    } else return false;
    if (at < end) {
      // is_best_match: present or not, never read; a field after it is an extra column.
      if (bytes[at] !== 44) return false;
      const after = skipField(bytes, at + 1, end);
      if (after !== end) return false;
    }
    this.rows.push(ts, id, id, price, amount, side);
    return true;
  }
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
/** Most decimals read here: 10^22 is the largest power of ten that is an exact double. */
const MAX_DECIMALS = 22;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);

/**
 * Reads digits[.digits] at bytes[at..) into `out` (value, end = first byte after the number)
 * and returns the decimals written; -1 when it is not that plain shape or its digits pass 2^53.
 */
function readDecimal(
  bytes: Uint8Array,
  at: number,
  end: number,
  out: { value: number; end: number },
): number {
  let mantissa = 0;
  let i = at;
  while (i < end) {
    const digit = (bytes[i] ?? 0) - 48;
    if (digit < 0 || digit > 9) break;
    mantissa = mantissa * 10 + digit;
    i++;
  }
  if (i === at) return -1;
  let decimals = 0;
  if (i < end && bytes[i] === 46) {
    const point = ++i;
    while (i < end) {
      const digit = (bytes[i] ?? 0) - 48;
      if (digit < 0 || digit > 9) break;
      mantissa = mantissa * 10 + digit;
      i++;
    }
    decimals = i - point;
    if (decimals === 0 || decimals > MAX_DECIMALS) return -1;
  }
  // Past 2^53 the digits no longer make an exact integer (and the division no exact value).
  if (!Number.isSafeInteger(mantissa)) return -1;
  out.value = decimals === 0 ? mantissa : mantissa / (POW10[decimals] ?? 1);
  out.end = i;
  return decimals;
}

/** Index of the comma (or line end) after a field of ASCII text; -1 for a byte that is not ASCII. */
function skipField(bytes: Uint8Array, at: number, end: number): number {
  let i = at;
  while (i < end) {
    const byte = bytes[i] ?? 0;
    if (byte === 44) return i;
    if (byte >= 128) return -1;
    i++;
  }
  return i;
}

function isWord(bytes: Uint8Array, at: number, end: number, word: readonly number[]): boolean {
  if (at + word.length > end) return false;
  for (let k = 0; k < word.length; k++) if (bytes[at + k] !== word[k]) return false;
  return at + word.length === end || bytes[at + word.length] === 44;
}
