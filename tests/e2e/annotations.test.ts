import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type RunningHost } from '../fixtures/headless-host.js';
import { recordDemo } from '../fixtures/recorded-demo.js';
import { E2E_ARTIFACTS, launchChromium } from '../fixtures/workstation-page.js';

/** Minutes of demo market recorded before the host starts: 1 s rows, enough for three folds. */
const MINUTES = 20;

/** `2026-01-05T10:00:00` for a datetime-local input that the view reads as UTC. */
const inputTime = (ts: number): string => new Date(ts).toISOString().slice(0, 19);

/** Shapes plotly draws on a chart: marks are rects (ranges) and lines (points) at x times. */
function markShapes(page: Page, testId: string): Promise<{ type: string; x0: number; x1: number }[]> {
  return page.getByTestId(testId).evaluate((element) => {
    const chart = element as HTMLElement & {
      layout?: { shapes?: { type?: string; xref?: string; x0?: unknown; x1?: unknown }[] };
    };
    return (chart.layout?.shapes ?? [])
      .filter((shape) => shape.xref === 'x')
      .map((shape) => ({ type: shape.type ?? '', x0: Number(shape.x0), x1: Number(shape.x1) }));
  });
}

describe('annotations on the headless host', () => {
  let dataDir: string;
  let host: RunningHost | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let recorded: { instrument: string; from: number; to: number };
  let exported = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'tw-annotations-'));
    const start = Math.floor((Date.now() - (MINUTES + 30) * 60_000) / 60_000) * 60_000;
    recorded = recordDemo(path.join(dataDir, 'workspace.sqlite'), MINUTES, { seed: 7, start });
    host = await startHeadlessHost({ args: ['--data-dir', dataDir] });
    browser = await launchChromium();
    const context = await browser.newContext({
      viewport: { width: 1600, height: 1000 },
      acceptDownloads: true,
    });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(host.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('adds typed marks inside the recorded history and finds them by label and note', async () => {
    const add = async (at: number, until: number | null, label: string, note: string): Promise<void> => {
      await page.getByTestId('mark-kind').selectOption(until === null ? 'point' : 'range');
      await page.getByTestId('mark-from').fill(inputTime(at));
      if (until !== null) await page.getByTestId('mark-to').fill(inputTime(until));
      await page.getByTestId('mark-label').fill(label);
      await page.getByTestId('mark-note').fill(note);
      await page.getByTestId('mark-save').click();
    };
    await add(
      recorded.from + 2 * 60_000,
      recorded.from + 5 * 60_000,
      'breakout',
      'first leg, "quoted", with commas',
    );
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(1);
    await add(recorded.from + 12 * 60_000, recorded.from + 15 * 60_000, 'breakout', 'second leg');
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(2);
    await add(recorded.from + 8 * 60_000, null, 'good entry', 'pullback bought');
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(3);

    await page.getByTestId('marks-search').fill('LEG');
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(2);
    await page.getByTestId('marks-search').fill('entry');
    await expect
      .poll(() => page.getByTestId('mark-row').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/good entry[\s\S]*pullback bought/)]);
    await page.getByTestId('marks-search').fill('');
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(3);
    // Drawn on the price chart: a band over each range, a line at the point.
    await expect
      .poll(() => markShapes(page, 'candles-chart'), { timeout: 10_000 })
      .toEqual(
        expect.arrayContaining([
          { type: 'rect', x0: recorded.from + 2 * 60_000, x1: recorded.from + 5 * 60_000 },
          { type: 'line', x0: recorded.from + 8 * 60_000, x1: recorded.from + 8 * 60_000 },
        ]),
      );
  });

  it('exports the marks as CSV, refuses a bad file by its line, and imports the export into a clean list', async () => {
    const download = page.waitForEvent('download');
    await page.getByTestId('marks-export').click();
    const file = await (await download).path();
    exported = readFileSync(file, 'utf8');
    const lines = exported.trimEnd().split('\n');
    expect(lines[0]).toBe('instrument,kind,from,to,label,note');
    expect(lines).toHaveLength(4);
    expect(exported).toContain(
      `${recorded.instrument},range,${new Date(recorded.from + 2 * 60_000).toISOString()},` +
        `${new Date(recorded.from + 5 * 60_000).toISOString()},breakout,"first leg, ""quoted"", with commas"`,
    );

    await page.getByTestId('marks-delete-listed').click();
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(0);

    const bad = `${lines[0]}\n${lines[1]}\n${recorded.instrument},range,2026-01-06T10:00:00Z,2026-01-05T10:00:00Z,x,\n`;
    await page
      .getByTestId('marks-import')
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    await expect
      .poll(() => page.getByTestId('marks-problem').innerText(), { timeout: 10_000 })
      .toBe('Importing marks: line 3: to: a range mark ends after it starts');
    expect(await page.getByTestId('mark-row').count()).toBe(0);

    await page.getByTestId('marks-import').setInputFiles({
      name: 'marks.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(exported),
    });
    await expect
      .poll(() => page.getByTestId('marks-notice').innerText(), { timeout: 10_000 })
      .toBe('3 marks imported');
    await expect.poll(() => page.getByTestId('mark-row').count(), { timeout: 10_000 }).toBe(3);
    await expect(page.getByTestId('mark-row').allInnerTexts()).resolves.toContainEqual(
      expect.stringMatching(/breakout[\s\S]*first leg, "quoted", with commas/),
    );
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'annotations-markets.png') });
  });

  it('trains a small GBDT on the "annotations" label kind in the Training view', async () => {
    await page.getByTestId('view-features').click();
    await expect
      .poll(() => page.getByTestId('add-feature-book_imbalance').count(), { timeout: 15_000 })
      .toBe(1);
    await page.getByTestId('add-feature-book_imbalance').click();
    await page.getByTestId('add-feature-spread').click();
    await page.getByTestId('set-name').fill('Marks inputs');
    await page.getByTestId('save-set').click();
    await expect
      .poll(() => page.getByTestId('set-select').locator('option').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/Marks inputs · 1s/)]);

    await page.getByTestId('view-training').click();
    await expect.poll(() => page.getByTestId('train-from').inputValue(), { timeout: 15_000 }).not.toBe('');
    await page.getByTestId('train-from').fill(inputTime(recorded.from));
    await page.getByTestId('train-to').fill(inputTime(recorded.to));
    await page.getByTestId('label-kind').selectOption('annotations');
    // The instrument's most used label comes first: three breakout ranges against one entry.
    await expect.poll(() => page.getByTestId('label-up').inputValue(), { timeout: 10_000 }).toBe('breakout');
    await expect(page.getByTestId('label-down').inputValue()).resolves.toBe('');
    await page.getByTestId('label-horizon').fill('5');
    await page.getByTestId('model-kind').selectOption('gbdt');
    await page.getByTestId('param-trees').fill('5');
    await page.getByTestId('param-depth').fill('3');
    await page.getByTestId('param-minLeaf').fill('10');
    await page.getByTestId('val-scheme').selectOption('walk-forward');
    await page.getByTestId('val-folds').fill('3');
    await page.getByTestId('train-name').fill('marks e2e');
    await page.getByTestId('train-start').click();

    const job = page.locator('[data-testid="training-job"][data-mode="train"]').first();
    await expect.poll(() => job.count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(() => job.getAttribute('data-state'), { timeout: 180_000, interval: 250 })
      .toMatch(/done|failed/);
    expect(await job.getByTestId('job-detail').innerText()).toBe('done');
    const row = page.locator('[data-testid="registry-row"][data-kind="gbdt"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await row.click();
    await expect
      .poll(() => page.getByTestId('lineage').innerText(), { timeout: 10_000 })
      .toMatch(/annotations breakout · 5/);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'annotations-training.png') });
    expect(pageErrors).toEqual([]);
  });
});
