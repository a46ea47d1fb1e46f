import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BacktestRunDetail, BacktestRunInfo } from '../../shared/api/domains/backtests.js';
import type { StrategyInfo } from '../../shared/api/domains/strategies.js';

const root = path.resolve(import.meta.dirname, '../..');
const cliFile = path.join(root, 'dist/main/cli.js');
// Real FTX BTC-PERP minutes when the team's sample folder is there; a user's clone has no such
// folder, so the same layout is generated then (a seeded random walk): the assertions hold for both.
const REAL_FILE = path.resolve(root, '../../shared/marketdata/ohlcv_ftx_btcperp_1m.csv');
const MAPPING = {
  kind: 'candles',
  timeframe: '1m',
  ts: 'ts_ms',
  open: 'open',
  high: 'high',
  low: 'low',
  close: 'close',
  volume: 'volume',
};

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function randomWalkCsv(file: string, bars: number): void {
  let state = 7;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const lines = ['ts_ms,open,high,low,close,volume'];
  let price = 46_000;
  for (let i = 0; i < bars; i++) {
    const open = price;
    price = Math.round(price * (1 + (random() - 0.5) * 0.004));
    const high = Math.max(open, price) + 5;
    const low = Math.min(open, price) - 5;
    lines.push(`${1_640_991_660_000 + i * 60_000},${open},${high},${low},${price},${1000 + i}`);
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

describe('the research CLI (built dist/main/cli.js as a child process)', () => {
  let dataDir: string;
  let source: string;
  let rows: string[][];

  const cli = (...args: string[]): Run => {
    const result = spawnSync(process.execPath, [cliFile, ...args, '--data-dir', dataDir], {
      encoding: 'utf8',
      env: { ...process.env, WORKSTATION_DATA_DIR: '' },
      timeout: 60_000,
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const json = (...args: string[]): unknown => {
    const run = cli(...args, '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return JSON.parse(run.stdout);
  };

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'cli-research-'));
    source = REAL_FILE;
    if (!existsSync(source)) {
      // Beside the workspace, not in it (the CLI would tighten a file it finds there, and say so).
      source = path.join(`${dataDir}-source`, 'bars.csv');
      mkdirSync(path.dirname(source));
      // More than the 6000 bars the walk-forward spans, so its end is a bar of the file.
      randomWalkCsv(source, 6500);
    }
    rows = readFileSync(source, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(','));
  });
  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(`${dataDir}-source`, { recursive: true, force: true });
  });

  const GROUPS = {
    workspace: ['import', 'backfill', 'export', 'coverage', 'demo-history', 'candles', 'info'],
    research: ['strategies', 'backtest', 'sweep', 'walk-forward', 'runs'],
    models: ['train', 'models'],
  };

  it('lists every command in --help', () => {
    const help = cli('--help');
    expect(help.code).toBe(0);
    for (const command of Object.values(GROUPS).flat())
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  });

  it.each(Object.entries(GROUPS))('explains each %s command with --help', async (_group, commands) => {
    // In parallel: each is a process of its own, and --help exits 0 with the command's usage.
    const helps = await Promise.all(
      commands.map((command) => promisify(execFile)(process.execPath, [cliFile, command, '--help'])),
    );
    helps.forEach(({ stdout }, k) => {
      expect(stdout).toContain(`usage: npm run cli -- ${commands[k] ?? ''}`);
    });
  });

  it("reads the backtest's and the training's flags off the contract", () => {
    // Nested fields dotted (and by their last name while unambiguous), records open.
    const backtest = cli('backtest', '--help').stdout;
    expect(backtest).toContain('--costs.slippage-bps <number>  (--slippage-bps)');
    expect(backtest).toContain('--params.<name> <value>');
    expect(cli('train', '--help').stdout).toContain('--params.kind <');
  });

  it('imports the file, backtests it and prints the trades and the final value', () => {
    const imported = cli(
      'import',
      source,
      '--instrument',
      'ftx:BTC/USD',
      '--format',
      'csv',
      '--mapping',
      JSON.stringify(MAPPING),
      '--tick',
      '1',
      '--lot',
      '0.0001',
    );
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toContain(`${rows.length} of ${rows.length} candles written`);

    const human = cli('backtest', '--strategy', 'sma-crossover', '--taker', '0.001');
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^trades \(\d+\):$/m);
    expect(human.stdout).toMatch(/^final value [\d,]+\.\d\d \(from 100,000\.00, total return -?[\d.]+%\)$/m);
  });

  it("gives scripts the run as JSON, stored like the window's runs", () => {
    const run = json(
      'backtest',
      '--strategy',
      'sma-crossover',
      '--params.fast',
      '10',
      '--params.slow',
      '40',
      '--taker',
      '0.001',
      '--maker',
      '0.001',
    ) as BacktestRunDetail & { finalValue: number };
    const first = Number(rows[0]?.[0]);
    const last = Number(rows.at(-1)?.[0]);
    expect(run).toMatchObject({
      kind: 'single',
      strategy: 'sma-crossover',
      instrument: 'ftx:BTC/USD',
      timeframe: '1m',
      from: first,
      to: last + 60_000,
      params: { fast: 10, slow: 40 },
    });
    expect(run.costs.fees).toEqual({ maker: 0.001, taker: 0.001 });
    // No --lot/--tick: the instrument's own, as imported, and every size a whole number of lots.
    expect(run.costs).toMatchObject({ lot: 0.0001, tick: 1 });
    for (const trip of run.trades)
      expect(Math.abs(trip.quantity / 0.0001 - Math.round(trip.quantity / 0.0001))).toBeLessThan(1e-6);
    expect(run.trades.length).toBeGreaterThan(10);
    expect(run.metrics.trades).toBe(run.trades.length);
    expect(run.finalValue).toBe(run.curve?.equity.at(-1));
    // Fees are 0.1% of the traded notional on each side of every round trip.
    for (const trip of run.trades.slice(0, 20))
      expect(trip.fees).toBeCloseTo(trip.quantity * (trip.entryPrice + trip.exitPrice) * 0.001, 6);
    // Every entry and exit price is a bar's open (fills at the next bar's open).
    const opens = new Set(rows.map((r) => Number(r[1])));
    for (const trip of run.trades) {
      expect(opens.has(trip.entryPrice)).toBe(true);
      expect(opens.has(trip.exitPrice)).toBe(true);
    }

    // `runs` lists it (the Backtests view reads the same store) and shows it whole.
    const runs = json('runs') as BacktestRunInfo[];
    expect(runs[0]).toMatchObject({ id: run.id, strategy: 'sma-crossover', kind: 'single' });
    const again = json('runs', String(run.id)) as BacktestRunDetail & { finalValue: number };
    expect(again.trades).toEqual(run.trades);
    expect(again.finalValue).toBe(run.finalValue);
  });

  it('sweeps a grid and names the best configuration', () => {
    const sweep = json(
      'sweep',
      '--strategy',
      'sma-crossover',
      '--grid.fast',
      '5,10',
      '--grid.slow',
      '30,60',
      '--workers',
      '2',
    ) as BacktestRunDetail;
    expect(sweep.kind).toBe('sweep');
    expect(sweep.sweep?.trials).toBe(4);
    expect(sweep.sweep?.rows.map((r) => [r.params.fast, r.params.slow])).toEqual([
      [5, 30],
      [5, 60],
      [10, 30],
      [10, 60],
    ]);
    const best = sweep.sweep?.best ?? -1;
    const sharpes = sweep.sweep?.rows.map((r) => r.periodSharpe ?? Number.NEGATIVE_INFINITY) ?? [];
    expect(sharpes[best]).toBe(Math.max(...sharpes));
    expect((json('runs', '--limit', '1') as BacktestRunInfo[])[0]?.id).toBe(sweep.id);
  });

  it('walks forward over the stored bars', () => {
    const wf = json(
      'walk-forward',
      '--strategy',
      'sma-crossover',
      '--grid.fast',
      '5,10',
      '--base.slow',
      '30',
      '--train-bars',
      '2000',
      '--test-bars',
      '1000',
      // The first 6000 bars: four folds.
      '--from',
      rows[0]?.[0] ?? '',
      '--to',
      rows[6000]?.[0] ?? '',
    ) as BacktestRunDetail;
    expect(wf.kind).toBe('walk-forward');
    expect(wf.walkForward?.folds.length).toBe(4);
    expect(wf.walkForward?.trials).toBe(2);
  });

  it("runs the user's own strategy file and lists it with its parameters", () => {
    // Owner-only, as the workspace keeps its files (else the CLI tightens them and says so).
    mkdirSync(path.join(dataDir, 'strategies'), { recursive: true, mode: 0o700 });
    writeFileSync(
      path.join(dataDir, 'strategies', 'up-bars.ts'),
      readFileSync(path.join(root, 'docs/strategies/template.ts'), 'utf8'),
      { mode: 0o600 },
    );
    const listed = json('strategies') as StrategyInfo[];
    expect(listed.find((s) => s.kind === 'user:up-bars')).toMatchObject({
      source: 'user',
      file: 'strategies/up-bars.ts',
      error: null,
      params: { properties: { quantity: { type: 'number', default: 1 } } },
    });
    const run = json(
      'backtest',
      '--strategy',
      'user:up-bars',
      '--params.quantity',
      '0.5',
      '--from',
      new Date(Number(rows[0]?.[0])).toISOString(),
      '--to',
      rows[3000]?.[0] ?? '',
    ) as BacktestRunDetail;
    expect(run.strategy).toBe('user:up-bars');
    expect(run.from).toBe(Number(rows[0]?.[0]));
    expect(run.trades.length).toBeGreaterThan(0);
    expect(new Set(run.trades.map((t) => t.quantity))).toEqual(new Set([0.5]));
  });

  it('stores the honesty reading of a CLI run (computed where the run ran) and deletes a run as the window does', () => {
    const run = json(
      'backtest',
      '--strategy',
      'sma-crossover',
      '--to',
      rows[3000]?.[0] ?? '',
    ) as BacktestRunDetail;
    expect(run.honesty?.monteCarlo?.runs).toBe(1000);
    expect(run.honesty?.sharpeInterval.lower).toEqual(expect.any(Number));
    expect(run.honesty?.probabilisticSharpe).toEqual(expect.any(Number));

    expect(cli('runs', '--help').stdout).toContain('usage: npm run cli -- runs [<id> | delete <id>]');
    expect(json('runs', 'delete', String(run.id))).toEqual({ id: run.id, deleted: true });
    expect((json('runs') as BacktestRunInfo[]).some((r) => r.id === run.id)).toBe(false);
    const shown = cli('runs', String(run.id));
    expect(shown.code).toBe(2);
    expect(shown.stderr).toContain(`no backtest run ${run.id}`);
    const again = cli('runs', 'delete', String(run.id));
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`cli runs: no backtest run ${run.id}`);
    const bare = cli('runs', 'delete');
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('runs delete takes one run id');

    const other = json(
      'backtest',
      '--strategy',
      'sma-crossover',
      '--to',
      rows[3000]?.[0] ?? '',
    ) as BacktestRunDetail;
    const human = cli('runs', 'delete', String(other.id));
    expect(human.code).toBe(0);
    expect(human.stdout).toBe(`deleted run ${other.id}\n`);
  });

  it('refuses a bad flag or value with a clear message and exit code 2', () => {
    const unknown = cli('backtest', '--strategy', 'sma-crossover', '--fee', '1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('cli backtest: unknown flag --fee');
    expect(unknown.stderr).toContain('see: npm run cli -- backtest --help');

    const value = cli('backtest', '--strategy', 'sma-crossover', '--costs.slippage-bps', '-5');
    expect(value.code).toBe(2);
    expect(value.stderr).toMatch(/--costs\.slippage-bps: Too small/);

    const strategy = cli('backtest', '--strategy', 'nope');
    expect(strategy.code).toBe(2);
    expect(strategy.stderr).toContain('--strategy');

    const missing = cli('backtest', '--strategy', 'user:missing');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no strategy file strategies/missing.ts');

    const command = cli('backtests');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain("unknown command 'backtests'");
  });
});
