import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient } from '../../../shared/api/client.js';
import type { CommandRequest, CommandResponse } from '../../../shared/api/contract.js';
import {
  ALLOCATION_METHODS,
  allocationRequestSchema,
  type Allocation,
  type AllocationRequest,
} from '../../../shared/api/domains/trading.js';
import type { Timeframe } from '../../../shared/domain/timeframes.js';

export type AllocationMethod = (typeof ALLOCATION_METHODS)[number];
export type Rebalance = CommandResponse<'trading.rebalance'>;

/** What the allocation panel's form says. */
export interface AllocationForm {
  readonly instruments: readonly string[];
  readonly method: AllocationMethod;
  readonly timeframe: Timeframe;
  readonly lookbackBars: number;
  readonly riskAversion: number;
}

export type ParsedRequest =
  { readonly ok: true; readonly value: AllocationRequest } | { readonly ok: false; readonly problem: string };

/**
 * The request the form says, checked by the contract's own schema before anything is sent.
 * The risk aversion is always sent: risk parity and maximum Sharpe weights do not depend on it,
 * but the rebalance rule (is closing a deviation worth its fee?) does, whatever the method.
 */
export function allocationRequestOf(form: AllocationForm): ParsedRequest {
  const parsed = allocationRequestSchema.safeParse({
    instruments: [...form.instruments],
    method: form.method,
    timeframe: form.timeframe,
    lookbackBars: form.lookbackBars,
    riskAversion: form.riskAversion,
  });
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path[0];
  if (where === 'instruments') return { ok: false, problem: 'Pick 2 to 12 instruments' };
  return { ok: false, problem: `${String(where ?? 'request')}: ${issue?.message ?? 'invalid'}` };
}

export interface AllocationSnapshot {
  readonly form: AllocationForm;
  /** The last computed allocation, and the request it was computed for (what a rebalance sends). */
  readonly allocation: Allocation | null;
  readonly computedFor: AllocationRequest | null;
  /** What the last rebalance sent: per traded row, the paper client id or the refusal. */
  readonly rebalance: Rebalance | null;
  readonly busy: boolean;
  /** The App's or the form's message for the last failed compute or rebalance. */
  readonly problem: string | null;
}

export interface AllocationState extends AllocationSnapshot {
  readonly setForm: (patch: Partial<AllocationForm>) => void;
  readonly toggleInstrument: (instrument: string) => void;
  readonly compute: () => Promise<void>;
  readonly rebalancePaper: () => Promise<void>;
}

export type AllocationStore = StoreApi<AllocationState>;

export const DEFAULT_ALLOCATION_FORM: AllocationForm = {
  instruments: [],
  method: 'risk-parity',
  timeframe: '1m',
  lookbackBars: 500,
  riskAversion: 1,
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The allocation panel of the Trading view: weights of several instruments from their recorded
 * returns (`trading.allocation`) and carrying out the rebalance on paper (`trading.rebalance`,
 * which recomputes the plan in main: the one shown here is only what the user agreed to look at).
 */
export function createAllocationStore(api: ApiClient): AllocationStore {
  return createStore<AllocationState>()((set, get) => {
    /** Runs one command on the form's request; an error is the panel's problem, inline. */
    const run = async <T>(
      request: CommandRequest<'trading.allocation'> | null,
      call: (request: CommandRequest<'trading.allocation'>) => Promise<T>,
      done: (value: T) => void,
    ): Promise<void> => {
      if (request === null) return;
      set({ busy: true, problem: null });
      try {
        done(await call(request));
      } catch (error) {
        set({ problem: errorText(error) });
      } finally {
        set({ busy: false });
      }
    };

    return {
      form: DEFAULT_ALLOCATION_FORM,
      allocation: null,
      computedFor: null,
      rebalance: null,
      busy: false,
      problem: null,

      setForm(patch) {
        // A changed form is a different plan: rebalancing needs a fresh compute.
        set((s) => ({ form: { ...s.form, ...patch }, allocation: null, computedFor: null, problem: null }));
      },

      toggleInstrument(instrument) {
        const chosen = get().form.instruments;
        get().setForm({
          instruments: chosen.includes(instrument)
            ? chosen.filter((i) => i !== instrument)
            : [...chosen, instrument],
        });
      },

      async compute() {
        const request = allocationRequestOf(get().form);
        if (!request.ok) {
          set({ problem: request.problem, allocation: null, computedFor: null });
          return;
        }
        set({ rebalance: null });
        await run(
          request.value,
          (r) => api.call('trading.allocation', r),
          (allocation) => {
            set({ allocation, computedFor: request.value });
          },
        );
      },

      async rebalancePaper() {
        await run(
          get().computedFor,
          (r) => api.call('trading.rebalance', r),
          (rebalance) => {
            // What main traded on is its own recomputed plan: show that one.
            set({ rebalance, allocation: rebalance });
          },
        );
      },
    };
  });
}
