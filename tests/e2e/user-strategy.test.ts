import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDatabasePath } from '../../main/storage/data-folder.js';
import { startHeadlessHost, type RunningHost } from '../fixtures/headless-host.js';
import { DEMO_START, recordDemo } from '../fixtures/recorded-demo.js';
import { E2E_ARTIFACTS, launchChromium } from '../fixtures/workstation-page.js';

const MINUTES = 90;
const inputTime = (ts: number): string => new Date(ts).toISOString().slice(0, 19);

/** Long after an up close, flat after a down one, `size` units: the edit changes the size. */
const upBars = (
  size: number,
): string => `import { defineStrategy, moveToTarget, z } from '@workstation/strategy';

export const strategy = defineStrategy({
  title: 'Up bars',
  description: 'Long after an up close.',
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

// Fails on the fifth bar, at line 9 of the file.
const FAILING = `import { defineStrategy, z } from '@workstation/strategy';

export const strategy = defineStrategy({
  title: 'Fails',
  description: 'Throws on its fifth bar.',
  params: z.strictObject({}),
  create: () => {
    let bars = 0;
    const fail = (): never => { throw new Error('fifth bar: ' + bars); };
    return {
      onBar() {
        bars++;
        return bars === 5 ? fail() : null;
      },
    };
  },
});
`;

describe("the user's own strategy in the Backtests view", () => {
  let dataDir: string;
  let host: RunningHost;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tw-user-strategy-'));
    recordDemo(workspaceDatabasePath(dataDir), MINUTES);
    host = await startHeadlessHost({ args: ['--data-dir', dataDir] });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1600, height: 960 } })).newPage();
    await page.goto(host.url);
  });

  afterAll(async () => {
    await browser.close();
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const write = (name: string, source: string): void => {
    mkdirSync(path.join(dataDir, 'strategies'), { recursive: true });
    writeFileSync(path.join(dataDir, 'strategies', name), source);
  };
  const job = () => page.getByTestId('bt-job');

  async function run(): Promise<string> {
    const previous = (await job().count()) === 0 ? null : await job().getAttribute('data-job-id');
    await page.getByTestId('bt-run').click();
    await expect.poll(() => job().getAttribute('data-job-id'), { timeout: 10_000 }).not.toBe(previous);
    await expect.poll(() => job().getAttribute('data-state'), { timeout: 30_000 }).toMatch(/done|failed/);
    return page.getByTestId('bt-job-text').innerText();
  }

  /** The open report's trade quantities. */
  async function quantities(): Promise<string[]> {
    await expect
      .poll(() => page.getByTestId('bt-trades').locator('tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
    // Qty is the fifth column (TradesTable.tsx).
    return page.getByTestId('bt-trades').locator('tbody tr td:nth-child(5)').allInnerTexts();
  }

  it('lists a strategy file dropped into the workspace, runs it, and runs the edited file', async () => {
    await page.getByTestId('view-backtests').click();
    await expect
      .poll(() => page.getByTestId('bt-instrument').locator('option').allInnerTexts(), { timeout: 15_000 })
      .toContain('demo:DEMO/USD');
    await page.getByTestId('bt-instrument').selectOption('demo:DEMO/USD');
    await expect
      .poll(() => page.getByTestId('bt-from').inputValue(), { timeout: 10_000 })
      .toMatch(/^2026-01-05T00:0/);
    await page.getByTestId('bt-to').fill(inputTime(DEMO_START + MINUTES * 60_000));
    await page.getByTestId('bt-timeframe').selectOption('1m');

    // Written while the window is open: the picker reads the folder again.
    write('up-bars.ts', upBars(1));
    await page.getByTestId('bt-strategies-reload').click();
    await expect
      .poll(() => page.getByTestId('bt-strategy').locator('option').allInnerTexts(), { timeout: 10_000 })
      .toContain('Up bars (strategies/up-bars.ts)');
    await page.getByTestId('bt-strategy').selectOption('user:up-bars');
    await expect(page.getByTestId('bt-param-size').inputValue()).resolves.toBe('1');

    expect(await run()).toBe('done');
    expect(new Set(await quantities())).toEqual(new Set(['1']));

    // The edit is in the next run: no restart, no stale module.
    write('up-bars.ts', upBars(3));
    await page.getByTestId('bt-param-size').fill('3');
    expect(await run()).toBe('done');
    await expect.poll(async () => [...new Set(await quantities())], { timeout: 10_000 }).toEqual(['3']);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'user-strategy.png'), fullPage: true });
  });

  it('names the file and line of an error the strategy throws, and stops that run only', async () => {
    write('fails.ts', FAILING);
    await page.getByTestId('bt-strategies-reload').click();
    await expect
      .poll(() => page.getByTestId('bt-strategy').locator('option').allInnerTexts(), { timeout: 10_000 })
      .toContain('Fails (strategies/fails.ts)');
    await page.getByTestId('bt-strategy').selectOption('user:fails');
    const text = await run();
    expect(text).toMatch(/^failed: strategies\/fails\.ts:9:\d+: Error: fifth bar: 5$/);

    // A file that does not compile shows beside the picker with its line.
    write('broken.ts', "import { z } from '@workstation/strategy';\nconst x = ;\n");
    await page.getByTestId('bt-strategies-reload').click();
    await expect
      .poll(() => page.getByTestId('bt-strategy-error').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/^strategies\/broken\.ts:2:11: /) as unknown as string]);

    // The App goes on: the good strategy still runs.
    await page.getByTestId('bt-strategy').selectOption('user:up-bars');
    expect(await run()).toBe('done');
  });
});
