import { describe, expect, it } from 'vitest';
import { fft } from '../../../../../shared/features/catalogue/frequency.js';
import { bar, probe, type FeatureProbe } from '../../../../fixtures/feature-streams.js';

function closes(p: FeatureProbe, values: readonly number[]): void {
  values.forEach((close, i) => p.feature.onBar?.(bar({ close, openTime: i * 60_000 })));
}

const a = Math.log(1.1);

describe('frequency and scaling features', () => {
  it('fft matches the DFT written out for n = 4', () => {
    const re = new Float64Array([1, 2, 3, 4]);
    const im = new Float64Array(4);
    fft(re, im);
    // X0 = 10, X1 = -2 + 2i, X2 = -2, X3 = -2 - 2i.
    expect([...re].map((x) => Math.round(x * 1e12) / 1e12)).toEqual([10, -2, -2, -2]);
    expect([...im].map((x) => Math.round(x * 1e12) / 1e12 + 0)).toEqual([0, 2, 0, -2]);
  });

  it('fft_band_power puts an alternating series at the Nyquist frequency', () => {
    // Returns a, -a, a, -a: X2 = 4a, all else 0 -> P(0.5) = |4a|^2 / 4 = 4a^2 (= sum of squares).
    const p = probe('fft_band_power', { window: 4, edges: [0, 0.3, 0.5] });
    closes(p, [100, 110, 100, 110]);
    expect(p.value('band0')).toBeNaN();
    closes(p, [100]);
    expect(p.value('band0')).toBeCloseTo(0, 15);
    expect(p.value('band1')).toBeCloseTo(4 * a * a, 14);
  });

  it('fft_band_power puts a slow wave in the low band', () => {
    // Returns a, a, -a, -a: X1 = 2a - 2ai, |X1|^2 = 8a^2, one-sided P(0.25) = 2 * 8a^2 / 4 = 4a^2.
    const p = probe('fft_band_power', { window: 4, edges: [0, 0.3, 0.5] });
    closes(p, [100, 110, 121, 110, 100]);
    expect(p.value('band0')).toBeCloseTo(4 * a * a, 14);
    expect(p.value('band1')).toBeCloseTo(0, 15);
  });

  it('rejects a window that is not a power of two', () => {
    expect(() => probe('fft_band_power', { window: 48 })).toThrow(/power of two/);
  });

  it('haar_energy sums squared detail coefficients per level', () => {
    // Returns p, p, q, p with p = ln 1.1, q = ln 0.9.
    const p = probe('haar_energy', { window: 4, levels: 2 });
    closes(p, [100, 110, 121, 108.9, 119.79]);
    const up = Math.log(1.1);
    const down = Math.log(0.9);
    // Level 1: ((p - p)^2 + (q - p)^2) / 2. Level 2: ((p + p) - (q + p))^2 / 4.
    expect(p.value('level1')).toBeCloseTo((down - up) ** 2 / 2, 14);
    expect(p.value('level2')).toBeCloseTo((up - down) ** 2 / 4, 14);
  });

  it('hurst is the slope of ln(R/S) against ln(chunk size)', () => {
    // Returns a, -a, a, -a, a, a, -a, -a. Chunks of 4: R/S = 1 and 2 (mean 1.5); the whole 8:
    // cumulative a, 0, a, 0, a, 2a, a, 0 -> R = 2a, S = a, R/S = 2. H = ln(2 / 1.5) / ln 2.
    const p = probe('hurst', { window: 8, minChunk: 4 });
    closes(p, [100, 110, 100, 110, 100, 110, 121, 110, 100]);
    expect(p.value()).toBeCloseTo(Math.log(4 / 3) / Math.LN2, 10);
  });

  it('fractal_dimension (Higuchi) is 1 for a straight line', () => {
    const p = probe('fractal_dimension', { window: 16, kMax: 4 });
    closes(
      p,
      Array.from({ length: 16 }, (_, i) => Math.exp(0.01 * i)),
    );
    expect(p.value()).toBeCloseTo(1, 9);
  });

  it('fractal_dimension (Higuchi) matches the curve lengths written out', () => {
    // x = 0, 1, 3, 2, 4, 5, 7, 6 (log closes), N = 8, kMax = 2.
    // L(1) = 10 * 7 / 7 = 10; L(2) = mean(7 * 7 / 6 / 2, 5 * 7 / 6 / 2) = 3.5; D = log2(10 / 3.5).
    const p = probe('fractal_dimension', { window: 8, kMax: 2 });
    closes(
      p,
      [0, 1, 3, 2, 4, 5, 7, 6].map((x) => Math.exp(x)),
    );
    expect(p.value()).toBeCloseTo(Math.log2(10 / 3.5), 9);
  });
});
