import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from '../../shared/api/client.js';
import { chooseTransport } from './api/transport.js';
import { createAllocationStore } from './stores/allocation.js';
import { createAnnotationsStore } from './stores/annotations.js';
import { createAppStore } from './stores/app.js';
import { createBacktestsStore } from './stores/backtests.js';
import { createBackupStore } from './stores/backup.js';
import { StoresProvider, type WorkstationStores } from './stores/context.js';
import { createFeaturesStore } from './stores/features.js';
import { followHeaderInstrument } from './stores/followHeader.js';
import { createHistoryStore } from './stores/history.js';
import { createMarketsStore } from './stores/markets.js';
import { createModelsStore } from './stores/models.js';
import { createSettingsStore } from './stores/settings.js';
import { createSignalsStore } from './stores/signals.js';
import { createTradingStore } from './stores/trading.js';
import { showDesktopNotice } from './views/trading/desktopNotices.js';
import { Workstation } from './Workstation.js';
import './styles.css';

const api = createApiClient(chooseTransport());
const markets = createMarketsStore(api);
const stores: WorkstationStores = {
  app: createAppStore(api),
  markets,
  features: createFeaturesStore(api),
  settings: createSettingsStore(api, {
    onConnectionsChanged: () => void markets.getState().reloadInstruments(),
  }),
  history: createHistoryStore(api),
  models: createModelsStore(api),
  backtests: createBacktestsStore(api),
  signals: createSignalsStore(api),
  trading: createTradingStore(api, { desktop: showDesktopNotice }),
  allocation: createAllocationStore(api),
  backup: createBackupStore(api),
  annotations: createAnnotationsStore(api),
};
// Forms and per-instrument panels follow the header's instrument, whichever view is open.
followHeaderInstrument(stores);
stores.app.getState().start();
void stores.markets.getState().start();
void stores.features.getState().start();
stores.signals.getState().start();
// Fills and breaker trips notify even while another view is open.
stores.trading.getState().start();

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <StoresProvider stores={stores}>
      <Workstation />
    </StoresProvider>
  </StrictMode>,
);
