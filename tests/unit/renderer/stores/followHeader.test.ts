import { describe, expect, it } from 'vitest';
import type { FeatureSetInfo } from '../../../../shared/api/domains/features.js';
import { createBacktestsStore } from '../../../../renderer/src/stores/backtests.js';
import { createFeaturesStore } from '../../../../renderer/src/stores/features.js';
import { followHeaderInstrument } from '../../../../renderer/src/stores/followHeader.js';
import { createMarketsStore } from '../../../../renderer/src/stores/markets.js';
import { createModelsStore } from '../../../../renderer/src/stores/models.js';
import { createTradingStore } from '../../../../renderer/src/stores/trading.js';
import { instrument } from '../../../fixtures/market-data.js';
import { fakeApi } from './fakeApi.js';

const demo = instrument();
const eth = instrument({ id: 'binance:ETH/USDT', exchange: 'binance', symbol: 'ETH/USDT' });

const setOn = (id: string, on: string): FeatureSetInfo => ({
  id,
  name: id,
  instrument: on,
  sampling: '1s',
  features: [],
  hash: `hash-${id}`,
  columns: ['mid'],
  createdAt: 0,
});

async function workstation() {
  const api = fakeApi();
  const stores = {
    markets: createMarketsStore(api.client),
    features: createFeaturesStore(api.client),
    models: createModelsStore(api.client),
    backtests: createBacktestsStore(api.client),
    trading: createTradingStore(api.client, { desktop: () => false }),
  };
  const stop = followHeaderInstrument(stores);
  const started = stores.markets.getState().start();
  api.answer('markets.list', [demo, eth]);
  await started;
  return { stores, stop };
}

describe('forms follow the header instrument', () => {
  it('points the backtest form, the order ticket and the paper strategy at the header instrument', async () => {
    const { stores, stop } = await workstation();
    expect(stores.backtests.getState().form.instrument).toBe(demo.id);

    stores.markets.getState().follow(eth.id);

    expect(stores.backtests.getState().form.instrument).toBe(eth.id);
    expect(stores.trading.getState().ticket.instrument).toBe(eth.id);
    expect(stores.trading.getState().paper.instrument).toBe(eth.id);
    stop();
  });

  it('lets a form pick another instrument until the header changes again', async () => {
    const { stores, stop } = await workstation();
    stores.backtests.getState().pickInstrument(eth.id);
    // The same header instrument announced again (an edited tick) does not undo the pick.
    stores.markets.setState({ instrument: { ...demo, tickSize: 0.1 } });
    expect(stores.backtests.getState().form.instrument).toBe(eth.id);

    stores.markets.getState().follow(eth.id);
    stores.markets.getState().follow(demo.id);
    expect(stores.backtests.getState().form.instrument).toBe(demo.id);
    stop();
  });

  it("shows and trains on a feature set of the header's instrument, and no other instrument's values", async () => {
    const { stores, stop } = await workstation();
    stores.features.setState({ sets: [setOn('demo-set', demo.id), setOn('eth-set', eth.id)] });
    expect(stores.features.getState().liveSetId).toBe('demo-set');
    expect(stores.models.getState().setId).toBe('demo-set');

    stores.markets.getState().follow(eth.id);
    expect(stores.features.getState().liveSetId).toBe('eth-set');
    expect(stores.features.getState().selectedSetId).toBe('eth-set');
    expect(stores.models.getState().setId).toBe('eth-set');

    // Without a set on the instrument, the live panel follows none rather than another's.
    stores.features.setState({ sets: [setOn('demo-set', demo.id)] });
    expect(stores.features.getState().liveSetId).toBeNull();
    stop();
  });
});
