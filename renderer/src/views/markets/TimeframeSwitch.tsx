import { TIMEFRAMES } from '../../../../shared/domain/timeframes.js';
import { useMarkets } from '../../stores/context.js';

/** One button per candle timeframe; the chosen one is pressed. */
export function TimeframeSwitch() {
  const timeframe = useMarkets((state) => state.timeframe);
  const loading = useMarkets((state) => state.loadingTimeframe);
  const selectTimeframe = useMarkets((state) => state.selectTimeframe);
  return (
    <div className="timeframes" role="group" aria-label="Timeframe">
      {TIMEFRAMES.map((candidate) => (
        <button
          key={candidate}
          type="button"
          className={candidate === loading ? 'loading' : undefined}
          aria-pressed={candidate === timeframe}
          data-testid={`timeframe-${candidate}`}
          onClick={() => {
            selectTimeframe(candidate);
          }}
        >
          {candidate}
        </button>
      ))}
    </div>
  );
}
