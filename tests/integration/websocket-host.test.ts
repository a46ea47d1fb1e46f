import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CLOSE_UNAUTHORIZED,
  startHeadlessServer,
  type HeadlessServer,
} from '../../main/transport/websocket-host.js';
import { createApiClient } from '../../shared/api/client.js';
import { ApiError } from '../../shared/api/protocol.js';
import { echoApi } from '../fixtures/echo-api.js';
import { recordSocket, wsTransport } from '../fixtures/ws-client.js';

const TOKEN = 'a'.repeat(32);
let server: HeadlessServer;

beforeAll(async () => {
  server = await startHeadlessServer({ api: echoApi(), port: 0, token: TOKEN, staticDir: null });
});
afterAll(async () => {
  await server.close();
});

const apiUrl = (token: string) => `ws://127.0.0.1:${server.port}/api?token=${token}`;

function nextMessage(socket: WebSocket): Promise<unknown> {
  return new Promise((resolve) =>
    socket.once('message', (data: Buffer) => {
      resolve(JSON.parse(data.toString('utf8')));
    }),
  );
}

describe('headless host websocket transport', () => {
  it('prints a loopback URL that carries the token', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`);
  });

  it('serves the contract to a client with the right token', async () => {
    const transport = wsTransport(apiUrl(TOKEN));
    const client = createApiClient(transport);
    expect((await client.call('markets.list', {}))[0]?.symbol).toBe('DEMO/USD');
    await expect(client.call('markets.trades', { instrument: 'nope', limit: 1 })).rejects.toEqual(
      new ApiError('not_found', "unknown instrument 'nope'"),
    );
    transport.socket.close();
  });

  it('refuses a bad token with a clear unauthorized error and stays up', async () => {
    const socket = new WebSocket(apiUrl('b'.repeat(32)));
    const { messages, closed } = recordSocket(socket);
    expect(await closed).toBe(CLOSE_UNAUTHORIZED);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ type: 'error', error: { kind: 'unauthorized' } });
    expect(JSON.stringify(messages[0])).toContain('bad or missing token');
    const client = createApiClient(wsTransport(apiUrl(TOKEN)));
    expect((await client.call('app.info', {})).version).toBe('test');
  });

  it('refuses a missing token', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${server.port}/api`);
    expect(await recordSocket(socket).closed).toBe(CLOSE_UNAUTHORIZED);
  });

  it('refuses a browser connection from another origin even with the token', async () => {
    const socket = new WebSocket(apiUrl(TOKEN), { headers: { origin: 'https://evil.example' } });
    const { messages, closed } = recordSocket(socket);
    expect(await closed).toBe(CLOSE_UNAUTHORIZED);
    expect(JSON.stringify(messages)).toContain('origin https://evil.example');
  });

  it('answers malformed JSON and an unknown command with errors and keeps the socket open', async () => {
    const socket = new WebSocket(apiUrl(TOKEN));
    await new Promise((resolve) => socket.once('open', resolve));
    socket.send('{not json');
    expect(await nextMessage(socket)).toEqual({
      type: 'error',
      error: { kind: 'malformed_message', message: 'message is not valid JSON' },
    });
    socket.send(JSON.stringify({ type: 'call', id: 1, command: 'no.such', params: {} }));
    expect(await nextMessage(socket)).toEqual({
      type: 'result',
      id: 1,
      ok: false,
      error: { kind: 'unknown_command', message: "unknown command 'no.such'" },
    });
    socket.send(JSON.stringify({ type: 'call', id: 2, command: 'app.info', params: {} }));
    expect(await nextMessage(socket)).toMatchObject({ type: 'result', id: 2, ok: true });
    socket.close();
  });

  it('answers plain HTTP on an API-only host with 404', async () => {
    const response = await fetch(`http://127.0.0.1:${server.port}/`);
    expect(response.status).toBe(404);
  });
});
