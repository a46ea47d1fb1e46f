import { describe, expect, it } from 'vitest';
import type { Prediction } from '../../../../shared/api/domains/models.js';
import {
  AgreementTracker,
  appendSignals,
  calledClass,
  SIGNAL_HISTORY,
} from '../../../../renderer/src/stores/signals.js';

const prediction = (
  role: Prediction['role'],
  ts: number,
  output: number[],
  uncertainty: number | null = null,
): Prediction => ({
  modelId: role === 'primary' ? 1 : 2,
  role,
  ts,
  output,
  confidence: Math.max(...output),
  uncertainty,
  latencyMs: 0.01,
});

describe('signals store', () => {
  it('plots P(up), the last class, with its uncertainty, keeping the newest points', () => {
    const first = appendSignals(undefined, [prediction('primary', 1, [0.2, 0.3, 0.5], 0.1)], 'X');
    expect(first).toEqual({
      modelId: 1,
      role: 'primary',
      instrument: 'X',
      ts: [1],
      value: [0.5],
      spread: [0.1],
    });
    const many = Array.from({ length: SIGNAL_HISTORY + 5 }, (_, i) =>
      prediction('primary', i + 2, [0.6, 0.4]),
    );
    const next = appendSignals(first, many, 'X');
    expect(next.ts).toHaveLength(SIGNAL_HISTORY);
    expect(next.ts[0]).toBe(7);
    expect(next.value.at(-1)).toBe(0.4);
    expect(next.spread.at(-1)).toBeNull();
  });

  it('calls the top class, or the sign of a predicted return', () => {
    expect(calledClass([0.2, 0.5, 0.3])).toBe(1);
    expect(calledClass([0.7, 0.3])).toBe(0);
    expect(calledClass([-0.002])).toBe(-1);
  });

  it('compares primary and shadow on the rows both predicted', () => {
    const tracker = new AgreementTracker();
    tracker.add(prediction('primary', 1, [0.3, 0.7]));
    tracker.add(prediction('shadow', 1, [0.4, 0.6])); // both up
    tracker.add(prediction('shadow', 2, [0.6, 0.4]));
    tracker.add(prediction('primary', 2, [0.1, 0.9])); // down vs up
    tracker.add(prediction('primary', 3, [0.1, 0.9])); // no shadow for row 3
    tracker.add(prediction('shadow', 4, [0.1, 0.9])); // nor primary for row 4
    expect(tracker.value()).toEqual({ rows: 2, agreed: 1 });
  });
});
