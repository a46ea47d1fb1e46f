import path from 'node:path';
import type { StreamStatus } from '../../shared/api/schemas.js';
import type { Instrument } from '../../shared/domain/market.js';
import type { SqliteDatabase } from '../storage/database.js';
import { GapLedger } from '../storage/gap-ledger.js';
import type { MarketStore } from '../storage/market-store.js';
import { exchangeHandlers } from './api-handlers.js';
import type { BackoffPolicy } from './backoff.js';
import { ExchangeHub } from './exchange-hub.js';
import { WatchedSecretStore } from './key-changes.js';
import type { Deliver } from './symbol-feed.js';
import { PassphraseSecretStore, type SecretStore } from './secret-store.js';

export interface ExchangeServiceOptions {
  readonly db: SqliteDatabase;
  readonly store: MarketStore;
  readonly dataDir: string;
  /** Where feeds deliver events: the live pipeline's ingest. */
  readonly deliver: Deliver;
  readonly clock: () => number;
  readonly log: (line: string) => void;
  /** The Electron shell passes its safeStorage store; the headless host gets a passphrase file. */
  readonly secrets?: SecretStore | undefined;
  /** Passphrase of the headless key file (default: env WORKSTATION_PASSPHRASE). */
  readonly passphrase?: string | undefined;
  readonly random?: () => number;
  readonly backoff?: BackoffPolicy | undefined;
  readonly holeWaitMs?: number | undefined;
}

/** The key file of the headless host, beside the workspace database. */
export const KEY_FILE = 'exchange-keys.enc.json';

/**
 * The exchanges part of the App in one piece: the hub of live connections, the gap ledger,
 * the key store, and the API handlers over them.
 */
export function createExchangeService(options: ExchangeServiceOptions) {
  const gaps = new GapLedger(options.db, options.clock);
  const secrets = new WatchedSecretStore(
    options.secrets ??
      new PassphraseSecretStore(
        path.join(options.dataDir, KEY_FILE),
        options.passphrase ?? process.env.WORKSTATION_PASSPHRASE,
      ),
  );
  const hub = new ExchangeHub({
    deliver: options.deliver,
    upsertInstrument: (instrument) => {
      options.store.upsertInstrument(instrument);
    },
    recordGap: (gap) => {
      gaps.record(gap);
      options.log(
        `gap ledger: ${gap.instrument} ${gap.kind} ${new Date(gap.fromTs).toISOString()}..${new Date(gap.toTs).toISOString()}: ${gap.reason}`,
      );
    },
    candleAt: (instrument, openTime) => options.store.candleAt(instrument, '1m', openTime),
    lastTrade: (instrument) => options.store.recentTrades(instrument, 1)[0] ?? null,
    settings: {
      get: (key) => options.store.getSetting(key),
      set: (key, value) => {
        options.store.setSetting(key, value);
      },
    },
    secrets,
    clock: options.clock,
    random: options.random ?? Math.random,
    log: options.log,
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.holeWaitMs === undefined ? {} : { holeWaitMs: options.holeWaitMs }),
  });
  secrets.onChange((change) => {
    hub.keysChanged(change.exchange, change.keys);
  });
  return {
    hub,
    gaps,
    secrets,
    commands: exchangeHandlers({ hub, secrets, gaps }),
    instruments: (): Instrument[] => hub.instruments(),
    status: (): StreamStatus[] => hub.status(),
    rejectedCounts: (): Record<string, number> => hub.rejectedCounts(),
    restore: (): void => {
      hub.restore();
    },
    stop: (): Promise<void> => hub.stop(),
  };
}

export type ExchangeService = ReturnType<typeof createExchangeService>;
