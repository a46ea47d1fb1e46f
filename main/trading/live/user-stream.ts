import type { Exchange } from 'ccxt';
import { Backoff } from '../../exchange/backoff.js';

/**
 * The exchange's user data stream through ccxt pro `watchOrders` (Binance spot: the WebSocket
 * API's `userDataStream.subscribe.signature`). It only says WHEN to look: each update calls
 * `onUpdate`, and a stream that was reopened (it failed, or ccxt quietly reconnected between
 * two updates) calls `onReopen` once the new subscription is confirmed, so what happened
 * while it was down is read back. Failures back off (250 ms doubling to 10 s, jittered).
 */

export interface UserStreamOptions {
  readonly exchange: Exchange;
  readonly random: () => number;
  readonly onUpdate: () => Promise<unknown>;
  readonly onReopen: () => Promise<unknown>;
}

/** The parts of a ccxt pro WebSocket client read here (see `subscription`). */
interface CcxtWsClient {
  readonly subscriptions: Record<string, unknown>;
  readonly futures: Record<string, unknown>;
  readonly connectionEstablished?: number;
}

/** One connection of the stream: the client object and when it (re)connected. */
interface StreamConnection {
  readonly client: CcxtWsClient;
  readonly established: number | undefined;
}

export class UserStream {
  private running = false;
  private reopenCount = 0;

  constructor(private readonly options: UserStreamOptions) {}

  /** Times the stream was reopened after a drop. */
  get reopens(): number {
    return this.reopenCount;
  }

  /** Starts following; resolves once the first subscription is confirmed (or failed). */
  async open(): Promise<void> {
    if (this.running) return;
    this.running = true;
    let opened: () => void = () => undefined;
    const first = new Promise<void>((resolve) => {
      opened = resolve;
    });
    void this.loop(opened);
    await first;
  }

  close(): void {
    this.running = false;
  }

  private async loop(opened: () => void): Promise<void> {
    const backoff = new Backoff(this.options.random, { baseMs: 250, capMs: 10_000, factor: 2 });
    let seen: StreamConnection | null = null;
    let failed = false;
    while (this.running) {
      try {
        const update = this.options.exchange.watchOrders();
        // Handled by the await below; meanwhile a rejection must not go unhandled.
        update.catch(() => undefined);
        const current = await this.subscription();
        // ccxt reconnects on the next watchOrders by itself, so a drop between two updates is
        // seen only as a new connection: either way what happened meanwhile is read back.
        if (failed || (seen !== null && current !== null && !sameConnection(seen, current))) {
          this.reopenCount++;
          await this.options.onReopen();
        }
        opened();
        if (current !== null) seen = current;
        failed = false;
        await update;
        backoff.reset();
        if (this.stillRunning()) await this.options.onUpdate();
      } catch {
        opened();
        if (!this.stillRunning()) return;
        failed = true;
        await sleep(backoff.next());
      }
    }
  }

  /**
   * The confirmed subscription (null after `timeoutMs`). ccxt exposes no event for it: its
   * WebSocket API client marks the subscription at once and keeps a future named
   * `authenticate:signature:spot` until the exchange confirms (ccxt pro binance
   * `ensureUserDataStreamWsSubscribeSignature`), so this waits for that future to go.
   */
  private async subscription(timeoutMs = 5_000): Promise<StreamConnection | null> {
    const pro = this.options.exchange as unknown as {
      readonly urls: { readonly api: { readonly ws?: { readonly 'ws-api'?: { readonly spot?: string } } } };
      readonly clients?: Record<string, CcxtWsClient | undefined>;
    };
    const url = pro.urls.api.ws?.['ws-api']?.spot;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.stillRunning()) {
      const client = url === undefined ? undefined : pro.clients?.[url];
      if (client?.subscriptions.spot === true && !('authenticate:signature:spot' in client.futures))
        return { client, established: client.connectionEstablished };
      await sleep(20);
    }
    return null;
  }

  /** Read after an await: `close()` may have run meanwhile. */
  private stillRunning(): boolean {
    return this.running;
  }
}

function sameConnection(a: StreamConnection, b: StreamConnection): boolean {
  return a.client === b.client && a.established === b.established;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
