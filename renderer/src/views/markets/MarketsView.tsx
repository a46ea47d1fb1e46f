import { AnnotationsPanel } from './AnnotationsPanel.js';
import { CandlesChart } from './CandlesChart.js';
import { DepthChart } from './DepthChart.js';
import { FeaturePanel } from './FeaturePanel.js';
import { OrderBookLadder } from './OrderBookLadder.js';
import { TradesTape } from './TradesTape.js';

/** The markets screen: book and depth on the left, candles in the middle, tape on the right, marks below. */
export function MarketsView() {
  return (
    <main className="markets-view">
      <OrderBookLadder />
      <CandlesChart />
      <DepthChart />
      <FeaturePanel />
      <TradesTape />
      <AnnotationsPanel />
    </main>
  );
}
