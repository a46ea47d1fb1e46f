import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { BINARY_FRAMES_REFUSED } from '../../main/transport/websocket-host.js';
import { createRng, type Rng } from '../../shared/market/rng.js';
import { createApiClient } from '../../shared/api/client.js';
import { startHeadlessHost, type RunningHost } from '../fixtures/headless-host.js';
import { rawGet, rawRequest } from '../fixtures/raw-http.js';
import { wsTransport } from '../fixtures/ws-client.js';

// The headless host as an attacker on the same machine meets it: malformed and hostile HTTP
// requests and WebSocket frames, none of which may take it down. Every case must be answered
// (a status, an error envelope or a close code) and a real request must work afterwards.

let host: RunningHost;
let port: number;
let token: string;
let hostHeader: string;

beforeAll(async () => {
  host = await startHeadlessHost();
  const url = new URL(host.url);
  port = Number(url.port);
  token = url.searchParams.get('token') ?? '';
  hostHeader = `127.0.0.1:${port}`;
});
afterAll(async () => {
  await host.stop();
});

/** The host still serves a real client: the API answers and the page's URL is answered. */
async function expectAlive(): Promise<void> {
  expect(host.running()).toBe(true);
  const transport = wsTransport(`ws://${hostHeader}/api?token=${token}`);
  const info = await createApiClient(transport).call('app.info', {});
  expect(info.transport).toBe('websocket');
  transport.socket.close();
  // integration builds skip the renderer, so the page itself may be a 404; the token passes.
  const page = await rawRequest(port, rawGet(`/?token=${token}`, hostHeader));
  expect([200, 404]).toContain(page.status);
  expect(host.log()).not.toContain('uncaught exception');
}

function randomBytes(rng: Rng, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = rng.int(0, 256);
  return bytes;
}

/** A random JSON value, nested up to `depth`, built from the seeded source. */
function randomJson(rng: Rng, depth: number): unknown {
  const kind = rng.int(0, depth > 0 ? 7 : 5);
  switch (kind) {
    case 0:
      return null;
    case 1:
      return rng.next() < 0.5;
    case 2:
      return [0, -1, 1.5, 2 ** 53, -(2 ** 31), 1e308][rng.int(0, 6)];
    case 3:
      return randomBytes(rng, rng.int(0, 24)).toString('latin1');
    case 4:
      return ['call', 'subscribe', 'markets.book', 'app.info', '__proto__', 'constructor', ''][rng.int(0, 7)];
    case 5:
      return Array.from({ length: rng.int(0, 4) }, () => randomJson(rng, depth - 1));
    default: {
      const keys = ['type', 'id', 'command', 'topic', 'params', 'instrument', 'depth', '__proto__', 'x'];
      const entries = Array.from({ length: rng.int(0, 5) }, () => [
        keys[rng.int(0, keys.length)] ?? 'x',
        randomJson(rng, depth - 1),
      ]);
      return Object.fromEntries(entries);
    }
  }
}

/** Read-only commands only, so a fuzzed call that happens to be valid changes nothing. */
const READ_ONLY = [
  'app.info',
  'markets.list',
  'markets.book',
  'markets.trades',
  'markets.candles',
  'signals.recent',
];

function openSocket(): Promise<WebSocket> {
  const socket = new WebSocket(`ws://${hostHeader}/api?token=${token}`);
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function nextMessage(socket: WebSocket, timeoutMs = 5_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error('no answer from the host'));
    }, timeoutMs);
    socket.once('message', (data: Buffer) => {
      clearTimeout(timer);
      resolve(JSON.parse(data.toString('utf8')) as Record<string, unknown>);
    });
  });
}

function closeCode(socket: WebSocket): Promise<number> {
  return new Promise((resolve) =>
    socket.once('close', (code) => {
      resolve(code);
    }),
  );
}

describe('headless host under hostile input', () => {
  it('answers malformed percent-encoding with 400 instead of dying (GET /% killed it before)', async () => {
    for (const target of ['/%', '/%E0%A4%A', '/%zz', `/%?token=${token}`, '/assets/%E0%A4%A.js']) {
      const answer = await rawRequest(port, rawGet(target, hostHeader));
      expect(answer.status, target).toBe(400);
    }
    await expectAlive();
  });

  it('refuses every traversal spelling with 400, token or not', async () => {
    const targets = [
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
      '/..%2f..%2fetc%2fpasswd',
      '/..%5c..%5cwindows%5cwin.ini',
      '/..\\..\\etc\\passwd',
      '/index.html%00.js',
      '/%00',
      '/./index.html',
    ];
    for (const target of targets) {
      for (const query of ['', `?token=${token}`]) {
        const answer = await rawRequest(port, rawGet(target + query, hostHeader));
        expect(answer.status, target + query).toBe(400);
      }
    }
    // A raw NUL in the request line is refused by the HTTP parser itself, also with 400.
    expect((await rawRequest(port, `GET /\0 HTTP/1.1\r\nHost: ${hostHeader}\r\n\r\n`)).status).toBe(400);
    await expectAlive();
  });

  it('answers huge headers with 431, odd methods with 405, and random bytes with 400', async () => {
    const huge = await rawRequest(port, rawGet('/', hostHeader, { 'x-filler': 'a'.repeat(100_000) }));
    expect(huge.status).toBe(431);
    const many = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, 'v']));
    expect((await rawRequest(port, rawGet('/', hostHeader, many))).status).toBe(431);
    const post = await rawRequest(
      port,
      `POST / HTTP/1.1\r\nHost: ${hostHeader}\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(post.status).toBe(405);
    const rng = createRng(1414);
    for (let i = 0; i < 40; i++) {
      const garbage = Buffer.concat([randomBytes(rng, rng.int(1, 400)), Buffer.from('\r\n\r\n')]);
      const answer = await rawRequest(port, garbage);
      expect(answer.status, `random request ${i}`).toBe(400);
    }
    await expectAlive();
  });

  it('answers a binary frame with "binary frames are not supported", not a schema error', async () => {
    const socket = await openSocket();
    const answer = nextMessage(socket);
    socket.send(Buffer.from([0, 1, 2, 3]), { binary: true });
    expect(await answer).toEqual({
      type: 'error',
      error: { kind: 'bad_request', message: BINARY_FRAMES_REFUSED },
    });
    const next = nextMessage(socket);
    socket.send(JSON.stringify({ type: 'call', id: 1, command: 'app.info', params: {} }));
    expect(await next).toMatchObject({ type: 'result', id: 1, ok: true });
    socket.close();
  });

  it('answers deep nesting, invalid JSON and seeded random envelopes, one answer per call', async () => {
    const socket = await openSocket();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    let answer = nextMessage(socket);
    socket.send(deep);
    expect(await answer).toMatchObject({ type: 'error', error: { kind: 'malformed_message' } });
    answer = nextMessage(socket);
    socket.send(`{"type":"call","id":2,"command":"app.info","params":{"x":${deep}}}`);
    expect(await answer).toMatchObject({ type: 'result', id: 2, ok: true });
    answer = nextMessage(socket);
    socket.send('{"type":"call",');
    expect(await answer).toEqual({
      type: 'error',
      error: { kind: 'malformed_message', message: 'message is not valid JSON' },
    });

    const rng = createRng(20_261_207);
    for (let i = 0; i < 300; i++) {
      const id = 1000 + i;
      const message =
        rng.next() < 0.5
          ? randomJson(rng, 4)
          : {
              type: 'call',
              id,
              command: rng.next() < 0.8 ? READ_ONLY[rng.int(0, READ_ONLY.length)] : randomJson(rng, 1),
              params: randomJson(rng, 3),
            };
      answer = nextMessage(socket);
      socket.send(JSON.stringify(message));
      const reply = await answer;
      if (reply.type === 'result') expect(reply.id, JSON.stringify(message)).toBe(id);
      else
        expect(reply, JSON.stringify(message)).toMatchObject({
          type: 'error',
          error: { kind: 'malformed_message' },
        });
    }
    socket.close();
    await expectAlive();
  });

  it('closes a socket that sends invalid UTF-8 or an oversized frame, and keeps serving others', async () => {
    const invalid = await openSocket();
    const invalidClosed = closeCode(invalid);
    invalid.send(Buffer.from([0xc3, 0x28, 0xff]), { binary: false });
    expect(await invalidClosed).toBe(1007);
    const oversized = await openSocket();
    const oversizedClosed = closeCode(oversized);
    oversized.send('x'.repeat(2 * 1024 * 1024));
    expect(await oversizedClosed).toBe(1009);
    await expectAlive();
  });
});
