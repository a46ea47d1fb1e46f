import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLOSE_SLOW_READER, serveConnection, type HostConnection } from '../../../../main/host/api-server.js';
import type { HostMessage } from '../../../../shared/api/protocol.js';
import type { BookView } from '../../../../shared/api/schemas.js';
import { echoApi } from '../../../fixtures/echo-api.js';

/** A connection whose unread backlog the test sets, as a WebSocket's bufferedAmount would be. */
function slowConnection() {
  const sent: HostMessage[] = [];
  const closes: { code: number; reason: string }[] = [];
  let receive: (message: unknown) => void = () => undefined;
  let closeListener: () => void = () => undefined;
  const state = { queued: 0 };
  const connection: HostConnection = {
    send: (message) => sent.push(message),
    onMessage: (listener) => {
      receive = listener;
    },
    onClose: (listener) => {
      closeListener = listener;
    },
    queuedBytes: () => state.queued,
    close: (code, reason) => {
      closes.push({ code, reason });
    },
  };
  return {
    connection,
    sent,
    closes,
    state,
    receive: (m: unknown) => {
      receive(m);
    },
    hangUp: () => {
      closeListener();
    },
  };
}

const view = (ts: number): BookView => ({
  instrument: 'demo:DEMO/USD',
  ts,
  bids: [[99.99, 1]],
  asks: [[100.01, 2]],
  mid: 100,
  spread: 0.02,
});
const subscribeBook = (id: number) => ({
  type: 'subscribe',
  id,
  topic: 'book',
  params: { instrument: 'demo:DEMO/USD', depth: 5 },
});

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('api server backpressure', () => {
  it('refuses a subscription past the cap with a clear bad_request and keeps the others', () => {
    const api = echoApi();
    const { connection, sent, receive } = slowConnection();
    serveConnection(api, connection, { limits: { maxSubscriptions: 2 } });
    for (const id of [1, 2, 3]) receive(subscribeBook(id));
    expect(api.activeBookSubscriptions).toBe(2);
    expect(sent).toEqual([
      {
        type: 'ended',
        id: 3,
        error: {
          kind: 'bad_request',
          message: 'book: at most 2 subscriptions per connection; unsubscribe first',
        },
      },
    ]);
  });

  it('keeps only the newest book frame while the reader is behind, and sends it once the backlog drains', () => {
    const api = echoApi();
    const { connection, sent, state, receive } = slowConnection();
    serveConnection(api, connection, { limits: { coalesceAboveBytes: 1000, maxQueuedBytes: 10_000 } });
    receive(subscribeBook(1));
    api.pushBook(view(1));
    state.queued = 5000;
    api.pushBook(view(2));
    api.pushBook(view(3));
    api.pushBook(view(4));
    vi.advanceTimersByTime(200);
    expect(sent.map((m) => (m.type === 'event' ? (m.payload as BookView).ts : m.type))).toEqual([1]);
    state.queued = 0;
    vi.advanceTimersByTime(60);
    expect(sent.map((m) => (m.type === 'event' ? (m.payload as BookView).ts : m.type))).toEqual([1, 4]);
  });

  it('closes a reader whose backlog passes the cap, with a code and a reason, and stops its streams', () => {
    const api = echoApi();
    const lines: string[] = [];
    const { connection, closes, state, receive } = slowConnection();
    serveConnection(api, connection, {
      log: (line) => lines.push(line),
      limits: { maxQueuedBytes: 2 * 2 ** 20 },
    });
    receive(subscribeBook(1));
    state.queued = 3 * 2 ** 20;
    receive({ type: 'call', id: 9, command: 'markets.list', params: {} });
    return vi.waitFor(() => {
      expect(closes).toEqual([{ code: CLOSE_SLOW_READER, reason: 'slow reader: over 2 MiB unread' }]);
      expect(api.activeBookSubscriptions).toBe(0);
      expect(lines).toEqual([
        'api: closed a connection: slow reader: over 2 MiB unread (3145728 bytes queued)',
      ]);
    });
  });
});
