import type { FillWire, TradingState } from '../../shared/api/domains/trading.js';
import type { LiveVenues } from './live/live-venues.js';
import type { PaperVenue } from './paper-venue.js';
import { limitUsage, type EquityCurve } from './trading-state.js';
import type { WorkspaceGate } from './workspace-gate.js';

const RECENT_FILLS = 200;

export interface TradingStateSources {
  readonly paper: PaperVenue;
  readonly live: LiveVenues;
  readonly gate: WorkspaceGate;
  readonly curve: EquityCurve;
  readonly breakers: readonly { limit: string; at: number; reason: string }[];
}

/** The Trading view's state at `now`: every venue, position, working order and recent fill. */
export function tradingState(sources: TradingStateSources, now: number): TradingState {
  const { paper, live, gate, curve } = sources;
  const book = gate.stateAt(now);
  const positions = paper.positions();
  for (const venue of live.built()) positions.push(...venue.positions());
  const fills: FillWire[] = [...paper.recentFills(RECENT_FILLS), ...live.recentFills(RECENT_FILLS)];
  fills.sort((a, b) => b.ts - a.ts);
  return {
    venues: [paper.view(), ...live.views()],
    positions,
    openOrders: [...paper.workingOrders(now), ...live.workingOrders()],
    fills: fills.slice(0, RECENT_FILLS),
    pnl: curve.view(),
    limits: gate.limits,
    usage: limitUsage(gate.limits, book, gate.usage(now)),
    breakers: [...sources.breakers],
  };
}

const STATE_MS = 250;

/**
 * The `trading.state` topic: the current state at once to a new subscriber, then a fresh one
 * every 250 ms while something changed and someone listens.
 */
export class StatePublisher {
  private readonly listeners = new Set<(state: TradingState) => void>();
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(
    private readonly state: () => TradingState,
    /** True once after each change. */
    changed: () => boolean,
  ) {
    this.timer = setInterval(() => {
      if (this.listeners.size === 0 || !changed()) return;
      const snapshot = this.state();
      for (const listener of this.listeners) listener(snapshot);
    }, STATE_MS);
  }

  subscribe(emit: (state: TradingState) => void): () => void {
    emit(this.state());
    this.listeners.add(emit);
    return () => {
      this.listeners.delete(emit);
    };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
