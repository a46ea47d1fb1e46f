import { ByteWriter } from './byte-writer.js';
/**
 * Packs a run of one instrument's trades, in (ts, seq) order, into a column blob of about
 * 8-12 bytes a trade (the `trades` table of 0001 took 91 with its id index).
 *
 * Layout (every integer a LEB128 varint; "s" = zigzag-signed, "u" = unsigned):
 *   u8 version, u count, u8 flags (bit0: a receive-time column follows),
 *   u8 price decimals, u8 amount decimals, s first ts
 *   ts      count-1 u  steps from the previous trade (never negative: the run is ordered)
 *   seq     count s    steps from the previous trade's (the first from 0), then exceptions
 *   side    ceil(count/8) bytes, bit set = taker buy
 *   price   count s    steps of price * 10^decimals from the previous trade, then exceptions
 *   amount  count u    amount * 10^decimals, then exceptions
 *   id      count s    steps of the numeric id from the previous numeric id, then exceptions
 *   receive count s    steps of (receive time - ts) from the previous trade's, then exceptions
 * Exceptions follow each column: u count, then per exception u index step and its payload
 * (seq/price/amount/receive: float64 LE, NaN = unknown receive time; id: u length+1 then
 * UTF-8, 0 = no id). A step too large for a zigzag varint (|step| >= 2^52) is an exception too;
 * an exception's slot in the column holds a zero step, so the hot decode loop has no branch
 * for it and the exceptions are patched in after.
 *
 * Why columns: each column's values are alike, so steps are tiny (ts, seq and ids of a busy
 * exchange step by 0-1; prices by a few ticks) and one varint byte each; the side is a bit.
 * Why one decimal scale per chunk, found from the data: an instrument's tick size can be
 * wrong or change (imports guess it), and the chunk's scale is exactly the least power of ten
 * that makes every price an integer that divides back to the very same float64, so the round
 * trip is exact by construction. A price that needs more than MAX_DECIMALS decimals (a float
 * off any decimal grid) is kept raw as an exception instead of widening every other price.
 * Why a receive-time step of the latency, not of the receive time: the feed's delay is nearly
 * constant, so its step is one byte whether or not the clock is near market time.
 * Measured on tests/bench/record.ts (bytes_per_trade) and the Binance XRP/ETH sample.
 */

export const TRADE_CHUNK_VERSION = 1;
/** Most decimals tried for a price or amount; 10^12 keeps typical units well inside 2^53. */
const MAX_DECIMALS = 12;
const POW10 = Array.from({ length: MAX_DECIMALS + 1 }, (_, d) => 10 ** d);
const HAS_RECEIVE = 1;
/** Steps of at least this size do not fit a zigzag varint exactly (2|step| must stay safe). */
const MAX_STEP = 2 ** 52;
/** Largest |ts| the header's zigzag varint holds: year 142,000 in ms. */
const MAX_TS = 2 ** 52 - 1;

/** Trades to encode, in (ts, seq) order. `side` is 1 for a taker buy, -1 for a sell. */
export interface TradeRunColumns {
  readonly ts: ArrayLike<number>;
  readonly seq: ArrayLike<number>;
  /** The exchange's trade id (a number when already parsed as one); null or '' when none. */
  readonly id: ArrayLike<string | number | null>;
  readonly price: ArrayLike<number>;
  readonly amount: ArrayLike<number>;
  readonly side: ArrayLike<number>;
  /** Local receive time in ms; NaN where unknown. Null when no trade has one. */
  readonly receiveTs: ArrayLike<number> | null;
}

/** A trade that cannot be stored exactly; names the trade and the field. */
export class InvalidTradeError extends Error {
  override readonly name = 'InvalidTradeError';
}

/**
 * The id as a number when it is a plain decimal that String() gives back exactly (no sign, no
 * leading zero, at most 16 digits and a safe integer), else null.
 */
export function numericId(id: string | number | null): number | null {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 0 ? id : null;
  if (id === null || id.length === 0 || id.length > 16 || (id.length > 1 && id.charCodeAt(0) === 48))
    return null;
  // A digit loop, not a regex: this runs once per trade written.
  let value = 0;
  for (let i = 0; i < id.length; i++) {
    const digit = id.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return null;
    value = value * 10 + digit;
  }
  return Number.isSafeInteger(value) ? value : null;
}

/** Least and greatest numeric id of ids[from, to), or null when none is numeric. */
export function idRange(
  ids: ArrayLike<string | number | null>,
  from: number,
  to: number,
): { min: number; max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const id = numericId(ids[i] ?? null);
    if (id === null) continue;
    if (id < min) min = id;
    if (id > max) max = id;
  }
  return min <= max ? { min, max } : null;
}

/** Decimals d (0..MAX_DECIMALS) such that round(v * 10^d) / 10^d === v, or -1. */
function decimalsOf(value: number): number {
  for (let d = 0; d <= MAX_DECIMALS; d++) {
    const scale = POW10[d] ?? 1;
    const units = Math.round(value * scale);
    if (units / scale === value && Number.isSafeInteger(units)) return d;
  }
  return -1;
}

/** The least decimals that hold every value of [from, to) that fits any (the rest are exceptions). */
function chunkDecimals(values: ArrayLike<number>, from: number, to: number): number {
  let best = 0;
  let previous = Number.NaN;
  for (let i = from; i < to; i++) {
    const value = values[i] ?? 0;
    // Runs of one price are common; its decimals were already counted.
    if (value === previous) continue;
    previous = value;
    const d = decimalsOf(value);
    if (d > best) best = d;
  }
  return best;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder('utf-8', { fatal: true });

function refuse(index: number, field: string, value: number): never {
  throw new InvalidTradeError(`Trade ${index}: ${field} ${String(value)} cannot be stored (${field} rule)`);
}

/**
 * Encode trades[from, to) of `run` as one chunk. Throws InvalidTradeError on a value that
 * cannot round-trip: a non-integer or unsafe ts/seq, a NaN, infinite or non-positive price or
 * amount, a side other than 1/-1, or trades out of (ts, seq) order.
 */
export function encodeTradeChunk(run: TradeRunColumns, from: number, to: number): Buffer {
  const count = to - from;
  if (count <= 0) throw new RangeError('a trade chunk holds at least one trade');
  const out = new ByteWriter();
  out.ensure(count * 10 + 64);
  const priceDecimals = chunkDecimals(run.price, from, to);
  const amountDecimals = chunkDecimals(run.amount, from, to);
  const priceScale = POW10[priceDecimals] ?? 1;
  const amountScale = POW10[amountDecimals] ?? 1;
  const receive = run.receiveTs;
  let hasReceive = false;
  if (receive !== null) for (let i = from; i < to && !hasReceive; i++) hasReceive = !Number.isNaN(receive[i]);

  const firstTs = run.ts[from] ?? 0;
  out.byte(TRADE_CHUNK_VERSION);
  out.uvarint(count);
  out.byte(hasReceive ? HAS_RECEIVE : 0);
  out.byte(priceDecimals);
  out.byte(amountDecimals);
  if (!(Number.isSafeInteger(firstTs) && Math.abs(firstTs) <= MAX_TS)) refuse(from, 'ts', firstTs);
  out.svarint(firstTs);

  for (let i = from + 1; i < to; i++) {
    const ts = run.ts[i] ?? Number.NaN;
    const step = ts - (run.ts[i - 1] ?? 0);
    if (!Number.isSafeInteger(ts)) refuse(i, 'ts', ts);
    if (!(step >= 0)) refuse(i, 'ts order', ts);
    out.uvarint(step);
  }
  const rawSeqs: number[] = [];
  let previousSeq = 0;
  for (let i = from; i < to; i++) {
    const seq = run.seq[i] ?? Number.NaN;
    if (!Number.isSafeInteger(seq)) refuse(i, 'seq', seq);
    if (i > from && !(seq > (run.seq[i - 1] ?? 0) || run.ts[i] !== run.ts[i - 1]))
      refuse(i, 'seq order', seq);
    const step = seq - previousSeq;
    if (Math.abs(step) < MAX_STEP) {
      out.svarint(step);
      previousSeq = seq;
    } else {
      out.byte(0);
      rawSeqs.push(i - from);
    }
  }
  writeFloatExceptions(out, rawSeqs, run.seq, from);

  out.ensure(Math.ceil(count / 8));
  let bits = 0;
  for (let i = from; i < to; i++) {
    const side = run.side[i];
    if (!(side === 1 || side === -1)) refuse(i, 'side', side ?? Number.NaN);
    if (side === 1) bits |= 1 << ((i - from) & 7);
    if (((i - from) & 7) === 7 || i === to - 1) {
      out.byte(bits);
      bits = 0;
    }
  }

  // price: steps of integer units; exceptions keep the raw float64
  const rawPrices: number[] = [];
  let previousUnits = 0;
  for (let i = from; i < to; i++) {
    const price = run.price[i] ?? Number.NaN;
    if (!(price > 0 && Number.isFinite(price))) refuse(i, 'price', price);
    const units = Math.round(price * priceScale);
    if (
      units / priceScale === price &&
      Number.isSafeInteger(units) &&
      Math.abs(units - previousUnits) < MAX_STEP
    ) {
      out.svarint(units - previousUnits);
      previousUnits = units;
    } else {
      out.byte(0);
      rawPrices.push(i - from);
    }
  }
  writeFloatExceptions(out, rawPrices, run.price, from);

  const rawAmounts: number[] = [];
  for (let i = from; i < to; i++) {
    const amount = run.amount[i] ?? Number.NaN;
    if (!(amount > 0 && Number.isFinite(amount))) refuse(i, 'amount', amount);
    const units = Math.round(amount * amountScale);
    if (units / amountScale === amount && Number.isSafeInteger(units)) out.uvarint(units);
    else {
      out.byte(0);
      rawAmounts.push(i - from);
    }
  }
  writeFloatExceptions(out, rawAmounts, run.amount, from);

  const textIds: number[] = [];
  let previousId = 0;
  for (let i = from; i < to; i++) {
    const id = numericId(run.id[i] ?? null);
    if (id === null || Math.abs(id - previousId) >= MAX_STEP) {
      out.byte(0);
      textIds.push(i - from);
    } else {
      out.svarint(id - previousId);
      previousId = id;
    }
  }
  out.uvarint(textIds.length);
  let lastIndex = 0;
  for (const index of textIds) {
    out.uvarint(index - lastIndex);
    lastIndex = index;
    const id = run.id[from + index] ?? null;
    if (id === null || id === '') out.uvarint(0);
    else {
      const bytes = textEncoder.encode(String(id));
      out.uvarint(bytes.length + 1);
      out.raw(bytes);
    }
  }

  if (hasReceive && receive !== null) {
    const raw: number[] = [];
    let previousLatency = 0;
    for (let i = from; i < to; i++) {
      const at = receive[i] ?? Number.NaN;
      if (!(Number.isNaN(at) || Number.isSafeInteger(at))) refuse(i, 'receive time', at);
      const latency = at - (run.ts[i] ?? 0);
      if (Number.isNaN(at) || Math.abs(latency - previousLatency) >= MAX_STEP) {
        out.byte(0);
        raw.push(i - from);
        continue;
      }
      out.svarint(latency - previousLatency);
      previousLatency = latency;
    }
    writeFloatExceptions(out, raw, receive, from);
  }
  return out.finish();
}

function writeFloatExceptions(
  out: ByteWriter,
  indexes: readonly number[],
  values: ArrayLike<number>,
  from: number,
): void {
  out.uvarint(indexes.length);
  let lastIndex = 0;
  for (const index of indexes) {
    out.uvarint(index - lastIndex);
    lastIndex = index;
    out.float64(values[from + index] ?? Number.NaN);
  }
}

/**
 * One decoded chunk as typed columns, reused from chunk to chunk (decodeTradeChunk grows it
 * when needed): a replay reads millions of trades without an object per trade.
 */
export class TradeBlock {
  length = 0;
  ts = new Float64Array(0);
  seq = new Float64Array(0);
  price = new Float64Array(0);
  amount = new Float64Array(0);
  /** 1 = taker buy, -1 = taker sell. */
  side = new Int8Array(0);
  /** The exchange's numeric id, NaN where the id is text or missing (see idText). */
  idNumber = new Float64Array(0);
  /** Local receive time, NaN where unknown. */
  receiveTs = new Float64Array(0);
  hasReceiveTs = false;
  /** Ids that are not plain decimal numbers, by index; null = the trade has no id. */
  readonly idText = new Map<number, string | null>();

  ensure(capacity: number): void {
    if (this.ts.length >= capacity) return;
    const size = Math.max(capacity, this.ts.length * 2);
    this.ts = new Float64Array(size);
    this.seq = new Float64Array(size);
    this.price = new Float64Array(size);
    this.amount = new Float64Array(size);
    this.side = new Int8Array(size);
    this.idNumber = new Float64Array(size);
    this.receiveTs = new Float64Array(size);
  }

  /** The trade's id as the exchange sent it ('' when none). */
  idAt(index: number): string {
    const value = this.idNumber[index] ?? Number.NaN;
    if (!Number.isNaN(value)) return String(value);
    return this.idText.get(index) ?? '';
  }

  /** The id as stored for dedup: a number, the text, or null for none. */
  idKeyAt(index: number): number | string | null {
    const value = this.idNumber[index] ?? Number.NaN;
    return Number.isNaN(value) ? (this.idText.get(index) ?? null) : value;
  }
}

/** Reads varints out of a chunk, checking the end after each column (not per byte). */
class ByteReader {
  at = 0;
  private readonly view: DataView;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  checkEnd(): void {
    if (this.at > this.bytes.length)
      throw new RangeError(`trade chunk truncated at byte ${this.bytes.length}`);
  }

  byte(): number {
    const value = this.bytes[this.at++] ?? 0;
    this.checkEnd();
    return value;
  }

  uvarint(): number {
    const bytes = this.bytes;
    let at = this.at;
    let b = bytes[at++] ?? 0;
    let value = b & 0x7f;
    let factor = 0x80;
    while (b >= 0x80) {
      b = bytes[at++] ?? 0;
      value += (b & 0x7f) * factor;
      factor *= 0x80;
    }
    this.at = at;
    this.checkEnd();
    return value;
  }

  svarint(): number {
    const z = this.uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  }

  float64(): number {
    const value = this.view.getFloat64(this.at, true);
    this.at += 8;
    return value;
  }

  text(length: number): string {
    const value = textDecoder.decode(this.bytes.subarray(this.at, this.at + length));
    this.at += length;
    this.checkEnd();
    return value;
  }

  /**
   * A varint of three or more bytes whose first two (b0, b1 >= 0x80) are already read: the
   * rare case of the loops below, kept out of them so they stay small.
   */
  private longVarint(b0: number, b1: number): number {
    const bytes = this.bytes;
    let at = this.at;
    let value = (b0 & 0x7f) + (b1 & 0x7f) * 0x80;
    let factor = 0x4000;
    let b: number;
    do {
      b = bytes[at++] ?? 0;
      value += (b & 0x7f) * factor;
      factor *= 0x80;
    } while (b >= 0x80);
    this.at = at;
    return value;
  }

  /**
   * `out[i] = (running += step)` for i in [from, to), unsigned steps. The hot loops of a replay
   * (this and the two below) decode one- and two-byte varints inline with integer operations
   * (most steps of ts, seq, ids and prices are that small) and call out for longer ones.
   */
  unsignedSteps(out: Float64Array, from: number, to: number, start: number): void {
    const bytes = this.bytes;
    let at = this.at;
    let running = start;
    for (let i = from; i < to; i++) {
      const b0 = bytes[at++] ?? 0;
      if (b0 < 0x80) running += b0;
      else {
        const b1 = bytes[at++] ?? 0;
        if (b1 < 0x80) running += (b0 & 0x7f) | (b1 << 7);
        else {
          this.at = at;
          running += this.longVarint(b0, b1);
          at = this.at;
        }
      }
      out[i] = running;
    }
    this.at = at;
    this.checkEnd();
  }

  /**
   * `out[i] = (running += zigzag step) / scale` for i in [0, count): the running sum stays in
   * integer units and each value is divided once, so it is exactly the encoder's float64.
   */
  zigzagSteps(out: Float64Array, count: number, scale: number): void {
    const bytes = this.bytes;
    let at = this.at;
    let running = 0;
    for (let i = 0; i < count; i++) {
      const b0 = bytes[at++] ?? 0;
      if (b0 < 0x80) running += (b0 >>> 1) ^ -(b0 & 1);
      else {
        const b1 = bytes[at++] ?? 0;
        if (b1 < 0x80) {
          const z = (b0 & 0x7f) | (b1 << 7);
          running += (z >>> 1) ^ -(z & 1);
        } else {
          this.at = at;
          const z = this.longVarint(b0, b1);
          at = this.at;
          running += z % 2 === 0 ? z / 2 : -(z + 1) / 2;
        }
      }
      out[i] = running / scale;
    }
    this.at = at;
    this.checkEnd();
  }

  /** `out[i] = varint / scale` for i in [0, count): amounts are not stepped. */
  scaled(out: Float64Array, count: number, scale: number): void {
    const bytes = this.bytes;
    let at = this.at;
    for (let i = 0; i < count; i++) {
      const b0 = bytes[at++] ?? 0;
      let value: number;
      if (b0 < 0x80) value = b0;
      else {
        const b1 = bytes[at++] ?? 0;
        if (b1 < 0x80) value = (b0 & 0x7f) | (b1 << 7);
        else if ((bytes[at] ?? 0) < 0x80)
          value = (b0 & 0x7f) | ((b1 & 0x7f) << 7) | ((bytes[at++] ?? 0) << 14);
        else {
          this.at = at;
          value = this.longVarint(b0, b1);
          at = this.at;
        }
      }
      out[i] = value / scale;
    }
    this.at = at;
    this.checkEnd();
  }

  /** Sides from a bitset, eight a byte. */
  sides(out: Int8Array, count: number): void {
    const bytes = this.bytes;
    const at = this.at;
    for (let byte = 0; byte * 8 < count; byte++) {
      const bits = bytes[at + byte] ?? 0;
      const end = Math.min(count, byte * 8 + 8);
      for (let i = byte * 8; i < end; i++) out[i] = ((bits >> (i & 7)) & 1) * 2 - 1;
    }
    this.at = at + Math.ceil(count / 8);
    this.checkEnd();
  }
}

/** Decode a chunk written by encodeTradeChunk into `into` (grown as needed); returns it. */
export function decodeTradeChunk(blob: Uint8Array, into: TradeBlock = new TradeBlock()): TradeBlock {
  const reader = new ByteReader(blob);
  const version = reader.byte();
  if (version !== TRADE_CHUNK_VERSION)
    throw new RangeError(
      `trade chunk version ${version} is not ${TRADE_CHUNK_VERSION}: written by a newer build?`,
    );
  const count = reader.uvarint();
  const flags = reader.byte();
  const priceScale = POW10[reader.byte()] ?? Number.NaN;
  const amountScale = POW10[reader.byte()] ?? Number.NaN;
  if (Number.isNaN(priceScale) || Number.isNaN(amountScale))
    throw new RangeError('trade chunk scale out of range');
  into.ensure(count);
  into.length = count;
  into.idText.clear();
  const firstTs = reader.svarint();
  into.ts[0] = firstTs;
  reader.unsignedSteps(into.ts, 1, count, firstTs);
  reader.zigzagSteps(into.seq, count, 1);
  readFloatExceptions(reader, into.seq);
  reader.sides(into.side, count);
  reader.zigzagSteps(into.price, count, priceScale);
  readFloatExceptions(reader, into.price);
  reader.scaled(into.amount, count, amountScale);
  readFloatExceptions(reader, into.amount);

  const ids = into.idNumber;
  reader.zigzagSteps(ids, count, 1);
  const exceptions = reader.uvarint();
  let index = 0;
  for (let k = 0; k < exceptions; k++) {
    index += reader.uvarint();
    const length = reader.uvarint();
    into.idText.set(index, length === 0 ? null : reader.text(length - 1));
    ids[index] = Number.NaN;
  }

  into.hasReceiveTs = (flags & HAS_RECEIVE) !== 0;
  const receive = into.receiveTs;
  if (into.hasReceiveTs) {
    // Summed latencies first, then the exchange time added back.
    reader.zigzagSteps(receive, count, 1);
    const ts = into.ts;
    for (let i = 0; i < count; i++) receive[i] = (receive[i] ?? 0) + (ts[i] ?? 0);
    readFloatExceptions(reader, receive);
  } else receive.fill(Number.NaN, 0, count);
  if (reader.at !== blob.length)
    throw new RangeError(`trade chunk has ${blob.length - reader.at} bytes after its last column`);
  // The id steps of a text id are zero, so the ids after it stay right without patching.
  return into;
}

function readFloatExceptions(reader: ByteReader, out: Float64Array): void {
  const exceptions = reader.uvarint();
  let index = 0;
  for (let k = 0; k < exceptions; k++) {
    index += reader.uvarint();
    out[index] = reader.float64();
  }
  reader.checkEnd();
}
