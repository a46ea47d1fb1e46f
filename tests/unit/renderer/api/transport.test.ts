import { describe, expect, it } from 'vitest';
import { hostAddressFor } from '../../../../renderer/src/api/transport.js';

describe('the headless host address', () => {
  it('is the page origin at /api with the page token', () => {
    const address = hostAddressFor({ protocol: 'http:', host: '127.0.0.1:41234', search: '?token=ab12' });
    expect(address).toEqual({ url: 'ws://127.0.0.1:41234/api?token=ab12', missingToken: false });
  });

  it('uses wss behind https', () => {
    const address = hostAddressFor({ protocol: 'https:', host: 'box.example:8443', search: '?token=ab12' });
    expect(address.url).toBe('wss://box.example:8443/api?token=ab12');
  });

  it('knows when the page URL has no token', () => {
    expect(hostAddressFor({ protocol: 'http:', host: '127.0.0.1:1', search: '' }).missingToken).toBe(true);
  });
});
