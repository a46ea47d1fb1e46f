import type { AuditKind } from '../../shared/trading/audit-chain.js';
import type { AuditLog } from './audit-log.js';
import { messageOf, type TradingEvent, type VenueReports } from './venue.js';

/**
 * Where the venues' facts go: the hash-chained audit log (a failed append is a problem the user
 * sees once per cause, never a crash), the `trading.events` listeners, and the dirty flag the
 * state tick reads. Breaker trips are the service's to fan out to every venue.
 */
export class TradingEvents {
  readonly problems: string[] = [];
  private readonly listeners = new Set<(event: TradingEvent) => void>();
  private dirty = true;

  constructor(
    private readonly audit: AuditLog,
    private readonly clock: () => number,
    private readonly log: (line: string) => void,
  ) {}

  record(ts: number, kind: AuditKind, payload: unknown): void {
    try {
      this.audit.append(Math.round(Number.isFinite(ts) ? ts : this.clock()), kind, payload);
    } catch (error) {
      const why = `audit append failed: ${messageOf(error)}`;
      this.log(`trading: ${why}`);
      if (!this.problems.includes(why)) this.problems.push(why);
    }
  }

  emit(event: TradingEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: TradingEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  changed(): void {
    this.dirty = true;
  }

  /** True once after each change (the state tick publishes only then). */
  takeChanged(): boolean {
    const was = this.dirty;
    this.dirty = false;
    return was;
  }

  /** The reports a venue sends, with trips handed to the service. */
  reports(tripped: VenueReports['tripped']): VenueReports {
    return {
      record: (ts, kind, payload) => {
        this.record(ts, kind, payload);
      },
      emit: (event) => {
        this.emit(event);
      },
      tripped,
      changed: () => {
        this.changed();
      },
    };
  }
}
