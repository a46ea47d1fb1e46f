import { ConnectionNotice, MarketsProblem } from './views/ConnectionNotice.js';
import { InstrumentHeader } from './views/InstrumentHeader.js';
import { MarketsView } from './views/markets/MarketsView.js';
import { StatusBar } from './views/StatusBar.js';

/** The whole window: header, the markets screen, the status bar, and any connection notice. */
export function Workstation() {
  return (
    <div className="workstation">
      <InstrumentHeader />
      <MarketsProblem />
      <MarketsView />
      <StatusBar />
      <ConnectionNotice />
    </div>
  );
}
