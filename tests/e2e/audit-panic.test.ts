import { type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkstation, type WorkstationPage } from '../fixtures/workstation-page.js';

// The trader's audit log read as sentences, and PANIC with flatten, on the demo market's paper
// venue: a fresh headless host of its own, nothing shared with other e2e files.

const DEMO = 'demo:DEMO/USD';

const sentences = (page: Page): Promise<string[]> => page.getByTestId('audit-sentence').allInnerTexts();

async function paperQuantity(page: Page): Promise<string | null> {
  const row = page.locator('[data-testid="position-row"][data-venue="paper"]');
  if ((await row.count()) === 0) return null;
  return row.getByTestId('position-qty').innerText();
}

async function refreshedSentences(page: Page): Promise<string[]> {
  await page.getByTestId('audit-refresh').click();
  return sentences(page);
}

describe('audit sentences and PANIC with flatten', () => {
  let session: WorkstationPage;
  let page: Page;

  beforeAll(async () => {
    session = await openWorkstation();
    ({ page } = session);
    await page.getByTestId('view-trading').click();
    await page.getByTestId('venue-card-paper').waitFor({ timeout: 15_000 });
  });

  afterAll(async () => {
    await session.close();
  });

  it('says a manual paper buy as a sentence, newest first, with its JSON on demand and a filter', async () => {
    await page.getByTestId('ticket-venue').selectOption('paper');
    await page.getByTestId('ticket-instrument').selectOption(DEMO);
    await page.getByTestId('ticket-side').selectOption('buy');
    await page.getByTestId('ticket-type').selectOption('market');
    await page.getByTestId('ticket-qty').fill('2');
    await page.getByTestId('ticket-submit').click();
    await expect.poll(() => paperQuantity(page), { timeout: 20_000 }).toBe('2');

    await expect
      .poll(
        async () =>
          (await refreshedSentences(page)).some((s) => /^Paper: bought [\d.]+ DEMO\/USD at [\d,.]+/.test(s)),
        {
          timeout: 10_000,
        },
      )
      .toBe(true);
    const stamps = (
      await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-ts')))
    ).map(Number);
    expect(stamps.length).toBeGreaterThan(2);
    expect(stamps).toEqual([...stamps].sort((a, b) => b - a));

    // The exact record is one click away.
    await expect(page.getByTestId('audit-json').count()).resolves.toBe(0);
    const fillRow = page.getByTestId('audit-row').filter({ hasText: 'Paper: bought' }).first();
    await fillRow.getByTestId('audit-expand').click();
    const json = JSON.parse(await page.getByTestId('audit-json').first().innerText()) as Record<
      string,
      unknown
    >;
    expect(json).toMatchObject({ venue: 'paper', instrument: DEMO, side: 'buy' });

    // The text filter keeps only matching rows; the venue filter only that venue's.
    await page.getByTestId('audit-search').fill('bought');
    await expect.poll(async () => (await sentences(page)).length, { timeout: 5_000 }).toBeGreaterThan(0);
    for (const s of await sentences(page)) expect(s.toLowerCase()).toContain('bought');
    await page.getByTestId('audit-search').fill('');
    await page.getByTestId('audit-venue').selectOption('paper');
    for (const s of await sentences(page)) expect(s).toMatch(/^Paper: /);
    await page.getByTestId('audit-venue').selectOption('');
  });

  it('PANIC with flatten leaves no position and audits the closing order', async () => {
    await page.getByTestId('panic').click();
    await page.getByTestId('panic-flatten').click();
    await expect.poll(() => paperQuantity(page), { timeout: 20_000 }).toBe('0');
    await expect(page.getByTestId('panic-report').innerText()).resolves.toBe('1 closing order(s) sent');
    await expect.poll(() => page.getByTestId('open-order-row').count(), { timeout: 10_000 }).toBe(0);

    await expect
      .poll(
        async () => {
          const said = await refreshedSentences(page);
          return [
            said.includes('All venues: PANIC: cancel every order, disarm, and flatten every position'),
            said.includes('Paper: flatten: sent sell 2 DEMO/USD at market'),
            said.some((s) => /^Paper: sold [\d.]+ DEMO\/USD at [\d,.]+/.test(s)),
          ];
        },
        { timeout: 10_000 },
      )
      .toEqual([true, true, true]);
    expect(session.pageErrors).toEqual([]);
  });
});
