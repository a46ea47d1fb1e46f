import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';

const BTC = 'ftx:BTC-PERP';
const MINUTE = 60_000;
const BARS = 1440;
/** A whole hour three days back: a day of 1m bars that ends before the demo market's. */
const T0 = Math.floor((Date.now() - 3 * 86_400_000) / 3_600_000) * 3_600_000;

/** One day of 1m BTC-like bars: a candle-only instrument, so it has no order book. */
function writeBars(file: string): void {
  const lines = ['ts_ms,open,high,low,close,volume'];
  let price = 46_000;
  for (let i = 0; i < BARS; i++) {
    const close = price + (((i * 37) % 29) - 14) / 4;
    lines.push(
      `${T0 + i * MINUTE},${price},${Math.max(price, close) + 0.25},${Math.min(price, close) - 0.25},${close},${(1000 + ((i * 131) % 977)).toFixed(4)}`,
    );
    price = close;
  }
  writeFileSync(file, `${lines.join('\n')}\n`);
}

async function importBars(page: Page, file: string): Promise<void> {
  await page.getByTestId('view-data').click();
  await page.getByTestId('import-path').fill(file);
  await page.getByTestId('import-preview').click();
  await expect.poll(() => page.getByTestId('import-preview-table').count(), { timeout: 10_000 }).toBe(1);
  await page.getByTestId('import-kind').selectOption('candles');
  await page.getByTestId('import-new-instrument').fill(BTC);
  await page.getByTestId('import-start').click();
  await expect
    .poll(() => page.locator('[data-testid="job-row"][data-kind="import"][data-state="done"]').count(), {
      timeout: 60_000,
    })
    .toBe(1);
}

async function follow(page: Page, instrument: string): Promise<void> {
  const picker = page.locator('.instrument-picker select');
  await expect
    .poll(() => picker.locator(`option[value="${instrument}"]`).count(), { timeout: 10_000 })
    .toBe(1);
  await picker.selectOption(instrument);
  await page.getByTestId('view-markets').click();
}

const chart = (page: Page) => page.getByTestId('candles-chart');

async function earliestLoaded(page: Page): Promise<number> {
  return Number(await chart(page).getAttribute('data-earliest'));
}

/** The end of the time range plotly shows, in ms UTC. */
function shownRangeEnd(page: Page): Promise<number> {
  return chart(page).evaluate((element) => {
    const plot = element as HTMLElement & { layout?: { xaxis?: { range?: unknown[] } } };
    const end = plot.layout?.xaxis?.range?.[1];
    if (typeof end === 'number') return end;
    return typeof end === 'string'
      ? Date.parse(`${end.replace(' ', 'T').replace(/(\.\d{3})\d+$/, '$1')}Z`)
      : NaN;
  });
}

/** Names of the lines drawn over the price. */
function traceNames(page: Page): Promise<string[]> {
  return chart(page).evaluate((element) => {
    const plot = element as HTMLElement & { data?: { name?: string }[] };
    return (plot.data ?? []).map((trace) => trace.name ?? '');
  });
}

describe('the Markets chart: history, indicators and empty states', () => {
  let session: WorkstationPage;
  let page: Page;
  let demo = '';

  beforeAll(async () => {
    session = await openWorkstation();
    ({ page } = session);
  });

  afterAll(async () => {
    await session.close();
  });

  it('says an instrument without a book has no order book, and a timeframe without bars has none', async () => {
    // The window is up once the demo market fills the ladder.
    await expect
      .poll(() => page.getByTestId('ladder-row-bid').count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    demo = await page.locator('.instrument-picker select').inputValue();
    const file = path.join(session.host.dataDir, 'btc-1m.csv');
    writeBars(file);
    await importBars(page, file);
    await follow(page, BTC);
    expect(session.pageErrors).toEqual([]);
    await expect
      .poll(() => page.getByTestId('depth-empty').innerText(), { timeout: 10_000 })
      .toMatch(/^No order book for BTC-PERP/);
    await page.getByTestId('timeframe-1s').click();
    await expect
      .poll(() => page.getByTestId('candles-empty').innerText(), { timeout: 10_000 })
      .toMatch(/^No 1s bars for BTC-PERP yet/);
    await expect(chart(page).locator('.xtick').count()).resolves.toBe(0);
    await page.getByTestId('timeframe-1m').click();
    await expect.poll(() => chart(page).getAttribute('data-bars'), { timeout: 10_000 }).toBe('300');
  });

  it('loads older bars as the trader pans back, then jumps to the latest bar', async () => {
    const first = await earliestLoaded(page);
    expect(first).toBe(T0 + (BARS - 300) * MINUTE);
    const box = await chart(page).boundingBox();
    if (box === null) throw new Error('the candle chart is not on the page');
    const y = box.y + box.height * 0.4;
    await page.mouse.move(box.x + box.width * 0.3, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.8, y, { steps: 8 });
    await page.mouse.up();
    await expect.poll(() => earliestLoaded(page), { timeout: 15_000 }).toBeLessThan(first);
    expect(await shownRangeEnd(page)).toBeLessThan(T0 + (BARS - 30) * MINUTE);

    await page.getByTestId('jump-latest').click();
    await expect
      .poll(() => shownRangeEnd(page), { timeout: 10_000 })
      .toBeGreaterThanOrEqual(T0 + BARS * MINUTE);

    await page.getByTestId('range-All').click();
    await expect.poll(() => earliestLoaded(page), { timeout: 15_000 }).toBe(T0);
    await expect.poll(() => chart(page).getAttribute('data-older')).toBe('all');
    await session.screenshot('markets-chart-history.png');
  });

  it('keeps an overlay chosen for one instrument after a reload, for that instrument only', async () => {
    await page.getByTestId('studies-menu').click();
    await page.getByTestId('overlay-sma').check();
    await page.getByTestId('pane-rsi').check();
    await expect.poll(() => chart(page).getAttribute('data-overlays')).toBe('sma');
    await expect.poll(() => traceNames(page)).toContain('SMA 50');
    await expect.poll(() => page.getByTestId('ohlcv-readout').innerText()).toMatch(/O [\d,.]+[\s\S]*SMA 50/);

    await page.reload();
    await expect
      .poll(() => page.getByTestId('ladder-row-bid').count(), { timeout: 30_000 })
      .toBeGreaterThan(0);
    await follow(page, BTC);
    await expect.poll(() => chart(page).getAttribute('data-overlays'), { timeout: 10_000 }).toBe('sma');
    await expect.poll(() => chart(page).getAttribute('data-panes')).toBe('volume,rsi');
    await expect.poll(() => traceNames(page)).toContain('RSI 14');

    await follow(page, demo);
    await expect.poll(() => chart(page).getAttribute('data-panes'), { timeout: 10_000 }).toBe('volume');
    expect(await chart(page).getAttribute('data-overlays')).toBe('');
    expect(session.pageErrors).toEqual([]);
  });
});
