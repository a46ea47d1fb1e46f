import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHost } from '../fixtures/headless-host.js';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';

const XRP = 'binance:XRP/ETH';
const BTC = 'ftx:BTC-PERP';
/** A whole hour three days back: whole 5m bars, and a range the Training view's inputs show exactly. */
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000;

/** XRP/ETH-like trades: prices near 0.0014 with 8 decimals, whole amounts. */
function writeTrades(file: string): void {
  const lines = ['ts_ms,price,amount,side,trade_id'];
  for (let i = 0; i < 600; i++) {
    const price = (0.0014 + ((i * 7919) % 9973) * 1e-8).toFixed(8);
    lines.push(
      `${T0 + i * 2_000},${price},${1 + (i % 40)}.00000000,${i % 3 === 0 ? 'sell' : 'buy'},${100_000 + i}`,
    );
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** One day of 1m BTC-like bars on a quarter-dollar grid: a candle-only history. */
function writeBars(file: string): void {
  const lines = ['ts_ms,open,high,low,close,volume'];
  let price = 46_000;
  for (let i = 0; i < 1440; i++) {
    const close = price + (((i * 37) % 29) - 14) / 4;
    lines.push(
      `${T0 + i * 60_000},${price},${Math.max(price, close) + 0.25 * (i % 4)},${Math.min(price, close) - 0.25 * (i % 3)},${close},${(1000 + ((i * 131) % 977)).toFixed(4)}`,
    );
    price = close;
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

/** Imports a file on the host into a new instrument, its tick and lot left to the file. */
async function importFile(
  page: Page,
  file: string,
  instrument: string,
  kind: 'trades' | 'candles',
): Promise<void> {
  await page.getByTestId('view-data').click();
  await page.getByTestId('import-path').fill(file);
  await page.getByTestId('import-preview').click();
  await expect.poll(() => page.getByTestId('import-preview-table').count(), { timeout: 10_000 }).toBe(1);
  await page.getByTestId('import-kind').selectOption(kind);
  await page.getByTestId('import-new-instrument').fill(instrument);
  const before = await page.locator('[data-testid="job-row"][data-kind="import"][data-state="done"]').count();
  await page.getByTestId('import-start').click();
  await expect
    .poll(() => page.locator('[data-testid="job-row"][data-kind="import"][data-state="done"]').count(), {
      timeout: 60_000,
    })
    .toBe(before + 1);
}

async function follow(page: Page, instrument: string): Promise<void> {
  const picker = page.locator('.instrument-picker select');
  await expect
    .poll(() => picker.locator(`option[value="${instrument}"]`).count(), { timeout: 10_000 })
    .toBe(1);
  await picker.selectOption(instrument);
}

/** The tick format of the candle chart's price axis, as plotly holds it. */
function chartPriceFormat(page: Page): Promise<string> {
  return page.getByTestId('candles-chart').evaluate((element) => {
    const chart = element as HTMLElement & { layout?: { yaxis?: { tickformat?: string } } };
    return chart.layout?.yaxis?.tickformat ?? '';
  });
}

describe('candle histories and instrument precision on the headless host', () => {
  let session: WorkstationPage;
  let host: RunningHost;
  let page: Page;

  beforeAll(async () => {
    session = await openWorkstation();
    ({ host, page } = session);
  });

  afterAll(async () => {
    await session.close();
  });

  it('shows an imported XRP/ETH to its inferred tick, and to an edited one in the chart and header', async () => {
    // The window is up once the demo market fills the ladder.
    await expect
      .poll(() => page.getByTestId('ladder-row-bid').count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    const file = path.join(host.dataDir, 'xrpeth-trades.csv');
    writeTrades(file);
    await importFile(page, file, XRP, 'trades');
    await follow(page, XRP);
    const lastPrice = page.locator('.instrument-header .last-price');
    await expect.poll(() => lastPrice.innerText(), { timeout: 10_000 }).toMatch(/^0\.0014\d{4}$/);
    await page.getByTestId('view-markets').click();
    await expect.poll(() => chartPriceFormat(page), { timeout: 10_000 }).toBe(',.8f');

    await page.getByTestId('view-data').click();
    await page.getByTestId('steps-instrument').selectOption(XRP);
    await expect(page.getByTestId('steps-tick').inputValue()).resolves.toBe('1e-8');
    await page.getByTestId('steps-tick').fill('0.00001');
    await page.getByTestId('steps-save').click();
    await expect.poll(() => page.getByTestId('steps-message').innerText()).toMatch(/show 5 decimals/);
    await expect.poll(() => lastPrice.innerText(), { timeout: 10_000 }).toMatch(/^0\.0014\d$/);
    await page.getByTestId('view-markets').click();
    await expect.poll(() => chartPriceFormat(page), { timeout: 10_000 }).toBe(',.5f');
    await expect(
      page.locator('[data-testid="candles-chart"] .ytick text').first().textContent(),
    ).resolves.toMatch(/^0\.00\d{3}$/);
    await session.screenshot('candle-history-edited-tick.png');
    expect(session.pageErrors).toEqual([]);
  });

  it('trains a model on a candle-only instrument from the Training view', async () => {
    const file = path.join(host.dataDir, 'btc-1m.csv');
    writeBars(file);
    await importFile(page, file, BTC, 'candles');
    await follow(page, BTC);
    await page.getByTestId('view-markets').click();
    await page.getByTestId('timeframe-5m').click();
    await expect
      .poll(() => page.getByTestId('candles-chart').getAttribute('data-bars'), { timeout: 10_000 })
      .toBe('288');

    await page.getByTestId('view-features').click();
    await expect.poll(() => page.getByTestId('add-feature-rsi').count(), { timeout: 15_000 }).toBe(1);
    await page.getByTestId('add-feature-rsi').click();
    await page.getByTestId('add-feature-bar_return').click();
    await page.getByTestId('add-feature-spread').click();
    await page.getByTestId('set-sampling').selectOption('1m');
    await page.getByTestId('set-name').fill('BTC bars');
    await page.getByTestId('save-set').click();
    await expect.poll(() => page.getByTestId('set-data').count(), { timeout: 10_000 }).toBe(1);
    await expect(page.getByTestId('empty-feature').allInnerTexts()).resolves.toEqual([
      expect.stringMatching(/^spread.* stays empty: ftx:BTC-PERP has no order book recorded/),
    ]);

    await page.getByTestId('view-training').click();
    await expect
      .poll(() => page.getByTestId('train-set').locator('option:checked').innerText())
      .toMatch(/BTC bars/);
    await expect.poll(() => page.getByTestId('train-from').inputValue(), { timeout: 10_000 }).not.toBe('');
    await page.getByTestId('model-kind').selectOption('gbdt');
    await page.getByTestId('label-kind').selectOption('fixed-horizon');
    await page.getByTestId('label-horizon').fill('5');
    await page.getByTestId('label-threshold').fill('0');
    await page.getByTestId('param-trees').fill('5');
    await page.getByTestId('param-depth').fill('3');
    await page.getByTestId('param-minLeaf').fill('10');
    await page.getByTestId('val-scheme').selectOption('walk-forward');
    await page.getByTestId('val-folds').fill('2');
    await page.getByTestId('train-name').fill('btc candles gbdt');
    await page.getByTestId('train-start').click();

    const job = page.locator('[data-testid="training-job"][data-mode="train"]').first();
    await expect.poll(() => job.count(), { timeout: 10_000 }).toBe(1);
    await expect
      .poll(() => job.getAttribute('data-state'), { timeout: 120_000, interval: 250 })
      .toMatch(/done|failed/);
    expect(await job.getByTestId('job-detail').innerText()).toBe('done');
    const row = page.locator('[data-testid="registry-row"][data-kind="gbdt"]');
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(1);
    await expect(row.innerText()).resolves.toMatch(/btc candles gbdt[\s\S]*walk-forward ×2/);
    await session.screenshot('candle-history-trained.png');
    expect(session.pageErrors).toEqual([]);
  });
});
