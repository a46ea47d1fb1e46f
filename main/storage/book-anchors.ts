/** Deltas per book level after which a new anchor snapshot is worth its bytes. */
export const ANCHOR_DELTAS_PER_LEVEL = 8;
/** Longest time between two anchors of a book, whatever its depth. */
const MAX_ANCHOR_MS = 300_000;

/**
 * When to store the whole book as an anchor for `bookAt` (which replays deltas from the newest
 * anchor at or before T). The live recorder and book file imports share it, so a book from
 * either is as cheap to rebuild. Asked only between messages: an anchor inside a message would
 * carry its (ts, seq) with only part of its levels.
 */
export class BookAnchorPolicy {
  private readonly lastAnchorTs = new Map<string, number>();
  private readonly deltasSinceAnchor = new Map<string, number>();

  /**
   * `intervalMs`: least market time between two anchors of one book (10 s: see
   * tests/bench/record.ts); `deltasPerLevel`: deltas since the last anchor, per level of the
   * book, before a new one is worth storing (0: one every interval, for a quick bookAt).
   */
  constructor(
    private readonly intervalMs = 10_000,
    private readonly deltasPerLevel = ANCHOR_DELTAS_PER_LEVEL,
  ) {}

  /** Counts the levels of a message just applied. */
  applied(instrument: string, levels: number): void {
    this.deltasSinceAnchor.set(instrument, (this.deltasSinceAnchor.get(instrument) ?? 0) + levels);
  }

  /**
   * Whether the book, `depth` levels deep, should be stored whole at `ts`; a yes counts as
   * stored. A deep book (thousands of levels) is not stored every interval: only once the
   * deltas since the last anchor outweigh it several times over (or after MAX_ANCHOR_MS), so
   * anchors stay a small share of the bytes while bookAt replays a bounded run of deltas.
   */
  due(instrument: string, ts: number, depth: number): boolean {
    const last = this.lastAnchorTs.get(instrument);
    if (last !== undefined) {
      if (ts - last < this.intervalMs) return false;
      const deltas = this.deltasSinceAnchor.get(instrument) ?? 0;
      if (deltas < this.deltasPerLevel * depth && ts - last < MAX_ANCHOR_MS) return false;
    }
    this.anchored(instrument, ts);
    return true;
  }

  /** A snapshot was stored at `ts` by other means (the source sent one). */
  anchored(instrument: string, ts: number): void {
    this.lastAnchorTs.set(instrument, ts);
    this.deltasSinceAnchor.set(instrument, 0);
  }
}
