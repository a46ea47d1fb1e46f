import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../main/storage/database.js';
import {
  MemoryOrderStore,
  type LiveFillRow,
  type LiveOrderRow,
  type LiveOrderStore,
} from '../../../../main/trading/live/order-store.js';
import { SqliteOrderStore } from '../../../../main/trading/sqlite-order-store.js';
import { liveFillRow, liveOrderRow } from '../../../fixtures/live-order-rows.js';

/** This store's session is 'ws', as the workspace's live broker names it. */
const order = (clientId: string, overrides: Partial<LiveOrderRow> = {}): LiveOrderRow =>
  liveOrderRow(clientId, { session: 'ws', ...overrides });
const fill = (tradeId: string, overrides: Partial<LiveFillRow> = {}): LiveFillRow =>
  liveFillRow(tradeId, { clientId: 'tw-ws-1', ts: 5_000, ...overrides });

/** The same script on both stores: the SQLite one must answer as the reference does. */
function script(store: LiveOrderStore): unknown[] {
  const out: unknown[] = [];
  out.push(store.nextSequence('ws'), store.nextSequence('ws'), store.nextSequence('other'));
  store.insertOrder(order('tw-ws-1'));
  store.insertOrder(
    order('tw-ws-2', { seq: 2, type: 'market', price: null, postOnly: true, timeInForce: 'ioc' }),
  );
  store.insertOrder(order('tw-ws-3', { exchange: 'kraken', seq: 3 }));
  store.insertOrder(order('tw-ws-4', { seq: 4, side: 'sell', type: 'stop', price: null, stopPrice: 1900.5 }));
  store.insertOrder(
    order('tw-ws-5', { seq: 5, side: 'sell', type: 'stop_limit', price: 1890, stopPrice: 1900 }),
  );
  try {
    store.insertOrder(order('tw-ws-1'));
  } catch (error) {
    out.push((error as Error).message);
  }
  out.push(store.updateOrder('tw-ws-1', { state: 'open', exchangeOrderId: '7', updatedTs: 2_000 }));
  out.push(store.updateOrder('tw-ws-2', { state: 'rejected', reason: 'Filter failure: LOT_SIZE' }));
  out.push(store.order('tw-ws-1'), store.order('nope'));
  out.push(
    store.orderByExchangeId('binance', 'ETH/USDT', '7'),
    store.orderByExchangeId('binance', 'BTC/USDT', '7'),
  );
  out.push(
    store.orders('binance'),
    store.orders('binance', ['open', 'partially_filled']),
    store.orders('kraken'),
  );
  out.push(
    store.addFill(fill('10')),
    store.addFill(fill('10', { price: 1 })),
    store.addFill(fill('9', { ts: 5_000 })),
  );
  out.push(store.addFill(fill('11', { symbol: 'BTC/USDT', ts: 1_000, liquidity: null, feeCurrency: null })));
  out.push(store.fills('binance'), store.fills('binance', 'ETH/USDT'), store.fills('kraken'));
  return out;
}

describe('SqliteOrderStore', () => {
  it('answers every call exactly as MemoryOrderStore does', () => {
    const db = openDatabase(':memory:');
    try {
      expect(script(new SqliteOrderStore(db))).toEqual(script(new MemoryOrderStore()));
    } finally {
      db.close();
    }
  });

  it('keeps orders, fills and the client id counter in the database across instances', () => {
    const db = openDatabase(':memory:');
    try {
      const first = new SqliteOrderStore(db);
      expect(first.nextSequence('ws')).toBe(1);
      first.insertOrder(order('tw-ws-1'));
      const stop = order('tw-ws-2', { seq: 2, type: 'stop_limit', price: 1890, stopPrice: 1900.1 });
      first.insertOrder(stop);
      first.addFill(fill('10'));
      const second = new SqliteOrderStore(db);
      expect(second.nextSequence('ws')).toBe(2);
      expect(second.order('tw-ws-1')).toEqual(order('tw-ws-1'));
      expect(second.order('tw-ws-2')).toEqual(stop);
      expect(second.orders('binance').map((o) => [o.clientId, o.type, o.price, o.stopPrice])).toEqual([
        ['tw-ws-1', 'limit', 1990, null],
        ['tw-ws-2', 'stop_limit', 1890, 1900.1],
      ]);
      expect(second.addFill(fill('10'))).toBe(false);
      expect(second.fills('binance').map((f) => f.tradeId)).toEqual(['10']);
    } finally {
      db.close();
    }
  });
});
