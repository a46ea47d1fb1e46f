import type { BookSide } from '../../shared/domain/market.js';
import { ByteWriter } from './byte-writer.js';

/**
 * Packs a run of book deltas of one instrument into a blob, about 5-8 bytes a delta.
 *
 * Each delta is a flag byte then varints:
 *   flags: bit0 side (1 = ask), bit1 price is raw float64, bit2 size is raw float64,
 *          bit3 the local receive time follows
 *   dts    (unsigned varint, ms since the previous delta; the first is relative to first_ts)
 *   dseq   (zigzag varint, seq step from the previous delta; the first is relative to first_seq)
 *   price  (zigzag varint of ticks minus the previous delta's ticks, or 8 raw bytes)
 *   size   (unsigned varint of lots, or 8 raw bytes)
 *   local  (zigzag varint, receive time minus ts; only with bit3)
 * The deltas of one book message share (ts, seq) (see BookDelta): a message boundary is where
 * either steps, so a message costs nothing extra. Its receive time is written once, on its
 * first delta, and holds for the rest of it. Chunks written before bit3 existed have no
 * receive times and decode as before.
 * Ticks and lots are units of 10^-d where d is the number of decimals of the instrument's
 * tick (lot) size, and a value is only encoded that way when `ticks / scale` gives back the
 * very same float64: decoding is exact, so a rebuilt book has the same price keys as the live
 * one. Anything else (a price off the tick grid) falls back to raw float64, never rounded.
 */

export interface DeltaColumns {
  readonly ts: number[];
  readonly seq: number[];
  readonly side: BookSide[];
  readonly price: number[];
  readonly size: number[];
  /** Local receive time of each delta's message, ms; NaN (or the column absent) when unknown. */
  readonly localTs?: number[];
}

const ASK = 1;
const RAW_PRICE = 2;
const RAW_SIZE = 4;
const RECEIVED = 8;

/** 10^d for the number of decimals d of a tick or lot size (0.01 -> 100, 0.5 -> 10, 5 -> 1). */
export function decimalScale(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 1;
  for (let d = 0; d <= 12; d++) {
    const scale = 10 ** d;
    const scaled = step * scale;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-9 * Math.max(1, scaled)) return scale;
  }
  return 1e12;
}

/** Ticks of `value` at `scale` if they decode to exactly `value`, else null. */
function exactUnits(value: number, scale: number): number | null {
  const units = Math.round(value * scale);
  return Number.isSafeInteger(units) && units / scale === value ? units : null;
}

/**
 * Encode deltas[from, to) of `columns`, relative to (firstTs, firstSeq) = the first delta's.
 * Deltas must be in (ts, seq) order, as the recorder receives them.
 */
export function encodeDeltas(
  columns: DeltaColumns,
  from: number,
  to: number,
  priceScale: number,
  sizeScale: number,
): Buffer {
  const out = new ByteWriter();
  let prevTs = columns.ts[from] ?? 0;
  let prevSeq = columns.seq[from] ?? 0;
  let prevTicks = 0;
  const localTs = columns.localTs;
  for (let i = from; i < to; i++) {
    const ts = columns.ts[i] ?? 0;
    const seq = columns.seq[i] ?? 0;
    const messageStart = i === from || ts !== prevTs || seq !== prevSeq;
    const received = messageStart && localTs !== undefined ? (localTs[i] ?? Number.NaN) : Number.NaN;
    const price = columns.price[i] ?? 0;
    const size = columns.size[i] ?? 0;
    const ticks = exactUnits(price, priceScale);
    const lots = size >= 0 ? exactUnits(size, sizeScale) : null;
    let flags = columns.side[i] === 'ask' ? ASK : 0;
    if (ticks === null) flags |= RAW_PRICE;
    if (lots === null) flags |= RAW_SIZE;
    const keepReceived = Number.isSafeInteger(received);
    if (keepReceived) flags |= RECEIVED;
    out.byte(flags);
    out.uvarint(ts - prevTs);
    out.svarint(seq - prevSeq);
    if (ticks === null) out.float64(price);
    else {
      out.svarint(ticks - prevTicks);
      prevTicks = ticks;
    }
    if (lots === null) out.float64(size);
    else out.uvarint(lots);
    if (keepReceived) out.svarint(received - ts);
    prevTs = ts;
    prevSeq = seq;
  }
  return out.finish();
}

/**
 * Receives decoded deltas one by one, without an object per delta; returns false to stop.
 * `localTs` is the receive time of the delta's message, NaN when it was not recorded.
 */
export type DeltaVisitor = (
  ts: number,
  seq: number,
  side: BookSide,
  price: number,
  size: number,
  localTs: number,
) => boolean;

/**
 * Decode a chunk written by `encodeDeltas`, calling `visit` for each delta in order; `visit`
 * returning false stops early (bookAt stops at T). Throws on a blob that ends mid-delta.
 */
export function decodeDeltas(
  blob: Uint8Array,
  firstTs: number,
  firstSeq: number,
  priceScale: number,
  sizeScale: number,
  visit: DeltaVisitor,
): void {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let at = 0;
  const need = (bytes: number): void => {
    if (at + bytes > blob.byteLength) throw new RangeError(`book delta chunk truncated at byte ${at}`);
  };
  const uvarint = (): number => {
    let value = 0;
    let factor = 1;
    for (;;) {
      need(1);
      const byte = blob[at++] ?? 0;
      value += (byte & 0x7f) * factor;
      if (byte < 0x80) return value;
      factor *= 0x80;
    }
  };
  const svarint = (): number => {
    const z = uvarint();
    return z % 2 === 0 ? z / 2 : -(z + 1) / 2;
  };
  const float64 = (): number => {
    need(8);
    const value = view.getFloat64(at, true);
    at += 8;
    return value;
  };
  let ts = firstTs;
  let seq = firstSeq;
  let ticks = 0;
  let localTs = Number.NaN;
  let first = true;
  while (at < blob.byteLength) {
    const flags = blob[at++] ?? 0;
    const dts = uvarint();
    const dseq = svarint();
    // A new message: the previous one's receive time no longer applies.
    if (first || dts !== 0 || dseq !== 0) localTs = Number.NaN;
    first = false;
    ts += dts;
    seq += dseq;
    let price: number;
    if ((flags & RAW_PRICE) !== 0) price = float64();
    else {
      ticks += svarint();
      price = ticks / priceScale;
    }
    const size = (flags & RAW_SIZE) !== 0 ? float64() : uvarint() / sizeScale;
    if ((flags & RECEIVED) !== 0) localTs = ts + svarint();
    if (!visit(ts, seq, (flags & ASK) !== 0 ? 'ask' : 'bid', price, size, localTs)) return;
  }
}
