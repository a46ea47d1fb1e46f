import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';
import { recordedFor, saveBookFeatureSet, trainQuickModel } from '../fixtures/quick-model.js';
import { wsTransport } from '../fixtures/ws-client.js';

// A trader paper-trades a registered model: the ML-signal strategy on the demo market, sized by
// capped Kelly on the model's probability, its signals in the audit log.

const DEMO = 'demo:DEMO/USD';

async function setParam(page: Page, name: string, value: string): Promise<void> {
  const input = page.getByTestId('paper-panel').getByTestId(`bt-param-${name}`);
  await input.fill(value);
  await input.blur();
}

describe('the ML-signal strategy in the trading view', () => {
  let session: WorkstationPage;
  let page: Page;
  let pageErrors: string[] = [];
  let client: ApiClient;
  let modelId = 0;

  beforeAll(async () => {
    session = await openWorkstation();
    ({ page, pageErrors } = session);
    const url = new URL(session.host.url);
    client = createApiClient(
      wsTransport(`ws://${url.host}/api?token=${url.searchParams.get('token') ?? ''}`),
    );
    const set = await saveBookFeatureSet(client, 'event');
    const from = Date.now() + 1_000;
    await recordedFor(client, DEMO, from, 7_000);
    modelId = await trainQuickModel(
      client,
      { name: 'paper gbdt', featureSetId: set.id, from, to: Date.now() },
      30_000,
    );
    await page.getByTestId('view-trading').click();
    await page.getByTestId('venue-card-paper').waitFor({ timeout: 15_000 });
  }, 90_000);

  afterAll(async () => {
    await session.close();
  });

  it('offers capped Kelly only with the ML strategy, and lists the models of the instrument', async () => {
    await page.getByTestId('paper-instrument').selectOption(DEMO);
    await page.getByTestId('paper-strategy').selectOption('book-imbalance');
    await expect(page.getByTestId('paper-sizing').locator('option[value="kelly"]').count()).resolves.toBe(0);
    await expect(page.getByTestId('paper-model').count()).resolves.toBe(0);

    await page.getByTestId('paper-strategy').selectOption('ml-signal');
    await expect
      .poll(() => page.getByTestId('paper-model').locator('option').allInnerTexts(), { timeout: 10_000 })
      .toEqual([`#${modelId} paper gbdt (gbdt)`]);
    await expect(page.getByTestId('paper-sizing').locator('option[value="kelly"]').count()).resolves.toBe(1);
  });

  it('paper-trades the model: its P(up) on the panel, fills, and each signal in the audit log', async () => {
    await setParam(page, 'longAbove', '0.5');
    await setParam(page, 'shortBelow', '0.5');
    await setParam(page, 'minIntervalMs', '500');
    await page.getByTestId('paper-panel').getByTestId('bt-param-on').selectOption('event');
    await page.getByTestId('paper-sizing').selectOption('kelly');
    await page.getByTestId('paper-kellyCap').fill('0.1');
    await page.getByTestId('paper-kellyCap').blur();
    await page.getByTestId('paper-start').click();
    await expect
      .poll(() => page.getByTestId('paper-running').innerText(), { timeout: 15_000 })
      .toBe(`running ml-signal on ${DEMO}`);
    await expect
      .poll(() => page.getByTestId('paper-signal').innerText(), { timeout: 15_000 })
      .toMatch(
        new RegExp(`^model ${modelId}: \\d+ predictions; P\\(up\\) 0\\.\\d{3} at \\d{4}-\\d\\d-\\d\\d`),
      );
    await expect
      .poll(() => page.getByTestId('fill-row').count(), { timeout: 45_000, interval: 250 })
      .toBeGreaterThan(0);

    await page.getByTestId('audit-kind').selectOption('signal');
    await page.getByTestId('audit-refresh').click();
    await expect.poll(() => page.getByTestId('audit-row').count(), { timeout: 10_000 }).toBeGreaterThan(0);
    const kinds = await page
      .getByTestId('audit-row')
      .evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-kind')))]);
    expect(kinds).toEqual(['signal']);
    // The Kelly sizing decision, with its probability and fraction, is in the log too.
    const sized = (await client.call('trading.audit.list', { kind: 'decision', limit: 500 }))
      .map((e) => e.payload as { action: string; rule?: string; kelly?: number; ok?: boolean })
      .filter((d) => d.action === 'sized' && d.ok === true);
    expect(sized.length).toBeGreaterThan(0);
    for (const d of sized) {
      expect(d.rule).toBe('kelly');
      expect(d.kelly).toBeGreaterThan(0);
      expect(d.kelly).toBeLessThanOrEqual(0.1);
    }
    await session.screenshot('trading-ml-signal.png');
    expect(pageErrors).toEqual([]);
  });
});
