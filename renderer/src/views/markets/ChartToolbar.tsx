import { useState } from 'react';
import { useMarkets } from '../../stores/context.js';
import type { ChartRange, OlderBars } from '../../stores/markets.js';
import { UtcTimeInput } from '../UtcTimeInput.js';

const RANGES: readonly ChartRange[] = ['1D', '1W', '1M', 'All'];

const OLDER_TEXT: Readonly<Record<OlderBars, string>> = {
  more: 'scroll back for older bars',
  loading: 'loading older bars…',
  all: 'the recording starts here',
  capped: 'older bars: choose a longer timeframe',
};

/**
 * How far the chart looks: range buttons ending at the latest bar, a date to show from, a jump
 * back to the latest bar, and whether older bars remain to load.
 */
export function ChartToolbar({ visible }: { visible: readonly [number, number] | null }) {
  const olderBars = useMarkets((state) => state.olderBars);
  const showRange = useMarkets((state) => state.showRange);
  const showFrom = useMarkets((state) => state.showFrom);
  const jumpToLatest = useMarkets((state) => state.jumpToLatest);
  const [from, setFrom] = useState<number | null>(null);
  return (
    <div className="chart-toolbar">
      <div className="chart-ranges" role="group" aria-label="Range">
        {RANGES.map((range) => (
          <button
            key={range}
            type="button"
            data-testid={`range-${range}`}
            onClick={() => {
              void showRange(range);
            }}
          >
            {range}
          </button>
        ))}
      </div>
      <UtcTimeInput label="From" value={from} onChange={setFrom} testId="chart-from" />
      <button
        type="button"
        data-testid="chart-go"
        disabled={from === null}
        onClick={() => {
          if (from !== null) void showFrom(from);
        }}
      >
        Go
      </button>
      <button
        type="button"
        data-testid="jump-latest"
        title="Show the latest bar at the width you are looking at"
        onClick={() => {
          jumpToLatest(visible === null ? 0 : visible[1] - visible[0]);
        }}
      >
        Latest ⇥
      </button>
      <span className="panel-note" data-testid="older-bars">
        {OLDER_TEXT[olderBars]}
      </span>
    </div>
  );
}
