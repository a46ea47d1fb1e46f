import { describe, expect, it } from 'vitest';
import { catalogueEntries } from '../../../../../shared/features/pipeline/catalogue-info.js';

describe('the catalogue as the UI sees it', () => {
  const entries = catalogueEntries();
  const entry = (kind: string) => entries.find((e) => e.kind === kind);

  it('gives every feature a title, a one-line definition and its default outputs', () => {
    for (const e of entries) {
      expect(e.title.length).toBeGreaterThan(0);
      expect(e.definition).not.toMatch(/\n/);
    }
    expect(entry('macd')?.outputs).toEqual(['line', 'signal', 'histogram']);
  });

  it('reads form fields from the parameter schemas: bounds, defaults and options', () => {
    expect(entry('book_imbalance')?.params).toEqual([
      { name: 'levels', type: 'integer', default: 5, options: null, min: 1, max: 1000 },
    ]);
    const timeframe = entry('rsi')?.params.find((p) => p.name === 'timeframe');
    expect(timeframe).toMatchObject({ type: 'enum', default: '1m' });
    expect(timeframe?.options).toContain('1s');
    // The wrapped feature of a rolling statistic is structured: edited as JSON.
    expect(entry('rolling')?.params.find((p) => p.name === 'of')?.type).toBe('json');
  });
});
