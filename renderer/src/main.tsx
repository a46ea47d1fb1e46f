import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from '../../shared/api/client.js';
import { chooseTransport } from './api/transport.js';
import { createAppStore } from './stores/app.js';
import { StoresProvider, type WorkstationStores } from './stores/context.js';
import { createMarketsStore } from './stores/markets.js';
import { Workstation } from './Workstation.js';
import './styles.css';

const api = createApiClient(chooseTransport());
const stores: WorkstationStores = { app: createAppStore(api), markets: createMarketsStore(api) };
stores.app.getState().start();
void stores.markets.getState().start();

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <StoresProvider stores={stores}>
      <Workstation />
    </StoresProvider>
  </StrictMode>,
);
