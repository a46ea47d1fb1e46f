import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parquetWriteFile } from 'hyparquet-writer';
import type { Timeframe } from '../../shared/domain/timeframes.js';
import type { SqliteDatabase } from '../storage/database.js';
import { OWNER_FILE_MODE, touchOwnerFile } from '../storage/owner-only.js';
import { TradeStore } from '../storage/trade-store.js';

export interface ExportRequest {
  readonly instrument: string;
  readonly from: number;
  readonly to: number;
  readonly kind: 'trades' | 'candles';
  readonly timeframe: Timeframe;
  readonly format: 'csv' | 'parquet';
  readonly out: string;
}

export interface ExportResult {
  readonly out: string;
  readonly rows: number;
}

interface ExportTradeRow {
  ts: number;
  seq: number;
  trade_id: string | null;
  price: number;
  amount: number;
  side: number;
}

interface ExportCandleRow {
  open_time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  quote_volume: number;
  trades: number;
}

const PAGE = 50_000;

/**
 * Write trades or candles of [from, to] (ms, inclusive) to CSV or Parquet. Read in pages by
 * key (ts, seq), each page a short read, so the live recorder keeps writing in between and the
 * event loop runs. CSV columns match what the generic importer maps back; Parquet uses INT64
 * timestamps (ms) and DOUBLE values, one row group per 100k rows.
 */
export async function exportRange(
  db: SqliteDatabase,
  request: ExportRequest,
  onProgress: (rows: number, total: number) => void = () => undefined,
  signal?: AbortSignal,
): Promise<ExportResult> {
  const key = db
    .prepare<[string], number>('SELECT key FROM instruments WHERE id = ?')
    .pluck()
    .get(request.instrument);
  if (key === undefined) throw new Error(`Unknown instrument '${request.instrument}'`);
  const isTrades = request.kind === 'trades';
  const store = new TradeStore(db);
  const total = isTrades
    ? store.countRange(key, request.from, request.to + 1)
    : (db
        .prepare<[number, string, number, number], number>(
          'SELECT count(*) FROM candles WHERE instrument = ? AND timeframe = ? AND open_time BETWEEN ? AND ?',
        )
        .pluck()
        .get(key, request.timeframe, request.from, request.to) ?? 0);
  // The trades after (afterTs, afterSeq) up to `to`, at most PAGE, from the packed chunks.
  const tradePage = (instrument: number, afterTs: number, afterSeq: number, to: number): ExportTradeRow[] => {
    const rows: ExportTradeRow[] = [];
    store.forEachBlock(instrument, afterTs, to + 1, (block, a, b) => {
      for (let i = a; i < b && rows.length < PAGE; i++) {
        const ts = block.ts[i] ?? 0;
        const seq = block.seq[i] ?? 0;
        if (ts === afterTs && seq <= afterSeq) continue;
        const id = block.idAt(i);
        rows.push({
          ts,
          seq,
          trade_id: id === '' ? null : id,
          price: block.price[i] ?? 0,
          amount: block.amount[i] ?? 0,
          side: block.side[i] ?? 0,
        });
      }
      return rows.length < PAGE;
    });
    return rows;
  };
  const candlePage = db.prepare<[number, string, number, number], ExportCandleRow>(
    `SELECT open_time, open, high, low, close, volume, quote_volume, trades FROM candles
     WHERE instrument = ? AND timeframe = ? AND open_time > ? AND open_time <= ? ORDER BY open_time LIMIT ${PAGE}`,
  );
  async function* pages(): AsyncGenerator<ExportTradeRow[] | ExportCandleRow[]> {
    let lastTs = request.from - 1;
    let lastSeq = Number.MAX_SAFE_INTEGER;
    for (;;) {
      if (signal?.aborted === true) throw new Error('cancelled');
      const rows = isTrades
        ? tradePage(key as number, lastTs, lastSeq, request.to)
        : candlePage.all(key as number, request.timeframe, lastTs, request.to);
      if (rows.length === 0) return;
      yield rows;
      const last = rows[rows.length - 1];
      if (last === undefined) return;
      if ('ts' in last) {
        lastTs = last.ts;
        lastSeq = last.seq;
      } else lastTs = last.open_time;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  let written = 0;
  if (request.format === 'csv') {
    // Exported market data is the trader's own: readable by them only, like the workspace.
    const out = createWriteStream(request.out, { mode: OWNER_FILE_MODE });
    const failed = new Promise<never>((_resolve, reject) => out.once('error', reject));
    out.write(
      isTrades
        ? 'ts,seq,id,price,amount,side\n'
        : 'open_time,open,high,low,close,volume,quote_volume,trades\n',
    );
    for await (const rows of pages()) {
      let text = '';
      for (const row of rows) {
        text +=
          'ts' in row
            ? `${row.ts},${row.seq},${row.trade_id ?? ''},${row.price},${row.amount},${row.side === 1 ? 'buy' : 'sell'}\n`
            : `${row.open_time},${row.open},${row.high},${row.low},${row.close},${row.volume},${row.quote_volume},${row.trades}\n`;
      }
      written += rows.length;
      if (!out.write(text)) await Promise.race([once(out, 'drain'), failed]);
      onProgress(written, total);
    }
    out.end();
    await Promise.race([once(out, 'finish'), failed]);
    return { out: request.out, rows: written };
  }

  // Parquet is written whole from columns: hyparquet-writer takes column arrays.
  const columns: Record<string, (number | string | bigint)[]> = {};
  const names = isTrades
    ? ['ts', 'seq', 'id', 'price', 'amount', 'side']
    : ['open_time', 'open', 'high', 'low', 'close', 'volume', 'quote_volume', 'trades'];
  for (const name of names) columns[name] = [];
  const push = (name: string, value: number | string | bigint): void => {
    columns[name]?.push(value);
  };
  for await (const rows of pages()) {
    for (const row of rows) {
      if ('ts' in row) {
        push('ts', BigInt(row.ts));
        push('seq', BigInt(row.seq));
        push('id', row.trade_id ?? '');
        push('price', row.price);
        push('amount', row.amount);
        push('side', row.side === 1 ? 'buy' : 'sell');
      } else {
        push('open_time', BigInt(row.open_time));
        push('open', row.open);
        push('high', row.high);
        push('low', row.low);
        push('close', row.close);
        push('volume', row.volume);
        push('quote_volume', row.quote_volume);
        push('trades', BigInt(row.trades));
      }
    }
    written += rows.length;
    onProgress(written, total);
  }
  const type = (name: string): 'INT64' | 'STRING' | 'DOUBLE' =>
    ['ts', 'seq', 'open_time', 'trades'].includes(name)
      ? 'INT64'
      : name === 'id' || name === 'side'
        ? 'STRING'
        : 'DOUBLE';
  // Created owner-only first: the writer truncates the file and keeps its mode.
  touchOwnerFile(request.out);
  parquetWriteFile({
    filename: request.out,
    columnData: names.map((name) => ({ name, data: columns[name] ?? [], type: type(name) })),
    rowGroupSize: 100_000,
  });
  return { out: request.out, rows: written };
}
