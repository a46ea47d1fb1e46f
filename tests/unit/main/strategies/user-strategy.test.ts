import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCandleConfiguration, type RunCosts } from '../../../../main/backtests/candle-run.js';
import { sweepConfigurations } from '../../../../main/backtests/param-grid.js';
import { StrategyLibrary } from '../../../../main/strategies/strategy-library.js';
import { backtestCostsSchema } from '../../../../shared/api/domains/backtests.js';
import { ApiError } from '../../../../shared/api/protocol.js';
import type { CandleSeries } from '../../../../shared/backtest/engine.js';

const costs: RunCosts = backtestCostsSchema.parse({ fees: { maker: 0, taker: 0 } });

/** Bars one minute apart; each opens half way between the previous close and its own. */
function bars(closes: readonly number[]): CandleSeries {
  const n = closes.length;
  const close = Float64Array.from(closes);
  const open = Float64Array.from(closes, (c, i) => (i === 0 ? c : ((closes[i - 1] ?? c) + c) / 2));
  return {
    length: n,
    barMs: 60_000,
    openTime: Float64Array.from({ length: n }, (_, i) => i * 60_000),
    open,
    high: Float64Array.from(closes, (c, i) => Math.max(c, open[i] ?? c)),
    low: Float64Array.from(closes, (c, i) => Math.min(c, open[i] ?? c)),
    close,
    volume: new Float64Array(n).fill(1),
  };
}

// Long after a close above the previous one, flat after one below; `SIZE` is edited between runs.
const momentum = (
  size: number,
): string => `import { defineStrategy, moveToTarget, z } from '@workstation/strategy';

export const strategy = defineStrategy({
  title: 'Up bars',
  description: 'long after an up close',
  params: z.strictObject({ size: z.number().positive().default(${size}) }),
  create: (params) => {
    let previous = Number.NaN;
    return {
      onBar(bar, ctx) {
        const up = bar.close > previous;
        previous = bar.close;
        return moveToTarget(ctx, up ? params.size : 0, 'up');
      },
    };
  },
});
`;

describe('user strategies', () => {
  let dir: string;
  let folder: string;
  let library: StrategyLibrary;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'user-strategies-'));
    folder = path.join(dir, 'strategies');
    mkdirSync(folder);
    library = new StrategyLibrary(folder);
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (name: string, source: string): void => {
    writeFileSync(path.join(folder, name), source);
  };
  const failure = async (kind: `user:${string}`): Promise<string> => {
    try {
      const { definition } = await library.load(kind);
      runCandleConfiguration(bars([100, 101, 102, 101, 103]), definition, {}, costs, '1m');
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    throw new Error(`${kind} ran without an error`);
  };

  it('runs a strategy file in a candle backtest exactly as a built-in runs', async () => {
    write('up-bars.ts', momentum(1));
    expect(library.kinds()).toEqual(['user:up-bars']);
    const { definition, compiled } = await library.load('user:up-bars');
    expect(definition.title).toBe('Up bars');
    expect(compiled?.label).toBe('strategies/up-bars.ts');
    const outcome = runCandleConfiguration(bars([100, 101, 102, 101, 103]), definition, {}, costs, '1m');
    // Decided at the close of bar 2 (up), filled at bar 3's open; out at bar 5's open.
    expect(outcome.result.trips).toHaveLength(1);
    expect(outcome.result.trips[0]).toMatchObject({
      direction: 'long',
      quantity: 1,
      entryPrice: 101.5,
      exitPrice: 102,
    });
    // Its parameter schema drives sweeps like a built-in's.
    expect(sweepConfigurations(definition, { size: [1, 2] })).toEqual({
      configurations: [{ size: 1 }, { size: 2 }],
      skipped: [],
    });
  });

  it('picks up an edit of the file on the next run (no stale module)', async () => {
    write('up-bars.ts', momentum(1));
    const first = await library.load('user:up-bars');
    write('up-bars.ts', momentum(3));
    const second = await library.load('user:up-bars');
    const run = (definition: typeof first.definition): number =>
      runCandleConfiguration(bars([100, 101, 102, 101, 103]), definition, {}, costs, '1m').result.trips[0]
        ?.quantity ?? Number.NaN;
    expect(run(first.definition)).toBe(1);
    expect(run(second.definition)).toBe(3);
  });

  it('names the file, line and column of a compile error', async () => {
    write('broken.ts', "import { z } from '@workstation/strategy';\n\nconst x = ;\n");
    const message = await failure('user:broken');
    expect(message).toMatch(/^strategies\/broken\.ts:3:11: /);
    await expect(library.load('user:broken')).rejects.toBeInstanceOf(ApiError);
  });

  it('names the .ts line of an error the strategy throws while running (through the source map)', async () => {
    write(
      'throws.ts',
      [
        "import { defineStrategy, z } from '@workstation/strategy';",
        '',
        'type Level = { readonly price: number };',
        'export const strategy = defineStrategy({',
        "  title: 'Throws',",
        "  description: 'fails on the third bar',",
        '  params: z.strictObject({}),',
        '  create: () => {',
        '    let seen: number = 0;',
        '    const levels: Level[] = [];',
        '    return {',
        '      onBar() {',
        '        seen++;',
        '        if (seen === 3) return [levels[5]!.price] as never;',
        '        return null;',
        '      },',
        '    };',
        '  },',
        '});',
      ].join('\n'),
    );
    const message = await failure('user:throws');
    expect(message).toMatch(/^strategies\/throws\.ts:14:\d+: TypeError: /);
  });

  it('names the line of an error thrown when the file is loaded', async () => {
    write('top.ts', "const limit: number = 3;\n\nthrow new RangeError('limit ' + limit);\n");
    expect(await failure('user:top')).toBe('strategies/top.ts:3:7: RangeError: limit 3');
  });

  it('refuses a file that is not a strategy, saying why', async () => {
    write('nothing.ts', 'export const other = 1;\n');
    write(
      'noschema.ts',
      "export const strategy = { title: 'x', description: '', params: {}, create: () => ({}) };\n",
    );
    write(
      'nodefault.ts',
      "import { z } from '@workstation/strategy';\nexport const strategy = { title: 'x', description: '', params: z.object({ n: z.number() }), create: () => ({}) };\n",
    );
    write(
      'nocallback.ts',
      "import { z } from '@workstation/strategy';\nexport const strategy = { title: 'x', description: '', params: z.object({}), create: () => ({ onTick() {} }) };\n",
    );
    expect(await failure('user:nothing')).toBe(
      "strategies/nothing.ts is not a strategy: it exports no 'strategy' (write: export const strategy = defineStrategy({ ... }))",
    );
    expect(await failure('user:noschema')).toMatch(
      /noschema\.ts is not a strategy: strategy\.params must be a zod schema/,
    );
    expect(await failure('user:nodefault')).toBe(
      'strategies/nodefault.ts is not a strategy: every parameter needs a default (n: Invalid input: expected number, received undefined)',
    );
    expect(await failure('user:nocallback')).toBe(
      'strategies/nocallback.ts is not a strategy: the object strategy.create returns has none of onBar, onEvent, onOrderEvent',
    );
    // The listing shows every file, a broken one with its reason, beside the built-ins.
    const listed = await library.list();
    expect(listed.filter((s) => s.source === 'built-in').map((s) => s.kind)).toContain('sma-crossover');
    const users = listed.filter((s) => s.source === 'user');
    expect(users.map((s) => s.kind)).toEqual([
      'user:nocallback',
      'user:nodefault',
      'user:noschema',
      'user:nothing',
    ]);
    expect(users.find((s) => s.kind === 'user:nodefault')?.error).toMatch(/every parameter needs a default/);
    await expect(library.load('user:missing')).rejects.toThrow(/no strategy file strategies\/missing\.ts/);
  });

  it('ships a template and examples that load and trade', async () => {
    const docs = new StrategyLibrary(path.resolve(import.meta.dirname, '../../../../docs/strategies'));
    expect(docs.kinds()).toEqual(['user:book-pressure', 'user:rsi-reversion', 'user:template']);
    const listed = (await docs.list()).filter((s) => s.source === 'user');
    expect(listed.map((s) => s.error)).toEqual([null, null, null]);
    expect(listed.find((s) => s.kind === 'user:rsi-reversion')?.params).toMatchObject({
      properties: { period: { type: 'integer', default: 14 } },
    });
    // A wave of closes: the RSI swings between oversold and overbought, so it trades.
    const wave = Array.from({ length: 400 }, (_, i) => 100 + 10 * Math.sin(i / 8));
    for (const kind of docs.kinds()) {
      const { definition } = await docs.load(kind);
      const { trips } = runCandleConfiguration(bars(wave), definition, {}, costs, '1m').result;
      expect(trips.length, kind).toBeGreaterThan(2);
    }
  });
});
