import type { Candle } from '../../../../shared/domain/candle.js';
import { fixed } from '../../format.js';
import { utcText } from '../utcTime.js';

/**
 * The crosshair's read-out: open, high, low, close and volume of the bar under the cursor (the
 * latest bar when the cursor is elsewhere), and each study's value at that bar.
 */
export function OhlcvReadout({
  bar,
  hovering,
  priceDecimals,
  values,
}: {
  bar: Candle | null;
  hovering: boolean;
  priceDecimals: number;
  values: readonly { name: string; value: string }[];
}) {
  if (bar === null) return <div className="ohlcv-readout" data-testid="ohlcv-readout" />;
  const price = fixed(priceDecimals);
  const change = bar.close - bar.open;
  return (
    <div className="ohlcv-readout" data-testid="ohlcv-readout" data-hovering={hovering}>
      <span className="readout-time">{utcText(bar.openTime)}</span>
      <span>
        O <b>{price.format(bar.open)}</b>
      </span>
      <span>
        H <b>{price.format(bar.high)}</b>
      </span>
      <span>
        L <b>{price.format(bar.low)}</b>
      </span>
      <span>
        C <b className={change >= 0 ? 'up' : 'down'}>{price.format(bar.close)}</b>
      </span>
      <span>
        V <b>{fixed(bar.volume >= 100 ? 0 : 4).format(bar.volume)}</b>
      </span>
      {values.map(({ name, value }) => (
        <span key={name} className="readout-study">
          {name} <b>{value}</b>
        </span>
      ))}
    </div>
  );
}
