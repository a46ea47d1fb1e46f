import type { Strategy } from '../../shared/backtest/strategy.js';
import type { MarketEvent } from '../../shared/domain/market.js';
import type { ReadonlyOrderBook } from '../../shared/market/order-book.js';
import type { AuditKind } from '../../shared/trading/audit-chain.js';
import type { LiveBrokerEvent } from './live/live-events.js';
import { LiveDesk } from './live-desk.js';
import type { LiveVenue } from './live-venue.js';
import type { SignalRun } from './paper-signal.js';
import type { PaperStrategy } from './paper-venue.js';

/**
 * The strategies running on live venues, one per venue: each a LiveDesk between the pipeline's
 * events, the strategy and the venue's broker. Starting, stopping and every order the desk
 * could not send are audited under the venue.
 */

export interface PreparedStrategy {
  readonly running: PaperStrategy;
  readonly signal: SignalRun | null;
  /** The strategy inside its sizing and exits. */
  readonly create: () => Strategy;
  readonly barMs: number;
}

export interface LiveStrategiesOptions {
  readonly record: (ts: number, kind: AuditKind, payload: unknown) => void;
  readonly log: (line: string) => void;
  readonly clock: () => number;
  readonly orderBook: (instrument: string) => ReadonlyOrderBook | null;
}

interface Running {
  readonly desk: LiveDesk;
  readonly running: PaperStrategy;
  readonly signal: SignalRun | null;
}

export class LiveStrategies {
  private readonly desks = new Map<string, Running>();

  constructor(private readonly options: LiveStrategiesOptions) {}

  /** Runs a prepared strategy on an armed venue's instrument (`<exchange>:<symbol>`). */
  start(
    venue: LiveVenue,
    instrument: string,
    prepared: PreparedStrategy,
    extra: Record<string, unknown>,
  ): void {
    const id = venue.exchangeId;
    const symbol = instrument.slice(id.length + 1);
    this.stop(id, 'replaced by a new strategy');
    const quote = symbol.split('/')[1] ?? '';
    const { record, log, clock } = this.options;
    const desk = new LiveDesk({
      venue: id,
      instrument,
      symbol,
      strategy: prepared.create(),
      ...(prepared.signal === null ? {} : { features: prepared.signal.feed }),
      barMs: prepared.barMs,
      book: () => this.options.orderBook(instrument),
      submit: (order, guard) => venue.submit(symbol, order, guard),
      cancel: (clientId) => venue.cancel(clientId),
      equity: () => venue.riskState()?.equity ?? Number.NaN,
      cash: () => venue.balances[quote]?.free ?? Number.NaN,
      onProblem: (what) => {
        log(`trading: ${id} strategy: ${what}`);
        record(clock(), 'decision', { venue: id, action: 'not_sent', instrument, why: what });
      },
    });
    this.desks.set(id, { desk, running: prepared.running, signal: prepared.signal });
    record(clock(), 'decision', { venue: id, action: 'strategy_started', ...prepared.running, ...extra });
  }

  /** Stops a venue's strategy: its working orders are cancelled, the position stays. */
  stop(venue: string, why: string): PaperStrategy | null {
    const entry = this.desks.get(venue);
    if (entry === undefined) return null;
    this.desks.delete(venue);
    entry.signal?.stop();
    void entry.desk.stop();
    this.options.record(this.options.clock(), 'decision', {
      venue,
      action: 'strategy_stopped',
      why,
      ...entry.running,
    });
    return entry.running;
  }

  stopAll(why: string): void {
    for (const venue of [...this.desks.keys()]) this.stop(venue, why);
  }

  /** The venue's strategy as the trading state shows it, or null. */
  view(venue: string): (PaperStrategy & { signal: ReturnType<SignalRun['view']> | null }) | null {
    const entry = this.desks.get(venue);
    if (entry === undefined) return null;
    return { ...entry.running, signal: entry.signal?.view() ?? null };
  }

  onEvents(events: readonly MarketEvent[]): void {
    for (const [venue, { desk }] of this.desks) {
      try {
        desk.onEvents(events);
      } catch (error) {
        this.options.log(`trading: ${venue} strategy: ${messageOf(error)}`);
      }
    }
  }

  onBrokerEvent(venue: string, event: LiveBrokerEvent): void {
    try {
      this.desks.get(venue)?.desk.onBrokerEvent(event);
    } catch (error) {
      this.options.log(`trading: ${venue} strategy: ${messageOf(error)}`);
    }
  }

  /** The App stops: predictions stop reaching the desks (orders stay as they are). */
  dispose(): void {
    for (const { signal } of this.desks.values()) signal?.stop();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
