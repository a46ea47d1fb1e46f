import type { Exchange } from 'ccxt';
import type { MarketPrecision, PrecisionMode } from '../../../shared/trading/sizing.js';
import type { LiveOrderRow, LiveOrderState } from './order-store.js';

/** How ccxt's view of markets, orders and errors translates into the live broker's. */

export const EPS = 1e-9;
const CCXT_TICK_SIZE = 4;
const CCXT_DECIMAL_PLACES = 2;

/** The parts of a ccxt market (`exchange.markets[symbol]`) the broker reads. */
export interface CcxtMarket {
  readonly base?: string;
  readonly quote?: string;
  readonly precision: { readonly amount?: number | undefined; readonly price?: number | undefined };
  readonly limits: {
    readonly amount?: { readonly min?: number | undefined; readonly max?: number | undefined } | undefined;
    readonly cost?: { readonly min?: number | undefined } | undefined;
  };
}

export function precisionOf(market: CcxtMarket): MarketPrecision {
  return { precision: market.precision, limits: market.limits };
}

/** ccxt's precision mode as sizing's; null for SIGNIFICANT_DIGITS, which sizing refuses. */
export function precisionModeOf(exchange: Exchange): PrecisionMode | null {
  if (exchange.precisionMode === CCXT_TICK_SIZE) return 'tick';
  if (exchange.precisionMode === CCXT_DECIMAL_PLACES) return 'decimals';
  return null;
}

/** ccxt's status (open, closed, canceled, expired, rejected) as our state. */
export function stateOf(status: string | undefined, filled: number, row: LiveOrderRow): LiveOrderState {
  switch (status) {
    case 'open':
      return filled >= row.quantity - EPS ? 'filled' : filled > EPS ? 'partially_filled' : 'open';
    case 'closed':
      return 'filled';
    case 'canceled':
      return 'cancelled';
    case 'expired':
      return 'expired';
    case 'rejected':
      return 'rejected';
    case undefined:
    default:
      return row.state === 'sending' || row.state === 'in_doubt' ? 'open' : row.state;
  }
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** ccxt's error class (InsufficientFunds, InvalidOrder ...): what kind of no it was. */
export function errorName(error: unknown): string {
  return error instanceof Error ? error.constructor.name : typeof error;
}

/**
 * The exchange's own words from a ccxt error: ccxt prefixes the exchange id and sometimes a
 * hint, then the body (`{"code":-1013,"msg":"Filter failure: LOT_SIZE"}`); the msg is kept
 * with its code.
 */
export function exchangeReason(error: unknown): string {
  const message = messageOf(error);
  const json = /\{"code":(-?\d+),"msg":"((?:[^"\\]|\\.)*)"\}/.exec(message);
  if (json !== null) return `${json[2] ?? ''} (code ${json[1] ?? '?'})`;
  return message.replace(/^\S+\s/, '');
}
