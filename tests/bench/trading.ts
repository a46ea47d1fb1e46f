import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditLog } from '../../main/trading/audit-log.js';
import { openDatabase } from '../../main/storage/database.js';
import type { LatencyConfig } from '../../shared/backtest/costs.js';
import { EventBacktest } from '../../shared/backtest/engine.js';
import { BookImbalance, bookImbalanceParams } from '../../shared/backtest/strategies/book-imbalance.js';
import { MlSignal, mlSignalParams } from '../../shared/backtest/strategies/ml-signal.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket } from '../../shared/market/demo-market.js';
import { RiskManager, type RiskLimits } from '../../shared/risk/limits.js';
import type { RiskState } from '../../shared/risk/gate.js';
import { PaperBroker } from '../../shared/trading/paper-broker.js';
import { PredictionFeed } from '../../shared/trading/prediction-feed.js';
import { median, type Benchmark, type Figure } from './report.js';

// Trading: the paper broker (the backtest engine driven live, every intent through the risk
// manager) against the bare engine on the same events; the ML-signal strategy reading a
// prediction feed; one risk decision on a full book; one hash-chained audit append to SQLite
// against a plain insert of the same row.

const START = Date.UTC(2026, 0, 5, 0, 0, 0);
const MINUTE = 60_000;
const FEES = { maker: 0.0002, taker: 0.001 };
const LATENCY: LatencyConfig = { kind: 'empirical', samplesMs: [2, 3, 5, 8, 13, 40] };
const CASH = 1_000_000;
const BATCH = 200;
const LIMITS: RiskLimits = {
  maxOrderQuantity: 50,
  maxOrderNotional: 1_000_000,
  maxPosition: 100,
  maxNotional: 5_000_000,
  maxGrossNotional: 10_000_000,
  maxOrdersPerMinute: 100_000,
  maxDailyLoss: 500_000,
  maxDrawdown: 0.9,
  concentration: { maxShare: 1, minGrossNotional: 0 },
};

function seconds(began: bigint): number {
  return Number(process.hrtime.bigint() - began) / 1e9;
}

function demoEvents(minutes: number, seed: number): MarketEvent[] {
  const market = new DemoMarket({ seed, startTs: START });
  const events: MarketEvent[] = [{ kind: 'book_snapshot', ...market.snapshot() }];
  market.advanceTo(START + minutes * MINUTE, events);
  return events;
}

const imbalance = () => new BookImbalance(bookImbalanceParams.parse({ minIntervalMs: 500 }));

function backtestRun(events: readonly MarketEvent[]): { seconds: number; fills: number } {
  const began = process.hrtime.bigint();
  const result = new EventBacktest({
    strategy: imbalance(),
    initialCash: CASH,
    fees: FEES,
    latency: LATENCY,
    seed: 1,
  }).run(events);
  return { seconds: seconds(began), fills: result.fills.length };
}

function paperRun(events: readonly MarketEvent[]): { seconds: number; fills: number } {
  const broker = new PaperBroker({
    workspace: 'bench',
    instrument: events[0]?.instrument ?? '',
    createStrategy: imbalance,
    initialCash: CASH,
    fees: FEES,
    latency: LATENCY,
    seed: 1,
    gate: new RiskManager(LIMITS),
  });
  const began = process.hrtime.bigint();
  for (let i = 0; i < events.length; i += BATCH) broker.onEvents(events.slice(i, i + BATCH));
  return { seconds: seconds(began), fills: broker.fills().length };
}

/** MlSignal on every event, its predictions pushed one a second as the worker would. */
function mlRun(events: readonly MarketEvent[]): { seconds: number; fills: number } {
  const feed = new PredictionFeed({ staleAfterMs: 60_000 });
  const strategy = new MlSignal(mlSignalParams.parse({ on: 'event', quantity: 1 }), feed);
  const engine = new EventBacktest({
    strategy,
    initialCash: CASH,
    fees: FEES,
    latency: LATENCY,
    seed: 1,
    features: feed,
  });
  let nextRow = START;
  let wave = 0;
  const began = process.hrtime.bigint();
  for (const event of events) {
    while (nextRow <= event.ts) {
      feed.push(nextRow, 0.5 + 0.2 * Math.sin(wave++ / 7));
      nextRow += 1_000;
    }
    engine.onEvent(event);
  }
  return { seconds: seconds(began), fills: engine.result().fills.length };
}

/** A book of 12 positions and 40 working orders, as a busy workspace holds. */
function busyBook(ts: number): RiskState {
  const positions = Array.from({ length: 12 }, (_, i) => ({
    instrument: `x:I${i}/USD`,
    quantity: (i % 2 === 0 ? 1 : -1) * (i + 1),
    mark: 100 + i,
  }));
  const openOrders = Array.from({ length: 40 }, (_, i) => ({
    instrument: `x:I${i % 12}/USD`,
    clientId: `o-${i}`,
    side: i % 2 === 0 ? ('buy' as const) : ('sell' as const),
    quantity: 1,
    remaining: 1,
    price: 100 + (i % 12),
  }));
  return { ts, equity: CASH, positions, openOrders };
}

function gateRate(): number {
  const gate = new RiskManager(LIMITS);
  const book = busyBook(START);
  const n = 200_000;
  let passed = 0;
  const began = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const verdict = gate.check(
      {
        instrument: `x:I${i % 12}/USD`,
        intent: {
          kind: 'submit',
          order: {
            clientId: `c-${i}`,
            side: i % 2 === 0 ? 'buy' : 'sell',
            type: 'limit',
            quantity: 1,
            price: 101,
          },
        },
        price: 101,
      },
      { ...book, ts: START + i },
    );
    if (verdict.ok) passed++;
  }
  const s = seconds(began);
  if (passed === 0) throw new Error('the gate refused everything: the benchmark would measure refusals only');
  return n / s;
}

/** Appends per second to the audit chain and to a plain table with the same columns, same file. */
function auditRates(): { audit: number; plain: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'tw-bench-audit-'));
  try {
    const db = openDatabase(path.join(dir, 'workspace.sqlite'));
    const settings = new Map<string, unknown>();
    const log = new AuditLog(db, { get: (k) => settings.get(k), set: (k, v) => settings.set(k, v) });
    db.exec(
      'CREATE TABLE plain_audit (seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL) STRICT',
    );
    const insert = db.prepare(
      'INSERT INTO plain_audit (seq, ts, kind, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)',
    );
    const plainOne = db.transaction((i: number, payload: string) => {
      insert.run(i, START + i, 'signal', payload, '0'.repeat(64), 'f'.repeat(64));
    });
    const payload = (i: number) => ({
      venue: 'paper',
      instrument: 'demo:DEMO/USD',
      ts: START + i,
      rowTs: START + i - 3,
      up: 0.5 + (i % 100) / 1_000,
      meta: { modelId: 1, output: [0.45, 0.55], confidence: 0.55, uncertainty: null, latencyMs: 0.02 },
      superseded: 0,
    });
    const n = 5_000;
    let began = process.hrtime.bigint();
    for (let i = 0; i < n; i++) log.append(START + i, 'signal', payload(i));
    const audit = n / seconds(began);
    began = process.hrtime.bigint();
    for (let i = 0; i < n; i++) plainOne(i, JSON.stringify(payload(i)));
    const plain = n / seconds(began);
    if (!log.verify().ok) throw new Error('the benchmark chain does not verify');
    db.close();
    return { audit, plain };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function tradingBenchmark(): Benchmark {
  return {
    name: 'trading',
    summary: 'paper broker vs backtest engine on the same events, ML signal, risk gate, audit chain',
    async run(): Promise<Figure[]> {
      const events = demoEvents(20, 5);
      paperRun(demoEvents(2, 6)); // warm-up
      backtestRun(demoEvents(2, 6));
      const paper: number[] = [];
      const backtest: number[] = [];
      const ml: number[] = [];
      for (let i = 0; i < 3; i++) {
        const p = paperRun(events);
        const b = backtestRun(events);
        // The same engine, the same fills: the gate passes everything here.
        if (p.fills !== b.fills || p.fills === 0)
          throw new Error(`paper made ${p.fills} fills, the backtest ${b.fills}: not the same run`);
        paper.push(events.length / p.seconds);
        backtest.push(events.length / b.seconds);
        const m = mlRun(events);
        if (m.fills === 0) throw new Error('the ML strategy made no fills');
        ml.push(events.length / m.seconds);
      }
      const gate = median([gateRate(), gateRate(), gateRate()]);
      const audits = [auditRates(), auditRates(), auditRates()];
      const audit = median(audits.map((a) => a.audit));
      const plain = median(audits.map((a) => a.plain));
      await Promise.resolve();
      return [
        { name: 'paper_events_per_s', value: median(paper), unit: '1/s', better: 'higher' },
        {
          name: 'paper_vs_backtest',
          value: median(paper) / median(backtest),
          unit: 'ratio',
          better: 'higher',
        },
        { name: 'ml_signal_events_per_s', value: median(ml), unit: '1/s', better: 'higher' },
        { name: 'gate_checks_per_s', value: gate, unit: '1/s', better: 'higher' },
        { name: 'audit_appends_per_s', value: audit, unit: '1/s', better: 'higher' },
        { name: 'audit_vs_plain_insert', value: audit / plain, unit: 'ratio', better: 'higher' },
      ];
    },
  };
}
