import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  cookieValue,
  isOwnHost,
  pageAccess,
  securityHeaders,
  staticTarget,
  TOKEN_COOKIE,
  tokenCookie,
} from '../../../../main/transport/http-guards.js';

const ROOT = path.resolve('/srv/renderer');
const TOKEN = 'f'.repeat(32);

describe('static file target', () => {
  it('maps / to index.html and a path to the file under the root', () => {
    expect(staticTarget(ROOT, '/?token=x')).toEqual({ kind: 'file', file: path.join(ROOT, 'index.html') });
    expect(staticTarget(ROOT, '/assets/app%20main.js#x')).toEqual({
      kind: 'file',
      file: path.join(ROOT, 'assets', 'app main.js'),
    });
  });

  it('answers malformed percent-encoding with 400 instead of throwing', () => {
    for (const target of ['/%', '/%E0%A4%A', '/%zz', '/a%']) {
      expect(staticTarget(ROOT, target)).toEqual({
        kind: 'refused',
        status: 400,
        message: 'malformed percent-encoding in the path',
      });
    }
  });

  it('refuses every traversal spelling before it is normalised', () => {
    const targets = [
      '/../etc/passwd',
      '/assets/../../etc/passwd',
      '/%2e%2e/etc/passwd',
      '/%2E%2E%2Fetc%2Fpasswd',
      '/..%2fetc',
      '/..%5cetc',
      '/..\\etc\\passwd',
      '/index.html%00.js',
      '/./index.html',
    ];
    for (const target of targets)
      expect(staticTarget(ROOT, target)).toMatchObject({ kind: 'refused', status: 400 });
    expect(staticTarget(ROOT, 'http://evil/')).toMatchObject({ kind: 'refused', status: 400 });
    expect(staticTarget(ROOT, '*')).toMatchObject({ kind: 'refused', status: 400 });
  });
});

describe('host header', () => {
  it('accepts 127.0.0.1 and localhost with this port only (no DNS rebinding)', () => {
    expect(isOwnHost('127.0.0.1:4100', 4100)).toBe(true);
    expect(isOwnHost('LOCALHOST:4100', 4100)).toBe(true);
    expect(isOwnHost('127.0.0.1:4101', 4100)).toBe(false);
    expect(isOwnHost('127.0.0.1', 4100)).toBe(false);
    expect(isOwnHost('evil.example:4100', 4100)).toBe(false);
    expect(isOwnHost('127.0.0.1.evil.example:4100', 4100)).toBe(false);
    expect(isOwnHost(undefined, 4100)).toBe(false);
    expect(isOwnHost('localhost', 80)).toBe(true);
  });
});

describe('page access', () => {
  it('lets the token URL in and sets the cookie, then lets the cookie in', () => {
    expect(pageAccess(TOKEN, undefined, TOKEN)).toEqual({ kind: 'allowed', setCookie: true });
    expect(pageAccess(null, `a=1; ${TOKEN_COOKIE}=${TOKEN}`, TOKEN)).toEqual({
      kind: 'allowed',
      setCookie: false,
    });
  });

  it('refuses no token, a wrong token and a wrong cookie, saying what to do', () => {
    expect(pageAccess(null, undefined, TOKEN)).toEqual({
      kind: 'refused',
      message: 'no access token: open the URL the host printed, token included',
    });
    expect(pageAccess('0'.repeat(32), `${TOKEN_COOKIE}=${TOKEN}`, TOKEN)).toMatchObject({ kind: 'refused' });
    expect(pageAccess(null, `${TOKEN_COOKIE}=nope`, TOKEN)).toMatchObject({ kind: 'refused' });
  });

  it('reads one cookie out of a Cookie header and sets it HttpOnly and SameSite=Strict', () => {
    expect(cookieValue('a=1; b = 2 ;c=3', 'b')).toBe('2');
    expect(cookieValue('ab=1', 'b')).toBeNull();
    expect(tokenCookie(TOKEN)).toBe(`${TOKEN_COOKIE}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
  });
});

describe('security headers', () => {
  it('send a CSP that allows only own scripts, no objects, no framing and only the own socket', () => {
    const headers = securityHeaders('127.0.0.1:4100');
    const csp = headers['content-security-policy'] ?? '';
    expect(csp.split('; ')).toEqual(
      expect.arrayContaining([
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "connect-src 'self' ws://127.0.0.1:4100",
      ]),
    );
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(contentSecurityPolicy([])).toContain("connect-src 'self';");
  });
});
