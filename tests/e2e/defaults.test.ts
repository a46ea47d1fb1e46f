import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiClient } from '../../shared/api/client.js';
import { jobEnd } from '../fixtures/job-watch.js';
import { writeBinanceTradesDump } from '../fixtures/trade-dumps.js';
import { hostClient, openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';

const DEMO = 'demo:DEMO/USD';
const ETH = 'binance:ETH/USDT';
const XBT = 'kraken:XBT/USD';
const REFUSED = 'binance:BAD/USDT';
/** One trade a second for two hours, a week ago: ETH's coverage, unlike the last 24 h. */
const ETH_FROM = Date.UTC(2026, 10, 30, 8);
const ETH_ROWS = 7_200;
const BOOK_SET = [
  { kind: 'book_imbalance', params: {} },
  { kind: 'spread', params: {} },
];

describe('defaults follow the header instrument', () => {
  let session: WorkstationPage;
  let page: Page;
  let client: ApiClient;
  let ethSetId = '';
  let refusedState = '';

  beforeAll(async () => {
    session = await openWorkstation();
    ({ page } = session);
    client = hostClient(session.host);
    // ETH and XBT from Binance dumps (stored trades, no live book), feature sets saved on the
    // demo market and ETH (none on XBT), and an import refused for a bad row: one reload after.
    for (const [id, name] of [
      [ETH, 'ETHUSDT'],
      [XBT, 'XBTUSD'],
    ] as const) {
      const file = path.join(session.host.dataDir, `${name}-trades-2026-11-30.csv`);
      await writeBinanceTradesDump(file, ETH_ROWS, { startTs: ETH_FROM, spacingMs: 1000 });
      const job = await client.call('history.import', { path: file, instrument: id, create: {} });
      expect((await jobEnd(client, job.id, 'import', 60_000)).state).toBe('done');
    }
    await client.call('features.sets.save', { name: 'Demo book', instrument: DEMO, features: BOOK_SET });
    const saved = await client.call('features.sets.save', {
      name: 'ETH book',
      instrument: ETH,
      features: BOOK_SET,
    });
    ethSetId = saved.id;
    const bad = path.join(session.host.dataDir, 'BADUSDT-trades-2026-11-30.csv');
    writeFileSync(
      bad,
      '1,100.0,1.0,100.0,1764489600000,true,true\n2,not-a-price,1.0,1.0,1764489601000,true,true\n',
    );
    const job = await client.call('history.import', { path: bad, instrument: REFUSED, create: {} });
    refusedState = (await jobEnd(client, job.id, 'import', 60_000)).state;
    await page.reload();
  });

  afterAll(async () => {
    await session.close();
  });

  const pickHeader = async (id: string): Promise<void> => {
    await page.locator('.instrument-picker select').selectOption(id);
  };

  it('leaves no new instrument behind when an import into it is refused', async () => {
    expect(refusedState).toBe('failed');
    const ids = (await client.call('markets.list', {})).map((i) => i.id);
    expect(ids).toEqual([ETH, DEMO, XBT].sort());
    await expect
      .poll(() => page.locator('.instrument-picker select option').allInnerTexts())
      .toEqual(['ETH/USDT · binance', 'DEMO/USD · demo', 'XBT/USD · kraken']);
  });

  it('points every form at the header instrument when it changes', async () => {
    await page.getByTestId('view-backtests').click();
    await pickHeader(ETH);
    await expect.poll(() => page.getByTestId('bt-instrument').inputValue()).toBe(ETH);
    await page.getByTestId('view-trading').click();
    await expect.poll(() => page.getByTestId('ticket-instrument').inputValue()).toBe(ETH);
    await expect.poll(() => page.getByTestId('paper-instrument').inputValue()).toBe(ETH);
    await page.getByTestId('view-training').click();
    await expect.poll(() => page.getByTestId('train-set').inputValue()).toBe(ethSetId);
    await page.getByTestId('view-features').click();
    await expect.poll(() => page.getByTestId('features-view').innerText()).toContain(`${ETH} · hash`);

    await page.getByTestId('view-data').click();
    const exportPanel = page.locator('section[aria-label="Export"]');
    await expect.poll(() => exportPanel.locator('select').first().inputValue()).toBe(ETH);
    // The range is ETH's coverage (its two hours of trades), not the last 24 h.
    const times = exportPanel.locator('input[type="datetime-local"]');
    // Chromium drops ':00' seconds from the value: compare instants.
    await expect.poll(async () => Date.parse(`${await times.first().inputValue()}Z`)).toBe(ETH_FROM);
    const lastMinute = ETH_FROM + (ETH_ROWS - 1) * 1000;
    expect(Date.parse(`${await times.last().inputValue()}Z`)).toBeGreaterThan(lastMinute - 60_000);
    expect(Date.parse(`${await times.last().inputValue()}Z`)).toBeLessThanOrEqual(lastMinute + 60_000);

    // Back on the demo, the forms follow again.
    await pickHeader(DEMO);
    await expect.poll(() => exportPanel.locator('select').first().inputValue()).toBe(DEMO);
    await page.getByTestId('view-backtests').click();
    await expect.poll(() => page.getByTestId('bt-instrument').inputValue()).toBe(DEMO);
    expect(session.pageErrors).toEqual([]);
  });

  it('shows the demo window with the size it uses, and warns when the disk runs low', async () => {
    await page.getByTestId('view-data').click();
    await expect
      .poll(() => page.getByTestId('demo-window').innerText())
      .toContain(`The demo market (${DEMO}) keeps its last 24 h`);
    await expect.poll(() => page.getByTestId('demo-size').innerText()).toMatch(/^\d+(\.\d+)? (kB|MB|GB)$/);
    await expect.poll(() => page.getByTestId('disk-space').innerText()).toMatch(/^Disk: .* free of .*/);
    expect(await page.getByTestId('disk-free').innerText()).toMatch(/\d/);

    // A threshold above the disk's free space: the warning, with the figure, in Data and the status bar.
    await page.getByTestId('low-disk-gb').fill('1000000');
    await page.getByTestId('demo-window-hours').fill('12');
    await page.getByTestId('storage-save').click();
    await expect.poll(() => page.getByTestId('disk-space').innerText()).toMatch(/^Disk low: .* free of /);
    await expect
      .poll(() => page.locator('.status-field.warn [data-testid="disk-free"]').count(), { timeout: 10_000 })
      .toBe(1);
    await expect.poll(() => page.getByTestId('demo-window').innerText()).toContain('keeps its last 12 h');
    expect(await client.call('storage.get', {})).toMatchObject({
      settings: { demoWindowHours: 12, lowDiskBytes: 1e15 },
      disk: { low: true },
    });
    await session.screenshot('defaults-data-storage.png');
    expect(session.pageErrors).toEqual([]);
  });
  it("shows the instrument's own source and says it has no feature values", async () => {
    await page.getByTestId('view-markets').click();
    await pickHeader(XBT);
    await expect.poll(() => page.getByTestId('instrument-source').innerText()).toBe('Source kraken (stored)');
    await expect.poll(() => page.getByTestId('book-features-none').count()).toBe(1);
    await expect
      .poll(() => page.getByTestId('live-feature-set-none').innerText())
      .toContain('No feature values for XBT/USD');
    expect(await page.getByTestId('live-feature').count()).toBe(0);

    await pickHeader(DEMO);
    await expect.poll(() => page.getByTestId('instrument-source').innerText()).toBe('Source demo');
    await expect.poll(() => page.getByTestId('live-feature').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.getByTestId('live-feature-set-none').count()).toBe(0);
    expect(await page.getByTestId('book-features-none').count()).toBe(0);
  });
});
