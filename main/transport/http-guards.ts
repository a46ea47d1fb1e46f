import { timingSafeEqual } from 'node:crypto';
import path from 'node:path';

// The headless host's decisions about one HTTP request, as pure functions: which file a
// path names (or why it names none), whether the Host header is this host, whether the
// request carries the page token, and the headers every answer carries.

/** The cookie that lets the page's own files load after the token URL was opened once. */
export const TOKEN_COOKIE = 'workstation_token';

export type StaticTarget =
  | { readonly kind: 'file'; readonly file: string }
  | { readonly kind: 'refused'; readonly status: 400 | 404; readonly message: string };

const refused = (status: 400 | 404, message: string): StaticTarget => ({ kind: 'refused', status, message });

/**
 * The file under `root` that a request target names, decided on the raw target: encoded
 * slashes and backslashes, NUL, malformed percent-encoding and `.`/`..` segments are refused
 * outright instead of being normalised into something else (WHATWG URL parsing turns
 * `%2e%2e` and `\` into `..` and `/`, which is exactly what must not happen here).
 */
export function staticTarget(root: string, requestTarget: string): StaticTarget {
  if (!requestTarget.startsWith('/'))
    return refused(400, 'the request target must be a path starting with /');
  const rawPath = requestTarget.split(/[?#]/, 1)[0] ?? '/';
  if (/%(?:2f|5c|00)/i.test(rawPath) || rawPath.includes('\\')) {
    return refused(400, 'encoded slashes, backslashes and NUL are not allowed in the path');
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return refused(400, 'malformed percent-encoding in the path');
  }
  if (decoded.includes('\0')) return refused(400, 'NUL is not allowed in the path');
  const segments = decoded.split('/').slice(1);
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    return refused(400, "'.' and '..' segments are not allowed in the path");
  }
  const base = path.resolve(root);
  const file = path.resolve(base, '.' + (decoded === '/' ? '/index.html' : decoded));
  // Unreachable after the checks above; kept because a path outside root must never be read.
  if (!file.startsWith(base + path.sep)) return refused(404, 'not found');
  return { kind: 'file', file };
}

/**
 * Whether the Host header names this host: 127.0.0.1 or localhost with its port. Anything
 * else is a DNS-rebinding page (evil.example resolved to 127.0.0.1) reaching for the files.
 */
export function isOwnHost(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return false;
  const host = hostHeader.toLowerCase();
  const names = ['127.0.0.1', 'localhost'];
  return names.some((name) => host === `${name}:${port}` || (port === 80 && host === name));
}

/** Constant-time comparison of a presented token with the host's. */
export function sameToken(given: string | null, expected: string): boolean {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** One cookie's value from a Cookie header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator > 0 && part.slice(0, separator).trim() === name) return part.slice(separator + 1).trim();
  }
  return null;
}

/** The cookie set when the token URL is opened: script cannot read it, other sites do not send it. */
export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

export type PageAccess =
  | { readonly kind: 'allowed'; readonly setCookie: boolean }
  | { readonly kind: 'refused'; readonly message: string };

/**
 * Whether a request may read the page's files: the token in the query (the URL the host
 * printed; the cookie is then set), or the cookie from having opened it. A wrong token in
 * the query is refused even with a good cookie, so a stale link says so.
 */
export function pageAccess(
  queryToken: string | null,
  cookieHeader: string | undefined,
  token: string,
): PageAccess {
  if (queryToken !== null) {
    return sameToken(queryToken, token)
      ? { kind: 'allowed', setCookie: true }
      : { kind: 'refused', message: 'wrong token: open the URL this run of the host printed' };
  }
  if (sameToken(cookieValue(cookieHeader, TOKEN_COOKIE), token)) return { kind: 'allowed', setCookie: false };
  return { kind: 'refused', message: 'no access token: open the URL the host printed, token included' };
}

/**
 * The workstation page's Content-Security-Policy. `style-src 'unsafe-inline'` is there for
 * plotly.js, which injects <style> rules and sets style attributes on the SVG it draws at
 * run time; scripts stay 'self' only, so injected markup still cannot run code.
 */
export function contentSecurityPolicy(connectSources: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src ${["'self'", ...connectSources].join(' ')}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Headers on every answer of the headless host; `host` is the validated Host header. */
export function securityHeaders(host: string): Record<string, string> {
  return {
    'content-security-policy': contentSecurityPolicy([`ws://${host}`]),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    'cross-origin-opener-policy': 'same-origin',
  };
}
