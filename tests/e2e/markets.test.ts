import path from 'node:path';
import { type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHeadlessHost, type RunningHost } from '../fixtures/headless-host.js';
import {
  E2E_ARTIFACTS,
  launchChromium,
  ladderPrices,
  openWorkstation,
  type WorkstationPage,
} from '../fixtures/workstation-page.js';

/** The first candlestick trace plotly holds for the chart element: its points and period. */
interface PlottedCandles {
  readonly points: number;
  readonly period: number | null;
}

function plottedCandles(page: Page): Promise<PlottedCandles> {
  return page.getByTestId('candles-chart').evaluate((element) => {
    const chart = element as HTMLElement & { data?: { type?: string; x?: unknown[]; xperiod?: number }[] };
    const candles = chart.data?.find((trace) => trace.type === 'candlestick');
    return { points: candles?.x?.length ?? 0, period: candles?.xperiod ?? null };
  });
}

describe('markets view on the headless host', () => {
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

  it('shows a ladder at least 20 levels deep a side, with the best bid below the best ask', async () => {
    await expect
      .poll(() => page.getByTestId('ladder-row-bid').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(20);
    expect(await page.getByTestId('ladder-row-ask').count()).toBeGreaterThanOrEqual(20);

    const bids = await ladderPrices(page, 'bid');
    const asks = await ladderPrices(page, 'ask');
    const bestBid = bids[0] ?? Number.NaN;
    const bestAsk = asks[asks.length - 1] ?? Number.NaN; // asks descend to the touch
    expect(bestBid).toBeLessThan(bestAsk);
    // Bids descend away from the touch, asks ascend away from it.
    expect(bids).toEqual(bids.toSorted((a, b) => b - a));
    expect(asks).toEqual(asks.toSorted((a, b) => b - a));
    await expect.poll(() => page.getByTestId('spread').innerText()).toMatch(/Spread\s+[\d.,]+/);
  });

  it('moves the ladder as the book updates', async () => {
    const ladder = page.getByTestId('ladder');
    const before = await ladder.innerText();
    await expect.poll(() => ladder.innerText(), { timeout: 5_000, interval: 200 }).not.toBe(before);
  });

  it('draws candles and redraws them when the timeframe changes', async () => {
    await expect
      .poll(async () => (await plottedCandles(page)).points, { timeout: 20_000 })
      .toBeGreaterThan(0);

    await page.getByTestId('timeframe-1s').click();
    await expect(page.getByTestId('timeframe-1s').getAttribute('aria-pressed')).resolves.toBe('true');
    await expect.poll(() => plottedCandles(page), { timeout: 10_000 }).toMatchObject({ period: 1000 });
    await expect
      .poll(async () => (await plottedCandles(page)).points, { timeout: 10_000 })
      .toBeGreaterThan(0);

    await page.getByTestId('timeframe-5m').click();
    await expect.poll(() => plottedCandles(page), { timeout: 10_000 }).toMatchObject({ period: 300_000 });
    await expect
      .poll(async () => (await plottedCandles(page)).points, { timeout: 10_000 })
      .toBeGreaterThan(0);

    await page.getByTestId('timeframe-1s').click();
  });

  it('fills the trades tape', async () => {
    await expect.poll(() => page.getByTestId('tape-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const firstRow = page.getByTestId('tape-row').first();
    await expect(firstRow.getAttribute('class')).resolves.toMatch(/\b(buy|sell)\b/);
  });

  it('reports a live connection and events per second in the status bar', async () => {
    await expect
      .poll(() => page.getByTestId('connection-state').textContent(), { timeout: 15_000 })
      .toBe('live');
    await expect
      .poll(
        async () => Number((await page.getByTestId('events-per-second').innerText()).replaceAll(',', '')),
        {
          timeout: 10_000,
        },
      )
      .toBeGreaterThan(0);
    await expect(page.getByTestId('status-bar').innerText()).resolves.toContain(path.basename(host.dataDir));
  });

  it('marks a signal on the candle chart within a minute', async () => {
    await expect
      .poll(async () => Number(await page.getByTestId('signal-count').innerText()), {
        timeout: 75_000,
        interval: 500,
      })
      .toBeGreaterThan(0);
    const markers = await page.getByTestId('candles-chart').evaluate((element) => {
      const chart = element as HTMLElement & { data?: { name?: string; x?: unknown[] }[] };
      return (chart.data ?? [])
        .filter((trace) => trace.name === 'Long' || trace.name === 'Short')
        .reduce((sum, trace) => sum + (trace.x?.length ?? 0), 0);
    });
    expect(markers).toBe(Number(await page.getByTestId('signal-count').innerText()));

    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'markets.png') });
  });

  it('logs no page errors (CSP violations included)', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe('markets view with a wrong token', () => {
  let host: RunningHost;
  let browser: Browser;

  beforeAll(async () => {
    host = await startHeadlessHost();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser.close();
    await host.stop();
  });

  it('says the host refused the token instead of showing a dead screen', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      const url = new URL(host.url);
      url.searchParams.set('token', '0'.repeat(32));
      // The page's files are served only to the token (or its cookie), so the host itself
      // answers a wrong token, in words, before any script of the page could load.
      const response = await page.goto(url.toString());
      expect(response?.status()).toBe(401);
      await expect(page.locator('body').innerText()).resolves.toMatch(
        /^wrong token: open the URL this run of the host printed\s*$/,
      );
      expect(await context.cookies()).toEqual([]);
      await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'markets-bad-token.png') });
    } finally {
      await context.close();
    }
  });
});
