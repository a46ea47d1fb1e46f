import { memo, useMemo } from 'react';
import type { Trade } from '../../../../shared/domain/market.js';
import { formatsFor, timeOfDay, type InstrumentFormats } from '../../format.js';
import { useMarkets } from '../../stores/context.js';

/**
 * Time and sales, newest on top, coloured by the taker's side. Rows are keyed by trade, so a
 * new batch renders only its own rows and the rest just move down.
 */
export function TradesTape() {
  const tape = useMarkets((state) => state.tape);
  const instrument = useMarkets((state) => state.instrument);
  const formats = useMemo(() => formatsFor(instrument), [instrument]);

  return (
    <section className="panel tape-panel" aria-label="Trades">
      <header className="panel-title">
        <span>Trades</span>
        <span className="panel-note">{tape.length} shown</span>
      </header>
      <div className="tape-head" role="row">
        <span role="columnheader">Time (UTC)</span>
        <span role="columnheader">Price</span>
        <span role="columnheader">Size</span>
      </div>
      <div className="tape" data-testid="trades-tape" role="table">
        {tape.map((trade) => (
          <TapeRow key={`${trade.ts}:${trade.seq}`} trade={trade} formats={formats} />
        ))}
      </div>
    </section>
  );
}

const TapeRow = memo(function TapeRow({ trade, formats }: { trade: Trade; formats: InstrumentFormats }) {
  return (
    <div className={`tape-row ${trade.side}`} data-testid="tape-row" role="row">
      <span className="time" role="cell">
        {timeOfDay(trade.ts)}
      </span>
      <span className="price" role="cell">
        {formats.price(trade.price)}
      </span>
      <span className="size" role="cell">
        {formats.size(trade.amount)}
      </span>
    </div>
  );
});
