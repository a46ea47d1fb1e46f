import path from 'node:path';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../fixtures/until.js';
import {
  E2E_ARTIFACTS,
  hostClient,
  openWorkstation,
  type WorkstationPage,
} from '../fixtures/workstation-page.js';

/** Points of the first trace plotly holds for a chart element. */
function plottedPoints(page: Page, testId: string): Promise<number> {
  return page.getByTestId(testId).evaluate((element) => {
    const chart = element as HTMLElement & { data?: { x?: unknown[] }[] };
    return chart.data?.[0]?.x?.length ?? 0;
  });
}

describe('features view on the headless host', () => {
  let session: WorkstationPage;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    session = await openWorkstation();
    ({ page, pageErrors } = session);
  });

  afterAll(async () => {
    await session.close();
  });

  /** Opens the Features view and waits for its catalogue. */
  const openFeatures = async (): Promise<void> => {
    await page.getByTestId('view-features').click();
    await expect
      .poll(() => page.getByTestId('catalogue-book_imbalance').count(), { timeout: 15_000 })
      .toBe(1);
  };

  /** Picks book imbalance and spread in the view and saves them as 'Imbalance and spread'. */
  const saveSet = async (): Promise<void> => {
    await page.getByTestId('add-feature-book_imbalance').click();
    await page.getByTestId('add-feature-spread').click();
    await expect(page.getByTestId('draft-feature').count()).resolves.toBe(2);
    await page.getByTestId('set-name').fill('Imbalance and spread');
    await page.getByTestId('save-set').click();
    await expect
      .poll(() => page.getByTestId('set-select').locator('option').allInnerTexts(), { timeout: 10_000 })
      .toEqual([expect.stringMatching(/Imbalance and spread · 1s · 3 columns/)]);
  };

  /**
   * The set the later tests use, saved here unless an earlier test saved it: each test stands
   * on its own when run alone (`-t`).
   */
  const ensureSet = async (): Promise<void> => {
    await openFeatures();
    const saved = await page.getByTestId('set-select').locator('option').allInnerTexts();
    if (!saved.some((label) => label.includes('Imbalance and spread'))) await saveSet();
  };

  /** Builds a matrix of the set over what is recorded, and waits for its plot. */
  const buildMatrix = async (): Promise<void> => {
    // Let the recorder commit a few seconds of the demo market first.
    const client = hostClient(session.host);
    await until(
      () => client.call('features.range', { instrument: 'demo:DEMO/USD' }),
      (range) => range !== null && range.to - range.from >= 3_000,
      15_000,
      200,
    );
    await page.getByTestId('set-select').selectOption({ index: 0 });
    await expect.poll(() => page.getByTestId('range-from').inputValue(), { timeout: 10_000 }).not.toBe('');
    // Extend the range end to now, so the seconds recorded since the set was picked count too.
    await page.getByTestId('range-to').fill(new Date(Date.now()).toISOString().slice(0, 19));
    await page.getByTestId('build-matrix').click();
    await expect
      .poll(() => page.getByTestId('build-progress').getAttribute('data-state'), { timeout: 30_000 })
      .toBe('done');
    await expect.poll(() => page.getByTestId('matrix').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => plottedPoints(page, 'feature-plot'), { timeout: 10_000 }).toBeGreaterThan(2);
  };

  it('picks two features from the catalogue, with their definitions, and saves a set', async () => {
    await openFeatures();
    await expect(page.getByTestId('catalogue-book_imbalance').innerText()).resolves.toMatch(/bid|ask/i);
    await saveSet();
  });

  it('builds a matrix over the recorded demo data with a progress bar, and plots a feature', async () => {
    await ensureSet();
    await buildMatrix();
    await expect.poll(() => plottedPoints(page, 'feature-histogram'), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect(page.getByTestId('series-stats').innerText()).resolves.toMatch(/rows/);

    await page.getByTestId('column-select').selectOption({ index: 2 });
    await expect.poll(() => page.getByTestId('column-select').inputValue()).toMatch(/^spread\(\)\.bps$/);
    await expect.poll(() => plottedPoints(page, 'feature-plot'), { timeout: 10_000 }).toBeGreaterThan(2);
  });

  it('compares the matrix with the live window in the drift table', async () => {
    await ensureSet();
    if ((await page.getByTestId('matrix').count()) === 0) await buildMatrix();
    await page.getByTestId('compute-drift').click();
    await expect
      .poll(() => page.getByTestId('drift-table').locator('tbody tr').count(), { timeout: 10_000 })
      .toBe(3);
    await expect(page.getByTestId('drift-alert').innerText()).resolves.toMatch(/live rows/);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'features.png') });
  });

  it('shows the set live with sparklines in the Markets feature panel', async () => {
    await ensureSet();
    await page.getByTestId('view-markets').click();
    await expect.poll(() => page.getByTestId('live-feature').count(), { timeout: 15_000 }).toBe(3);
    await expect
      .poll(() => page.locator('[data-testid="live-feature"] polyline').first().getAttribute('points'), {
        timeout: 10_000,
      })
      .toMatch(/\d+(\.\d+)?,\d+(\.\d+)? \d/);
    // The imbalance signal still fires from the same worker.
    await expect.poll(() => page.getByTestId('features').innerText()).toMatch(/Imbalance\s+[+-]?\d/);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'markets-features.png') });
  });

  it('logs no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
