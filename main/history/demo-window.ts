import type { DemoTrim } from '../../shared/api/domains/storage.js';
import type { SqliteDatabase } from '../storage/database.js';
import { applyRetention, windowRetention } from './retention.js';

const HOUR_MS = 3_600_000;

export interface DemoWindowDeps {
  readonly db: SqliteDatabase;
  /** The demo market's instrument: the only one trimmed. */
  readonly instrument: string;
  readonly clock: () => number;
  /** Hours kept, read at every pass (the setting can change while recording); null keeps all. */
  readonly windowHours: () => number | null;
  /** How often a pass runs while recording. */
  readonly everyMs: number;
  readonly log?: (line: string) => void;
}

/**
 * The demo market records about 80 MB an hour; left open for a week it would fill the disk.
 * This keeps only its last `windowHours`, trimming the older rows every `everyMs` while it
 * records. SQLite reuses the freed pages, so the file stops growing once the window is full.
 */
export class DemoWindow {
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<DemoTrim | null> | null = null;
  private readonly abort = new AbortController();
  private last: DemoTrim | null = null;

  constructor(private readonly deps: DemoWindowDeps) {}

  /** The last pass, null before the first. */
  get lastTrim(): DemoTrim | null {
    return this.last;
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.trim().catch((error: unknown) => {
        // A failed pass (a busy or full disk) is retried at the next tick; say why meanwhile.
        this.deps.log?.(
          `demo window: trim failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      });
    }, this.deps.everyMs);
    this.timer.unref();
  }

  /** Deletes what is older than the window now; resolves to the pass, or null when all is kept. */
  trim(): Promise<DemoTrim | null> {
    // One pass at a time: a slow pass and the next tick must not delete the same batches twice.
    this.running ??= this.pass().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
  }

  private stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async pass(): Promise<DemoTrim | null> {
    const hours = this.deps.windowHours();
    if (hours === null || this.stopped()) return null;
    const at = this.deps.clock();
    const cutoff = at - Math.round(hours * HOUR_MS);
    try {
      const result = await applyRetention(
        this.deps.db,
        windowRetention(hours),
        at,
        undefined,
        this.abort.signal,
        [this.deps.instrument],
      );
      const deleted = result.trades + result.bookDeltaChunks + result.bookSnapshots + result.candles;
      this.last = { at, cutoff, deleted };
      if (deleted > 0)
        this.deps.log?.(
          `demo window: kept the last ${hours} h of ${this.deps.instrument}, ${deleted} rows deleted`,
        );
      return this.last;
    } catch (error) {
      // Stopped with the App: the next start trims what this pass left.
      if (this.stopped()) return null;
      throw error;
    }
  }
}
