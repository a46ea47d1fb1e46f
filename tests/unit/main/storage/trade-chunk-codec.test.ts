import { describe, expect, it } from 'vitest';
import {
  InvalidTradeError,
  decodeTradeChunk,
  encodeTradeChunk,
  type TradeRunColumns,
} from '../../../../main/storage/trade-chunk-codec.js';
import { createRng } from '../../../../shared/market/rng.js';

interface Run extends TradeRunColumns {
  ts: number[];
  seq: number[];
  id: (string | null)[];
  price: number[];
  amount: number[];
  side: number[];
  receiveTs: number[] | null;
}

function emptyRun(withReceive: boolean): Run {
  return { ts: [], seq: [], id: [], price: [], amount: [], side: [], receiveTs: withReceive ? [] : null };
}

function decoded(run: Run): Run {
  const block = decodeTradeChunk(encodeTradeChunk(run, 0, run.ts.length));
  const out = emptyRun(run.receiveTs !== null);
  for (let i = 0; i < block.length; i++) {
    out.ts.push(block.ts[i] ?? Number.NaN);
    out.seq.push(block.seq[i] ?? Number.NaN);
    const id = block.idAt(i);
    out.id.push(id === '' ? null : id);
    out.price.push(block.price[i] ?? Number.NaN);
    out.amount.push(block.amount[i] ?? Number.NaN);
    out.side.push(block.side[i] ?? 0);
    out.receiveTs?.push(block.receiveTs[i] ?? Number.NaN);
  }
  return out;
}

/** A random run mixing realistic and hostile values: every field must come back bit for bit. */
function randomRun(seed: number, n: number): Run {
  const random = createRng(seed);
  const run = emptyRun(random.next() < 0.7);
  let ts = 1_700_000_000_000 + Math.floor(random.next() * 1e9);
  let seq = Math.floor(random.next() * 1e6) - 5e5;
  let id = Math.floor(random.next() * 2 ** 52);
  let price = 0.0001 + random.next() * 100_000;
  for (let i = 0; i < n; i++) {
    const step = random.next();
    ts += step < 0.6 ? 0 : step < 0.95 ? 1 : Math.floor(random.next() * 5_000_000);
    seq += 1 + Math.floor(random.next() * (random.next() < 0.1 ? 1e12 : 3));
    const kind = random.next();
    if (price > 1e6) price = 100;
    if (kind < 0.7)
      price = Math.max(1e-8, Math.round((price + (random.next() - 0.5) * 10) * 100) / 100 || 0.01);
    else if (kind < 0.8)
      price = random.next() * 1e-3 + 1e-9; // off any decimal grid
    else if (kind < 0.9) price = Number.MAX_VALUE * random.next() || 1;
    else price = 0.1 + 0.2; // a float that is not the decimal it looks like
    const idKind = random.next();
    id += Math.floor(random.next() * 3) - (random.next() < 0.05 ? 1000 : 0);
    const tradeId =
      idKind < 0.7
        ? String(Math.max(0, id))
        : idKind < 0.8
          ? null
          : idKind < 0.85
            ? '0042'
            : idKind < 0.9
              ? '123456789012345678901234567890'
              : idKind < 0.95
                ? `uuid-${Math.floor(random.next() * 1e9)}-é`
                : String(Number.MAX_SAFE_INTEGER);
    run.ts.push(ts);
    run.seq.push(seq);
    run.id.push(tradeId);
    run.price.push(price);
    run.amount.push(random.next() < 0.8 ? Math.round(random.next() * 1e8) / 1e5 + 1e-5 : random.next() * 1e9);
    run.side.push(random.next() < 0.5 ? 1 : -1);
    const late = random.next();
    run.receiveTs?.push(
      late < 0.1 ? Number.NaN : late < 0.12 ? 0 : ts + Math.floor(random.next() * 300) - 20,
    );
  }
  return run;
}

describe('trade chunk codec', () => {
  it('gives back every field of random runs exactly', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const run = randomRun(seed, 1 + ((seed * 97) % 3000));
      expect(decoded(run)).toEqual(run);
    }
  });

  it('keeps huge ids, leading zeros, text ids and missing ids apart', () => {
    const run = emptyRun(false);
    const ids = ['9007199254740991', '9007199254740993', '007', '0', '', 'abc', '18446744073709551615'];
    ids.forEach((id, i) => {
      run.ts.push(1000);
      run.seq.push(i);
      run.id.push(id === '' ? null : id);
      run.price.push(1);
      run.amount.push(1);
      run.side.push(1);
    });
    expect(decoded(run).id).toEqual([
      '9007199254740991',
      '9007199254740993',
      '007',
      '0',
      null,
      'abc',
      '18446744073709551615',
    ]);
  });

  it('keeps steps too large for a varint exactly: the whole safe range of seq, ids and receive times', () => {
    const run = emptyRun(true);
    const seqs = [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 0];
    const ids = ['9007199254740991', '0', '4503599627370496'];
    seqs.forEach((seq, i) => {
      run.ts.push(10 + i);
      run.seq.push(seq);
      run.id.push(ids[i] ?? null);
      run.price.push(i === 1 ? 9e15 : 1e-300);
      run.amount.push(1);
      run.side.push(-1);
      run.receiveTs?.push(i === 1 ? Number.MAX_SAFE_INTEGER : -5);
    });
    expect(decoded(run)).toEqual(run);
  });

  it('decodes steps at every varint length boundary exactly (the inline one- to three-byte paths and the long one)', () => {
    const run = emptyRun(true);
    // Each size sits on either side of a varint byte boundary: 2^7, 2^14, 2^21, 2^28, 2^35 units.
    const sizes = [
      0,
      1,
      63,
      64,
      127,
      128,
      8191,
      8192,
      16383,
      16384,
      2 ** 20,
      2 ** 21 - 1,
      2 ** 21,
      2 ** 27,
      2 ** 28,
      2 ** 31,
      2 ** 32,
      2 ** 35,
    ];
    let ts = 1_700_000_000_000;
    let seq = 0;
    let price = 5e12;
    sizes.forEach((size, i) => {
      const sign = i % 2 === 0 ? 1 : -1;
      ts += size;
      seq += size + 1;
      price += sign * size;
      run.ts.push(ts);
      run.seq.push(seq);
      run.id.push(String(2 ** 40 + sign * size));
      run.price.push(price / 100);
      run.amount.push((size + 1) / 1000);
      run.side.push(sign);
      run.receiveTs?.push(ts + sign * size);
    });
    expect(decoded(run)).toEqual(run);
  });

  it('stores many trades of one millisecond and keeps their seq order', () => {
    const run = emptyRun(true);
    for (let i = 0; i < 500; i++) {
      run.ts.push(5);
      run.seq.push(i * 7);
      run.id.push(String(i));
      run.price.push(0.0015 + (i % 3) * 0.0001);
      run.amount.push(12.5);
      run.side.push(i % 2 === 0 ? 1 : -1);
      run.receiveTs?.push(9);
    }
    expect(decoded(run)).toEqual(run);
  });

  it('packs a busy exchange stream into a few bytes a trade', () => {
    const run = emptyRun(true);
    let price = 60_000;
    for (let i = 0; i < 4096; i++) {
      price = Math.round((price + Math.sin(i) * 0.5) * 100) / 100;
      run.ts.push(1_767_571_200_000 + Math.floor(i / 4));
      run.seq.push(3_000_000_000 + i);
      run.id.push(String(3_000_000_000 + i));
      run.price.push(price);
      run.amount.push(Math.round((i % 97) * 1.37 * 1e5) / 1e5 + 0.001);
      run.side.push(i % 3 === 0 ? 1 : -1);
      run.receiveTs?.push(1_767_571_200_000 + Math.floor(i / 4) + 40 + (i % 5));
    }
    const bytes = encodeTradeChunk(run, 0, run.ts.length).length / run.ts.length;
    expect(bytes).toBeLessThan(12);
    expect(decoded(run)).toEqual(run);
  });

  // The real Binance XRP/ETH sample (12,477 aggregated trades in ../shared/marketdata, not part
  // of the project) round-trips exactly at 10.18 B/trade in tests/bench/record.ts
  // (bytes_per_trade_binance_xrpeth). This run has its shape: 8-decimal prices near 0.0014,
  // whole amounts, seconds between trades, ids counting up.
  it('packs a thin altcoin pair with 8-decimal prices exactly', () => {
    const random = createRng(11);
    const run = emptyRun(false);
    let ts = 1_570_752_011_620;
    let price = 141_342;
    for (let i = 0; i < 3000; i++) {
      ts += random.next() < 0.2 ? 0 : Math.floor(random.next() * 30_000);
      price += Math.floor((random.next() - 0.5) * 40);
      run.ts.push(ts);
      run.seq.push(13_519_807 + i);
      run.id.push(String(13_519_807 + i));
      run.price.push(price / 1e8);
      run.amount.push(Math.floor(random.next() * 600) + 1);
      run.side.push(random.next() < 0.5 ? 1 : -1);
    }
    expect(encodeTradeChunk(run, 0, run.ts.length).length / run.ts.length).toBeLessThan(10);
    expect(decoded(run)).toEqual(run);
  });

  it('refuses NaN, infinite and non-positive prices and amounts, bad sides and disorder', () => {
    const base = (): Run => {
      const run = emptyRun(false);
      for (let i = 0; i < 3; i++) {
        run.ts.push(10 + i);
        run.seq.push(i);
        run.id.push(String(i));
        run.price.push(1);
        run.amount.push(1);
        run.side.push(1);
      }
      return run;
    };
    const cases: [string, (run: Run) => void, RegExp][] = [
      ['NaN price', (run) => (run.price[1] = Number.NaN), /Trade 1: price NaN/],
      ['infinite amount', (run) => (run.amount[2] = Number.POSITIVE_INFINITY), /Trade 2: amount Infinity/],
      ['zero price', (run) => (run.price[0] = 0), /Trade 0: price 0/],
      ['side 0', (run) => (run.side[1] = 0), /Trade 1: side 0/],
      ['fractional ts', (run) => (run.ts[1] = 10.5), /Trade 1: ts 10.5/],
      ['ts going back', (run) => (run.ts[2] = 5), /Trade 2: ts order 5/],
      ['ts past year 142000', (run) => (run.ts[0] = 2 ** 53 - 1), /Trade 0: ts 9007199254740991/],
      ['seq repeated at one ts', (run) => ((run.ts[1] = 10), (run.seq[1] = 0)), /Trade 1: seq order 0/],
    ];
    for (const [, spoil, message] of cases) {
      const run = base();
      spoil(run);
      expect(() => encodeTradeChunk(run, 0, 3)).toThrow(InvalidTradeError);
      expect(() => encodeTradeChunk(run, 0, 3)).toThrow(message);
    }
  });

  it('refuses a truncated or padded chunk instead of inventing trades', () => {
    const run = randomRun(3, 100);
    const blob = encodeTradeChunk(run, 0, 100);
    expect(() => decodeTradeChunk(blob.subarray(0, blob.length - 3))).toThrow(/truncated|after its last/);
    expect(() => decodeTradeChunk(Buffer.concat([blob, Buffer.from([0])]))).toThrow(/after its last column/);
  });
});
