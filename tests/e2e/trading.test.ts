import { readFileSync } from 'node:fs';
import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BinanceSimulator, startBinanceSimulator, type SimUrls } from '../exchange-sim/binance-sim.js';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';

const DEMO = 'demo:DEMO/USD';
const SYMBOL = 'ETH/USDT';
const LIVE = `binance:${SYMBOL}`;
const API_KEY = 'sim-key';
const SECRET = 'sim-secret';

/** Points plotly holds for the equity curve. */
function plottedEquity(page: Page): Promise<number> {
  return page.getByTestId('pnl-plot').evaluate((element) => {
    const chart = element as HTMLElement & { data?: { x?: unknown[] }[] };
    return chart.data?.[0]?.x?.length ?? 0;
  });
}

/** Sets one parameter of the paper strategy's form (the Backtests form inputs, reused). */
async function setParam(page: Page, name: string, value: string): Promise<void> {
  const input = page.getByTestId('paper-panel').getByTestId(`bt-param-${name}`);
  await input.fill(value);
  await input.blur();
}

describe('trading view on the headless host', () => {
  let sim: BinanceSimulator;
  let urls: SimUrls;
  let session: WorkstationPage;
  let page: Page;
  let pageErrors: string[] = [];

  beforeAll(async () => {
    ({ sim, urls } = await startBinanceSimulator({
      markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 7 }],
    }));
    sim.openAccount(API_KEY, SECRET, { ETH: 10, USDT: 100_000 });
    session = await openWorkstation();
    ({ page, pageErrors } = session);
    await page.getByTestId('view-trading').click();
    await page.getByTestId('venue-card-paper').waitFor({ timeout: 15_000 });
  });

  afterAll(async () => {
    await session.close();
    await sim.stop();
  });

  it('refuses the paper strategy orders above the max order size, with the reason', async () => {
    await expect(page.getByTestId('venue-state-paper').innerText()).resolves.toBe('ARMED');
    await page.getByTestId('limit-maxOrderQuantity').fill('1');
    await page.getByTestId('limits-save').click();
    // Saved: the form shows the limits in force again, and the button waits for the next edit.
    await expect.poll(() => page.getByTestId('limits-save').isDisabled(), { timeout: 5_000 }).toBe(true);
    await expect(page.getByTestId('limit-maxOrderQuantity').inputValue()).resolves.toBe('1');
    await expect(page.getByTestId('gauge-maxOrderQuantity').getAttribute('data-level')).resolves.toBe('low');

    await page.getByTestId('paper-instrument').selectOption(DEMO);
    await page.getByTestId('paper-strategy').selectOption('book-imbalance');
    await setParam(page, 'quantity', '5');
    await setParam(page, 'entry', '0.1');
    await setParam(page, 'exit', '0.05');
    await setParam(page, 'minIntervalMs', '200');
    await page.getByTestId('paper-start').click();
    await expect
      .poll(() => page.getByTestId('paper-running').innerText(), { timeout: 10_000 })
      .toBe(`running book-imbalance on ${DEMO}`);

    const refusal = page.locator('[data-testid="refusal-row"][data-limit="max_order_quantity"]').first();
    await expect.poll(() => refusal.count(), { timeout: 30_000 }).toBe(1);
    await expect(refusal.innerText()).resolves.toMatch(/order quantity would be 5, limit 1/);
    await expect(page.getByTestId('fill-row').count()).resolves.toBe(0);
  });

  it('fills a smaller quantity: fills, positions, the equity curve and a toast', async () => {
    await page.getByTestId('paper-stop').click();
    await expect
      .poll(() => page.getByTestId('paper-running').innerText(), { timeout: 10_000 })
      .toBe('stopped');
    await setParam(page, 'quantity', '0.5');
    await page.getByTestId('paper-start').click();
    await expect
      .poll(() => page.getByTestId('fill-row').count(), { timeout: 45_000, interval: 250 })
      .toBeGreaterThan(0);
    const fill = await page.getByTestId('fill-row').first().innerText();
    expect(fill).toContain('paper');
    expect(fill).toContain(DEMO);
    // Time, venue, instrument, side, price, quantity, fee, liquidity: at most the 0.5 asked (partial fills).
    const [, , , side, price, filled] = fill.split('\t');
    expect(['buy', 'sell']).toContain(side);
    expect(Number(price?.replaceAll(',', ''))).toBeGreaterThan(0);
    expect(Number(filled)).toBeGreaterThan(0);
    expect(Number(filled)).toBeLessThanOrEqual(0.5);

    await expect
      .poll(() => page.getByTestId('toast').first().getAttribute('data-kind'), { timeout: 10_000 })
      .toBe('fill');
    await expect(page.getByTestId('toast').first().innerText()).resolves.toContain('Filled on paper');

    await expect.poll(() => plottedEquity(page), { timeout: 15_000 }).toBeGreaterThan(1);
    await expect
      .poll(() => page.locator('[data-testid="position-row"][data-venue="paper"]').count(), {
        timeout: 10_000,
      })
      .toBe(1);
    const quantity = Number((await page.getByTestId('position-qty').first().innerText()).replaceAll(',', ''));
    // Book-imbalance targets -0.5, 0 or +0.5: the position never goes beyond it.
    expect(Math.abs(quantity)).toBeLessThanOrEqual(0.5 + 1e-9);
    await session.screenshot('trading-paper.png');
  });

  it('shows VaR and expected shortfall by three methods, and stress PnL', async () => {
    await page.getByTestId('risk-refresh').click();
    for (const method of ['historical', 'parametric', 'monte-carlo']) {
      const row = page.getByTestId(`risk-row-${method}`);
      await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    }
    const vars = await page.getByTestId('risk-var').allInnerTexts();
    expect(vars.some((text) => /^-?[\d,]+\.\d\d$/.test(text))).toBe(true);
    await expect(page.getByTestId('stress-row').count()).resolves.toBeGreaterThan(0);
  });

  it('verifies the audit chain and exports it as CSV', async () => {
    await page.getByTestId('audit-refresh').click();
    await expect.poll(() => page.getByTestId('audit-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    await page.getByTestId('audit-kind').selectOption('fill');
    await expect
      .poll(
        async () =>
          new Set(
            await page
              .getByTestId('audit-row')
              .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-kind'))),
          ),
        {
          timeout: 10_000,
        },
      )
      .toEqual(new Set(['fill']));

    await page.getByTestId('audit-verify').click();
    await expect
      .poll(() => page.getByTestId('audit-verdict').innerText(), { timeout: 10_000 })
      .toMatch(/^OK: \d+ entries, chain intact$/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('audit-export').click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const saved = await download.path();
    const csv = readFileSync(saved, 'utf8');
    expect(csv.split('\n').length).toBeGreaterThan(2);
    expect(csv).toContain('fill');
    await expect(page.getByTestId('audit-export-path').innerText()).resolves.toMatch(/^saved .+\.csv$/);
  });

  it('panics: the strategy stops and no order stays open', async () => {
    await page.getByTestId('panic').click();
    await page.getByTestId('panic-confirm').click();
    await expect
      .poll(() => page.getByTestId('paper-running').innerText(), { timeout: 10_000 })
      .toBe('stopped');
    await expect.poll(() => page.getByTestId('open-order-row').count(), { timeout: 10_000 }).toBe(0);
    await expect(page.getByTestId('panic').isVisible()).resolves.toBe(true);
  });

  it('connects binance (the simulator) with its keys; the venue shows up disarmed', async () => {
    await page.getByTestId('view-settings').click();
    await page.getByTestId('exchange-search').fill('binan');
    await page.getByTestId('exchange-option-binance').click();
    await page.getByTestId('endpoint-rest').fill(urls.rest);
    await page.getByTestId('endpoint-ws').fill(urls.ws);
    await page.getByTestId('load-markets').click();
    await expect
      .poll(() => page.getByTestId('market-count').innerText(), { timeout: 15_000 })
      .toBe('1 market');
    // The headless host keeps keys in a passphrase-encrypted file: unlock it first.
    await page.getByPlaceholder('Key store passphrase').fill('e2e passphrase');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await expect.poll(() => page.getByTestId('settings-notice').innerText()).toBe('Key store unlocked.');
    await page.getByPlaceholder('API key').fill(API_KEY);
    await page.getByPlaceholder('Secret').fill(SECRET);
    await page.getByRole('button', { name: 'Save keys' }).click();
    await expect
      .poll(() => page.getByTestId('settings-notice').innerText())
      .toBe('Keys for binance saved, encrypted.');
    await page.getByTestId(`market-option-${SYMBOL}`).locator('input').check();
    await page.getByTestId('connect').click();
    await expect
      .poll(() => page.getByTestId('settings-notice').innerText(), { timeout: 15_000 })
      .toBe(`Streaming ${SYMBOL} from binance.`);

    await page.getByTestId('view-trading').click();
    const card = page.getByTestId('venue-card-binance');
    await expect.poll(() => card.count(), { timeout: 15_000 }).toBe(1);
    await expect(card.getAttribute('data-armed')).resolves.toBe('false');
    await expect(page.getByTestId('venue-state-binance').innerText()).resolves.toBe('DISARMED');
  });

  it('refuses a manual order while disarmed, and places nothing on the exchange', async () => {
    await page.getByTestId('ticket-venue').selectOption('binance');
    await page.getByTestId('ticket-instrument').selectOption(LIVE);
    await page.getByTestId('ticket-side').selectOption('buy');
    await page.getByTestId('ticket-type').selectOption('limit');
    await page.getByTestId('ticket-qty').fill('0.01');
    await page.getByTestId('ticket-price').fill('1500');
    await page.getByTestId('ticket-submit').click();
    const outcome = page.getByTestId('ticket-outcome');
    await expect.poll(() => outcome.getAttribute('data-ok'), { timeout: 10_000 }).toBe('false');
    await expect(outcome.innerText()).resolves.toMatch(/^Refused \(disarmed\): /);
    expect(sim.orders(API_KEY)).toHaveLength(0);
  });

  it('arms only with the exact phrase', async () => {
    await page.getByTestId('arm-binance').click();
    const confirm = page.getByTestId('arm-confirm');
    await page.getByTestId('arm-phrase').fill('arm live trading on binanc');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await page.getByTestId('arm-phrase').fill('ARM LIVE TRADING ON BINANCE');
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await page.getByTestId('arm-phrase').fill('arm live trading on binance');
    await expect(confirm.isDisabled()).resolves.toBe(false);
    await confirm.click();
    await expect.poll(() => page.getByTestId('arm-dialog').count(), { timeout: 10_000 }).toBe(0);
    await expect
      .poll(() => page.getByTestId('venue-card-binance').getAttribute('data-armed'), { timeout: 10_000 })
      .toBe('true');
    await expect(page.getByTestId('venue-state-binance').innerText()).resolves.toBe('ARMED');
  });

  it('places a limit order on the exchange, lists it, and cancels it', async () => {
    await page.getByTestId('ticket-qty').fill('0.01');
    await page.getByTestId('ticket-submit').click();
    const outcome = page.getByTestId('ticket-outcome');
    await expect.poll(() => outcome.getAttribute('data-ok'), { timeout: 10_000 }).toBe('true');
    const row = page.locator('[data-testid="open-order-row"][data-venue="binance"]');
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(1);
    await expect(row.innerText()).resolves.toContain(LIVE);
    expect(sim.orders(API_KEY).map((o) => o.status)).toEqual(['NEW']);
    await session.screenshot('trading-live.png');

    const clientId = (await row.getAttribute('data-client-id')) ?? '';
    await page.getByTestId(`cancel-${clientId}`).click();
    await expect.poll(() => row.count(), { timeout: 15_000 }).toBe(0);
    expect(sim.orders(API_KEY).map((o) => o.status)).toEqual(['CANCELED']);
  });

  it('runs the strategy on the armed live venue: its orders reach the exchange, then it stops', async () => {
    await page.getByTestId('paper-venue').selectOption('binance');
    await expect.poll(() => page.getByTestId('paper-instrument').inputValue()).toBe(LIVE);
    await expect(page.getByTestId('live-strategy-note').innerText()).resolves.toContain(
      'Real orders on binance',
    );
    await page.getByTestId('paper-strategy').selectOption('book-imbalance');
    await setParam(page, 'quantity', '0.01');
    await setParam(page, 'entry', '0.05');
    await setParam(page, 'exit', '0.02');
    await setParam(page, 'minIntervalMs', '200');
    await page.getByTestId('paper-start').click();
    await expect
      .poll(() => page.getByTestId('paper-running').innerText(), { timeout: 10_000 })
      .toBe(`running book-imbalance on ${LIVE}`);
    const liveFill = page.locator('[data-testid="fill-row"]').filter({ hasText: LIVE });
    await expect.poll(() => liveFill.count(), { timeout: 45_000, interval: 250 }).toBeGreaterThan(0);
    expect(sim.fills(API_KEY).length).toBeGreaterThan(0);
    await page.getByTestId('paper-stop').click();
    await expect
      .poll(() => page.getByTestId('paper-running').innerText(), { timeout: 10_000 })
      .toBe('stopped');
    // An order on its way at the stop may still land; after that, nothing more is placed.
    const creates = () => sim.orderRequests.filter((r) => r.method === 'POST').length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const placed = creates();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(creates()).toBe(placed);
    await page.getByTestId('paper-venue').selectOption('paper');
  });

  it('panic disarms the live venue', async () => {
    await page.getByTestId('panic').click();
    await page.getByTestId('panic-confirm').click();
    await expect
      .poll(() => page.getByTestId('venue-card-binance').getAttribute('data-armed'), { timeout: 10_000 })
      .toBe('false');
    await expect(page.getByTestId('open-order-row').count()).resolves.toBe(0);
  });

  it('trips the drawdown kill switch: a breaker notice, the breaker listed, every venue disarmed', async () => {
    // Any fall from the peak equity trips it; the positions held keep the equity moving.
    await page.getByTestId('limit-maxDrawdown').fill('0.000000001');
    await page.getByTestId('limits-save').click();
    await expect.poll(() => page.getByTestId('gauge-maxDrawdown').count(), { timeout: 5_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('breaker-row').count(), { timeout: 30_000 }).toBe(1);
    await expect(page.getByTestId('breaker-row').innerText()).resolves.toMatch(/^max_drawdown tripped/);
    await expect
      .poll(() => page.locator('[data-testid="toast"][data-kind="breaker"]').count(), { timeout: 5_000 })
      .toBeGreaterThan(0);
    await expect
      .poll(() => page.getByTestId('venue-card-paper').getAttribute('data-armed'), { timeout: 5_000 })
      .toBe('false');
    await expect(page.getByTestId('venue-reason-paper').innerText()).resolves.toContain('max_drawdown');
    await expect(page.getByTestId('venue-card-binance').getAttribute('data-armed')).resolves.toBe('false');
    await session.screenshot('trading-breaker.png');
    expect(pageErrors).toEqual([]);
  });
});
