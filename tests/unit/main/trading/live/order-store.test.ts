import { describe, expect, it } from 'vitest';
import {
  compareTradeIds,
  isWorking,
  MemoryOrderStore,
} from '../../../../../main/trading/live/order-store.js';
import { liveFillRow as fill, liveOrderRow as order } from '../../../../fixtures/live-order-rows.js';

describe('memory order store', () => {
  it('keeps an order from before it is sent and never takes the same client id twice', () => {
    const store = new MemoryOrderStore();
    store.insertOrder(order('tw-s1-1'));
    expect(store.order('tw-s1-1')?.state).toBe('sending');
    expect(() => {
      store.insertOrder(order('tw-s1-1', { quantity: 1 }));
    }).toThrow('already stored');
    expect(store.order('tw-s1-1')?.quantity).toBe(0.05);
  });

  it('updates only the fields given and finds an order by its exchange id', () => {
    const store = new MemoryOrderStore();
    store.insertOrder(order('tw-s1-1'));
    const updated = store.updateOrder('tw-s1-1', { state: 'open', exchangeOrderId: '7', updatedTs: 1_500 });
    expect(updated).toEqual(order('tw-s1-1', { state: 'open', exchangeOrderId: '7', updatedTs: 1_500 }));
    expect(store.orderByExchangeId('binance', 'ETH/USDT', '7')?.clientId).toBe('tw-s1-1');
    expect(store.orderByExchangeId('binance', 'SOL/USDT', '7')).toBeUndefined();
    expect(() => store.updateOrder('tw-s1-9', { state: 'open' })).toThrow('no stored order');
  });

  it('lists orders per exchange, oldest first, filtered by state', () => {
    const store = new MemoryOrderStore();
    store.insertOrder(order('tw-s1-1', { state: 'filled' }));
    store.insertOrder(order('tw-s1-2', { state: 'open' }));
    store.insertOrder(order('tw-s1-3', { state: 'in_doubt' }));
    store.insertOrder(order('other-1', { exchange: 'kraken', state: 'open' }));
    expect(store.orders('binance').map((o) => o.clientId)).toEqual(['tw-s1-1', 'tw-s1-2', 'tw-s1-3']);
    expect(store.orders('binance', ['open', 'in_doubt']).map((o) => o.clientId)).toEqual([
      'tw-s1-2',
      'tw-s1-3',
    ]);
    expect(
      store
        .orders('binance')
        .filter((o) => isWorking(o.state))
        .map((o) => o.clientId),
    ).toEqual(['tw-s1-2', 'tw-s1-3']);
  });

  it('records a fill once per trade id, however often the exchange reports it', () => {
    const store = new MemoryOrderStore();
    expect(store.addFill(fill('10'))).toBe(true);
    expect(store.addFill(fill('10', { quantity: 99 }))).toBe(false);
    expect(store.addFill(fill('10', { symbol: 'SOL/USDT' }))).toBe(true);
    expect(store.fills('binance', 'ETH/USDT')).toEqual([fill('10')]);
    expect(store.fills('binance')).toHaveLength(2);
  });

  it('orders fills by exchange time, then trade id as a number', () => {
    const store = new MemoryOrderStore();
    store.addFill(fill('10', { ts: 3_000 }));
    store.addFill(fill('9', { ts: 3_000 }));
    store.addFill(fill('100', { ts: 1_000 }));
    expect(store.fills('binance').map((f) => f.tradeId)).toEqual(['100', '9', '10']);
    expect(compareTradeIds('9', '10')).toBeLessThan(0);
    expect(compareTradeIds('b', 'a')).toBeGreaterThan(0);
  });

  it('hands out sequence numbers per session, persisted as they are given', () => {
    const store = new MemoryOrderStore();
    expect([store.nextSequence('s1'), store.nextSequence('s1'), store.nextSequence('s2')]).toEqual([1, 2, 1]);
  });
});
