import { memo, useMemo } from 'react';
import type { BookSide } from '../../../../shared/domain/market.js';
import { formatsFor, type InstrumentFormats } from '../../format.js';
import { useMarkets } from '../../stores/context.js';
import { LADDER_LEVELS, ladderOf, type LadderLevel } from './ladderRows.js';

/**
 * The order-book ladder: asks above, descending to the touch; the spread and mid between;
 * bids below. Rows are keyed by position, so a 30 Hz book only rewrites the cells that moved.
 */
export function OrderBookLadder() {
  const book = useMarkets((state) => state.book);
  const instrument = useMarkets((state) => state.instrument);
  const formats = useMemo(() => formatsFor(instrument), [instrument]);
  const ladder = ladderOf(book);
  const emptyAsks = LADDER_LEVELS - ladder.asks.length;
  const emptyBids = LADDER_LEVELS - ladder.bids.length;

  return (
    <section className="panel ladder-panel" aria-label="Order book">
      <header className="panel-title">
        <span>Order book</span>
        <span className="panel-note">{LADDER_LEVELS} levels</span>
      </header>
      <div className="ladder" data-testid="ladder" role="table">
        <div className="ladder-head" role="row">
          <span role="columnheader">Price</span>
          <span role="columnheader">Size</span>
          <span role="columnheader">Total</span>
        </div>
        {Array.from({ length: Math.max(0, emptyAsks) }, (_, index) => (
          <EmptyRow key={`ask-gap-${index}`} />
        ))}
        {ladder.asks.map((level, index) => (
          <LevelRow
            key={index}
            side="ask"
            level={level}
            fill={ladder.largestSize > 0 ? level.size / ladder.largestSize : 0}
            formats={formats}
          />
        ))}
        <SpreadRow formats={formats} />
        {ladder.bids.map((level, index) => (
          <LevelRow
            key={index}
            side="bid"
            level={level}
            fill={ladder.largestSize > 0 ? level.size / ladder.largestSize : 0}
            formats={formats}
          />
        ))}
        {Array.from({ length: Math.max(0, emptyBids) }, (_, index) => (
          <EmptyRow key={`bid-gap-${index}`} />
        ))}
      </div>
    </section>
  );
}

interface LevelRowProps {
  readonly side: BookSide;
  readonly level: LadderLevel;
  /** Size as a fraction of the largest size on screen, for the bar. */
  readonly fill: number;
  readonly formats: InstrumentFormats;
}

const LevelRow = memo(function LevelRow({ side, level, fill, formats }: LevelRowProps) {
  return (
    <div className={`ladder-row ${side}`} data-testid={`ladder-row-${side}`} role="row">
      {/* scaleX runs on the compositor: no layout work when the bar changes */}
      <span className="size-bar" style={{ transform: `scaleX(${fill})` }} aria-hidden="true" />
      <span className="price" role="cell">
        {formats.price(level.price)}
      </span>
      <span className="size" role="cell">
        {formats.size(level.size)}
      </span>
      <span className="total" role="cell">
        {formats.size(level.total)}
      </span>
    </div>
  );
}, sameLevel);

function sameLevel(before: LevelRowProps, after: LevelRowProps): boolean {
  return (
    before.side === after.side &&
    before.fill === after.fill &&
    before.formats === after.formats &&
    before.level.price === after.level.price &&
    before.level.size === after.level.size &&
    before.level.total === after.level.total
  );
}

function EmptyRow() {
  return <div className="ladder-row empty" role="row" aria-hidden="true" />;
}

/** Spread in price and basis points, and the mid, between the two touches. */
function SpreadRow({ formats }: { formats: InstrumentFormats }) {
  const spread = useMarkets((state) => state.book?.spread ?? null);
  const mid = useMarkets((state) => state.book?.mid ?? null);
  const bps = spread !== null && mid !== null && mid > 0 ? (spread / mid) * 10_000 : null;
  return (
    <div className="ladder-row spread-row" data-testid="spread" role="row">
      <span className="spread-label">
        Spread <b>{spread === null ? '—' : formats.price(spread)}</b>
        {bps === null ? null : <i> {bps.toFixed(1)} bps</i>}
      </span>
      <span className="mid-label">
        Mid <b>{mid === null ? '—' : formats.finePrice(mid)}</b>
      </span>
    </div>
  );
}
