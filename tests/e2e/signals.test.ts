import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, type ApiClient } from '../../shared/api/client.js';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';
import { recordedFor, saveBookFeatureSet, trainQuickModel } from '../fixtures/quick-model.js';
import { until } from '../fixtures/until.js';
import { wsTransport } from '../fixtures/ws-client.js';

const DEMO = 'demo:DEMO/USD';

/** Points of each trace plotly holds for a chart element, by trace name. */
function plottedTraces(page: Page, testId: string): Promise<Record<string, number>> {
  return page.getByTestId(testId).evaluate((element) => {
    const chart = element as HTMLElement & { data?: { name?: string; x?: unknown[] }[] };
    const out: Record<string, number> = {};
    for (const trace of chart.data ?? [])
      if (trace.name !== undefined) out[trace.name] = trace.x?.length ?? 0;
    return out;
  });
}

describe('signals view on the headless host', () => {
  let session: WorkstationPage;
  let page: Page;
  let pageErrors: string[] = [];
  let client: ApiClient;

  /** Trains a small GBDT on the seconds the host has recorded, through the API. */
  const train = (setId: string, name: string, trees: number, from: number) =>
    trainQuickModel(client, { name, featureSetId: setId, trees, from, to: Date.now() }, 30_000);

  /**
   * Starts a registered model in the Signals view in `role`, unless a row of it runs already:
   * each test starts what it needs, so any one of them runs alone (`-t`).
   */
  const startModel = async (name: string, role: 'primary' | 'shadow', rows: number): Promise<void> => {
    if (await page.getByTestId('live-model-row').filter({ hasText: name }).count()) return;
    await page
      .getByTestId('start-model-select')
      .selectOption({ label: (await optionLabel(page, name)) ?? '' });
    await page.getByTestId('start-role').selectOption(role);
    await page.getByTestId('start-model').click();
    await expect.poll(() => page.getByTestId('live-model-row').count(), { timeout: 10_000 }).toBe(rows);
  };

  beforeAll(async () => {
    session = await openWorkstation();
    ({ page, pageErrors } = session);
    const url = new URL(session.host.url);
    client = createApiClient(
      wsTransport(`ws://${url.host}/api?token=${url.searchParams.get('token') ?? ''}`),
    );
    // Both models the tests start, trained on a few seconds the host records of the demo market.
    const set = await saveBookFeatureSet(client, 'event');
    const from = Date.now() + 1_000;
    await recordedFor(client, DEMO, from, 7_000);
    await train(set.id, 'signals gbdt', 10, from);
    await train(set.id, 'shadow gbdt', 4, from);
    await page.getByTestId('view-signals').click();
    await until(
      () => page.getByTestId('start-model-select').locator('option').allInnerTexts(),
      (labels) => labels.length === 2,
      10_000,
    );
  }, 120_000);

  afterAll(async () => {
    await session.close();
  });

  it('starts a registered model as primary and plots its predicted P(up) over the mid', async () => {
    await expect
      .poll(() => page.getByTestId('start-model-select').locator('option').allInnerTexts(), {
        timeout: 10_000,
      })
      .toEqual([expect.stringMatching(/shadow gbdt · gbdt/), expect.stringMatching(/signals gbdt · gbdt/)]);
    await startModel('signals gbdt', 'primary', 1);
    await expect
      .poll(async () => (await plottedTraces(page, 'prediction-plot'))['signals gbdt (primary)'] ?? 0, {
        timeout: 15_000,
      })
      .toBeGreaterThan(10);
    await expect.poll(async () => (await plottedTraces(page, 'prediction-plot')).mid ?? 0).toBeGreaterThan(2);
    await expect
      .poll(async () => Number(await page.getByTestId('live-predictions').first().innerText()), {
        timeout: 5_000,
      })
      .toBeGreaterThan(10);
    await expect(page.getByTestId('live-model-row').first().innerText()).resolves.toMatch(/primary.*µs|ms/s);
    // A tree model predicts in its own TypeScript: the row says so (networks: plain forward pass).
    await expect(page.getByTestId('live-path').first().innerText()).resolves.toBe('plain TypeScript');
  });

  it('runs a shadow beside it and shows how often the two agree', async () => {
    await startModel('signals gbdt', 'primary', 1);
    await startModel('shadow gbdt', 'shadow', 2);
    await expect
      .poll(async () => (await plottedTraces(page, 'prediction-plot'))['shadow gbdt (shadow)'] ?? 0, {
        timeout: 15_000,
      })
      .toBeGreaterThan(10);
    await expect
      .poll(() => page.getByTestId('agreement').innerText(), { timeout: 10_000 })
      .toMatch(/agree: \d+\.\d% of \d+ rows/);
    await session.screenshot('signals.png');
    await page.getByTestId('live-model-row').last().getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByTestId('live-model-row').count(), { timeout: 5_000 }).toBe(1);
    expect(pageErrors).toEqual([]);
  });
});

async function optionLabel(page: Page, name: string): Promise<string | undefined> {
  const labels = await page.getByTestId('start-model-select').locator('option').allInnerTexts();
  return labels.find((label) => label.includes(name));
}
