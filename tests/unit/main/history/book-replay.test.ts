import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Instrument, Level } from '../../../../shared/domain/market.js';
import { LivePipeline } from '../../../../main/host/live-pipeline.js';
import { importBookFile } from '../../../../main/history/book-import.js';
import { importFile } from '../../../../main/history/import-file.js';
import { BookHistory } from '../../../../main/storage/book-history.js';
import { openDatabase, type SqliteDatabase } from '../../../../main/storage/database.js';
import { GapLedger } from '../../../../main/storage/gap-ledger.js';
import { MarketStore } from '../../../../main/storage/market-store.js';
import { Recorder } from '../../../../main/storage/recorder.js';
import {
  wrongAfterLevelByLevel,
  messageEvents,
  PlainBook,
  readBookCsv,
  sampleBook,
  type PlainMessage,
} from '../../../fixtures/book-files.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'book-replay-'));
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});

const SAMPLES = [
  {
    sample: sampleBook('book_bybit_xrpusdt_ob500.csv', tmp),
    instrument: market('bybit', 'XRP/USDT', 0.0001, 1),
  },
  {
    sample: sampleBook('book_coinbase_sklusd_l2.csv', tmp),
    instrument: market('coinbase', 'SKL/USD', 0.0001, 0.1),
  },
];

function market(exchange: string, symbol: string, tickSize: number, lotSize: number): Instrument {
  const [base = symbol, quote = '?'] = symbol.split('/');
  return { id: `${exchange}:${symbol}`, exchange, symbol, base, quote, tickSize, lotSize };
}

function workspace(instrument: Instrument): { db: SqliteDatabase; store: MarketStore } {
  const db = openDatabase(':memory:');
  const store = new MarketStore(db);
  store.upsertInstrument(instrument);
  return { db, store };
}

/**
 * Both books, level for level. Compared as JSON text: a deep toEqual of two 2,000-level books
 * after each of 2,593 messages costs most of a minute on its own; text says the same thing.
 */
function expectSameLevels(
  actual: { bids: readonly Level[]; asks: readonly Level[] },
  expected: PlainTop,
  what: string,
): void {
  expect(JSON.stringify({ bids: actual.bids, asks: actual.asks }), what).toBe(JSON.stringify(expected));
}

type PlainTop = ReturnType<PlainBook['top']>;

/** bookAt right after `message` equals the plain replay of every message up to it. */
function expectStoredBook(
  history: BookHistory,
  instrument: string,
  message: PlainMessage,
  plain: PlainTop,
): void {
  const stored = history.bookAt(instrument, message.ts, Number.MAX_SAFE_INTEGER, message.seq);
  if (stored === null) throw new Error(`no stored book after message ${message.seq}`);
  expect(stored.seq).toBe(message.seq);
  expectSameLevels(stored, plain, `stored book after message ${message.seq}`);
}

describe.each(SAMPLES)('replaying $sample.label message by message', ({ sample, instrument }) => {
  const messages = readBookCsv(sample.file);

  it('holds updates that a level-by-level check got wrong (a bid listed before the ask it replaces)', () => {
    expect(messages.length).toBeGreaterThan(40);
    if (sample.real && instrument.exchange === 'bybit') {
      // The measurement of issue #12: 7 of Bybit's 50 messages left a wrong book.
      expect(messages).toHaveLength(50);
      expect(wrongAfterLevelByLevel(messages)).toBe(7);
    } else if (instrument.exchange === 'bybit') {
      expect(wrongAfterLevelByLevel(messages)).toBeGreaterThan(0);
    }
  });

  // Each check rebuilds the book from its anchor (about 2,155 levels for Coinbase, 2,593 times):
  // with anchors every second of market time, not the default cadence (made for bytes on disk,
  // not for a rebuild after every message), so each rebuild replays at most a second of deltas.
  it(
    'through the live path: the ladder and bookAt after every message equal a plain replay',
    { timeout: 60_000 },
    () => {
      const { db, store } = workspace(instrument);
      const recorder = new Recorder(store);
      const pipeline = new LivePipeline({
        recorder,
        features: { send: () => undefined },
        clock: () => Date.now(),
        snapshotIntervalMs: 1_000,
        anchorDeltasPerLevel: 0,
      });
      const history = new BookHistory(db);
      const plain = new PlainBook();
      for (const message of messages) {
        const report = pipeline.ingest(messageEvents(instrument.id, message));
        expect(report.refusedBooks.size, `message ${message.seq} refused`).toBe(0);
        plain.apply(message);
        const expected = plain.top();
        const live = pipeline.bookView(instrument.id, 5000, message.ts);
        expectSameLevels(live, expected, `live book after message ${message.seq}`);
        recorder.flush();
        expectStoredBook(history, instrument.id, message, expected);
      }
      expect(pipeline.validator.rejected()).toEqual({});
      expect(pipeline.acceptedTotal).toBe(
        messages.reduce((sum, m) => sum + (m.snapshot ? 1 : m.levels.length), 0),
      );
      db.close();
    },
  );

  it(
    'through a file import: bookAt after every message equals a plain replay, with nothing refused',
    { timeout: 60_000 },
    async () => {
      const { db } = workspace(instrument);
      const result = await importBookFile(
        db,
        { path: sample.file, instrument: instrument.id, layout: 'book-csv' },
        { anchors: { intervalMs: 1_000, deltasPerLevel: 0 } },
      );
      expect(result.book).toMatchObject({
        messages: messages.length,
        acceptedMessages: messages.length,
        refused: {},
        gaps: 0,
      });
      expect(new GapLedger(db, () => 0).list(instrument.id)).toEqual([]);
      const history = new BookHistory(db);
      const plain = new PlainBook();
      for (const message of messages) {
        plain.apply(message);
        expectStoredBook(history, instrument.id, message, plain.top());
      }
      db.close();
    },
  );
});

describe('several messages in one millisecond', () => {
  const coinbase = SAMPLES[1];
  if (coinbase === undefined) throw new Error('the Coinbase sample is missing from SAMPLES');
  const messages = readBookCsv(coinbase.sample.file);

  it('are told apart by seq, and the stored book keeps their receive times', async () => {
    const { db } = workspace(coinbase.instrument);
    await importFile(db, { path: coinbase.sample.file, instrument: coinbase.instrument.id });
    const history = new BookHistory(db);
    // The busiest millisecond of the file.
    const byTs = new Map<number, PlainMessage[]>();
    for (const message of messages) byTs.set(message.ts, [...(byTs.get(message.ts) ?? []), message]);
    const [ts, shared] = [...byTs].sort((a, b) => b[1].length - a[1].length)[0] ?? [0, []];
    expect(shared.length).toBeGreaterThan(2);
    const plain = new PlainBook();
    for (const message of messages) {
      plain.apply(message);
      if (message.ts !== ts) continue;
      const stored = history.bookAt(coinbase.instrument.id, ts, Number.MAX_SAFE_INTEGER, message.seq);
      expect(stored?.messagesAtTs).toEqual(shared.map((m) => m.seq));
      expect(stored?.localTs).toBe(message.localTs);
      expect({ bids: stored?.bids, asks: stored?.asks }).toEqual(plain.top());
    }
    db.close();
  });
});
