import { describe, expect, it } from 'vitest';
import { serveConnection } from '../../../../main/host/api-server.js';
import { createMemoryPair } from '../../../../main/host/memory-transport.js';
import { createApiClient } from '../../../../shared/api/client.js';
import { ApiError, type ClientMessage, type HostMessage } from '../../../../shared/api/protocol.js';
import { echoApi } from '../../../fixtures/echo-api.js';

function connect() {
  const api = echoApi();
  const pair = createMemoryPair();
  serveConnection(api, pair.host);
  return { api, pair, client: createApiClient(pair.client) };
}

/** Sends a raw envelope and waits for the first host message that answers it. */
async function rawExchange(message: unknown): Promise<HostMessage> {
  const { pair } = connect();
  const answer = new Promise<HostMessage>((resolve) => {
    pair.client.onMessage((m) => {
      resolve(m as HostMessage);
    });
  });
  pair.client.send(message as ClientMessage);
  return answer;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('api server over the in-memory transport', () => {
  it('answers a command with the parsed response', async () => {
    const { client } = connect();
    const instruments = await client.call('markets.list', {});
    expect(instruments.map((i) => i.id)).toEqual(['demo:DEMO/USD']);
    const book = await client.call('markets.book', { instrument: 'demo:DEMO/USD', depth: 5 });
    expect(book.bids).toEqual([[99.99, 1]]);
    expect(book.spread).toBe(0.02);
  });

  it('rejects a request that breaks the schema as bad_request, naming the field', async () => {
    const { client } = connect();
    const error = await client
      .call('markets.book', { instrument: 'demo:DEMO/USD', depth: 9999 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).kind).toBe('bad_request');
    expect((error as ApiError).message).toMatch(/^markets\.book: depth:/);
  });

  it('answers an unknown command with unknown_command and keeps serving', async () => {
    const answer = await rawExchange({ type: 'call', id: 7, command: 'orders.teleport', params: {} });
    expect(answer).toEqual({
      type: 'result',
      id: 7,
      ok: false,
      error: { kind: 'unknown_command', message: "unknown command 'orders.teleport'" },
    });
  });

  it('answers a malformed envelope with malformed_message', async () => {
    const answer = await rawExchange({ type: 'call', id: 'seven' });
    expect(answer.type).toBe('error');
    expect(answer.type === 'error' && answer.error.kind).toBe('malformed_message');
  });

  it('carries an error kind thrown by a handler, and hides nothing but the stack', async () => {
    const { client } = connect();
    const notFound = await client
      .call('markets.trades', { instrument: 'x:Y/Z', limit: 5 })
      .catch((e: unknown) => e);
    expect(notFound).toEqual(new ApiError('not_found', "unknown instrument 'x:Y/Z'"));
    const crash = await client.call('app.status', {}).catch((e: unknown) => e);
    expect((crash as ApiError).kind).toBe('internal');
    expect((crash as ApiError).message).toBe('status exploded');
    // The connection still works after both failures.
    expect((await client.call('app.info', {})).version).toBe('test');
  });

  it('streams topic events to a subscriber until it unsubscribes', async () => {
    const { api, client } = connect();
    const seen: number[] = [];
    const stop = client.subscribe('book', { instrument: 'demo:DEMO/USD', depth: 10 }, (view) =>
      seen.push(view.ts),
    );
    await tick();
    expect(api.activeBookSubscriptions).toBe(1);
    api.pushBook({ instrument: 'demo:DEMO/USD', ts: 1, bids: [], asks: [], mid: null, spread: null });
    api.pushBook({ instrument: 'demo:DEMO/USD', ts: 2, bids: [], asks: [], mid: null, spread: null });
    await tick();
    stop();
    await tick();
    expect(api.activeBookSubscriptions).toBe(0);
    api.pushBook({ instrument: 'demo:DEMO/USD', ts: 3, bids: [], asks: [], mid: null, spread: null });
    await tick();
    expect(seen).toEqual([1, 2]);
  });

  it('ends a subscription to an unknown topic with unknown_topic', async () => {
    const answer = await rawExchange({ type: 'subscribe', id: 3, topic: 'gossip', params: {} });
    expect(answer).toEqual({
      type: 'ended',
      id: 3,
      error: { kind: 'unknown_topic', message: "unknown topic 'gossip'" },
    });
  });

  it('drops event payloads that break the topic schema on the client side', async () => {
    const { api, client } = connect();
    const seen: unknown[] = [];
    client.subscribe('book', { instrument: 'demo:DEMO/USD', depth: 10 }, (view) => seen.push(view));
    await tick();
    api.pushBook({ instrument: 'demo:DEMO/USD', ts: -5, bids: [], asks: [], mid: null, spread: null });
    await tick();
    expect(seen).toEqual([]);
  });

  it('fails pending calls and ends subscriptions when the transport closes', async () => {
    const { pair, client } = connect();
    const ended: string[] = [];
    client.subscribe(
      'status',
      {},
      () => undefined,
      (error) => ended.push(error.kind),
    );
    const pending = client.call('app.info', {});
    pair.close('window closed');
    await expect(pending).rejects.toEqual(new ApiError('disconnected', 'window closed'));
    expect(ended).toEqual(['disconnected']);
    await expect(client.call('app.info', {})).rejects.toMatchObject({ kind: 'disconnected' });
  });
});
