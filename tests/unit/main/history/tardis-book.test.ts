import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BookFileError } from '../../../../main/history/book-file.js';
import { importFile } from '../../../../main/history/import-file.js';
import { BookHistory } from '../../../../main/storage/book-history.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { GapLedger } from '../../../../main/storage/gap-ledger.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { PlainBook, readBookCsv, sampleBook, tardisCsv } from '../../../fixtures/book-files.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'tardis-book-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const ID = 'x:S/USD';
const HEADER = 'exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount';

function file(name: string, text: string): string {
  const at = path.join(tmp, name);
  writeFileSync(at, /\.gz$/.test(name) ? gzipSync(text) : text);
  return at;
}

describe('importing a Tardis incremental_book_L2 file', () => {
  let db: SqliteDatabase;

  beforeEach(() => {
    db = openDatabase(':memory:');
    new MarketStore(db).upsertInstrument({
      id: ID,
      exchange: 'x',
      symbol: 'S/USD',
      base: 'S',
      quote: 'USD',
      tickSize: 0.0001,
      lotSize: 1,
    });
  });
  afterEach(() => {
    db.close();
  });

  const stored = (at: number, seq: number) => new BookHistory(db).bookAt(ID, at, 10, seq);
  const tables = () => ({
    snapshots: db.prepare('SELECT count(*) FROM book_snapshots').pluck().get(),
    chunks: db.prepare('SELECT count(*) FROM book_deltas').pluck().get(),
  });

  it('made from the Bybit sample (gzipped, µs times) rebuilds the book and receive time after every message', async () => {
    const messages = readBookCsv(sampleBook('book_bybit_xrpusdt_ob500.csv', tmp).file);
    const gz = file('bybit-XRPUSDT-incremental_book_L2.csv.gz', tardisCsv(messages, 'XRPUSDT'));
    const result = await importFile(db, { path: gz, instrument: ID });
    expect(result.kind).toBe('book');
    if (result.kind !== 'book') return;
    expect(result.format).toBe('tardis-book');
    expect(result.book).toMatchObject({
      messages: messages.length,
      acceptedMessages: messages.length,
      refused: {},
    });
    const history = new BookHistory(db);
    const plain = new PlainBook();
    for (const message of messages) {
      plain.apply(message);
      const book = history.bookAt(ID, message.ts, Number.MAX_SAFE_INTEGER, message.seq);
      expect({ bids: book?.bids, asks: book?.asks }, `after message ${message.seq}`).toEqual(plain.top());
      // tardisCsv writes local_timestamp = (local ms, or ts + 3) * 1000 + 250 µs.
      expect(book?.localTs).toBe(message.localTs ?? message.ts + 3);
    }
  });

  it('resets the book on a snapshot mid-file, ignores a delete of a missing level, refuses a message crossed as a whole and counts it', async () => {
    const csv = file(
      'edge-cases.csv',
      [
        HEADER,
        // 1: the snapshot
        'x,S,1000000,1000500,true,bid,99.5,2',
        'x,S,1000000,1000500,true,ask,100.5,1',
        'x,S,1000000,1000500,true,ask,101,3',
        // 2: a bid at 100.5 while 100.5 is still an ask, vacated by the next level: accepted
        'x,S,2000000,2000400,false,bid,100.5,4',
        'x,S,2000000,2000400,false,ask,100.5,0',
        // 3: the same millisecond; a delete of a level that is not there, and a change
        'x,S,2000700,2001000,false,bid,90,0',
        'x,S,2000700,2001000,false,ask,101,5',
        // 4: crossed once all levels are in (an ask under the best bid): refused whole
        'x,S,3000000,3000100,false,bid,99.5,7',
        'x,S,3000000,3000100,false,ask,100,1',
        // 5: a new snapshot: the book is reset to it
        'x,S,4000000,4000100,true,bid,50,1',
        'x,S,4000000,4000100,true,ask,51,1',
        // 6: an update on the new book
        'x,S,5000000,5000100,false,bid,50.5,2',
        '',
      ].join('\n'),
    );
    const result = await importFile(db, { path: csv, instrument: ID });
    if (result.kind !== 'book') throw new Error(`imported as ${result.kind}`);
    expect(result.book).toEqual({
      messages: 6,
      snapshots: 2,
      acceptedMessages: 5,
      refused: { crossed_book: 1 },
      deltasWritten: 5,
      snapshotsWritten: 2,
      gaps: 1,
      restamped: 0,
    });
    expect(stored(2000, 2)).toMatchObject({
      bids: [
        [100.5, 4],
        [99.5, 2],
      ],
      asks: [[101, 3]],
      localTs: 2000,
      messagesAtTs: [2, 3],
    });
    expect(stored(2000, 3)).toMatchObject({ asks: [[101, 5]], localTs: 2001 });
    // The refused message changed nothing, not even its sound bid level.
    expect(stored(3000, 4)).toMatchObject({
      bids: [
        [100.5, 4],
        [99.5, 2],
      ],
      asks: [[101, 5]],
    });
    expect(stored(4000, 5)).toMatchObject({ bids: [[50, 1]], asks: [[51, 1]], anchorTs: 4000 });
    expect(stored(5000, 6)).toMatchObject({
      bids: [
        [50.5, 2],
        [50, 1],
      ],
      asks: [[51, 1]],
    });
    const gaps = new GapLedger(db, () => 0).list(ID);
    expect(gaps).toHaveLength(1);
    expect(gaps[0]).toMatchObject({ kind: 'book', fromTs: 3000, toTs: 4000 });
    expect(gaps[0]?.reason).toContain('crossed_book');
  });

  it('refuses a file with a bad row, naming the line, and writes nothing', async () => {
    const csv = file(
      'bad.csv',
      [HEADER, 'x,S,1000000,1000500,true,bid,99.5,2', 'x,S,1000000,1000500,true,ask,0x10,1', ''].join('\n'),
    );
    const error = await importFile(db, { path: csv, instrument: ID }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(BookFileError);
    expect(String(error)).toContain("bad.csv, line 3: price '0x10' is not a number; nothing was imported");
    expect(tables()).toEqual({ snapshots: 0, chunks: 0 });
  });

  it('refuses a file that mixes two markets', async () => {
    const csv = file(
      'two.csv',
      [HEADER, 'x,S,1000000,1000500,true,bid,99.5,2', 'x,T,2000000,2000500,false,bid,99.5,3', ''].join('\n'),
    );
    await expect(importFile(db, { path: csv, instrument: ID })).rejects.toThrow(
      /two\.csv, line 3: a second market x:T after x:S/,
    );
    expect(tables()).toEqual({ snapshots: 0, chunks: 0 });
  });

  it('writes nothing twice when the same file is imported again', async () => {
    const messages = readBookCsv(sampleBook('book_bybit_xrpusdt_ob500.csv', tmp).file);
    const csv = file('again.csv', tardisCsv(messages, 'XRPUSDT'));
    const first = await importFile(db, { path: csv, instrument: ID });
    const before = tables();
    const second = await importFile(db, { path: csv, instrument: ID });
    expect(first.inserted).toBeGreaterThan(0);
    expect(second.inserted).toBe(0);
    expect(tables()).toEqual(before);
  });
});
