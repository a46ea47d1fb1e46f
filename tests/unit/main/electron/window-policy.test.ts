import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  appRequestTarget,
  devToolsAllowed,
  externalLinkAllowed,
  isSameOrigin,
  navigationAllowed,
  permissionGranted,
} from '../../../../main/electron/window-policy.js';

const RENDERER = path.resolve('/opt/workstation/renderer');

describe('window policy', () => {
  it('compares origins by scheme, host and port, never by prefix', () => {
    expect(isSameOrigin('app://workstation/index.html', 'app://workstation')).toBe(true);
    expect(isSameOrigin('app://workstation', 'app://workstation')).toBe(true);
    expect(isSameOrigin('app://workstation.evil/index.html', 'app://workstation')).toBe(false);
    expect(isSameOrigin('app://workstation@evil/', 'app://workstation')).toBe(false);
    expect(isSameOrigin('app://evil@workstation/', 'app://workstation')).toBe(false);
    expect(isSameOrigin('app://workstation:8080/', 'app://workstation')).toBe(false);
    expect(isSameOrigin('https://workstation/', 'app://workstation')).toBe(false);
    expect(isSameOrigin('not a url', 'app://workstation')).toBe(false);
  });

  it('lets the window navigate and redirect only within its own page', () => {
    expect(navigationAllowed('app://workstation/index.html#/models')).toBe(true);
    expect(navigationAllowed('app://workstation.evil/')).toBe(false);
    expect(navigationAllowed('https://www.binance.com/')).toBe(false);
    expect(navigationAllowed('file:///etc/passwd')).toBe(false);
  });

  it('serves renderer files only for the app host, never outside the renderer folder', () => {
    expect(appRequestTarget(RENDERER, 'app://workstation/')).toEqual({
      kind: 'file',
      file: path.join(RENDERER, 'index.html'),
    });
    expect(appRequestTarget(RENDERER, 'app://workstation/assets/main.js')).toEqual({
      kind: 'file',
      file: path.join(RENDERER, 'assets', 'main.js'),
    });
    expect(appRequestTarget(RENDERER, 'app://other/index.html')).toMatchObject({
      kind: 'refused',
      status: 404,
    });
    expect(appRequestTarget(RENDERER, 'app://workstation.evil/index.html')).toMatchObject({
      kind: 'refused',
      status: 404,
    });
    expect(appRequestTarget(RENDERER, 'app://workstation/..%2fsecrets')).toMatchObject({
      kind: 'refused',
      status: 400,
    });
    expect(appRequestTarget(RENDERER, 'app://workstation/%E0%A4%A')).toMatchObject({
      kind: 'refused',
      status: 400,
    });
  });

  it('opens only https links to documentation and exchange hosts in the browser', () => {
    expect(externalLinkAllowed('https://docs.ccxt.com/#/README')).toBe(true);
    expect(externalLinkAllowed('https://www.binance.com/en/my/settings/api-management')).toBe(true);
    expect(externalLinkAllowed('https://github.com/ccxt/ccxt')).toBe(true);
    expect(externalLinkAllowed('http://www.binance.com/')).toBe(false);
    expect(externalLinkAllowed('https://binance.com.evil.example/')).toBe(false);
    expect(externalLinkAllowed('https://evilbinance.com/')).toBe(false);
    expect(externalLinkAllowed('https://user@www.binance.com/')).toBe(false);
    expect(externalLinkAllowed('file:///etc/passwd')).toBe(false);
    expect(externalLinkAllowed('javascript:alert(1)')).toBe(false);
    expect(externalLinkAllowed('smb://attacker/share')).toBe(false);
  });

  it('denies every permission and keeps DevTools out of packaged builds', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'openExternal',
      'hid',
    ]) {
      expect(permissionGranted(permission)).toBe(false);
    }
    expect(devToolsAllowed(true)).toBe(false);
    expect(devToolsAllowed(false)).toBe(true);
  });
});
