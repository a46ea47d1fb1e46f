import { useNavigation } from './stores/navigation.js';
import { ConnectionNotice, MarketsProblem } from './views/ConnectionNotice.js';
import { InstrumentHeader } from './views/InstrumentHeader.js';
import { VIEWS } from './views/registry.js';
import { StatusBar } from './views/StatusBar.js';

/** The whole window: header with view tabs, the active view, the status bar, any connection notice. */
export function Workstation() {
  const active = useNavigation((state) => state.view);
  const View = (VIEWS.find((view) => view.id === active) ?? VIEWS[0])?.component;
  return (
    <div className="workstation">
      <InstrumentHeader />
      <MarketsProblem />
      {View === undefined ? null : <View />}
      <StatusBar />
      <ConnectionNotice />
    </div>
  );
}
