import { describe, expect, it } from 'vitest';
import type { ApiClient } from '../../../../shared/api/client.js';
import type { CommandName } from '../../../../shared/api/contract.js';
import type { Allocation } from '../../../../shared/api/domains/trading.js';
import { ApiError } from '../../../../shared/api/protocol.js';
import {
  allocationRequestOf,
  createAllocationStore,
  DEFAULT_ALLOCATION_FORM,
  type Rebalance,
} from '../../../../renderer/src/stores/allocation.js';

const A = 'demo:A/USD';
const B = 'demo:B/USD';

const allocation: Allocation = {
  method: 'risk-parity',
  timeframe: '1m',
  returns: 40,
  weights: [
    { instrument: A, weight: 0.75, meanReturn: 0.0001, volatility: 0.01 },
    { instrument: B, weight: 0.25, meanReturn: -0.0002, volatility: 0.03 },
  ],
  trades: [
    {
      instrument: A,
      fromWeight: 0,
      toWeight: 0.75,
      quantity: 750,
      notional: 75_000,
      fee: 75,
      benefit: 120,
      trade: true,
      reason: 'benefit 120.0000 over 40 bars exceeds the fee 75.0000',
    },
    {
      instrument: B,
      fromWeight: 0,
      toWeight: 0.25,
      quantity: 500,
      notional: 25_000,
      fee: 25,
      benefit: 10,
      trade: false,
      reason: 'benefit 10.0000 does not exceed the fee 25.0000: skipped',
    },
  ],
  totalFees: 75,
};

/** A client whose answers the test gives per command; every call is recorded. */
function scriptedApi(answers: Partial<Record<CommandName, (request: unknown) => unknown>>) {
  const calls: { command: CommandName; request: unknown }[] = [];
  const client = {
    call(command: CommandName, request: unknown) {
      calls.push({ command, request });
      const answer = answers[command];
      if (answer === undefined) return Promise.reject(new Error(`unexpected ${command}`));
      try {
        return Promise.resolve(answer(request));
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
    subscribe() {
      return () => undefined;
    },
  } as ApiClient;
  return { client, calls };
}

describe('allocation store', () => {
  it('turns the form into the contract request, risk aversion included for every method', () => {
    expect(
      allocationRequestOf({
        ...DEFAULT_ALLOCATION_FORM,
        instruments: [A, B],
        lookbackBars: 40,
        riskAversion: 5,
      }),
    ).toEqual({
      ok: true,
      value: {
        instruments: [A, B],
        method: 'risk-parity',
        timeframe: '1m',
        lookbackBars: 40,
        riskAversion: 5,
      },
    });
    expect(allocationRequestOf({ ...DEFAULT_ALLOCATION_FORM, instruments: [A] })).toEqual({
      ok: false,
      problem: 'Pick 2 to 12 instruments',
    });
    const short = allocationRequestOf({ ...DEFAULT_ALLOCATION_FORM, instruments: [A, B], lookbackBars: 5 });
    expect(short.ok).toBe(false);
    expect(short.ok ? '' : short.problem).toMatch(/^lookbackBars: /);
  });

  it('shows the App refusal inline and keeps the rebalance locked until a compute succeeds', async () => {
    const { client, calls } = scriptedApi({
      'trading.allocation': () => {
        throw new ApiError(
          'bad_request',
          'only 3 aligned 1m returns recorded for demo:A/USD, demo:B/USD; 10 needed',
        );
      },
    });
    const store = createAllocationStore(client);
    store.getState().toggleInstrument(A);
    store.getState().toggleInstrument(B);
    await store.getState().compute();
    expect(store.getState()).toMatchObject({
      allocation: null,
      computedFor: null,
      busy: false,
      problem: 'only 3 aligned 1m returns recorded for demo:A/USD, demo:B/USD; 10 needed',
    });
    // Nothing to rebalance: no call goes out.
    await store.getState().rebalancePaper();
    expect(calls.map((c) => c.command)).toEqual(['trading.allocation']);
  });

  it('rebalances the request it computed, and shows main’s recomputed plan with each order’s outcome', async () => {
    const rebalance: Rebalance = {
      ...allocation,
      returns: 41,
      orders: [
        {
          ok: false,
          instrument: A,
          side: 'buy',
          quantity: 750,
          limit: 'max_order_quantity',
          reason: 'too big',
        },
      ],
    };
    const { client, calls } = scriptedApi({
      'trading.allocation': () => allocation,
      'trading.rebalance': () => rebalance,
    });
    const store = createAllocationStore(client);
    store.getState().setForm({ instruments: [A, B], lookbackBars: 40 });
    await store.getState().compute();
    expect(store.getState().allocation).toEqual(allocation);
    await store.getState().rebalancePaper();
    expect(calls).toEqual([
      {
        command: 'trading.allocation',
        request: {
          instruments: [A, B],
          method: 'risk-parity',
          timeframe: '1m',
          lookbackBars: 40,
          riskAversion: 1,
        },
      },
      {
        command: 'trading.rebalance',
        request: {
          instruments: [A, B],
          method: 'risk-parity',
          timeframe: '1m',
          lookbackBars: 40,
          riskAversion: 1,
        },
      },
    ]);
    expect(store.getState().rebalance?.orders).toEqual(rebalance.orders);
    expect(store.getState().allocation?.returns).toBe(41);
    // Editing the form asks for a fresh compute before another rebalance.
    store.getState().setForm({ method: 'max-sharpe' });
    expect(store.getState().computedFor).toBeNull();
    await store.getState().rebalancePaper();
    expect(calls).toHaveLength(2);
  });
});
