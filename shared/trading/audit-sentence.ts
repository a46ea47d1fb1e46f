import type { AuditKind } from './audit-chain.js';

/**
 * An audit entry as a trader reads it: "Paper: bought 0.5 BTC/USDT at 100.25 (limit, filled)".
 * The payloads are whatever the venues recorded (paper broker, live broker, service), so every
 * field is read defensively and anything unknown still yields a sentence from its action and
 * the fields it has; the JSON stays one click away in the view for the exact record.
 */

export interface AuditLine {
  readonly seq: number;
  readonly ts: number;
  readonly kind: AuditKind;
  readonly payload: unknown;
}

/** What other entries say about an order: its type, and how far it got. */
export interface AuditContext {
  readonly orders: ReadonlyMap<string, { type?: string; status?: string }>;
}

type Fields = Readonly<Record<string, unknown>>;

const isFields = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const fieldsOf = (value: unknown): Fields => (isFields(value) ? value : {});
const text = (f: Fields, key: string): string | undefined => {
  const v = f[key];
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const number = (f: Fields, key: string): number | undefined => {
  const v = f[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};

const sizeFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 8 });
const amount = (value: number | undefined): string => (value === undefined ? '?' : sizeFormat.format(value));

/** The venue an entry belongs to: `paper`, an exchange id, or `workspace` for all of them. */
export function auditVenue(payload: unknown): string {
  const f = fieldsOf(payload);
  return text(f, 'venue') ?? text(f, 'exchange') ?? 'workspace';
}

/** `Paper`, `Binance`, `All venues`. */
export function venueName(venue: string): string {
  if (venue === 'workspace') return 'All venues';
  return venue.charAt(0).toUpperCase() + venue.slice(1);
}

/** The symbol without its source prefix: `demo:DEMO/USD` -> `DEMO/USD`. */
function symbolOf(f: Fields): string {
  const instrument = text(f, 'instrument');
  if (instrument !== undefined) return instrument.slice(instrument.indexOf(':') + 1);
  return text(f, 'symbol') ?? 'an instrument';
}

/** The order an entry is about: a paper intent's order, a live request, or the payload itself. */
function orderOf(f: Fields): Fields {
  const intent = fieldsOf(f.intent);
  if (isFields(intent.order)) return intent.order;
  if (isFields(f.request)) return f.request;
  if (isFields(f.event)) return f.event;
  return f;
}

/** Order types and last statuses by client id, from the entries at hand. */
export function auditContext(entries: readonly AuditLine[]): AuditContext {
  const orders = new Map<string, { type?: string; status?: string }>();
  // Oldest first, so the last status read is the latest.
  const byTime = [...entries].sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  for (const entry of byTime) {
    if (entry.kind !== 'order' && entry.kind !== 'fill') continue;
    const f = fieldsOf(entry.payload);
    const order = orderOf(f);
    const clientId = text(order, 'clientId') ?? text(f, 'clientId');
    if (clientId === undefined) continue;
    const known = orders.get(clientId) ?? {};
    const type = text(order, 'type');
    const action = text(f, 'action');
    orders.set(clientId, {
      ...known,
      ...(type === undefined ? {} : { type }),
      ...(action === undefined || action === 'sent' ? {} : { status: action.replace('_', ' ') }),
    });
  }
  return { orders };
}

const past = (side: string | undefined): string =>
  side === 'buy' ? 'bought' : side === 'sell' ? 'sold' : 'traded';

function orderPhrase(order: Fields, f: Fields): string {
  const side = text(order, 'side') ?? 'order';
  const type = text(order, 'type');
  const price = number(order, 'price');
  const stop = number(order, 'stopPrice');
  return [
    side,
    amount(number(order, 'quantity')),
    symbolOf(f),
    type === undefined || type === 'limit' ? null : type.replace('_', '-'),
    price === undefined ? null : `at ${amount(price)}`,
    stop === undefined ? null : `stop ${amount(stop)}`,
  ]
    .filter((part): part is string => part !== null)
    .join(' ');
}

function fillSentence(f: Fields, context: AuditContext): string {
  const clientId = text(f, 'clientId');
  const known = clientId === undefined ? undefined : context.orders.get(clientId);
  const status = text(f, 'action')?.replace('_', ' ') ?? known?.status;
  const notes = [known?.type, status, text(f, 'liquidity')].filter((n): n is string => n !== undefined);
  return (
    `${past(text(f, 'side'))} ${amount(number(f, 'quantity'))} ${symbolOf(f)} at ${amount(number(f, 'price'))}` +
    (notes.length === 0 ? '' : ` (${[...new Set(notes)].join(', ')})`)
  );
}

function orderSentence(f: Fields): string {
  const action = text(f, 'action') ?? 'order';
  const intent = fieldsOf(f.intent);
  const clientId = text(f, 'clientId') ?? text(fieldsOf(f.event), 'clientId') ?? text(intent, 'clientId');
  const reason = text(f, 'reason') ?? text(fieldsOf(f.event), 'reason');
  if (action === 'sent' && text(intent, 'kind') === 'cancel')
    return `asked to cancel order ${clientId ?? '?'}`;
  if (action === 'sent') return `sent ${orderPhrase(orderOf(f), f)}`;
  return (
    `order ${clientId ?? '?'} on ${symbolOf(f)} ${action.replace('_', ' ')}` +
    (reason === undefined ? '' : `: ${reason}`)
  );
}

function refusalSentence(f: Fields): string {
  const intent = fieldsOf(f.intent);
  const what = text(intent, 'kind') === 'cancel' ? 'a cancel' : orderPhrase(orderOf(f), f);
  return `refused ${what} by ${text(f, 'limit') ?? 'the risk manager'}: ${text(f, 'reason') ?? 'no reason given'}`;
}

function armingSentence(f: Fields): string {
  const action = text(f, 'action') ?? 'arming';
  const why = text(f, 'why') ?? text(f, 'reason');
  switch (action) {
    case 'panic':
      return f.flatten === true
        ? 'PANIC: cancel every order, disarm, and flatten every position'
        : 'PANIC: cancel every order and disarm';
    case 'tripped':
      return `breaker ${text(f, 'limit') ?? '?'} tripped: ${why ?? 'no reason given'}`;
    case 'armed':
    case 'disarmed':
    case 'arm_refused':
      return `${action === 'arm_refused' ? 'arming refused' : action}${why === undefined ? '' : ` (${why})`}`;
    default:
      return `${action.replaceAll('_', ' ')}${why === undefined ? '' : ` (${why})`}`;
  }
}

function decisionSentence(f: Fields): string {
  const action = text(f, 'action') ?? 'decision';
  const why = text(f, 'why');
  const because = why === undefined ? '' : ` (${why})`;
  switch (action) {
    case 'flatten':
      return f.ok === true
        ? `flatten: sent ${text(f, 'side') ?? '?'} ${amount(number(f, 'quantity'))} ${symbolOf(f)} at market`
        : `flatten refused: ${text(f, 'side') ?? '?'} ${amount(number(f, 'quantity'))} ${symbolOf(f)} by ${text(f, 'limit') ?? '?'}: ${text(f, 'reason') ?? 'no reason given'}`;
    case 'strategy_started':
    case 'strategy_stopped':
    case 'strategy_resumed':
    case 'strategy_not_resumed': {
      const strategy = text(f, 'strategy') ?? text(f, 'kind') ?? 'strategy';
      const on = text(f, 'instrument') === undefined ? '' : ` on ${symbolOf(f)}`;
      return `${strategy}${on} ${action.slice('strategy_'.length).replace('_', ' ')}${because}`;
    }
    case 'not_sent':
      return `strategy order not sent on ${symbolOf(f)}${because}`;
    default:
      return `${action.replaceAll('_', ' ')}${text(f, 'instrument') === undefined ? '' : ` on ${symbolOf(f)}`}${because}`;
  }
}

function settingSentence(f: Fields): string {
  const action = text(f, 'action');
  if (action === 'reset') return `account reset to ${amount(number(f, 'initialCash'))} cash`;
  if (action === 'limits') return 'risk limits changed';
  return `${action ?? 'setting'} changed`;
}

function signalSentence(f: Fields): string {
  // The ML-signal strategy reads P(up) from its model.
  const up = number(f, 'up');
  return `signal on ${symbolOf(f)}${up === undefined ? '' : `: P(up) ${(up * 100).toFixed(1)}%`}`;
}

/** One sentence, headed by the venue: `Paper: bought 0.5 BTC/USDT at 100.25 (limit, filled)`. */
export function auditSentence(entry: AuditLine, context: AuditContext = { orders: new Map() }): string {
  const f = fieldsOf(entry.payload);
  const head = `${venueName(auditVenue(f))}: `;
  switch (entry.kind) {
    case 'fill':
      return head + fillSentence(f, context);
    case 'order':
      return head + orderSentence(f);
    case 'refusal':
      return head + refusalSentence(f);
    case 'arming':
      return head + armingSentence(f);
    case 'decision':
      return head + decisionSentence(f);
    case 'setting':
      return head + settingSentence(f);
    case 'signal':
      return head + signalSentence(f);
    default:
      return entry.kind satisfies never;
  }
}

/** Newest first by market time; the log's own order (seq) breaks ties. */
export function inTimeOrder<T extends AuditLine>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => b.ts - a.ts || b.seq - a.seq);
}
