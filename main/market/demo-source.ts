import type { Instrument, MarketEvent } from '../../shared/domain/market.js';
import { DemoMarket, type DemoMarketConfig } from '../../shared/market/demo-market.js';

export interface MarketSource {
  readonly name: string;
  readonly instruments: readonly Instrument[];
  start(deliver: (events: MarketEvent[]) => void): void;
  stop(): void;
}

export interface DemoSourceOptions {
  readonly clock: () => number;
  readonly market?: Partial<DemoMarketConfig>;
  /** How often the generator catches up with the wall clock. */
  readonly tickMs?: number;
}

/**
 * The demo market at real-time pace: every tick it generates the events whose market time
 * has come, so the stream looks live while staying the seeded, reproducible generator.
 */
export class DemoMarketSource implements MarketSource {
  readonly name = 'demo';
  readonly market: DemoMarket;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly options: DemoSourceOptions) {
    const startTs = options.market?.startTs ?? options.clock();
    this.market = new DemoMarket({
      seed: 1,
      // A restarted App replays the seeded market from a new start: its trades are new trades.
      tradeIdPrefix: `${startTs}-`,
      ...options.market,
      startTs,
    });
  }

  get instruments(): readonly Instrument[] {
    return [this.market.instrument];
  }

  start(deliver: (events: MarketEvent[]) => void): void {
    if (this.timer !== null) return;
    const tick = (): void => {
      const events: MarketEvent[] = [];
      this.market.advanceTo(this.options.clock(), events);
      if (events.length > 0) deliver(events);
    };
    tick();
    this.timer = setInterval(tick, this.options.tickMs ?? 50);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
