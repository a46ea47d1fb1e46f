import { describe, expect, it } from 'vitest';
import { REDACTED, redactCredentials, Redactor } from '../../../../main/logging/redaction.js';

describe('redactCredentials', () => {
  it('blanks the signature and key of a signed URL that ccxt prints in an error', () => {
    const line =
      'binance GET http://127.0.0.1:4711/api/v3/account?timestamp=1765100000000&recvWindow=10000&signature=9f86d081884c7d65 fetch failed';
    expect(redactCredentials(line)).toBe(
      `binance GET http://127.0.0.1:4711/api/v3/account?timestamp=1765100000000&recvWindow=10000&signature=${REDACTED} fetch failed`,
    );
  });

  it('blanks credential headers and JSON fields, whatever their case or prefix', () => {
    expect(redactCredentials('{"X-MBX-APIKEY":"abc123","Content-Type":"x"}')).toBe(
      `{"X-MBX-APIKEY":"${REDACTED}","Content-Type":"x"}`,
    );
    expect(redactCredentials('x-mbx-apikey: abc123')).toBe(`x-mbx-apikey: ${REDACTED}`);
    expect(redactCredentials("{ apiKey: 'k-1', secret: 's-2', password: 'p-3' }")).toBe(
      `{ apiKey: '${REDACTED}', secret: '${REDACTED}', password: '${REDACTED}' }`,
    );
    expect(redactCredentials('OK-ACCESS-SIGN: aGVsbG8= OK-ACCESS-PASSPHRASE: pp')).toBe(
      `OK-ACCESS-SIGN: ${REDACTED} OK-ACCESS-PASSPHRASE: ${REDACTED}`,
    );
    expect(redactCredentials('Authorization: Bearer eyJhbGciOi')).toBe(`Authorization: ${REDACTED}`);
    expect(redactCredentials('/api/v5/order?instId=BTC-USDT&sign=abcd')).toBe(
      `/api/v5/order?instId=BTC-USDT&sign=${REDACTED}`,
    );
  });

  it('blanks every occurrence of a known value, also URL-encoded, and leaves prose alone', () => {
    const known = ['my key+1', 'topsecret'];
    expect(redactCredentials('key my key+1, again my%20key%2B1, then topsecret.', known)).toBe(
      `key ${REDACTED}, again ${REDACTED}, then ${REDACTED}.`,
    );
    expect(redactCredentials('bad or missing token: open the URL the host printed')).toBe(
      'bad or missing token: open the URL the host printed',
    );
    expect(redactCredentials('design a signal; hasKeys: false')).toBe('design a signal; hasKeys: false');
  });

  it('changes nothing when run on text it already redacted', () => {
    const once = redactCredentials('GET /x?signature=abc&sign=def {"apiKey":"k"}');
    expect(redactCredentials(once)).toBe(once);
    expect(once).toBe(`GET /x?signature=${REDACTED}&sign=${REDACTED} {"apiKey":"${REDACTED}"}`);
  });
});

describe('Redactor', () => {
  it('scrubs values it was told, ignores values too short to be a credential, and logs only redacted lines', () => {
    const redactor = new Redactor();
    redactor.remember('sim-key', 'sim-secret', undefined, '1');
    const lines: string[] = [];
    const log = redactor.logger((line) => lines.push(line));
    log('keys sim-key / sim-secret on order 1');
    expect(lines).toEqual([`keys ${REDACTED} / ${REDACTED} on order 1`]);
  });
});
