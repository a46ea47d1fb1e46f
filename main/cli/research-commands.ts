// Research from a terminal: backtest, sweep, walk-forward, runs, strategies. Each command is the
// App's own command (shared/api/domains/backtests.ts, strategies.ts) with its request read from
// flags off the contract's schema, run by the App's handlers over the workspace headless.
import { z } from 'zod';
import {
  backtestCommands,
  type BacktestRunDetail,
  type BacktestRunInfo,
} from '../../shared/api/domains/backtests.js';
import type { StrategyInfo } from '../../shared/api/domains/strategies.js';
import { TIMEFRAME_MS, type Timeframe } from '../../shared/domain/timeframes.js';
import { stepDecimals } from '../../shared/domain/precision.js';
import {
  commandHelp,
  fixed,
  isoMinute,
  jobResult,
  percent,
  requestOf,
  table,
  UsageError,
  usageOrError,
  writeJson,
  type CliModule,
} from './cli-command.js';
import { openHeadlessWorkspace, type HeadlessWorkspace } from './headless-workspace.js';

const RUN = backtestCommands['backtests.run'].request;
const SWEEP = backtestCommands['backtests.sweep'].request;
const WALK_FORWARD = backtestCommands['backtests.walkForward'].request;
const LIST = backtestCommands['backtests.list'].request;
// `strategies` takes no request fields: an empty schema still refuses unknown flags.
const NO_FIELDS = z.strictObject({});

const RANGE_NOTE = [
  '  (--instrument defaults to the only instrument with bars, --timeframe to 1m, --lot and --tick',
  "   to the instrument's own steps, --from/--to to every stored bar; times take ISO dates or ms)",
];

const HELP: Record<string, () => string> = {
  backtest: () =>
    commandHelp(
      'backtest --strategy <kind> [--params.<name> <value> ...] [options]',
      'Runs one backtest as the Backtests view does, stores it in the workspace (it opens in the window)\nand prints its trades and final value.',
      RUN,
      RANGE_NOTE,
    ),
  sweep: () =>
    commandHelp(
      'sweep --strategy <kind> --grid.<name> <v1,v2,...> [--base.<name> <value>] [options]',
      'Runs every configuration of a parameter grid in worker threads, stores the sweep and prints each\nconfiguration with the best one and its deflated Sharpe ratio.',
      SWEEP,
      RANGE_NOTE,
    ),
  'walk-forward': () =>
    commandHelp(
      'walk-forward --strategy <kind> --grid.<name> <v1,v2,...> --train-bars <n> --test-bars <n> [options]',
      'Per rolling fold, sweeps the grid on the train window and runs the best configuration on the next\ntest window; stores the evaluation and prints the folds and the out-of-sample metrics.',
      WALK_FORWARD,
      RANGE_NOTE,
    ),
  runs: () =>
    commandHelp(
      'runs [<id> | delete <id>] [--limit <n>] [--json]',
      "Lists the stored backtests, sweeps and walk-forward evaluations (the window's and the CLI's),\n" +
        'shows one run with its trades, or deletes one run (its curve and trades too), as the\n' +
        "Backtests view's Delete does.",
      LIST,
    ),
  strategies: () =>
    commandHelp(
      'strategies [--json]',
      "Lists the built-in strategies and the user's files in <workspace>/strategies with their\nparameters (JSON: each parameter schema as JSON schema). A file that does not compile shows its error.",
      null,
    ),
};

function needCandleRange(ws: HeadlessWorkspace, raw: Record<string, unknown>): void {
  if (raw.instrument === undefined) {
    const ids = ws.db
      // EXISTS seeks one bar per instrument; a join with DISTINCT would read every bar.
      .prepare<[], string>(
        'SELECT i.id FROM instruments i WHERE EXISTS (SELECT 1 FROM candles c WHERE c.instrument = i.key) ORDER BY i.id',
      )
      .pluck()
      .all();
    if (ids.length === 1) raw.instrument = ids[0];
    else if (ids.length > 1)
      throw new UsageError(`--instrument is needed: the workspace has bars of ${ids.join(', ')}`);
  }
  raw.timeframe ??= '1m';
  const { instrument, timeframe } = raw;
  if (typeof instrument !== 'string' || typeof timeframe !== 'string') return;
  instrumentSteps(ws, instrument, raw);
  if (raw.from !== undefined && raw.to !== undefined) return;
  // The first and the last bar each by one index seek: MIN and MAX in one query would scan
  // every bar of the instrument (a tenth of a second for 45k bars).
  const edge = (order: 'ASC' | 'DESC'): number | undefined =>
    ws.db
      .prepare<[string, string], number>(
        `SELECT open_time FROM candles
          WHERE instrument = (SELECT key FROM instruments WHERE id = ?) AND timeframe = ?
          ORDER BY open_time ${order} LIMIT 1`,
      )
      .pluck()
      .get(instrument, timeframe);
  const first = edge('ASC');
  const last = edge('DESC');
  if (first === undefined || last === undefined) return;
  raw.from ??= first;
  raw.to ??= last + TIMEFRAME_MS[timeframe as Timeframe];
}

/**
 * Sizes round down to the instrument's lot and prices to its tick unless --lot / --tick say
 * otherwise: a trader's all-in on BTC buys 0.39647 BTC, not 0.3964702286114338.
 */
function instrumentSteps(ws: HeadlessWorkspace, instrument: string, raw: Record<string, unknown>): void {
  const steps = ws.db
    .prepare<[string], { tick_size: number; lot_size: number }>(
      'SELECT tick_size, lot_size FROM instruments WHERE id = ?',
    )
    .get(instrument);
  if (steps === undefined) return;
  const costs = (raw.costs ??= {}) as Record<string, unknown>;
  costs.lot ??= steps.lot_size;
  costs.tick ??= steps.tick_size;
}

async function startAndWait(ws: HeadlessWorkspace, start: () => Promise<{ jobId: string }>): Promise<number> {
  let jobId: string;
  try {
    ({ jobId } = await start());
  } catch (error) {
    throw usageOrError(error);
  }
  const result = jobResult(await ws.follow.until(jobId)) as { runId?: unknown };
  if (typeof result.runId !== 'number') throw new Error('the job stored no run');
  return result.runId;
}

async function detail(ws: HeadlessWorkspace, id: number, maxPoints = 1000): Promise<BacktestRunDetail> {
  try {
    return await ws.backtests['backtests.get']({ id, maxPoints });
  } catch (error) {
    throw usageOrError(error);
  }
}

function finalValue(run: BacktestRunDetail): number | null {
  return run.curve?.equity.at(-1) ?? null;
}

/** A single run (or a walk-forward's stitched test windows): header, trades, final value, metrics. */
function printRun(run: BacktestRunDetail): void {
  const out: string[] = [];
  out.push(
    `run ${run.id}: ${run.kind} ${run.strategy} on ${run.instrument} ${run.timeframe} (${run.mode}), ` +
      `${isoMinute(run.from)} .. ${isoMinute(run.to)}`,
  );
  if (run.kind === 'single') out.push(`parameters ${JSON.stringify(run.params)}`);
  out.push(
    `costs: fees maker ${percent(run.costs.fees.maker, 3)} taker ${percent(run.costs.fees.taker, 3)}, ` +
      `slippage ${run.costs.slippageBps} bps, fills at the ${run.costs.candleFill === 'open' ? 'next bar open' : 'bar close'}`,
  );
  out.push('', `trades (${run.trades.length}):`);
  out.push(
    table(
      ['#', 'side', 'entry', 'entry price', 'exit', 'exit price', 'quantity', 'fees', 'net pnl'],
      run.trades.map((t, k) => [
        String(k + 1),
        t.direction,
        isoMinute(t.entryTs),
        String(t.entryPrice),
        isoMinute(t.exitTs),
        String(t.exitPrice),
        run.costs.lot > 0 ? fixed(t.quantity, stepDecimals(run.costs.lot)) : String(t.quantity),
        fixed(t.fees),
        fixed(t.netPnl),
      ]),
    ),
  );
  const end = finalValue(run);
  const m = run.metrics;
  out.push(
    '',
    `final value ${fixed(end)} (from ${fixed(run.costs.initialCash)}, total return ${percent(m.totalReturn)})`,
    `sharpe ${fixed(m.sharpe)}  sortino ${fixed(m.sortino)}  max drawdown ${percent(m.maxDrawdown)}  ` +
      `trades ${m.trades ?? 'n/a'}  win rate ${percent(m.winRate, 1)}  fees paid ${fixed(m.feesPaid)}`,
    `stored as run ${run.id}: it is in the Backtests view, or: npm run cli -- runs ${run.id}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
}

function printSweep(run: BacktestRunDetail): void {
  const sweep = run.sweep;
  if (sweep === null) return;
  const names = [...new Set(sweep.rows.flatMap((r) => Object.keys(r.params)))];
  const varied = names.filter((n) => new Set(sweep.rows.map((r) => JSON.stringify(r.params[n]))).size > 1);
  process.stdout.write(
    `sweep ${run.id}: ${sweep.trials} configurations of ${run.strategy} on ${run.instrument} ${run.timeframe}, ` +
      `${isoMinute(run.from)} .. ${isoMinute(run.to)}\n\n` +
      table(
        ['#', ...varied, 'return', 'sharpe', 'max dd', 'trades', ''],
        sweep.rows.map((r) => [
          String(r.index),
          ...varied.map((n) => String(r.params[n])),
          percent(r.metrics.totalReturn),
          fixed(r.metrics.sharpe),
          percent(r.metrics.maxDrawdown),
          String(r.metrics.trades ?? 'n/a'),
          r.index === sweep.best ? 'best' : '',
        ]),
      ) +
      `\n\nbest: ${sweep.best === null ? 'none (no configuration has a Sharpe ratio)' : `#${sweep.best}`}, ` +
      `deflated Sharpe ratio ${fixed(sweep.deflatedSharpe, 3)} (above 0.95: significant at 5% over ${sweep.trials} trials)\n` +
      `stored as run ${run.id}: it is in the Backtests view, or: npm run cli -- runs ${run.id}\n`,
  );
}

function printWalkForward(run: BacktestRunDetail): void {
  const wf = run.walkForward;
  if (wf === null) return;
  process.stdout.write(
    `walk-forward ${run.id}: ${wf.folds.length} folds x ${wf.trials} configurations of ${run.strategy} on ${run.instrument} ${run.timeframe}\n\n` +
      table(
        ['fold', 'test from', 'test to', 'best parameters', 'in-sample sharpe', 'test return', 'test sharpe'],
        wf.folds.map((f, k) => [
          String(k + 1),
          isoMinute(f.testFrom),
          isoMinute(f.testTo),
          JSON.stringify(f.bestParams),
          fixed(f.inSampleSharpe),
          percent(f.outOfSample.totalReturn),
          fixed(f.outOfSample.sharpe),
        ]),
      ) +
      `\n\nout of sample: return ${percent(wf.outOfSample.totalReturn)}, sharpe ${fixed(wf.outOfSample.sharpe)}, ` +
      `sharpe decay ${fixed(wf.sharpeDecay)}, deflated Sharpe ratio ${fixed(wf.deflatedSharpe, 3)}\n` +
      `final value ${fixed(finalValue(run))} (from ${fixed(run.costs.initialCash)})\n` +
      `stored as run ${run.id}: it is in the Backtests view, or: npm run cli -- runs ${run.id}\n`,
  );
}

function printRuns(runs: readonly BacktestRunInfo[]): void {
  if (runs.length === 0) {
    process.stdout.write('no stored runs\n');
    return;
  }
  process.stdout.write(
    `${table(
      ['id', 'created', 'kind', 'strategy', 'instrument', 'tf', 'from', 'to', 'return', 'sharpe'],
      runs.map((r) => [
        String(r.id),
        isoMinute(r.createdAt),
        r.kind,
        r.strategy,
        r.instrument,
        r.timeframe,
        isoMinute(r.from),
        isoMinute(r.to),
        percent(r.metrics.totalReturn),
        fixed(r.metrics.sharpe),
      ]),
    )}\n`,
  );
}

function printStrategies(list: readonly StrategyInfo[]): void {
  const out: string[] = [];
  for (const s of list) {
    out.push(
      `${s.kind}  ${s.title}${s.file === null ? '' : `  (${s.file})`}${s.uses.length > 0 ? `  [${s.uses.join(', ')}]` : ''}`,
    );
    if (s.error !== null) {
      out.push(`  error: ${s.error}`);
      continue;
    }
    if (s.description !== '') out.push(`  ${s.description}`);
    const properties = (s.params.properties ?? {}) as Record<string, { type?: string; default?: unknown }>;
    const params = Object.entries(properties).map(
      ([name, p]) =>
        `${name}: ${p.type ?? 'value'}${p.default === undefined ? '' : ` = ${JSON.stringify(p.default)}`}`,
    );
    if (params.length > 0) out.push(`  parameters: ${params.join(', ')}`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** A whole number naming a stored run. */
function runId(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) throw new UsageError(`a run id is a whole number, got '${text}'`);
  return id;
}

async function deleteRun(ws: HeadlessWorkspace, id: number, json: boolean): Promise<void> {
  let deleted: boolean;
  try {
    ({ deleted } = await ws.backtests['backtests.delete']({ id }));
  } catch (error) {
    throw usageOrError(error);
  }
  if (!deleted) throw new UsageError(`no backtest run ${id}`);
  if (json) writeJson({ id, deleted });
  else process.stdout.write(`deleted run ${id}\n`);
}

/** Commands that only read the workspace: it is opened read-only (headless-workspace.ts). */
function readsOnly(command: string, argv: readonly string[]): boolean {
  return command === 'strategies' || (command === 'runs' && !argv.includes('delete'));
}

async function run(command: string, argv: readonly string[], dataDir: string): Promise<void> {
  const ws = openHeadlessWorkspace(dataDir, { readOnly: readsOnly(command, argv) });
  try {
    switch (command) {
      case 'backtest': {
        const args = requestOf(RUN, argv, {
          prepare: (raw) => {
            needCandleRange(ws, raw);
          },
        });
        const id = await startAndWait(ws, async () => ws.backtests['backtests.run'](args.request));
        const result = await detail(ws, id);
        if (args.json) writeJson({ ...result, finalValue: finalValue(result) });
        else printRun(result);
        return;
      }
      case 'sweep': {
        const args = requestOf(SWEEP, argv, {
          prepare: (raw) => {
            needCandleRange(ws, raw);
          },
        });
        const id = await startAndWait(ws, async () => ws.backtests['backtests.sweep'](args.request));
        const result = await detail(ws, id);
        if (args.json) writeJson(result);
        else printSweep(result);
        return;
      }
      case 'walk-forward': {
        const args = requestOf(WALK_FORWARD, argv, {
          prepare: (raw) => {
            needCandleRange(ws, raw);
          },
        });
        const id = await startAndWait(ws, async () => ws.backtests['backtests.walkForward'](args.request));
        const result = await detail(ws, id);
        if (args.json) writeJson({ ...result, finalValue: finalValue(result) });
        else printWalkForward(result);
        return;
      }
      case 'runs': {
        const args = requestOf(LIST, argv);
        const [first, ...rest] = args.positionals;
        if (first === 'delete') {
          const [idText, ...extra] = rest;
          if (idText === undefined || extra.length > 0)
            throw new UsageError(`runs delete takes one run id, got '${rest.join(' ')}'`);
          await deleteRun(ws, runId(idText), args.json);
          return;
        }
        if (rest.length > 0)
          throw new UsageError(`runs takes at most one run id, got ${args.positionals.join(' ')}`);
        if (first !== undefined) {
          const result = await detail(ws, runId(first));
          if (args.json) writeJson({ ...result, finalValue: finalValue(result) });
          else if (result.kind === 'sweep') printSweep(result);
          else if (result.kind === 'walk-forward') printWalkForward(result);
          else printRun(result);
          return;
        }
        const runs = await ws.backtests['backtests.list'](args.request);
        if (args.json) writeJson(runs);
        else printRuns(runs);
        return;
      }
      case 'strategies': {
        const args = requestOf(NO_FIELDS, argv);
        const list = await ws.strategies.list();
        if (args.json) writeJson(list);
        else printStrategies(list);
        return;
      }
      default:
        throw new UsageError(`unknown research command '${command}'`);
    }
  } finally {
    ws.close();
  }
}

export const cli: CliModule = {
  help: (command) => {
    const help = HELP[command];
    if (help === undefined) throw new UsageError(`unknown research command '${command}'`);
    return help();
  },
  run,
};
