import type { StrategyInfo } from '../../../shared/api/domains/strategies.js';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiClient, Unsubscribe } from '../../../shared/api/client.js';
import type { CommandRequest, CommandResponse, TopicPayload } from '../../../shared/api/contract.js';
import {
  orderRequestSchema,
  type FlattenOrder,
  type OrderRequestWire,
  type PaperSizing,
  type RiskReport,
  type TradingState,
} from '../../../shared/api/domains/trading.js';
import type { ModelInfo } from '../../../shared/api/domains/models.js';
import { labelClasses } from '../../../shared/models/labels.js';
import { riskLimitsSchema, type RiskLimits } from '../../../shared/risk/limits.js';
import type { AuditKind } from '../../../shared/trading/audit-chain.js';

export type Refusal = CommandResponse<'trading.refusals'>[number];
export type AuditEntry = CommandResponse<'trading.audit.list'>[number];
export type AuditVerdict = CommandResponse<'trading.audit.verify'>;
export type TradingEvent = TopicPayload<'trading.events'>;
export type RiskRequest = Required<CommandRequest<'trading.risk'>>;
type OrderType = OrderRequestWire['type'];

/** Refusals kept in the list (the command's default page). */
export const REFUSALS_SHOWN = 200;
/** Audit entries listed. */
export const AUDIT_SHOWN = 200;
/** In-window notices kept at once; older ones make room. */
export const TOASTS_SHOWN = 5;

/** The phrase a live venue is armed with, typed by the user (the contract's `trading.arm`). */
export function armPhrase(venue: string): string {
  return `arm live trading on ${venue}`;
}

/** A fill or a breaker trip, as a desktop notification or an in-window toast shows it. */
export interface Notice {
  readonly kind: 'fill' | 'breaker';
  readonly title: string;
  readonly body: string;
}

export interface Toast extends Notice {
  readonly id: number;
}

/** Up to 8 significant digits: 0.1 - 0.01 reads 0.09, not 0.09000000000000001. */
const readable = (value: number): number => Number(value.toPrecision(8));

/** What a fill or a breaker trip tells the user; refusals have their own list, not a notice. */
export function noticeOf(event: TradingEvent): Notice | null {
  switch (event.type) {
    case 'fill': {
      const f = event.fill;
      return {
        kind: 'fill',
        title: `Filled on ${f.venue}`,
        body: `${f.side} ${readable(f.quantity)} ${f.instrument} @ ${readable(f.price)} (${f.liquidity}, fee ${readable(f.fee)})`,
      };
    }
    case 'breaker':
      return { kind: 'breaker', title: `Breaker tripped on ${event.venue}`, body: event.reason };
    case 'refusal':
      return null;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/** The limits form: one text box per limit, empty meaning no limit. */
export const LIMIT_FIELDS = [
  { key: 'maxOrderQuantity', label: 'Max order size', unit: 'base' },
  { key: 'maxOrderNotional', label: 'Max order notional', unit: 'quote' },
  { key: 'maxPosition', label: 'Max position', unit: 'base' },
  { key: 'maxNotional', label: 'Max notional', unit: 'quote' },
  { key: 'maxGrossNotional', label: 'Max gross notional', unit: 'quote' },
  { key: 'maxOrdersPerMinute', label: 'Max orders / minute', unit: 'count' },
  { key: 'maxDailyLoss', label: 'Max daily loss', unit: 'quote' },
  { key: 'maxDrawdown', label: 'Max drawdown', unit: 'fraction' },
  { key: 'concentrationMaxShare', label: 'Max share of gross', unit: 'fraction' },
  { key: 'concentrationMinGross', label: '… once gross reaches', unit: 'quote' },
] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number]['key'];
export type LimitTexts = Readonly<Record<LimitField, string>>;

const text = (value: number | undefined): string => (value === undefined ? '' : String(value));

/** The form's texts for the limits in force. */
export function limitsToTexts(limits: RiskLimits): LimitTexts {
  return {
    maxOrderQuantity: text(limits.maxOrderQuantity),
    maxOrderNotional: text(limits.maxOrderNotional),
    maxPosition: text(limits.maxPosition),
    maxNotional: text(limits.maxNotional),
    maxGrossNotional: text(limits.maxGrossNotional),
    maxOrdersPerMinute: text(limits.maxOrdersPerMinute),
    maxDailyLoss: text(limits.maxDailyLoss),
    maxDrawdown: text(limits.maxDrawdown),
    concentrationMaxShare: text(limits.concentration?.maxShare),
    concentrationMinGross: text(limits.concentration?.minGrossNotional),
  };
}

export type Parsed<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };

/**
 * The limits the form says, checked by the contract's own schema before anything is sent.
 * Per-instrument overrides have no boxes here; the ones in force are kept as they are.
 */
export function limitsFromTexts(texts: LimitTexts, keep: RiskLimits): Parsed<RiskLimits> {
  const raw: Record<string, unknown> = {};
  for (const field of LIMIT_FIELDS) {
    const typed = texts[field.key].trim();
    if (typed === '') continue;
    const value = Number(typed);
    if (!Number.isFinite(value)) return { ok: false, problem: `${field.label}: '${typed}' is not a number` };
    raw[field.key] = value;
  }
  const { concentrationMaxShare: maxShare, concentrationMinGross: minGross, ...scalars } = raw;
  const limits: Record<string, unknown> = { ...scalars };
  if (maxShare !== undefined || minGross !== undefined) {
    if (maxShare === undefined)
      return { ok: false, problem: 'Max share of gross: needed when a gross threshold is given' };
    limits.concentration = { maxShare, minGrossNotional: minGross ?? 0 };
  }
  if (keep.perInstrument !== undefined) limits.perInstrument = keep.perInstrument;
  const parsed = riskLimitsSchema.safeParse(limits);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') ?? '';
    const label = LIMIT_FIELDS.find((f) => f.key === where)?.label ?? where;
    return { ok: false, problem: `${label}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, value: parsed.data };
}

/** How full a limit is, for its gauge's colour. */
export function usageLevel(usage: number): 'low' | 'high' | 'full' {
  if (!(usage < 0.8)) return 'full';
  return usage < 0.5 ? 'low' : 'high';
}

/** The manual order ticket as typed. */
export interface OrderTicket {
  readonly venue: string;
  readonly instrument: string;
  readonly side: 'buy' | 'sell';
  readonly type: OrderType;
  readonly quantity: string;
  readonly price: string;
  readonly stopPrice: string;
  readonly timeInForce: 'GTC' | 'IOC';
  readonly postOnly: boolean;
  readonly reduceOnly: boolean;
}

export const needsPrice = (type: OrderType): boolean => type === 'limit' || type === 'stop-limit';
export const needsStop = (type: OrderType): boolean => type === 'stop' || type === 'stop-limit';

/** The order the ticket says, or what is missing; prices the type does not use are not sent. */
export function orderFromTicket(ticket: OrderTicket): Parsed<CommandRequest<'trading.order'>> {
  const number = (typed: string): number | undefined => (typed.trim() === '' ? undefined : Number(typed));
  const price = needsPrice(ticket.type) ? number(ticket.price) : undefined;
  const stopPrice = needsStop(ticket.type) ? number(ticket.stopPrice) : undefined;
  if (needsPrice(ticket.type) && price === undefined)
    return { ok: false, problem: `A ${ticket.type} order needs a price` };
  if (needsStop(ticket.type) && stopPrice === undefined)
    return { ok: false, problem: `A ${ticket.type} order needs a stop price` };
  const request = {
    venue: ticket.venue,
    instrument: ticket.instrument,
    side: ticket.side,
    type: ticket.type,
    quantity: Number(ticket.quantity),
    ...(price === undefined ? {} : { price }),
    ...(stopPrice === undefined ? {} : { stopPrice }),
    timeInForce: ticket.timeInForce,
    postOnly: ticket.type === 'limit' && ticket.postOnly,
    reduceOnly: ticket.reduceOnly,
  };
  const parsed = orderRequestSchema.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `${issue?.path.join('.') ?? 'order'}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, value: parsed.data };
}

/** The paper strategy form. */
export interface PaperForm {
  /** Where the strategy runs: `paper`, or an armed live venue. */
  readonly venue: string;
  readonly instrument: string;
  readonly strategy: string;
  readonly params: Readonly<Record<string, number | boolean | string>>;
  readonly maker: number;
  readonly taker: number;
  readonly submitMs: number;
  readonly cancelMs: number;
  readonly initialCash: number;
  /** The registered model the ML-signal strategy trades. */
  readonly modelId: number | null;
  /**
   * Position sizing: the strategy's own quantity, a fraction of equity, all-in (the whole equity,
   * its fee paid, floored to the lot), a volatility target, or capped Kelly on the model's
   * probability (ML signal only): every rule of shared/trading/sized-strategy.ts.
   */
  readonly sizing: (typeof PAPER_SIZINGS)[number];
  readonly fraction: number;
  /** Kelly: the share of full Kelly, the cap on the fraction, and the payoff (0 = from the exits). */
  readonly kellyScale: number;
  readonly kellyCap: number;
  readonly payoff: number;
  readonly annualVol: number;
  readonly volLookback: number;
  readonly lot: number;
  /** Exit levels as fractions of the entry; 0 = none. */
  readonly stopLoss: number;
  readonly takeProfit: number;
  readonly trailing: number;
}

/**
 * The sizings the Trading panel offers: every kind the contract (and so the shared sizing
 * module) has, in the picker's order. A test holds it equal to the contract's list.
 */
export const PAPER_SIZINGS = [
  'fixed',
  'fixed-fraction',
  'all-in',
  'vol-target',
  'kelly',
] as const satisfies readonly PaperSizing['kind'][];

/** The sizing and exits of a paper start, only what differs from the defaults. */
export function paperDecisions(
  p: PaperForm,
): Pick<CommandRequest<'trading.paper.start'>, 'sizing' | 'exits'> {
  const exits = {
    ...(p.stopLoss > 0 ? { stopLoss: p.stopLoss } : {}),
    ...(p.takeProfit > 0 ? { takeProfit: p.takeProfit } : {}),
    ...(p.trailing > 0 ? { trailing: p.trailing } : {}),
  };
  const sizing =
    p.sizing === 'fixed-fraction'
      ? { kind: p.sizing, fraction: p.fraction, lot: p.lot }
      : p.sizing === 'all-in'
        ? { kind: p.sizing, lot: p.lot }
        : p.sizing === 'vol-target'
          ? { kind: p.sizing, annualVol: p.annualVol, lookback: p.volLookback, maxLeverage: 1, lot: p.lot }
          : p.sizing === 'kelly'
            ? {
                kind: p.sizing,
                scale: p.kellyScale,
                cap: p.kellyCap,
                ...(p.payoff > 0 ? { payoff: p.payoff } : {}),
                maxLeverage: 1,
                lot: p.lot,
              }
            : null;
  return {
    ...(sizing === null ? {} : { sizing }),
    ...(Object.keys(exits).length === 0 ? {} : { exits }),
  };
}

/** A model the ML-signal strategy can trade. */
export interface TradableModel {
  readonly id: number;
  readonly name: string;
  readonly kind: string;
  readonly instrument: string;
}

/** Classification models only: the strategy trades a probability of an up move. */
export function tradable(model: ModelInfo): boolean {
  return labelClasses(model.label) > 0;
}

/** The outcome of the last manual order: sent (with its client id) or refused with its reason. */
export type TicketOutcome = CommandResponse<'trading.order'>;

export interface TradingSnapshot {
  readonly state: TradingState | null;
  readonly refusals: readonly Refusal[];
  readonly risk: RiskReport | null;
  readonly riskRequest: RiskRequest;
  readonly audit: readonly AuditEntry[];
  readonly auditKind: AuditKind | null;
  readonly verdict: AuditVerdict | null;
  readonly exported: { readonly fileName: string; readonly path: string } | null;
  readonly toasts: readonly Toast[];
  readonly paper: PaperForm;
  readonly ticket: OrderTicket;
  readonly ticketOutcome: TicketOutcome | null;
  /** The closing orders of the last PANIC with flatten (null before one), refusals included. */
  readonly flattened: readonly FlattenOrder[] | null;
  /** Registered classification models, for the ML-signal strategy's picker. */
  readonly models: readonly TradableModel[];
  readonly busy: boolean;
  readonly problem: string | null;
}

export interface TradingDeskState extends TradingSnapshot {
  readonly start: () => void;
  readonly stop: () => void;
  readonly setPaper: (patch: Partial<PaperForm>) => void;
  readonly setTicket: (patch: Partial<OrderTicket>) => void;
  readonly startPaper: () => Promise<void>;
  readonly stopPaper: () => Promise<void>;
  readonly resetPaper: () => Promise<void>;
  readonly loadModels: () => Promise<void>;
  /** Built-in strategies and the user's files (strategies.list), read when the picker opens. */
  readonly strategies: readonly StrategyInfo[];
  readonly loadStrategies: () => Promise<void>;
  readonly placeOrder: () => Promise<void>;
  readonly cancel: (venue: string, clientId: string) => Promise<void>;
  readonly setLimits: (limits: RiskLimits) => Promise<boolean>;
  readonly arm: (venue: string, phrase: string) => Promise<boolean>;
  readonly disarm: (venue: string) => Promise<void>;
  /** Cancels and disarms everywhere; with `flatten`, also closes every position at market. */
  readonly panic: (flatten: boolean) => Promise<void>;
  readonly setRiskRequest: (patch: Partial<RiskRequest>) => void;
  readonly refreshRisk: () => Promise<void>;
  readonly refreshRefusals: () => Promise<void>;
  readonly refreshAudit: (kind?: AuditKind | null) => Promise<void>;
  readonly verifyAudit: () => Promise<void>;
  readonly exportAudit: () => Promise<{ fileName: string; content: string } | null>;
  readonly dismissToast: (id: number) => void;
  readonly dismissProblem: () => void;
}

export type TradingStore = StoreApi<TradingDeskState>;

export interface TradingStoreOptions {
  /** Shows a desktop notification; false when it cannot (no permission), so a toast shows instead. */
  readonly desktop?: (notice: Notice) => boolean;
}

export const DEFAULT_RISK_REQUEST: RiskRequest = {
  confidence: 0.99,
  horizonMs: 86_400_000,
  gap: 0.1,
  spreadFactor: 5,
  liquidityRemaining: 0.2,
};

const DEFAULT_PAPER: PaperForm = {
  venue: 'paper',
  instrument: '',
  strategy: 'book-imbalance',
  params: {},
  maker: 0.0002,
  taker: 0.001,
  submitMs: 0,
  cancelMs: 0,
  initialCash: 100_000,
  modelId: null,
  sizing: 'fixed',
  fraction: 0.1,
  kellyScale: 0.5,
  kellyCap: 0.25,
  payoff: 0,
  annualVol: 0.2,
  volLookback: 60,
  lot: 0.01,
  stopLoss: 0,
  takeProfit: 0,
  trailing: 0,
};

const DEFAULT_TICKET: OrderTicket = {
  venue: 'paper',
  instrument: '',
  side: 'buy',
  type: 'limit',
  quantity: '1',
  price: '',
  stopPrice: '',
  timeInForce: 'GTC',
  postOnly: false,
  reduceOnly: false,
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The trading domain: venues, orders, fills, limits, risk, refusals and the audit log, fed by the API client. */
export function createTradingStore(api: ApiClient, options: TradingStoreOptions = {}): TradingStore {
  let feeds: Unsubscribe[] = [];
  let nextToast = 1;

  return createStore<TradingDeskState>()((set, get) => {
    const report = (what: string) => (error: unknown) => {
      if (error instanceof Error && 'kind' in error && error.kind === 'disconnected') return;
      set({ problem: `${what}: ${errorText(error)}` });
    };

    /** Runs a command that answers with the trading state, and shows that state. */
    const stateCall = async (what: string, call: () => Promise<TradingState>): Promise<boolean> => {
      set({ busy: true });
      try {
        const state = await call();
        set({ state, problem: null });
        return true;
      } catch (error) {
        report(what)(error);
        return false;
      } finally {
        set({ busy: false });
      }
    };

    const onEvent = (event: TradingEvent): void => {
      if (event.type === 'refusal') {
        set((s) => ({ refusals: [event.refusal, ...s.refusals].slice(0, REFUSALS_SHOWN) }));
        return;
      }
      const notice = noticeOf(event);
      if (notice === null || options.desktop?.(notice) === true) return;
      const toast: Toast = { ...notice, id: nextToast++ };
      set((s) => ({ toasts: [...s.toasts, toast].slice(-TOASTS_SHOWN) }));
    };

    return {
      state: null,
      refusals: [],
      risk: null,
      riskRequest: DEFAULT_RISK_REQUEST,
      audit: [],
      auditKind: null,
      verdict: null,
      exported: null,
      toasts: [],
      paper: DEFAULT_PAPER,
      ticket: DEFAULT_TICKET,
      ticketOutcome: null,
      flattened: null,
      models: [],
      strategies: [],
      busy: false,
      problem: null,

      start() {
        for (const stop of feeds) stop();
        feeds = [
          api.subscribe(
            'trading.state',
            {},
            (state) => {
              set({ state });
            },
            report('The trading state stopped'),
          ),
          api.subscribe('trading.events', {}, onEvent, report('Trading events stopped')),
        ];
        void get().refreshRefusals();
        void get().refreshAudit();
      },

      stop() {
        for (const stop of feeds) stop();
        feeds = [];
      },

      setPaper(patch) {
        set((s) => ({ paper: { ...s.paper, ...patch } }));
      },

      setTicket(patch) {
        set((s) => ({ ticket: { ...s.ticket, ...patch }, ticketOutcome: null }));
      },

      async loadStrategies() {
        try {
          set({ strategies: await api.call('strategies.list', {}) });
        } catch (error) {
          report('Could not list the strategies')(error);
        }
      },

      async loadModels() {
        try {
          const models = await api.call('models.list', { limit: 200 });
          set({
            models: models
              .filter(tradable)
              .map(({ id, name, kind, instrument }) => ({ id, name, kind, instrument })),
          });
        } catch (error) {
          report('Could not list the models')(error);
        }
      },

      async startPaper() {
        const p = get().paper;
        const strategy = p.strategy as CommandRequest<'trading.paper.start'>['strategy'];
        const run = {
          instrument: p.instrument,
          strategy,
          params: { ...p.params },
          ...(strategy === 'ml-signal' && p.modelId !== null ? { modelId: p.modelId } : {}),
          ...paperDecisions(p),
        };
        if (p.venue !== 'paper') {
          await stateCall(`Could not start the strategy on ${p.venue}`, () =>
            api.call('trading.live.start', { venue: p.venue, ...run }),
          );
          return;
        }
        await stateCall('Could not start the paper strategy', () =>
          api.call('trading.paper.start', {
            ...run,
            fees: { maker: p.maker, taker: p.taker },
            latencyMs: { submit: p.submitMs, cancel: p.cancelMs },
          }),
        );
      },

      async stopPaper() {
        const venue = get().paper.venue;
        await stateCall(`Could not stop the strategy on ${venue}`, () =>
          venue === 'paper' ? api.call('trading.paper.stop', {}) : api.call('trading.live.stop', { venue }),
        );
      },

      async resetPaper() {
        const initialCash = get().paper.initialCash;
        await stateCall('Could not reset the paper account', () =>
          api.call('trading.paper.reset', { initialCash }),
        );
      },

      async placeOrder() {
        const order = orderFromTicket(get().ticket);
        if (!order.ok) {
          set({ ticketOutcome: { ok: false, limit: 'ticket', reason: order.problem } });
          return;
        }
        set({ busy: true, ticketOutcome: null });
        try {
          const outcome = await api.call('trading.order', order.value);
          set({ ticketOutcome: outcome });
        } catch (error) {
          // A command error (e.g. an unknown venue) is the order's refusal as far as the user is concerned.
          set({ ticketOutcome: { ok: false, limit: 'error', reason: errorText(error) } });
        } finally {
          set({ busy: false });
        }
      },

      async cancel(venue, clientId) {
        try {
          const { cancelled } = await api.call('trading.cancel', { venue, clientId });
          if (!cancelled)
            set({ problem: `Order ${clientId} was not cancelled (no longer open on ${venue})` });
        } catch (error) {
          report(`Could not cancel ${clientId}`)(error);
        }
      },

      async setLimits(limits) {
        return stateCall('Could not set the limits', () => api.call('trading.limits.set', limits));
      },

      async arm(venue, phrase) {
        return stateCall(`Could not arm ${venue}`, () => api.call('trading.arm', { venue, phrase }));
      },

      async disarm(venue) {
        await stateCall(`Could not disarm ${venue}`, () => api.call('trading.disarm', { venue }));
      },

      async panic(flatten) {
        await stateCall('Panic failed', async () => {
          const { flattened, ...state } = await api.call('trading.panic', { flatten });
          set({ flattened: flatten ? flattened : null });
          return state;
        });
      },

      setRiskRequest(patch) {
        set((s) => ({ riskRequest: { ...s.riskRequest, ...patch } }));
      },

      async refreshRisk() {
        try {
          const risk = await api.call('trading.risk', get().riskRequest);
          set({ risk });
        } catch (error) {
          report('Could not compute the value at risk')(error);
        }
      },

      async refreshRefusals() {
        try {
          const refusals = await api.call('trading.refusals', { limit: REFUSALS_SHOWN });
          set({ refusals });
        } catch (error) {
          report('Could not list the refusals')(error);
        }
      },

      async refreshAudit(kind) {
        const chosen = kind === undefined ? get().auditKind : kind;
        set({ auditKind: chosen });
        try {
          const audit = await api.call('trading.audit.list', {
            limit: AUDIT_SHOWN,
            ...(chosen === null ? {} : { kind: chosen }),
          });
          set({ audit });
        } catch (error) {
          report('Could not list the audit log')(error);
        }
      },

      async verifyAudit() {
        try {
          const verdict = await api.call('trading.audit.verify', {});
          set({ verdict });
        } catch (error) {
          report('Could not verify the audit log')(error);
        }
      },

      async exportAudit() {
        try {
          const exported = await api.call('trading.audit.export', {});
          set({ exported: { fileName: exported.fileName, path: exported.path } });
          return { fileName: exported.fileName, content: exported.content };
        } catch (error) {
          report('Could not export the audit log')(error);
          return null;
        }
      },

      dismissToast(id) {
        set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
      },

      dismissProblem() {
        set({ problem: null });
      },
    };
  });
}
