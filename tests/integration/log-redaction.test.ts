import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KEY_FILE } from '../../main/exchange/exchange-service.js';
import { PassphraseSecretStore } from '../../main/exchange/secret-store.js';
import { startBinanceSimulator } from '../exchange-sim/binance-sim.js';
import {
  SIM_INSTRUMENT,
  SIM_KEY,
  SIM_SECRET,
  SIM_SYMBOL,
  SIM_TICK,
  type Cleanups,
} from '../fixtures/simulated-venue.js';
import { startTestApp, testDataDir } from '../fixtures/test-app.js';
import { until } from '../fixtures/until.js';

// The probe of issue 14: after the exchange went away, the host log printed signed private
// request URLs, signature included. Signed traffic against the simulator, failures while it
// is up and after it is gone; then every captured line (the App's log, anything written to
// the console or the standard streams, and every error a client was sent) is searched for
// the key, the secret, the passphrase and any signature value.

const PASSPHRASE = 'correct horse battery staple';
const cleanups: Cleanups = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every line written to the console and the standard streams while the test runs. */
function captureConsole(): string[] {
  const lines: string[] = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(' '));
    });
  }
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
      lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return write(chunk, ...rest);
    }) as typeof stream.write);
  }
  return lines;
}

describe('log redaction', () => {
  it('keeps the key, the secret, the passphrase and every signature out of logs and client errors, also after the exchange is gone', async () => {
    const consoleLines = captureConsole();
    const { sim, urls } = await startBinanceSimulator({
      markets: [
        { symbol: SIM_SYMBOL, startPrice: 2000, tickSize: SIM_TICK, lotSize: 0.001, seed: 7, minNotional: 5 },
      ],
    });
    let simRunning = true;
    cleanups.push(async () => {
      if (simRunning) await sim.stop();
    });
    sim.openAccount(SIM_KEY, SIM_SECRET, { USDT: 10_000, ETH: 1 });
    const dataDir = testDataDir('tw-redaction');
    cleanups.push(() => {
      rmSync(dataDir, { recursive: true, force: true });
    });
    const appLog: string[] = [];
    const app = startTestApp({
      dataDir,
      secrets: new PassphraseSecretStore(path.join(dataDir, KEY_FILE), PASSPHRASE),
      log: (line) => appLog.push(line),
    });
    cleanups.push(() => app.app.stop());
    const { client } = app;
    const clientErrors: string[] = [];
    const attempt = async (call: () => Promise<unknown>): Promise<unknown> =>
      call().catch((error: unknown) => {
        clientErrors.push(error instanceof Error ? error.message : String(error));
        return null;
      });

    await client.call('exchanges.connect', {
      exchange: 'binance',
      symbols: [SIM_SYMBOL],
      endpoint: { rest: urls.rest, ws: urls.ws },
    });
    await client.call('exchanges.keys.save', { exchange: 'binance', apiKey: SIM_KEY, secret: SIM_SECRET });
    await until(
      () => client.call('markets.book', { instrument: SIM_INSTRUMENT, depth: 1 }),
      (book) => book.mid !== null,
    );
    await client.call('trading.arm', { venue: 'binance', phrase: 'arm live trading on binance' });
    const bid = sim.book(SIM_SYMBOL, 1).bids[0]?.[0] ?? Number.NaN;
    const order = {
      venue: 'binance',
      instrument: SIM_INSTRUMENT,
      side: 'buy',
      type: 'limit',
      quantity: 0.05,
      price: Number((bid - 20 * SIM_TICK).toFixed(1)),
    } as const;
    expect(await client.call('trading.order', order)).toMatchObject({ ok: true });

    // The venue refuses signed requests while up, then goes away altogether.
    sim.faults.failRequests(1, 400, '/api/v3/order');
    await attempt(() => client.call('trading.order', order));
    await sim.stop();
    simRunning = false;
    // The balance poll hits the closed port with a signed request and logs the failure.
    await until(
      () => appLog,
      (lines) => lines.some((line) => line.includes('/api/v3/account?') && line.includes('ECONNREFUSED')),
      20_000,
      200,
    );

    const signatures = sim.requests.flatMap((request) => {
      const value = new URLSearchParams(request.split('?')[1] ?? '').get('signature');
      return value === null ? [] : [value];
    });
    expect(signatures.length).toBeGreaterThan(0);
    const everything = [...appLog, ...consoleLines, ...clientErrors].join('\n');
    expect(appLog.length).toBeGreaterThan(0);
    expect(everything).not.toContain(SIM_KEY);
    expect(everything).not.toContain(SIM_SECRET);
    expect(everything).not.toContain(PASSPHRASE);
    for (const signature of signatures) expect(everything).not.toContain(signature);
    expect(everything).not.toMatch(/signature=(?!\[redacted\](?!\]))/i);
    // The probe's line is there, scrubbed: the signed URL of the failed request, no signature.
    expect(appLog.join('\n')).toMatch(
      /balances: binance GET http:\/\/127\.0\.0\.1:\d+\/api\/v3\/account\?timestamp=\d+&recvWindow=\d+&signature=\[redacted\] fetch failed/,
    );
  });
});
