import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHost } from '../fixtures/headless-host.js';
import { until } from '../fixtures/until.js';
import {
  E2E_ARTIFACTS,
  hostClient,
  openWorkstation,
  type WorkstationPage,
} from '../fixtures/workstation-page.js';

const DEMO = 'demo:DEMO/USD';
/** Rows in the imported file: enough that the import runs for a moment and shows its bar. */
const ROWS = 300_000;
const T0 = Date.UTC(2024, 2, 1);

describe('data view on the headless host', () => {
  let session: WorkstationPage;
  let host: RunningHost;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    session = await openWorkstation();
    ({ host, page, pageErrors } = session);
  });

  afterAll(async () => {
    await session.close();
  });

  const demoCard = () => page.locator(`[data-testid="coverage-card"][data-instrument="${DEMO}"]`);

  it('shows the demo instrument recorded up to now, on a timeline', async () => {
    // Let the demo market record a few seconds first.
    await expect
      .poll(() => page.getByTestId('ladder-row-bid').count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    const client = hostClient(host);
    await until(
      () => client.call('features.range', { instrument: DEMO }),
      (range) => range !== null && range.to - range.from >= 2_000,
      15_000,
      200,
    );
    await page.getByTestId('view-data').click();
    await expect.poll(() => demoCard().count(), { timeout: 10_000 }).toBe(1);
    const range = await demoCard().getByTestId('coverage-range').innerText();
    const [fromText = '', toText = ''] = range.replace(' UTC', '').split(' → ');
    const from = Date.parse(`${fromText.replace(' ', 'T')}Z`);
    const to = Date.parse(`${toText.replace(' ', 'T')}Z`);
    // The demo market runs on the wall clock: its range is the last minute or so.
    expect(Date.now() - to).toBeLessThan(120_000);
    expect(to).toBeGreaterThanOrEqual(from);
    expect(
      Number((await demoCard().getByTestId('coverage-trades').innerText()).replaceAll(',', '')),
    ).toBeGreaterThan(0);
    await expect
      .poll(() => demoCard().locator('[data-testid="coverage-timeline"] .main-svg').count())
      .toBeGreaterThan(0);
    expect(pageErrors).toEqual([]);
  });

  it('imports a Binance trades CSV from a path on the host with a progress bar, then counts it', async () => {
    const file = path.join(host.dataDir, 'DEMOUSD-trades-2024-03-01.csv');
    const lines: string[] = [];
    // Ids far above the demo market's own, which also records into this instrument: the same id
    // would be the same trade and be skipped.
    for (let i = 0; i < ROWS; i++)
      lines.push(
        `${1_000_000_000 + i},${(100 + (i % 50) / 100).toFixed(2)},0.5,50,${T0 + i * 10},${i % 2 === 0},true`,
      );
    writeFileSync(file, lines.join('\n') + '\n');
    const before = Number((await demoCard().getByTestId('coverage-trades').innerText()).replaceAll(',', ''));

    await page.getByTestId('import-path').fill(file);
    await page.getByTestId('import-preview').click();
    await expect
      .poll(() => page.getByTestId('import-preview-table').innerText(), { timeout: 10_000 })
      .toContain('binance-trades');
    await page.getByTestId('import-start').click();

    const job = page.locator('[data-testid="job-row"][data-kind="import"]').first();
    await expect
      .poll(() => job.getAttribute('data-state'), { timeout: 10_000, interval: 50 })
      .toBe('running');
    await expect(job.getByTestId('job-progress').isVisible()).resolves.toBe(true);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'data-import-running.png') });
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    await expect(job.getByTestId('job-progress').getAttribute('aria-valuenow')).resolves.toBe('100');

    await expect
      .poll(
        async () => Number((await demoCard().getByTestId('coverage-trades').innerText()).replaceAll(',', '')),
        { timeout: 10_000 },
      )
      .toBeGreaterThanOrEqual(before + ROWS);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'data-view.png') });
    expect(pageErrors).toEqual([]);
  });

  it('maps the columns of a generic CSV from its header before importing', async () => {
    const file = path.join(host.dataDir, 'mine.csv');
    writeFileSync(file, `time,qty,price,side\n${T0},2,99.5,sell\n${T0 + 1000},1,99.75,buy\n`);
    await page.getByTestId('import-path').fill(file);
    await page.getByTestId('import-preview').click();
    await expect.poll(() => page.getByTestId('import-preview-table').innerText()).toContain('csv');
    await expect(page.getByLabel('column 3 holds').inputValue()).resolves.toBe('price');
    await expect(page.getByLabel('column 2 holds').inputValue()).resolves.toBe('amount');
    await page.getByTestId('import-start').click();
    const job = page.locator('[data-testid="job-row"][data-kind="import"]').first();
    await expect.poll(() => job.innerText(), { timeout: 10_000 }).toContain('Import mine.csv');
    await expect.poll(() => job.getAttribute('data-state'), { timeout: 10_000 }).toBe('done');
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'data-mapping.png') });
  });
});
