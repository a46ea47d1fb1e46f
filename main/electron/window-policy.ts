// The window's security decisions as pure functions (no Electron import), so each one is
// unit-tested here where the Electron binary cannot run; main.ts only wires them to events.
// They follow Electron's security checklist (https://www.electronjs.org/docs/latest/tutorial/security).
import { staticTarget, type StaticTarget } from '../transport/http-guards.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'workstation';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * Hosts the window may open in the user's browser: the project's and libraries' documentation
 * and the exchanges' own sites (API-key pages, fee schedules). A subdomain of one counts
 * (www.binance.com, docs.ccxt.com); anything else stays closed.
 */
export const EXTERNAL_HOSTS: readonly string[] = [
  'github.com',
  'docs.ccxt.com',
  'electronjs.org',
  'binance.com',
  'coinbase.com',
  'kraken.com',
  'okx.com',
  'bybit.com',
  'kucoin.com',
  'bitfinex.com',
  'bitstamp.net',
  'gate.io',
];

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * Whether `url` belongs to `origin` (scheme://host[:port]), compared part by part: a prefix
 * test would let `app://workstation.evil` and `app://workstation@evil` pass.
 */
export function isSameOrigin(url: string, origin: string): boolean {
  const a = parse(url);
  const b = parse(origin);
  if (a === null || b === null) return false;
  return (
    a.protocol === b.protocol &&
    a.hostname === b.hostname &&
    a.port === b.port &&
    a.username === '' &&
    a.password === ''
  );
}

/** Whether a URL is the workstation's own page (app://workstation/...). */
export function isAppUrl(url: string): boolean {
  return isSameOrigin(url, APP_ORIGIN);
}

/** The window stays on its own page: a navigation or a redirect elsewhere is stopped. */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url);
}

/** What the app:// protocol handler serves for a request: the renderer's files, for its own host only. */
export function appRequestTarget(rendererDir: string, url: string): StaticTarget {
  const parsed = parse(url);
  if (parsed === null || !isAppUrl(url)) return { kind: 'refused', status: 404, message: 'not found' };
  return staticTarget(rendererDir, parsed.pathname);
}

/** Links the renderer asks to open go to the user's browser only if https and allow-listed. */
export function externalLinkAllowed(url: string): boolean {
  const parsed = parse(url);
  if (parsed === null || parsed.protocol !== 'https:') return false;
  if (parsed.username !== '' || parsed.password !== '' || parsed.port !== '') return false;
  const host = parsed.hostname.toLowerCase();
  return EXTERNAL_HOSTS.some((allowed) => host === allowed || host.endsWith(`.${allowed}`));
}

/**
 * Camera, microphone, notifications, geolocation, clipboard, HID...: the workstation needs
 * none, so both the permission request and the permission check answer no, whoever asks.
 */
export function permissionGranted(_permission: string): boolean {
  return false;
}

/** DevTools only in a development run, never in a packaged (installed) build. */
export function devToolsAllowed(isPackaged: boolean): boolean {
  return !isPackaged;
}
