import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import { startBinanceSimulator, type BinanceSimulator } from '../exchange-sim/binance-sim.js';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';
import { wsTransport } from '../fixtures/ws-client.js';

// The allocation panel of the Trading view: the host streams the demo market and a second
// instrument (the Binance simulator), the user computes risk-parity weights on their 1s returns,
// reads the chart and the tables, and carries the rebalance out on paper under a size limit.

const DEMO = 'demo:DEMO/USD';
const SYMBOL = 'ETH/USDT';
const ETH = `binance:${SYMBOL}`;
const LOOKBACK = 40;

/** Bars plotly holds for the weights chart, by instrument. */
function plottedWeights(page: Page): Promise<Record<string, number>> {
  return page.getByTestId('alloc-plot').evaluate((element) => {
    const chart = element as HTMLElement & { data?: { x?: unknown[]; y?: unknown[] }[] };
    const trace = chart.data?.[0];
    const out: Record<string, number> = {};
    (trace?.x ?? []).forEach((x, i) => {
      out[String(x)] = Number(trace?.y?.[i]);
    });
    return out;
  });
}

async function setNumber(page: Page, testId: string, value: string): Promise<void> {
  const input = page.getByTestId(testId);
  await input.fill(value);
  await input.blur();
}

describe('allocation panel on the headless host', () => {
  let sim: BinanceSimulator;
  let session: WorkstationPage;
  let page: Page;
  let pageErrors: string[] = [];
  let client: ApiClient;

  beforeAll(async () => {
    const started = await startBinanceSimulator({
      markets: [{ symbol: SYMBOL, startPrice: 2000, tickSize: 0.1, lotSize: 0.001, seed: 7 }],
    });
    sim = started.sim;
    session = await openWorkstation();
    ({ page, pageErrors } = session);
    const url = new URL(session.host.url);
    client = createApiClient(
      wsTransport(`ws://${url.host}/api?token=${url.searchParams.get('token') ?? ''}`),
    );
    await client.call('exchanges.connect', {
      exchange: 'binance',
      symbols: [SYMBOL],
      endpoint: { rest: started.urls.rest, ws: started.urls.ws },
    });
  });

  afterAll(async () => {
    await session.close();
    await sim.stop();
  });

  it('computes weights, draws them, and rebalances on paper with each order sent or refused', async () => {
    // Both instruments record 1s candles: wait for 40 aligned closed bars of each. From cash, with
    // two instruments, each trade's benefit is proportional to 1 + 2 x their sample correlation
    // (independent markets here): on 10 returns that falls below 0 about one run in twenty, on 40
    // about one in three thousand.
    await expect
      .poll(
        () =>
          client
            .call('trading.allocation', {
              instruments: [DEMO, ETH],
              method: 'risk-parity',
              timeframe: '1s',
              lookbackBars: LOOKBACK,
            })
            .then((a) => a.returns)
            .catch(() => 0),
        { timeout: 90_000, interval: 500 },
      )
      .toBeGreaterThanOrEqual(LOOKBACK);
    // The window lists the instruments it finds at start: open it again to see ETH.
    await page.reload();
    await page.getByTestId('view-trading').click();
    await page.getByTestId('allocation-panel').waitFor({ timeout: 15_000 });
    const panel = page.getByTestId('allocation-panel');
    await expect(page.getByTestId('alloc-rebalance').isDisabled()).resolves.toBe(true);

    // One instrument is not an allocation: the form says so before anything is sent.
    await page.getByTestId(`alloc-instrument-${DEMO}`).check();
    await page.getByTestId('alloc-compute').click();
    await expect(page.getByTestId('alloc-problem').innerText()).resolves.toBe('Pick 2 to 12 instruments');

    // The App's refusal is shown inline: no daily bars are recorded yet.
    await page.getByTestId(`alloc-instrument-${ETH}`).check();
    await page.getByTestId('alloc-method').selectOption('risk-parity');
    await page.getByTestId('alloc-timeframe').selectOption('1d');
    await page.getByTestId('alloc-compute').click();
    await expect
      .poll(() => page.getByTestId('alloc-problem').innerText())
      .toBe(`only 0 aligned 1d returns recorded for ${DEMO}, ${ETH}; 10 needed`);
    await expect(page.getByTestId('alloc-rebalance').isDisabled()).resolves.toBe(true);

    await page.getByTestId('alloc-timeframe').selectOption('1s');
    await setNumber(page, 'alloc-lookback', String(LOOKBACK));
    // A high risk aversion: on 1s returns only then is tracking the target worth a 0.1% fee.
    await setNumber(page, 'alloc-risk-aversion', '1000000000');
    await page.getByTestId('alloc-compute').click();
    await expect.poll(() => page.getByTestId('alloc-weight-row').count(), { timeout: 10_000 }).toBe(2);
    await expect(page.getByTestId('alloc-problem').count()).resolves.toBe(0);
    await expect(page.getByTestId('alloc-sample').innerText()).resolves.toMatch(
      /^Risk parity on \d+ returns of 1s$/,
    );

    // The chart holds one bar per instrument, the same weights as the table, summing to 1.
    await expect.poll(() => page.getByTestId('alloc-plot').getAttribute('data-bars')).toBe('2');
    const plotted = await plottedWeights(page);
    expect(Object.keys(plotted).sort()).toEqual([DEMO, ETH].sort());
    expect((plotted[DEMO] ?? 0) + (plotted[ETH] ?? 0)).toBeCloseTo(1, 9);
    for (const id of [DEMO, ETH]) {
      const shown = await panel
        .locator(`[data-testid="alloc-weight-row"][data-instrument="${id}"] [data-testid="alloc-weight"]`)
        .innerText();
      expect(shown).toBe(`${((plotted[id] ?? 0) * 100).toFixed(2)}%`);
    }
    // From all cash both rows are worth their fees at this risk aversion.
    const rows = panel.getByTestId('alloc-plan-row');
    await expect(rows.count()).resolves.toBe(2);
    for (const trade of await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-trade'))))
      expect(trade).toBe('true');
    await expect(panel.getByTestId('alloc-plan-action').first().innerText()).resolves.toMatch(
      new RegExp(`^trade: benefit [\\d.]+ over ${LOOKBACK} bars exceeds the fee [\\d.]+$`),
    );
    const totalFees = Number((await page.getByTestId('alloc-total-fees').innerText()).replaceAll(',', ''));
    // 0.1% of a fully invested 100,000.
    expect(totalFees).toBeCloseTo(100, 0);

    // The demo (about 100 a unit) buys hundreds, ETH (2000) tens: a limit of 100 refuses the first.
    await client.call('trading.limits.set', { maxOrderQuantity: 100 });
    await expect(page.getByTestId('alloc-rebalance').isEnabled()).resolves.toBe(true);
    await page.getByTestId('alloc-rebalance').click();
    await expect.poll(() => page.getByTestId('alloc-outcome-row').count(), { timeout: 10_000 }).toBe(2);
    const demo = panel.locator(`[data-testid="alloc-outcome-row"][data-instrument="${DEMO}"]`);
    const eth = panel.locator(`[data-testid="alloc-outcome-row"][data-instrument="${ETH}"]`);
    await expect(demo.getAttribute('data-ok')).resolves.toBe('false');
    await expect(demo.getByTestId('alloc-outcome').innerText()).resolves.toMatch(
      /^refused \(max_order_quantity\): max_order_quantity: order quantity would be [\d.,]+, limit 100$/,
    );
    await expect(eth.getAttribute('data-ok')).resolves.toBe('true');
    const sent = await eth.getByTestId('alloc-outcome').innerText();
    expect(sent).toMatch(/^sent as manual-\S+$/);
    await expect(eth.innerText()).resolves.toMatch(new RegExp(`^buy [\\d.,]+ ${ETH.replace('/', '\\/')}`));

    // The sent order fills on paper: the fills table shows ETH bought.
    await expect
      .poll(() => page.locator('[data-testid="fill-row"]', { hasText: ETH }).count(), { timeout: 15_000 })
      .toBeGreaterThan(0);
    const [decision] = (await client.call('trading.audit.list', { kind: 'decision', limit: 20 })).filter(
      (e) => (e.payload as { action?: unknown }).action === 'rebalance',
    );
    expect(decision?.payload).toMatchObject({ venue: 'paper', action: 'rebalance', method: 'risk-parity' });
    await panel.scrollIntoViewIfNeeded();
    await session.screenshot('trading-allocation.png');
    expect(pageErrors).toEqual([]);
  });
});
