import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workspaceDatabasePath } from '../../main/storage/data-folder.js';
import { startHeadlessHost, type RunningHost } from '../fixtures/headless-host.js';
import { DEMO_START, recordDemo } from '../fixtures/recorded-demo.js';
import { E2E_ARTIFACTS, launchChromium } from '../fixtures/workstation-page.js';

/** Two hours of the demo market: 120 one-minute bars, enough for SMA 3/8 to trade a few times. */
const MINUTES = 120;
const inputTime = (ts: number): string => new Date(ts).toISOString().slice(0, 19);

/** Points of the first trace plotly holds for a chart element (0 before it is drawn). */
function plottedPoints(page: Page, testId: string, trace = 0): Promise<number> {
  return page.getByTestId(testId).evaluate((element, index) => {
    const chart = element as HTMLElement & { data?: { x?: unknown[] }[] };
    return chart.data?.[index]?.x?.length ?? 0;
  }, trace);
}

function tracesDrawn(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((element) => {
    const chart = element as HTMLElement & { data?: unknown[] };
    return element.querySelector('.main-svg') === null ? 0 : (chart.data?.length ?? 0);
  });
}

describe('backtests view on the headless host', () => {
  let dataDir: string;
  let host: RunningHost;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // Recorded history before the host starts: candles the host did not have to record live.
    dataDir = mkdtempSync(path.join(tmpdir(), 'tw-backtests-'));
    recordDemo(workspaceDatabasePath(dataDir), MINUTES);
    host = await startHeadlessHost({ args: ['--data-dir', dataDir] });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1600, height: 960 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(host.url);
  });

  afterAll(async () => {
    await browser.close();
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const job = () => page.getByTestId('bt-job');
  const rows = () => page.getByTestId('bt-run-row');

  /** Starts a job with `button` and waits for it (not the job before it) to finish and be listed. */
  async function runAndWait(
    button: 'bt-run' | 'bt-sweep' | 'bt-walk-forward',
    runsBefore: number,
  ): Promise<void> {
    const previous = (await job().count()) === 0 ? null : await job().getAttribute('data-job-id');
    await page.getByTestId(button).click();
    // The bar appears as soon as the job starts (it may already be full on a fast machine).
    await expect.poll(() => job().getAttribute('data-job-id'), { timeout: 10_000 }).not.toBe(previous);
    expect(await page.getByTestId('bt-progress').isVisible()).toBe(true);
    await expect.poll(() => job().getAttribute('data-state'), { timeout: 30_000 }).toMatch(/done|failed/);
    expect(await page.getByTestId('bt-job-text').innerText()).toBe('done');
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(runsBefore + 1);
  }

  it('runs an SMA crossover over the recorded demo candles and shows its report', async () => {
    await page.getByTestId('view-backtests').click();
    await expect
      .poll(() => page.getByTestId('bt-instrument').locator('option').allInnerTexts(), { timeout: 15_000 })
      .toContain('demo:DEMO/USD');
    await page.getByTestId('bt-instrument').selectOption('demo:DEMO/USD');
    // The range defaults to what is recorded: it starts with the history written above.
    await expect
      .poll(() => page.getByTestId('bt-from').inputValue(), { timeout: 10_000 })
      .toMatch(/^2026-01-05T00:0/);
    await page.getByTestId('bt-to').fill(inputTime(DEMO_START + MINUTES * 60_000));
    await page.getByTestId('bt-timeframe').selectOption('1m');
    await page.getByTestId('bt-strategy').selectOption('sma-crossover');
    await page.getByTestId('bt-param-fast').fill('3');
    await page.getByTestId('bt-param-slow').fill('8');

    await runAndWait('bt-run', 0);
    await expect.poll(() => page.getByTestId('bt-report').count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => tracesDrawn(page, 'bt-equity-plot'), { timeout: 10_000 }).toBe(1);
    expect(await plottedPoints(page, 'bt-equity-plot')).toBeGreaterThan(100);
    expect(await plottedPoints(page, 'bt-drawdown-plot')).toBe(await plottedPoints(page, 'bt-equity-plot'));
    // Candles of the run's range, with the trades on them.
    await expect.poll(() => plottedPoints(page, 'bt-price-plot'), { timeout: 10_000 }).toBeGreaterThan(100);
    const sharpe = await page.getByTestId('bt-metric-sharpe').locator('td').nth(1).innerText();
    expect(sharpe).toMatch(/^(-?[\d,]+(\.\d+)?(e[+-]\d+)?|—)$/);
    expect(await page.getByTestId('bt-trades').locator('tbody tr').count()).toBeGreaterThan(0);
    // Monte Carlo of the trades: both histograms, each with this run's value as a line.
    await expect.poll(() => tracesDrawn(page, 'bt-mc-drawdown'), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => tracesDrawn(page, 'bt-mc-pnl'), { timeout: 10_000 }).toBe(1);
    await expect(page.getByTestId('bt-honesty').innerText()).resolves.toMatch(/Probabilistic Sharpe/);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'backtest-report.png'), fullPage: true });
  });

  it('runs a 2x2 sweep and shows its heatmap', async () => {
    await page.getByTestId('bt-grid-fast').fill('2, 3');
    await page.getByTestId('bt-grid-slow').fill('8, 13');
    await expect(page.getByTestId('bt-grid-size').innerText()).resolves.toBe('4 configurations');
    await runAndWait('bt-sweep', 1);
    await expect.poll(() => page.getByTestId('bt-heatmap-cell').count(), { timeout: 10_000 }).toBe(4);
    await expect(page.getByTestId('bt-heatmap').getAttribute('data-x')).resolves.toBe('fast');
    await expect(page.getByTestId('bt-heatmap').getAttribute('data-y')).resolves.toBe('slow');
    expect(await page.getByTestId('bt-sweep-table').locator('tbody tr').count()).toBe(4);
    // Each cell is its configuration's metric: fast=2, slow=8 is the grid's first configuration.
    const corner = page.getByTestId('bt-heatmap-cell').first();
    await expect(corner.getAttribute('title')).resolves.toMatch(/^fast=2 slow=8: /);
    const firstRowSharpe = page
      .getByTestId('bt-sweep-table')
      .locator('tbody tr')
      .first()
      .locator('td[data-metric="sharpe"]');
    await expect(corner.innerText()).resolves.toBe(await firstRowSharpe.innerText());
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'backtest-sweep.png'), fullPage: true });
  });

  it('runs a walk-forward over rolling windows and shows its folds and out-of-sample curve', async () => {
    await page.getByTestId('bt-train-bars').fill('40');
    await page.getByTestId('bt-test-bars').fill('20');
    await runAndWait('bt-walk-forward', 2);
    await expect
      .poll(() => page.getByTestId('bt-folds').locator('tbody tr').count(), { timeout: 10_000 })
      .toBeGreaterThan(1);
    await expect.poll(() => tracesDrawn(page, 'bt-oos-plot'), { timeout: 10_000 }).toBe(1);
    await expect(page.getByTestId('bt-honesty').innerText()).resolves.toMatch(/Deflated Sharpe/);
  });

  it("shows the App's reason when it refuses the parameters", async () => {
    await page.getByTestId('bt-param-fast').fill('13');
    await page.getByTestId('bt-param-slow').fill('5');
    await page.getByTestId('bt-run').click();
    await expect
      .poll(() => page.getByTestId('bt-problem').innerText(), { timeout: 10_000 })
      .toMatch(/fast must be shorter than slow/);
  });

  it('compares two single runs side by side', async () => {
    await page.getByTestId('bt-param-fast').fill('5');
    await page.getByTestId('bt-param-slow').fill('13');
    await runAndWait('bt-run', 3);
    const singles = page.locator('[data-testid="bt-run-row"][data-kind="single"]');
    await expect(singles.count()).resolves.toBe(2);
    await singles.nth(0).getByTestId('bt-compare-tick').check();
    await singles.nth(1).getByTestId('bt-compare-tick').check();
    await expect.poll(() => tracesDrawn(page, 'bt-compare-plot'), { timeout: 10_000 }).toBe(2);
    // One column of metrics per run beside the names.
    expect(await page.getByTestId('bt-compare-table').locator('thead th').count()).toBe(3);
    const firstValue = await page.getByTestId('bt-compare-plot').evaluate((element) => {
      const chart = element as HTMLElement & { data?: { y?: number[] }[] };
      return chart.data?.map((trace) => trace.y?.[0]);
    });
    // Normalised to initial cash: both curves start at 1.
    expect(firstValue).toEqual([1, 1]);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'backtest-compare.png') });
  });

  it('replays recorded trades and books in event mode with the book-imbalance strategy', async () => {
    const runsBefore = await rows().count();
    await page.getByTestId('bt-mode').selectOption('event');
    await page.getByTestId('bt-strategy').selectOption('book-imbalance');
    // Book strategies need an event-mode run: their parameters come from their own schema.
    await expect(page.getByTestId('bt-param-levels').inputValue()).resolves.toBe('5');
    await page.getByTestId('bt-from').fill(inputTime(DEMO_START));
    await page.getByTestId('bt-to').fill(inputTime(DEMO_START + 30 * 60_000));
    await page.getByTestId('bt-cost-submitMs').fill('50');
    await runAndWait('bt-run', runsBefore);
    await expect
      .poll(() => page.locator('[data-testid="bt-run-row"]').first().innerText(), { timeout: 10_000 })
      .toMatch(/single · event\s+book-imbalance/);
    await expect.poll(() => tracesDrawn(page, 'bt-equity-plot'), { timeout: 10_000 }).toBe(1);
    await expect(page.getByTestId('bt-report').innerText()).resolves.toMatch(/event mode/);
    await page.getByTestId('bt-mode').selectOption('candle');
    await page.getByTestId('bt-strategy').selectOption('sma-crossover');
  });

  it('cancels a long sweep from its progress bar', async () => {
    // 40 x 50 = 2,000 configurations over 7,200 one-second bars: seconds of work, cancelled early.
    await page.getByTestId('bt-timeframe').selectOption('1s');
    await page.getByTestId('bt-grid-fast').fill(Array.from({ length: 40 }, (_, i) => i + 2).join(','));
    await page.getByTestId('bt-grid-slow').fill(Array.from({ length: 50 }, (_, i) => i + 50).join(','));
    await expect(page.getByTestId('bt-grid-size').innerText()).resolves.toBe('2000 configurations');
    const previous = await job().getAttribute('data-job-id');
    const runsBefore = await rows().count();
    await page.getByTestId('bt-sweep').click();
    await expect.poll(() => job().getAttribute('data-job-id'), { timeout: 10_000 }).not.toBe(previous);
    await page.getByTestId('bt-cancel').click();
    await expect.poll(() => job().getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    await expect(page.getByTestId('bt-cancel').count()).resolves.toBe(0);
    // A cancelled sweep stores nothing.
    await page.getByTestId('view-markets').click();
    await page.getByTestId('view-backtests').click();
    await expect.poll(() => rows().count(), { timeout: 10_000 }).toBe(runsBefore);
    await page.getByTestId('bt-timeframe').selectOption('1m');
  });

  it('exports the open run as a self-contained HTML download', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 15_000 }),
      page.getByTestId('bt-export-html').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.html$/);
    const file = await download.path();
    const html = readFileSync(file, 'utf8');
    writeFileSync(path.join(E2E_ARTIFACTS, 'backtest-report.html'), html);
    expect(html).toContain('<svg');
    expect(html.toLowerCase()).not.toContain('<script');
    await expect.poll(() => page.getByTestId('bt-export-path').innerText()).toMatch(/\.html$/);
  });

  it('logs no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
