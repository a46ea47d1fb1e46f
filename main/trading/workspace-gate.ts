import {
  refusal,
  type GatedIntent,
  type RiskGate,
  type RiskState,
  type RiskTrip,
  type RiskVerdict,
} from '../../shared/risk/gate.js';
import { RiskManager, type RiskLimits } from '../../shared/risk/limits.js';

/**
 * The one risk manager of the workspace, as the gate of every venue. A broker knows only its
 * own book; the gate decides on the whole workspace's: every venue's positions and working
 * orders and the total equity (paper account + live wallets), so a total or concentration
 * limit and the daily-loss breaker see everything, whichever venue asks.
 *
 * Limits can be replaced at any time (`setLimits`): the new RiskManager starts a fresh
 * orders-per-minute window and takes the current equity as its day start and peak, but a
 * tripped breaker stays tripped across the change; only `rearm` (arming again) clears it.
 */
export class WorkspaceGate implements RiskGate {
  private manager: RiskManager;
  private limitsNow: RiskLimits;
  private trip: RiskTrip | null = null;

  constructor(
    limits: RiskLimits,
    /** The workspace's book now; `ts` comes from the asking broker. */
    private readonly book: () => Omit<RiskState, 'ts'>,
  ) {
    this.limitsNow = limits;
    this.manager = new RiskManager(limits);
  }

  get limits(): RiskLimits {
    return this.limitsNow;
  }

  get tripped(): RiskTrip | null {
    return this.trip;
  }

  setLimits(limits: RiskLimits): void {
    this.manager = new RiskManager(limits);
    this.limitsNow = limits;
  }

  check(intent: GatedIntent, state: RiskState): RiskVerdict {
    if (intent.intent.kind !== 'cancel' && this.trip !== null)
      return refusal('breaker_tripped', this.trip.value, this.trip.boundary, `${this.trip.limit} (tripped)`);
    return this.manager.check(intent, this.stateAt(state.ts));
  }

  /** Reports a trip once, whoever observes first (a broker after an event, or the host's tick). */
  observe(state: Pick<RiskState, 'ts'>): RiskTrip | null {
    if (this.trip !== null) return null;
    const trip = this.manager.observe(this.stateAt(state.ts));
    if (trip !== null) this.trip = trip;
    return trip;
  }

  rearm(): void {
    this.trip = null;
    this.manager.rearm();
  }

  /** The workspace's state at `ts`, as the gate sees it. */
  stateAt(ts: number): RiskState {
    return { ts, ...this.book() };
  }

  usage(ts: number): ReturnType<RiskManager['usage']> {
    return this.manager.usage(this.stateAt(ts));
  }
}
