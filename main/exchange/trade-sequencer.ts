import type { Trade } from '../../shared/domain/market.js';

/** A run of trade ids that never arrived: from the last trade before it to the first after. */
export interface TradeHole {
  /** First and last missing id. */
  readonly fromId: number;
  readonly toId: number;
  /** Time of the last trade before the hole and of the first after it. */
  readonly fromTs: number;
  readonly toTs: number;
  /** When the hole was first seen (clock ms). */
  readonly openedAt: number;
}

export interface TradeSequencerOptions {
  /**
   * True for venues whose trade ids count up by one per trade (Binance aggTrade ids): then a
   * jump in ids is a hole to backfill and a lower id a late or repeated trade. Otherwise
   * trades pass in arrival order and only repeated ids are dropped.
   */
  readonly consecutiveIds: boolean;
  readonly clock: () => number;
  /** How many recent ids are remembered to drop repeats when ids are not consecutive. */
  readonly memory?: number;
}

const PLACEHOLDER: Trade = { instrument: '', ts: 0, seq: 0, id: '', price: 0, amount: 0, side: 'buy' };

/**
 * Puts one instrument's trades back in exchange order and finds what is missing. Trades from
 * the live socket, from a REST backfill after a reconnect, and reordered or repeated messages
 * all go through push(); what comes out is each trade once, in id order, and holes (ids that
 * never came) wait in the buffer until they are filled or given up with skipHole().
 */
export class TradeSequencer {
  private lastId: number | null = null;
  private lastTs = 0;
  private readonly buffer = new Map<number, Trade>();
  private holeOpenedAt: number | null = null;
  private readonly recent = new Set<string>();
  private readonly recentOrder: string[] = [];
  private duplicateCount = 0;

  constructor(private readonly options: TradeSequencerOptions) {}

  /** Trades dropped because they were already released or buffered. */
  get duplicates(): number {
    return this.duplicateCount;
  }

  /** The id and time of the last trade released, for backfill requests. */
  get last(): { id: number | null; ts: number } {
    return { id: this.lastId, ts: this.lastTs };
  }

  /**
   * Continues after a trade recorded earlier (by a previous run): with consecutive ids, the
   * trades printed since then become a hole to backfill instead of passing unnoticed.
   */
  resumeAfter(trade: Pick<Trade, 'id' | 'ts'>): void {
    const id = Number(trade.id);
    if (this.options.consecutiveIds && Number.isSafeInteger(id)) this.lastId = id;
    this.lastTs = trade.ts;
    if (!this.options.consecutiveIds && trade.id !== '') this.passThrough([{ ...PLACEHOLDER, ...trade }]);
  }

  /** Takes trades in any order; returns those now ready, in order. */
  push(trades: readonly Trade[]): Trade[] {
    if (!this.options.consecutiveIds) return this.passThrough(trades);
    for (const trade of trades) {
      const id = Number(trade.id);
      if (!Number.isSafeInteger(id)) continue;
      if ((this.lastId !== null && id <= this.lastId) || this.buffer.has(id)) {
        this.duplicateCount++;
        continue;
      }
      this.buffer.set(id, trade);
    }
    if (this.lastId === null && this.buffer.size > 0) {
      // Nothing before the first trade seen is expected: start right before it.
      this.lastId = Math.min(...this.buffer.keys()) - 1;
    }
    return this.release();
  }

  /** The current hole, if trades after it are waiting; null when nothing is missing. */
  hole(): TradeHole | null {
    if (this.lastId === null || this.buffer.size === 0) return null;
    let firstAfter = Number.POSITIVE_INFINITY;
    for (const id of this.buffer.keys()) if (id < firstAfter) firstAfter = id;
    const after = this.buffer.get(firstAfter);
    return {
      fromId: this.lastId + 1,
      toId: firstAfter - 1,
      fromTs: this.lastTs,
      toTs: after?.ts ?? this.lastTs,
      openedAt: this.holeOpenedAt ?? this.options.clock(),
    };
  }

  /** Gives up on the current hole: releases what waits behind it and returns the hole. */
  skipHole(): { hole: TradeHole; released: Trade[] } | null {
    const hole = this.hole();
    if (hole === null) return null;
    this.lastId = hole.toId;
    this.holeOpenedAt = null;
    return { hole, released: this.release() };
  }

  private release(): Trade[] {
    const out: Trade[] = [];
    if (this.lastId === null) return out;
    for (;;) {
      const next = this.buffer.get(this.lastId + 1);
      if (next === undefined) break;
      this.buffer.delete(this.lastId + 1);
      this.lastId++;
      this.lastTs = next.ts;
      out.push(next);
    }
    if (this.buffer.size === 0) this.holeOpenedAt = null;
    else this.holeOpenedAt ??= this.options.clock();
    return out;
  }

  private passThrough(trades: readonly Trade[]): Trade[] {
    const memory = this.options.memory ?? 10_000;
    const out: Trade[] = [];
    for (const trade of trades) {
      if (trade.id !== '') {
        if (this.recent.has(trade.id)) {
          this.duplicateCount++;
          continue;
        }
        this.recent.add(trade.id);
        this.recentOrder.push(trade.id);
        if (this.recentOrder.length > memory) {
          const evicted = this.recentOrder.shift();
          if (evicted !== undefined) this.recent.delete(evicted);
        }
      }
      // With no ids to order by, arrival order is all there is; a trade older than one
      // already released is refused (and counted) downstream as time going backwards.
      this.lastTs = Math.max(this.lastTs, trade.ts);
      out.push(trade);
    }
    return out;
  }
}
