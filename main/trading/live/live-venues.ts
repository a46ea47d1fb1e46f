import { ApiError } from '../../../shared/api/protocol.js';
import type { FillWire, WorkingOrderWire } from '../../../shared/api/domains/trading.js';
import type { ReadonlyOrderBook } from '../../../shared/market/order-book.js';
import type { RiskGate } from '../../../shared/risk/gate.js';
import type { ConnectionConfig } from '../../exchange/exchange-hub.js';
import type { KeyChange } from '../../exchange/key-changes.js';
import type { SecretStore } from '../../exchange/secret-store.js';
import type { VenueReports, VenueView } from '../venue.js';
import { LiveExchange } from './live-exchange.js';
import { liveRecentFills, liveWorkingOrders, LiveVenue } from './live-venue.js';
import type { LiveOrderStore } from './order-store.js';

/** The live client id session: one counter in the order store, so ids never repeat. */
const LIVE_SESSION = 'ws';

export interface LiveVenuesOptions {
  readonly store: LiveOrderStore;
  readonly gate: RiskGate;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  readonly reports: VenueReports;
  readonly connections: () => readonly ConnectionConfig[];
  readonly connected: (exchange: string) => boolean;
  readonly secrets: SecretStore;
  readonly orderBook: (instrument: string) => ReadonlyOrderBook | null;
  readonly markOf: (instrument: string, fallback: number) => number;
}

/**
 * The live venues of the workspace: one per exchange connection with saved API keys, built on
 * first use (a venue sends nothing until armed). Listed venues never used show as disarmed, with
 * their orders of an earlier run from the order store.
 */
export class LiveVenues {
  private readonly venues = new Map<string, LiveVenue>();

  constructor(private readonly options: LiveVenuesOptions) {}

  /** The venue of an exchange; not_found when it has no connection or no saved keys. */
  venue(exchange: string): LiveVenue {
    const existing = this.venues.get(exchange);
    if (existing !== undefined) return existing;
    const { options } = this;
    if (!options.connections().some((c) => c.exchange === exchange) || !this.hasKeys(exchange))
      throw new ApiError(
        'not_found',
        `no venue '${exchange}': connect the exchange and save its API keys first`,
      );
    const venue: LiveVenue = new LiveVenue({
      exchange: new LiveExchange({
        exchangeId: exchange,
        store: options.store,
        gate: options.gate,
        clock: options.clock,
        session: LIVE_SESSION,
        connection: () => {
          const configs = options.connections().filter((c) => c.exchange === exchange);
          if (configs.length === 0) return undefined;
          return { symbols: configs.flatMap((c) => c.symbols), endpoint: configs[0]?.endpoint };
        },
        keys: () => options.secrets.get(exchange),
        onEvent: (event) => {
          venue.onBrokerEvent(event);
        },
        log: options.log,
      }),
      store: options.store,
      clock: options.clock,
      log: options.log,
      reports: options.reports,
      connected: () => options.connected(exchange),
      orderBook: options.orderBook,
      markOf: options.markOf,
    });
    this.venues.set(exchange, venue);
    return venue;
  }

  /** The venues built so far, in the order they were. */
  built(): LiveVenue[] {
    return [...this.venues.values()];
  }

  /** Every live venue id: connections with keys, and venues built before (sorted). */
  ids(): string[] {
    const ids = new Set(
      this.options
        .connections()
        .map((c) => c.exchange)
        .filter((exchange) => this.hasKeys(exchange)),
    );
    for (const id of this.venues.keys()) ids.add(id);
    return [...ids].sort();
  }

  views(): VenueView[] {
    return this.ids().map(
      (id) =>
        this.venues.get(id)?.view() ?? {
          venue: id,
          kind: 'live',
          armed: false,
          disarmedReason: null,
          connected: this.options.connected(id),
          balances: {},
          equity: null,
          strategy: null,
        },
    );
  }

  workingOrders(): WorkingOrderWire[] {
    return this.ids().flatMap((id) => liveWorkingOrders(this.options.store, id));
  }

  recentFills(limit: number): FillWire[] {
    return this.ids().flatMap((id) => liveRecentFills(this.options.store, id, limit));
  }

  /**
   * Keys take effect at once. Replaced: the venue's client signs with the new ones from its
   * next request. Deleted: the venue is disarmed, its strategy stopped and its client dropped,
   * so re-arming is refused until keys are saved again. Each change is audited (never the keys).
   */
  onKeyChange(change: KeyChange): void {
    const { exchange } = change;
    this.options.reports.record(this.options.clock(), 'setting', {
      venue: exchange,
      action: `keys_${change.kind}`,
    });
    const venue = this.venues.get(exchange);
    if (change.kind === 'deleted') {
      if (venue !== undefined) {
        venue.dropKeys(`the API keys of ${exchange} were deleted`);
        this.venues.delete(exchange);
      }
    } else {
      venue?.replaceKeys(change.keys);
    }
    this.options.reports.changed();
  }

  close(): void {
    for (const venue of this.venues.values()) venue.close();
  }

  private hasKeys(exchange: string): boolean {
    try {
      return this.options.secrets.availability().ready && this.options.secrets.has(exchange);
    } catch {
      return false;
    }
  }
}
