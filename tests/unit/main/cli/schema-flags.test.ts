import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  describeIssues,
  flagsOf,
  parseFlags,
  withObjectDefaults,
} from '../../../../main/cli/schema-flags.js';
import { backtestCommands } from '../../../../shared/api/domains/backtests.js';
import { modelCommands } from '../../../../shared/api/domains/models.js';

const SWEEP = backtestCommands['backtests.sweep'].request;

describe('CLI flags read off a request schema', () => {
  it('names every field of the backtest sweep, nested ones dotted, with the last part as alias while it is unique', () => {
    const flags = flagsOf(SWEEP);
    const byName = new Map(flags.map((f) => [f.name, f]));
    expect(byName.get('costs.slippage-bps')).toMatchObject({
      type: 'number',
      alias: 'slippage-bps',
      defaultValue: 0,
    });
    expect(byName.get('costs.fees.taker')).toMatchObject({ type: 'number', alias: 'taker' });
    expect(byName.get('timeframe')).toMatchObject({ type: 'string', required: true, alias: null });
    expect(byName.get('mode')?.choices).toEqual(['candle', 'event']);
    expect(byName.get('grid')).toMatchObject({ type: 'record', itemType: 'list' });
    expect(byName.get('workers')).toMatchObject({ type: 'integer', required: false, defaultValue: 2 });
  });

  it('builds the request the schema parses: numbers, ISO dates, lists, record keys as typed', () => {
    const { request } = parseFlags(
      [
        '--strategy',
        'sma-crossover',
        '--from=2022-01-01T00:00:00Z',
        '--to',
        '1641081600000',
        '--grid.fast',
        '5,10',
        '--base.allowShort',
        'true',
        '--taker',
        '0.001',
        '--json',
      ],
      flagsOf(SWEEP),
      { switches: ['json'] },
    );
    expect(request).toEqual({
      strategy: 'sma-crossover',
      from: Date.UTC(2022, 0, 1),
      to: 1_641_081_600_000,
      grid: { fast: [5, 10] },
      base: { allowShort: true },
      costs: { fees: { taker: 0.001 } },
    });
    // The maker fee keeps its default when only the taker fee is given.
    expect(withObjectDefaults(SWEEP, request)).toMatchObject({
      costs: { fees: { taker: 0.001, maker: 0.0002 }, initialCash: 100_000 },
    });
  });

  it('refuses an unknown flag, a flag without its value and a value of the wrong type, by name', () => {
    const flags = flagsOf(SWEEP);
    expect(() => parseFlags(['--fee', '1'], flags)).toThrow('unknown flag --fee');
    expect(() => parseFlags(['--workers'], flags)).toThrow('--workers needs a value');
    expect(() => parseFlags(['--workers', 'two'], flags)).toThrow(
      "--workers must be a number or an ISO date, got 'two'",
    );
    const parsed = z
      .object({ costs: z.object({ slippageBps: z.number().min(0) }) })
      .safeParse({ costs: { slippageBps: -1 } });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(describeIssues(parsed.error)).toMatch(/^--costs\.slippage-bps: Too small/);
  });

  it("lists a union's cases: the model kind, and each case's own fields", () => {
    const flags = flagsOf(modelCommands['models.train'].request);
    const kind = flags.find((f) => f.name === 'params.kind');
    expect(kind?.choices).toContain('lstm');
    expect(flags.find((f) => f.name === 'params.units')?.only).toMatch(/lstm/);
    const { request } = parseFlags(['--params.kind', 'lstm', '--params.units', '16'], flags);
    expect(request).toEqual({ params: { kind: 'lstm', units: 16 } });
  });
});
