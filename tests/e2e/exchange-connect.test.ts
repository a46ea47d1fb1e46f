import path from 'node:path';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinanceSimulator, startBinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';
import {
  E2E_ARTIFACTS,
  ladderPrices,
  openWorkstation,
  type WorkstationPage,
} from '../fixtures/workstation-page.js';

const SYMBOL = 'ETH/USDT';
const INSTRUMENT = `binance:${SYMBOL}`;

describe('connecting the workstation to an exchange (the simulator) from Settings', () => {
  let sim: BinanceSimulator;
  let urls: SimUrls;
  let session: WorkstationPage;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    ({ sim, urls } = await startBinanceSimulator({
      markets: [
        { symbol: SYMBOL, startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 3 },
        { symbol: 'SOL/USDT', startPrice: 100, tickSize: 0.01, lotSize: 0.01, seed: 4 },
      ],
    }));
    session = await openWorkstation();
    ({ page, pageErrors } = session);
  });

  afterAll(async () => {
    await session.close();
    await sim.stop();
  });

  it('finds binance in the searchable exchange list and loads its markets from the endpoint override', async () => {
    await page.getByTestId('view-settings').click();
    await page.getByTestId('exchange-search').fill('binan');
    await page.getByTestId('exchange-option-binance').click();
    await expect(page.getByTestId('settings-exchange').innerText()).resolves.toBe('binance');
    await page.getByTestId('endpoint-rest').fill(urls.rest);
    await page.getByTestId('endpoint-ws').fill(urls.ws);
    await page.getByTestId('load-markets').click();
    await expect
      .poll(() => page.getByTestId('market-count').innerText(), { timeout: 15_000 })
      .toBe('2 markets');
    await page.getByTestId('market-search').fill('ETH');
    await expect.poll(() => page.getByTestId('market-count').innerText()).toBe('1 market');
    await expect(page.getByTestId(`market-option-${SYMBOL}`).innerText()).resolves.toContain('tick 0.1');
  });

  it('connects the picked symbol and shows its stream live', async () => {
    await page.getByTestId(`market-option-${SYMBOL}`).locator('input').check();
    await page.getByTestId('connect').click();
    await expect
      .poll(() => page.getByTestId('settings-notice').innerText(), { timeout: 15_000 })
      .toBe(`Streaming ${SYMBOL} from binance.`);
    await expect
      .poll(() => page.getByTestId(`stream-state-${INSTRUMENT}`).innerText(), { timeout: 15_000 })
      .toBe('live');
    await expect
      .poll(() => page.getByTestId('exchange-streams').innerText(), { timeout: 5_000 })
      .toBe(`binance ${SYMBOL} live`);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'settings-connected.png') });
  });

  it('lists the new instrument in the Markets picker and draws its live book', async () => {
    await page.getByTestId('view-markets').click();
    const picker = page.locator('.instrument-picker select');
    await expect
      .poll(() => picker.locator('option').allInnerTexts(), { timeout: 10_000 })
      .toContain(`${SYMBOL} · binance`);
    await picker.selectOption(INSTRUMENT);

    await expect
      .poll(() => page.getByTestId('ladder-row-bid').count(), { timeout: 15_000 })
      .toBeGreaterThanOrEqual(20);
    const bids = await ladderPrices(page, 'bid');
    const asks = await ladderPrices(page, 'ask');
    const bestBid = bids[0] ?? Number.NaN;
    const bestAsk = asks[asks.length - 1] ?? Number.NaN;
    expect(bestBid).toBeLessThan(bestAsk);
    // The simulator's market sits near 2000 with 0.1 ticks; the demo market sits near 100.
    expect(bestBid).toBeGreaterThan(1_900);
    expect(bestAsk).toBeLessThan(2_100);
    expect(Math.round((bestAsk - bestBid) * 10)).toBeGreaterThanOrEqual(1);

    // Live: the ladder keeps moving with the simulator's book.
    const ladder = page.getByTestId('ladder');
    const before = await ladder.innerText();
    await expect.poll(() => ladder.innerText(), { timeout: 5_000, interval: 200 }).not.toBe(before);
    await expect.poll(() => page.getByTestId('tape-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(E2E_ARTIFACTS, 'markets-exchange.png') });
  });

  it('stops the subscription from Settings', async () => {
    await page.getByTestId('view-settings').click();
    await page.getByTestId('connection-binance').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByTestId('settings-notice').innerText()).toBe('Stopped binance.');
    await expect(page.getByTestId('connection-binance').count()).resolves.toBe(0);
    await expect.poll(() => page.getByTestId('exchange-streams').count(), { timeout: 5_000 }).toBe(0);
    // Its recorded data stays: the instrument is still listed for the Markets view.
    await expect(page.locator('.instrument-picker select option').allInnerTexts()).resolves.toContain(
      `${SYMBOL} · binance`,
    );
  });

  it('logs no page errors', () => {
    expect(pageErrors).toEqual([]);
  });
});
