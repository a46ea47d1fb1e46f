import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type RunningHost } from '../fixtures/headless-host.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { E2E_ARTIFACTS, hostClient, launchChromium } from '../fixtures/workstation-page.js';

/** Minutes of demo market recorded before the host starts: 1 s rows, enough for three folds. */
const MINUTES = 20;

/** Traces plotly holds for a chart element, and the points of each. */
function plotted(page: Page, testId: string): Promise<number[]> {
  return page.getByTestId(testId).evaluate((element) => {
    const chart = element as HTMLElement & { data?: { x?: unknown[] }[] };
    return (chart.data ?? []).map((trace) => trace.x?.length ?? 0);
  });
}

/** Names of the traces of a chart, as its legend shows them. */
function traceNames(page: Page, testId: string): Promise<string[]> {
  return page.getByTestId(testId).evaluate((element) => {
    const chart = element as HTMLElement & { data?: { name?: string }[] };
    return (chart.data ?? []).map((trace) => trace.name ?? '');
  });
}

/** `2026-01-05T10:00:00` for a datetime-local input that the view reads as UTC. */
const inputTime = (ts: number): string => new Date(ts).toISOString().slice(0, 19);

const scoreText = (page: Page, row: string, key: string): Promise<string> =>
  page.locator(`[data-testid="${row}"] [data-score="${key}"]`).first().innerText();

describe('training view on the headless host', () => {
  let dataDir: string;
  let host: RunningHost | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let recorded: { from: number; to: number };
  const pageErrors: string[] = [];

  beforeAll(async () => {
    // A workspace with recorded history before the host opens it: the live demo market only
    // records from now on, too little to train on. Whole minutes, so the range inputs show it exactly.
    dataDir = mkdtempSync(path.join(tmpdir(), 'tw-training-'));
    const start = Math.floor((Date.now() - (MINUTES + 30) * 60_000) / 60_000) * 60_000;
    recorded = recordDemo(path.join(dataDir, 'workspace.sqlite'), MINUTES, { seed: 7, start });
    // The fixture's own fresh folder is given first; the last --data-dir wins (resolveDataDir).
    host = await startHeadlessHost({ args: ['--data-dir', dataDir] });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1600, height: 960 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(host.url);
  }, 120_000);

  afterAll(async () => {
    // A failed start leaves nothing to close but the folder.
    await browser?.close();
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('saves a feature set in the Features view', async () => {
    await page.getByTestId('view-features').click();
    await expect
      .poll(() => page.getByTestId('add-feature-book_imbalance').count(), { timeout: 15_000 })
      .toBe(1);
    await page.getByTestId('add-feature-book_imbalance').click();
    await page.getByTestId('add-feature-spread').click();
    await page.getByTestId('set-name').fill('Training inputs');
    await page.getByTestId('save-set').click();
    await expect
      .poll(() => page.getByTestId('set-select').locator('option').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/Training inputs · 1s/)]);
  });

  it('shows the wasm backend and fills the form from the set and the schema defaults', async () => {
    await page.getByTestId('view-training').click();
    await expect.poll(() => page.getByTestId('backend-name').innerText(), { timeout: 30_000 }).toBe('wasm');
    const cores = availableParallelism();
    // Trees build histograms on every core: the training worker and its helper threads.
    expect(await page.getByTestId('tree-threads').innerText()).toContain(
      `trees on ${cores} ${cores === 1 ? 'core' : 'cores'}`,
    );
    await expect
      .poll(() => page.getByTestId('train-set').locator('option:checked').innerText())
      .toMatch(/Training inputs/);
    // The recorded range of the instrument: from the seeded history (its first book) on.
    await expect.poll(() => page.getByTestId('train-from').inputValue(), { timeout: 10_000 }).not.toBe('');
    const shownFrom = Date.parse(`${await page.getByTestId('train-from').inputValue()}Z`);
    expect(Math.abs(shownFrom - recorded.from)).toBeLessThan(60_000);
    await page.getByTestId('model-kind').selectOption('gbdt');
    // modelParamsSchema's GBDT defaults.
    await expect(page.getByTestId('param-trees').inputValue()).resolves.toBe('100');
    await expect(page.getByTestId('param-growth').inputValue()).resolves.toBe('depth-wise');
    await expect(page.getByTestId('param-learningRate').inputValue()).resolves.toBe('0.1');
  });

  it('trains a small GBDT with 3 walk-forward folds, with a progress bar, into the registry', async () => {
    await page.getByTestId('train-from').fill(inputTime(recorded.from));
    await page.getByTestId('train-to').fill(inputTime(recorded.to));
    await page.getByTestId('label-kind').selectOption('fixed-horizon');
    await page.getByTestId('label-horizon').fill('10');
    await page.getByTestId('label-threshold').fill('0');
    await page.getByTestId('param-trees').fill('5');
    await page.getByTestId('param-depth').fill('3');
    await page.getByTestId('param-minLeaf').fill('10');
    await page.getByTestId('val-scheme').selectOption('walk-forward');
    await page.getByTestId('val-folds').fill('3');
    await page.getByTestId('train-name').fill('gbdt e2e');
    await page.getByTestId('train-start').click();

    const job = page.locator('[data-testid="training-job"][data-mode="train"]').first();
    await expect.poll(() => job.count(), { timeout: 10_000 }).toBe(1);
    await expect(job.getByRole('progressbar').count()).resolves.toBe(1);
    await expect
      .poll(() => job.getAttribute('data-state'), { timeout: 180_000, interval: 250 })
      .toMatch(/done|failed/);
    expect(await job.getByTestId('job-detail').innerText()).toBe('done');
    await expect(job.getByRole('progressbar').getAttribute('aria-valuenow')).resolves.toBe('100');
    await expect(page.getByTestId('training-problem').count()).resolves.toBe(0);

    const row = page.locator('[data-testid="registry-row"][data-kind="gbdt"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect(row.innerText()).resolves.toMatch(/gbdt e2e[\s\S]*walk-forward ×3/);
  });

  it('opens the GBDT: lineage, loss per fold, confusion matrix, ROC with the diagonal, numeric scores', async () => {
    await page.locator('[data-testid="registry-row"][data-kind="gbdt"]').click();
    await expect.poll(() => page.getByTestId('model-report').count(), { timeout: 10_000 }).toBe(1);
    await expect(page.getByTestId('lineage').innerText()).resolves.toMatch(
      /fixed-horizon 10[\s\S]*walk-forward · 3 folds/,
    );
    await expect(page.getByTestId('fold-row').count()).resolves.toBe(3);

    // Two classes (threshold 0): a 2x2 matrix whose counts add up to the test rows of the folds.
    const cells = (await page.getByTestId('confusion-cell').allInnerTexts()).map((t) =>
      Number(t.replaceAll(',', '')),
    );
    expect(cells).toHaveLength(4);
    const testRows = (await page.locator('[data-testid="fold-row"] td:nth-child(4)').allInnerTexts()).map(
      (t) => Number(t.replaceAll(',', '')),
    );
    expect(cells.reduce((a, b) => a + b, 0)).toBe(testRows.reduce((a, b) => a + b, 0));
    expect(cells.every((n) => Number.isInteger(n) && n >= 0)).toBe(true);

    // The chance diagonal first, then one ROC curve per fold.
    const roc = await plotted(page, 'roc-plot');
    expect(roc[0]).toBe(2);
    expect(roc.length).toBe(4);
    expect(roc.slice(1).every((points) => points >= 2)).toBe(true);
    // Trees report their loss per tree: one train curve and one validation curve per fold.
    await expect.poll(async () => (await plotted(page, 'fold-loss-plot')).length).toBe(6);

    const auc = Number(await scoreText(page, 'mean-row', 'rocAuc'));
    const accuracy = Number(await scoreText(page, 'mean-row', 'accuracy'));
    const logLoss = Number(await scoreText(page, 'mean-row', 'logLoss'));
    expect(auc).toBeGreaterThanOrEqual(0);
    expect(auc).toBeLessThanOrEqual(1);
    expect(accuracy).toBeGreaterThan(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    expect(logLoss).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'training-gbdt.png') });
  });

  it('trains a tiny LSTM and draws its loss curve as the epochs come in', async () => {
    await page.getByTestId('model-kind').selectOption('lstm');
    await page.getByTestId('param-units').fill('4');
    await page.getByTestId('param-epochs').fill('1');
    await page.getByTestId('param-window').fill('8');
    await page.getByTestId('param-batchSize').fill('64');
    await page.getByTestId('train-name').fill('lstm e2e');
    await page.getByTestId('train-start').click();

    const job = page.locator('[data-testid="training-job"][data-mode="train"]').first();
    await expect.poll(() => job.innerText(), { timeout: 10_000 }).toMatch(/lstm e2e/i);
    // The live chart follows the running job: a train and a validation loss per fold.
    await expect
      .poll(async () => Number(await page.getByTestId('live-loss-plot').getAttribute('data-points')), {
        timeout: 180_000,
        interval: 250,
      })
      .toBeGreaterThan(0);
    const live = await plotted(page, 'live-loss-plot');
    expect(live.length % 2).toBe(0);
    expect(Math.max(...live)).toBeGreaterThanOrEqual(1);
    // The trainer's metrics beside the loss: validation accuracy per fold by default.
    await expect.poll(() => page.getByTestId('live-metric').inputValue()).toBe('validAccuracy');
    await expect.poll(async () => (await plotted(page, 'live-metric-plot')).length).toBeGreaterThan(0);
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 180_000 }).toMatch(/done|failed/);
    expect(await job.getByTestId('job-detail').innerText()).toBe('done');
    // Three validation folds, then the fit on all rows that becomes the registered model.
    await expect
      .poll(() => traceNames(page, 'live-loss-plot'))
      .toEqual([
        'fold 1 train',
        'fold 1 valid',
        'fold 2 train',
        'fold 2 valid',
        'fold 3 train',
        'fold 3 valid',
        'all rows train',
        'all rows valid',
      ]);

    const row = page.locator('[data-testid="registry-row"][data-kind="lstm"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect(row.getByTestId('model-backend').innerText()).resolves.toBe('wasm');
    await row.click();
    await expect
      .poll(() => page.getByTestId('model-report').innerText(), { timeout: 10_000 })
      .toMatch(/lstm e2e/i);
    await expect.poll(async () => (await plotted(page, 'fold-loss-plot')).length).toBe(6);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'training-lstm.png') });
  });

  it('compares the two models, exports one and imports it back, then deletes the copy', async () => {
    const ticks = page.getByTestId('compare-tick');
    await ticks.nth(0).check();
    await ticks.nth(1).check();
    await expect.poll(() => page.getByTestId('compare-row').count(), { timeout: 5_000 }).toBeGreaterThan(2);
    const accuracies = (
      await page.locator('[data-testid="compare-row"][data-score="accuracy"] td').allInnerTexts()
    ).map(Number);
    expect(accuracies).toHaveLength(2);
    expect(accuracies.every((a) => a > 0 && a <= 1)).toBe(true);

    await page.getByTestId('export-model').click();
    await expect
      .poll(() => page.getByTestId('export-path').innerText(), { timeout: 10_000 })
      .toMatch(/exports[/\\]model-\d+/);
    const folder = (await page.getByTestId('export-path').locator('.mono').innerText()).trim();
    expect(folder.startsWith(dataDir)).toBe(true);

    const rows = page.getByTestId('registry-row');
    await page.getByTestId('import-path').fill(folder);
    await page.getByTestId('import-model').click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    await expect.poll(() => page.getByTestId('model-report').innerText()).toMatch(/lstm e2e/i);

    await page.getByTestId('delete-model').click();
    await page.getByTestId('delete-model').click();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);

    await page.getByTestId('registry-search').fill('gbdt');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(1);
    await page.getByTestId('registry-search').fill('');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
  });

  it('searches the GBDT trees over three random trials, with a trials table and the objective per trial', async () => {
    const rowsBefore = await page.getByTestId('registry-row').count();
    await page.getByTestId('model-kind').selectOption('gbdt');
    // The GBDT's own edits survived the LSTM in between.
    await expect(page.getByTestId('param-trees').inputValue()).resolves.toBe('5');
    await page.getByTestId('dim-trees').check();
    await expect(page.getByTestId('dim-type-trees').inputValue()).resolves.toBe('int');
    await page.getByTestId('dim-min-trees').fill('2');
    await page.getByTestId('dim-max-trees').fill('4');
    await page.getByTestId('search-method').selectOption('random');
    await page.getByTestId('search-trials').fill('3');
    await page.getByTestId('search-workers').fill('1');
    await page.getByTestId('search-prune').uncheck();
    await page.getByTestId('train-name').fill('gbdt search');
    await page.getByTestId('search-start').click();

    const job = page.locator('[data-testid="training-job"][data-mode="search"]').first();
    await expect.poll(() => job.count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 240_000 }).toMatch(/done|failed/);
    expect(await job.getByTestId('job-detail').innerText()).toBe('done');

    const trials = page.locator('[data-testid="trials-table"] tbody tr');
    await expect.poll(() => trials.count(), { timeout: 10_000 }).toBe(3);
    // A failed trial's row carries its error as a tooltip: the comparison shows it.
    const states = await trials.evaluateAll((rows) =>
      rows.map((row) => `${row.getAttribute('data-state') ?? ''} ${row.getAttribute('title') ?? ''}`.trim()),
    );
    expect(states).toEqual(['complete', 'complete', 'complete']);
    const cells = await trials.evaluateAll((rows) =>
      rows.map((row) => Array.from(row.querySelectorAll('td')).map((cell) => cell.textContent)),
    );
    for (const [, , objective, trees] of cells) {
      expect(Number(objective)).toBeGreaterThan(0);
      expect([2, 3, 4]).toContain(Number(trees));
    }
    const objective = await plotted(page, 'objective-plot');
    expect(objective).toEqual([3, 3]);
    // Every trial is a registered model.
    await expect
      .poll(() => page.getByTestId('registry-row').count(), { timeout: 10_000 })
      .toBe(rowsBefore + 3);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'training-search.png') });
  });

  it('cancels a long LSTM training from its job row, and registers nothing', async () => {
    const rowsBefore = await page.getByTestId('registry-row').count();
    await page.getByTestId('model-kind').selectOption('lstm');
    await page.getByTestId('param-epochs').fill('500');
    await page.getByTestId('param-patience').fill('0');
    await page.getByTestId('train-name').fill('lstm to cancel');
    await page.getByTestId('train-start').click();

    const job = page.locator('[data-testid="training-job"][data-mode="train"]').first();
    await expect.poll(() => job.innerText(), { timeout: 10_000 }).toMatch(/lstm to cancel/i);
    expect(
      `${await job.getAttribute('data-state')}: ${await job.getByTestId('job-detail').innerText()}`,
    ).toMatch(/^running/);
    // Running, with epochs already on the live chart.
    await expect
      .poll(async () => Number(await page.getByTestId('live-loss-plot').getAttribute('data-points')), {
        timeout: 60_000,
        interval: 250,
      })
      .toBeGreaterThan(0);
    await job.getByTestId('training-cancel').click();
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 30_000 }).toBe('cancelled');
    await expect(job.getByTestId('training-cancel').count()).resolves.toBe(0);
    // Its first epochs were checkpointed: the row offers to resume it.
    await expect.poll(() => job.getByTestId('training-resume').count(), { timeout: 10_000 }).toBe(1);
    // The job is over, and a training registers its model before its job ends: the host holds
    // none of it now, and the registry the view re-read at the end shows no new row.
    if (host === undefined) throw new Error('the headless host did not start');
    const models = await hostClient(host).call('models.list', { query: '', limit: 1000 });
    expect(models.filter((m) => m.name.includes('lstm to cancel'))).toEqual([]);
    await expect.poll(() => page.getByTestId('registry-row').count(), { timeout: 5_000 }).toBe(rowsBefore);
  });

  it('logs no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
