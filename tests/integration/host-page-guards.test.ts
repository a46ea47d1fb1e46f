import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { TOKEN_COOKIE } from '../../main/transport/http-guards.js';
import { startHeadlessServer, type HeadlessServer } from '../../main/transport/websocket-host.js';
import { echoApi } from '../fixtures/echo-api.js';
import { rawGet, rawRequest } from '../fixtures/raw-http.js';

// The page's files over real HTTP on 127.0.0.1: only for this host's name (no DNS
// rebinding), only with the page token or its cookie, and always with the CSP.

const TOKEN = 'c'.repeat(32);
const PAGE = '<!doctype html><title>workstation</title>';
let server: HeadlessServer;
let staticDir: string;
let own: string;

beforeAll(async () => {
  staticDir = mkdtempSync(path.join(tmpdir(), 'tw-page-'));
  mkdirSync(path.join(staticDir, 'assets'));
  writeFileSync(path.join(staticDir, 'index.html'), PAGE);
  writeFileSync(path.join(staticDir, 'assets', 'main.js'), 'console.log(1)');
  server = await startHeadlessServer({ api: echoApi(), port: 0, token: TOKEN, staticDir });
  own = `127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.close();
  rmSync(staticDir, { recursive: true, force: true });
});

function header(head: string, name: string): string | null {
  const line = head.split('\r\n').find((l) => l.toLowerCase().startsWith(`${name}:`));
  return line === undefined ? null : line.slice(name.length + 1).trim();
}

describe('headless host page guards', () => {
  it('serves the token URL with the CSP, nosniff, a referrer policy and the HttpOnly SameSite=Strict cookie', async () => {
    const response = await fetch(`http://${own}/?token=${TOKEN}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(PAGE);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain(`connect-src 'self' ws://${own}`);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('set-cookie')).toBe(
      `${TOKEN_COOKIE}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`,
    );
  });

  it('serves the page files to the cookie alone, and refuses a request with neither token nor cookie', async () => {
    const withCookie = await fetch(`http://${own}/assets/main.js`, {
      headers: { cookie: `${TOKEN_COOKIE}=${TOKEN}` },
    });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    const bare = await fetch(`http://${own}/assets/main.js`);
    expect(bare.status).toBe(401);
    expect(await bare.text()).toBe('no access token: open the URL the host printed, token included\n');
    const wrongCookie = await fetch(`http://${own}/`, {
      headers: { cookie: `${TOKEN_COOKIE}=${'d'.repeat(32)}` },
    });
    expect(wrongCookie.status).toBe(401);
    const wrongToken = await fetch(`http://${own}/?token=${'d'.repeat(32)}`);
    expect(wrongToken.status).toBe(401);
    expect(wrongToken.headers.get('set-cookie')).toBeNull();
  });

  it('answers localhost with its port, and refuses any other Host header even with the token (DNS rebinding)', async () => {
    const localhost = await rawRequest(server.port, rawGet(`/?token=${TOKEN}`, `localhost:${server.port}`));
    expect(localhost.status).toBe(200);
    for (const host of [
      'evil.example',
      `evil.example:${server.port}`,
      '127.0.0.1',
      `127.0.0.1:${server.port + 1}`,
    ]) {
      const answer = await rawRequest(server.port, rawGet(`/?token=${TOKEN}`, host));
      expect(answer.status, host).toBe(421);
      expect(header(answer.head, 'set-cookie'), host).toBeNull();
    }
  });

  it('refuses the API socket for a foreign Host header before the handshake', async () => {
    const socket = new WebSocket(`ws://${own}/api?token=${TOKEN}`, { headers: { host: 'evil.example' } });
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_request, response) => {
        resolve(response.statusCode ?? 0);
      });
      socket.on('error', () => undefined);
    });
    expect(status).toBe(421);
  });
});
