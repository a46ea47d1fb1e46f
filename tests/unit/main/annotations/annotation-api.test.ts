import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { annotationHandlers } from '../../../../main/annotations/annotation-api.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { ApiError } from '../../../../shared/api/protocol.js';
import { storeGeneratedTrades } from '../../../fixtures/stored-trades.js';

const BTC = 'binance:BTC/USDT';
const START = Date.UTC(2026, 0, 5, 10);

describe('annotations handlers', () => {
  let db: SqliteDatabase;
  let handlers: ReturnType<typeof annotationHandlers>;

  beforeEach(() => {
    db = openDatabase(':memory:');
    db.prepare(
      `INSERT INTO instruments (id, exchange, symbol, base, quote, tick_size, lot_size)
       VALUES (?, 'binance', 'BTC/USDT', 'BTC', 'USDT', 0.01, 0.00001)`,
    ).run(BTC);
    // Two hours of trades, one a second.
    storeGeneratedTrades(db, BTC, START, 7200, 1000);
    handlers = annotationHandlers({ db, clock: () => START + 10 * 3_600_000 });
  });
  afterEach(() => {
    db.close();
  });

  const breakout = {
    instrument: BTC,
    kind: 'range',
    from: START + 3_600_000,
    to: START + 4_500_000,
    label: 'breakout',
    note: 'high broke',
  } as const;

  it('stores a mark with the market context at its start, and answers it with that context', async () => {
    const mark = await handlers['annotations.create'](breakout);
    expect(mark).toEqual({ id: 1, ...breakout, createdAt: START + 10 * 3_600_000 });
    const stored = await handlers['annotations.get']({ id: mark.id });
    expect(stored.context.at).toBe(breakout.from);
    expect(stored.context.windowMs).toBe(3_600_000);
    // The hour before the start: 200 newest trades, none after it; and 1 m bars.
    expect(stored.context.trades).toHaveLength(200);
    expect(
      stored.context.trades.every((t) => t.ts <= breakout.from && t.ts > breakout.from - 3_600_000),
    ).toBe(true);
    // The bar holding T is rebuilt from the trades up to T (no look-ahead into the rest of it).
    expect(stored.context.candles['1m']?.at(-1)?.openTime).toBe(breakout.from);
  });

  it('lists marks oldest first and finds them by label or note in any case', async () => {
    await handlers['annotations.create'](breakout);
    await handlers['annotations.create']({
      instrument: BTC,
      kind: 'point',
      from: START + 60_000,
      to: START + 60_000,
      label: 'good entry',
      note: '',
    });
    const all = await handlers['annotations.list']({ instrument: BTC });
    expect(all.map((m) => m.label)).toEqual(['good entry', 'breakout']);
    expect((await handlers['annotations.list']({ search: 'BREAK' })).map((m) => m.label)).toEqual([
      'breakout',
    ]);
    expect((await handlers['annotations.list']({ search: 'High' })).map((m) => m.label)).toEqual([
      'breakout',
    ]);
    expect(await handlers['annotations.list']({ search: '%' })).toEqual([]);
  });

  it('takes the context again when an edit moves the start, and deletes by id', async () => {
    const mark = await handlers['annotations.create'](breakout);
    const moved = await handlers['annotations.update']({
      id: mark.id,
      kind: 'point',
      from: START + 1_800_000,
      to: START + 1_800_000,
      label: 'dip',
      note: 'bought',
    });
    expect(moved).toMatchObject({ kind: 'point', from: START + 1_800_000, label: 'dip', note: 'bought' });
    expect((await handlers['annotations.get']({ id: mark.id })).context.at).toBe(START + 1_800_000);
    expect(await handlers['annotations.delete']({ ids: [mark.id, 99] })).toEqual({ deleted: 1 });
    await expect(Promise.resolve().then(() => handlers['annotations.get']({ id: mark.id }))).rejects.toThrow(
      'no annotation 1',
    );
  });

  it('imports an export again, and writes nothing from a file with an unknown instrument', async () => {
    await handlers['annotations.create'](breakout);
    const { csv, count } = await handlers['annotations.export']({ instrument: BTC });
    expect(count).toBe(1);
    expect(await handlers['annotations.import']({ csv })).toEqual({ imported: 1 });
    const twice = await handlers['annotations.list']({});
    expect(twice.map(({ kind, from, to, label, note }) => ({ kind, from, to, label, note }))).toEqual([
      { kind: 'range', from: breakout.from, to: breakout.to, label: 'breakout', note: 'high broke' },
      { kind: 'range', from: breakout.from, to: breakout.to, label: 'breakout', note: 'high broke' },
    ]);

    const bad = `${csv}kraken:XBT/USD,point,2026-01-05T10:00:00Z,2026-01-05T10:00:00Z,dip,\n`;
    let error: unknown = null;
    try {
      await handlers['annotations.import']({ csv: bad });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      kind: 'bad_request',
      message: "line 3: unknown instrument 'kraken:XBT/USD'",
    });
    expect(await handlers['annotations.list']({})).toHaveLength(2);
  });
});
