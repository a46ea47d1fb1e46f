import type { z } from 'zod';
import type { tradingCommands } from '../../shared/api/domains/trading.js';
import type { AuditLog } from './audit-log.js';
import { PAPER_VENUE } from './paper-desks.js';

type Commands = typeof tradingCommands;
type Response<K extends keyof Commands> = z.input<Commands[K]['response']>;
type Request<K extends keyof Commands> = z.output<Commands[K]['request']>;

/** The audit log as the API reads it: refusals (they survive restarts), entries, verify, export. */
export function auditCommands(audit: AuditLog, exportsDir: string, clock: () => number) {
  return {
    'trading.refusals': ({ limit }: Request<'trading.refusals'>): Response<'trading.refusals'> =>
      audit.list(limit, 'refusal').map((entry) => {
        const p = JSON.parse(entry.payload) as Record<string, unknown>;
        const venue = typeof p.venue === 'string' ? p.venue : PAPER_VENUE;
        // A live refusal names the exchange's symbol; the view names instruments.
        const instrument =
          typeof p.instrument === 'string'
            ? p.instrument
            : typeof p.symbol === 'string'
              ? `${venue}:${p.symbol}`
              : '';
        return {
          at: entry.ts,
          venue,
          instrument,
          limit: typeof p.limit === 'string' ? p.limit : 'unknown',
          reason: typeof p.reason === 'string' ? p.reason : '',
        };
      }),
    'trading.audit.list': ({ limit, kind }: Request<'trading.audit.list'>): Response<'trading.audit.list'> =>
      audit.list(limit, kind).map((e) => ({ ...e, payload: JSON.parse(e.payload) as unknown })),
    'trading.audit.verify': (): Response<'trading.audit.verify'> => audit.verify(),
    'trading.audit.export': (): Response<'trading.audit.export'> => audit.exportCsv(exportsDir, clock()),
  };
}
