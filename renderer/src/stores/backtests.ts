import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { CommandRequest, CommandResponse } from '../../../shared/api/contract.js';
import type {
  BacktestMode,
  BacktestRunDetail,
  BacktestRunInfo,
  LatencyModelKind,
} from '../../../shared/api/domains/backtests.js';
import type { InstrumentCoverage } from '../../../shared/api/domains/history.js';
import type { StrategyInfo } from '../../../shared/api/domains/strategies.js';
import type { JobOf } from '../../../shared/api/domains/jobs.js';
import type { Candle } from '../../../shared/domain/candle.js';
import type { Instrument } from '../../../shared/domain/market.js';
import { TIMEFRAME_MS, type Timeframe } from '../../../shared/domain/timeframes.js';
import { followJob } from './follow-job.js';

/** Runs listed (the newest). */
export const RUNS_SHOWN = 200;
/** Candles the report's price chart asks for at most (the command's own limit). */
const PRICE_BARS = 10_000;

export type BacktestAction = 'run' | 'sweep' | 'walk-forward';

/** The job kind each action starts. */
const JOB_KIND = {
  run: 'backtest',
  sweep: 'backtest-sweep',
  'walk-forward': 'backtest-walk-forward',
} as const satisfies Record<BacktestAction, string>;
type BacktestJobKind = (typeof JOB_KIND)[BacktestAction];
export type BacktestJob = JobOf<BacktestJobKind>;

/** Costs and latency as the form holds them; latency a constant per order type. */
export interface CostsForm {
  readonly initialCash: number;
  readonly maker: number;
  readonly taker: number;
  readonly slippageBps: number;
  readonly candleFill: 'open' | 'close';
  readonly riskFreeRate: number;
  readonly submitMs: number;
  readonly cancelMs: number;
  /** "recorded": event runs draw delays from the range's recorded feed delays, not the two above. */
  readonly latencyModel: LatencyModelKind;
  /** How much each entry trades (shared/trading/sized-strategy.ts). */
  readonly sizing: 'fixed' | 'fixed-fraction' | 'all-in' | 'vol-target';
  /** fixed-fraction: of equity; vol-target: the annual volatility aimed at. */
  readonly fraction: number;
  readonly targetVol: number;
  /** Amount step sizes round down to (0: none). */
  readonly lot: number;
  /** Spot with 1:1 shorts, spot long only, or a perpetual with leverage (shared/backtest/margin.ts). */
  readonly account: 'spot' | 'spot-long-only' | 'perpetual';
  readonly leverage: number;
  readonly maintenanceMargin: number;
}

/** The form's sizing as the contract's. */
function sizingOf(c: CostsForm): NonNullable<RangeRequest['costs']>['sizing'] {
  switch (c.sizing) {
    case 'fixed':
    case 'all-in':
      return { kind: c.sizing };
    case 'fixed-fraction':
      return { kind: c.sizing, fraction: c.fraction };
    case 'vol-target':
      return { kind: c.sizing, annualVol: c.targetVol };
    default:
      return c.sizing satisfies never;
  }
}

/** The form's account as the contract's. */
function accountOf(c: CostsForm): NonNullable<RangeRequest['costs']>['account'] {
  switch (c.account) {
    case 'spot':
      return { kind: 'spot', allowShort: true };
    case 'spot-long-only':
      return { kind: 'spot', allowShort: false };
    case 'perpetual':
      return { kind: 'perpetual', leverage: c.leverage, maintenanceMargin: c.maintenanceMargin };
    default:
      return c.account satisfies never;
  }
}

export const DEFAULT_COSTS: CostsForm = {
  initialCash: 100_000,
  maker: 0.0002,
  taker: 0.001,
  slippageBps: 0,
  candleFill: 'open',
  riskFreeRate: 0,
  submitMs: 0,
  cancelMs: 0,
  latencyModel: 'given',
  sizing: 'fixed',
  fraction: 0.5,
  targetVol: 0.2,
  lot: 0,
  account: 'spot',
  leverage: 1,
  maintenanceMargin: 0.005,
};

export interface BacktestForm {
  readonly instrument: string | null;
  readonly mode: BacktestMode;
  readonly timeframe: Timeframe;
  readonly from: number | null;
  readonly to: number | null;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number | boolean | string>>;
  readonly costs: CostsForm;
  /** Per parameter, the comma-separated values a sweep or walk-forward tries. */
  readonly grid: Readonly<Record<string, string>>;
  readonly workers: number;
  readonly trainBars: number;
  readonly testBars: number;
  readonly anchored: boolean;
}

export type ExportResult = CommandResponse<'backtests.export'>;

export interface BacktestsState {
  readonly instruments: readonly Instrument[];
  /** Built-in strategies and the user's files (strategies.list), read again when the picker opens. */
  readonly strategies: readonly StrategyInfo[];
  /** What is recorded for the form's instrument: the default range comes from it. */
  readonly coverage: InstrumentCoverage | null;
  readonly form: BacktestForm;
  /** The run, sweep or walk-forward in progress or just ended, as the job board reports it. */
  readonly job: BacktestJob | null;
  readonly runs: readonly BacktestRunInfo[];
  /** The run whose report is open. */
  readonly openId: number | null;
  readonly report: BacktestRunDetail | null;
  /** Candles of the open run's instrument, timeframe and range, for trade markers. */
  readonly priceBars: readonly Candle[];
  /** Runs ticked for the side-by-side comparison, in the order ticked. */
  readonly compareIds: readonly number[];
  readonly compared: Readonly<Record<number, BacktestRunDetail>>;
  readonly exported: ExportResult | null;
  /** What went wrong, in words (the ApiError message). */
  readonly problem: string | null;

  readonly start: () => Promise<void>;
  readonly stop: () => void;
  readonly pickInstrument: (instrument: string) => void;
  readonly setForm: (change: Partial<Omit<BacktestForm, 'instrument'>>) => void;
  readonly setParam: (name: string, value: number | boolean | string) => void;
  readonly setGridText: (name: string, text: string) => void;
  readonly setCosts: (change: Partial<CostsForm>) => void;
  /** Starts a job; `grid` is the parsed sweep grid (ignored for a single run). */
  readonly launch: (
    action: BacktestAction,
    grid: Record<string, (number | boolean | string)[]>,
  ) => Promise<void>;
  readonly cancel: () => void;
  readonly refreshRuns: () => Promise<void>;
  /** Reads the strategies folder again: a file added or edited shows (or shows its error). */
  readonly refreshStrategies: () => Promise<void>;
  readonly openRun: (id: number) => Promise<void>;
  readonly deleteRun: (id: number) => Promise<void>;
  readonly toggleCompare: (id: number) => void;
  readonly exportRun: (format: 'csv' | 'html') => Promise<ExportResult | null>;
  readonly dismissProblem: () => void;
}

export type BacktestsStore = StoreApi<BacktestsState>;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Ends of the recorded data a run in `mode` reads: candles of the timeframe, or trades and books. */
export function recordedRange(
  coverage: InstrumentCoverage | null,
  mode: BacktestMode,
): { from: number; to: number } | null {
  if (coverage === null) return null;
  const spans = mode === 'event' ? coverage.ranges.trades : coverage.ranges.candles;
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (first === undefined || last === undefined) return null;
  return { from: first.from, to: last.to + 1 };
}

type RangeRequest = CommandRequest<'backtests.run'>;

/** The backtests domain: the run form, its job, stored runs, the open report and comparisons. */
export function createBacktestsStore(api: ApiClient): BacktestsStore {
  let following: Unsubscribe | null = null;

  return createStore<BacktestsState>()((set, get) => {
    const report = (what: string) => (error: unknown) => {
      set({ problem: `${what}: ${messageOf(error)}` });
    };

    /** Follows the form's job; when it is done its result lists and opens the run it stored. */
    const follow = (jobId: string, kind: BacktestJobKind): void => {
      following?.();
      following = followJob(api, jobId, kind, {
        onChange: (job) => {
          set({ job });
        },
        onEnd: (job) => {
          if (job.state !== 'done' || job.result === null) return;
          const { run } = job.result;
          set((s) => ({ runs: [run, ...s.runs.filter((r) => r.id !== run.id)].slice(0, RUNS_SHOWN) }));
          void get().openRun(run.id);
        },
        onLost: report('Job progress stopped'),
      });
    };

    const loadCoverage = (instrument: string): void => {
      api
        .call('history.coverage', { instrument })
        .then((list) => {
          if (get().form.instrument !== instrument) return;
          const coverage = list.find((c) => c.instrument === instrument) ?? null;
          set({ coverage });
          const range = recordedRange(coverage, get().form.mode);
          if (range !== null) set((s) => ({ form: { ...s.form, from: range.from, to: range.to } }));
        })
        .catch(report('Could not read what is recorded'));
    };

    const loadPriceBars = (run: BacktestRunDetail): void => {
      const bars = Math.ceil((run.to - run.from) / TIMEFRAME_MS[run.timeframe]);
      api
        .call('markets.candles', {
          instrument: run.instrument,
          timeframe: run.timeframe,
          limit: Math.max(1, Math.min(PRICE_BARS, bars)),
          to: run.to,
        })
        .then((candles) => {
          if (get().openId !== run.id) return;
          set({ priceBars: candles.filter((c) => c.openTime >= run.from && c.openTime < run.to) });
        })
        .catch(report('Could not load the price chart'));
    };

    const loadCompared = (id: number): void => {
      api
        .call('backtests.get', { id, maxPoints: 2000 })
        .then((detail) => {
          if (!get().compareIds.includes(id)) return;
          set((s) => ({ compared: { ...s.compared, [id]: detail } }));
        })
        .catch(report(`Could not load run #${id} to compare`));
    };

    const rangeRequest = (): RangeRequest | string => {
      const { form } = get();
      if (form.instrument === null) return 'Pick an instrument first';
      if (form.from === null || form.to === null) return 'Nothing is recorded for this instrument yet';
      if (form.to <= form.from) return 'The range must end after it starts';
      const c = form.costs;
      return {
        instrument: form.instrument,
        timeframe: form.timeframe,
        from: form.from,
        to: form.to,
        mode: form.mode,
        strategy: form.strategy as RangeRequest['strategy'],
        costs: {
          initialCash: c.initialCash,
          fees: { maker: c.maker, taker: c.taker },
          slippageBps: c.slippageBps,
          candleFill: c.candleFill,
          riskFreeRate: c.riskFreeRate,
          latency: { submitMs: c.submitMs, cancelMs: c.cancelMs, model: c.latencyModel },
          sizing: sizingOf(c),
          account: accountOf(c),
          lot: c.lot,
        },
        params: { ...form.params },
      };
    };

    return {
      instruments: [],
      strategies: [],
      coverage: null,
      form: {
        instrument: null,
        mode: 'candle',
        timeframe: '1m',
        from: null,
        to: null,
        strategy: 'sma-crossover',
        params: {},
        costs: DEFAULT_COSTS,
        grid: {},
        workers: 2,
        trainBars: 500,
        testBars: 100,
        anchored: false,
      },
      job: null,
      runs: [],
      openId: null,
      report: null,
      priceBars: [],
      compareIds: [],
      compared: {},
      exported: null,
      problem: null,

      async start() {
        // A job that ended while the view was closed: the watch sends its end first.
        const mine = get().job;
        if (mine?.state === 'running') follow(mine.id, mine.kind);
        try {
          const instruments = await api.call('markets.list', {});
          set({ instruments });
          const first = instruments[0];
          if (get().form.instrument === null && first !== undefined) get().pickInstrument(first.id);
        } catch (error) {
          report('Could not list instruments')(error);
        }
        await Promise.all([get().refreshRuns(), get().refreshStrategies()]);
      },

      stop() {
        following?.();
        following = null;
      },

      pickInstrument(instrument) {
        set((s) => ({ form: { ...s.form, instrument, from: null, to: null }, coverage: null }));
        loadCoverage(instrument);
      },

      async refreshStrategies() {
        try {
          set({ strategies: await api.call('strategies.list', {}) });
        } catch (error) {
          report('Could not list the strategies')(error);
        }
      },

      setForm(change) {
        const before = get().form;
        set({ form: { ...before, ...change } });
        // A new mode reads other recorded data: its range follows unless the user set one.
        if (change.mode !== undefined && change.mode !== before.mode) {
          const range = recordedRange(get().coverage, change.mode);
          if (range !== null) set((s) => ({ form: { ...s.form, from: range.from, to: range.to } }));
        }
      },

      setParam(name, value) {
        set((s) => ({ form: { ...s.form, params: { ...s.form.params, [name]: value } } }));
      },

      setGridText(name, text) {
        set((s) => ({ form: { ...s.form, grid: { ...s.form.grid, [name]: text } } }));
      },

      setCosts(change) {
        set((s) => ({ form: { ...s.form, costs: { ...s.form.costs, ...change } } }));
      },

      async launch(action, grid) {
        const request = rangeRequest();
        if (typeof request === 'string') {
          set({ problem: request });
          return;
        }
        const { form } = get();
        const { params, ...range } = request;
        try {
          const started =
            action === 'run'
              ? await api.call('backtests.run', request)
              : action === 'sweep'
                ? await api.call('backtests.sweep', { ...range, grid, base: params, workers: form.workers })
                : await api.call('backtests.walkForward', {
                    ...range,
                    grid,
                    base: params,
                    workers: form.workers,
                    trainBars: form.trainBars,
                    testBars: form.testBars,
                    anchored: form.anchored,
                  });
          set({ problem: null, job: null });
          follow(started.jobId, JOB_KIND[action]);
        } catch (error) {
          report(`Could not start the ${action === 'run' ? 'backtest' : action}`)(error);
        }
      },

      cancel() {
        const job = get().job;
        if (job === null || job.state !== 'running') return;
        // The watch reports the cancelled state when the job has stopped.
        api.call('jobs.cancel', { id: job.id }).catch(report('Could not cancel'));
      },

      async refreshRuns() {
        try {
          const runs = await api.call('backtests.list', { limit: RUNS_SHOWN });
          const ids = new Set(runs.map((r) => r.id));
          set((s) => ({ runs, compareIds: s.compareIds.filter((id) => ids.has(id)) }));
        } catch (error) {
          report('Could not list the stored runs')(error);
        }
      },

      async openRun(id) {
        set({ openId: id, report: null, priceBars: [], exported: null });
        try {
          const detail = await api.call('backtests.get', { id, maxPoints: 4000 });
          if (get().openId !== id) return;
          set({ report: detail, problem: null });
          loadPriceBars(detail);
        } catch (error) {
          report(`Could not open run #${id}`)(error);
        }
      },

      async deleteRun(id) {
        try {
          await api.call('backtests.delete', { id });
          set((s) => {
            const { [id]: _gone, ...compared } = s.compared;
            return {
              compareIds: s.compareIds.filter((c) => c !== id),
              compared,
              ...(s.openId === id ? { openId: null, report: null, priceBars: [], exported: null } : {}),
            };
          });
          await get().refreshRuns();
        } catch (error) {
          report(`Could not delete run #${id}`)(error);
        }
      },

      toggleCompare(id) {
        const ticked = get().compareIds.includes(id);
        set((s) => ({ compareIds: ticked ? s.compareIds.filter((c) => c !== id) : [...s.compareIds, id] }));
        if (!ticked && get().compared[id] === undefined) loadCompared(id);
      },

      async exportRun(format) {
        const id = get().openId;
        if (id === null) return null;
        try {
          const exported = await api.call('backtests.export', { id, format });
          set({ exported, problem: null });
          return exported;
        } catch (error) {
          report(`Could not export run #${id}`)(error);
          return null;
        }
      },

      dismissProblem() {
        set({ problem: null });
      },
    };
  });
}
