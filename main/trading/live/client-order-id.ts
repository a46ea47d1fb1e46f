/**
 * Client order ids of the live broker: `<prefix>-<session>-<n>`, e.g. `tw-s1-17`.
 *
 * Deterministic, so an order can always be found on the exchange by the id we chose (even
 * when its creation was never answered), and unique across restarts because `n` comes from
 * the order store's counter, which is written before the id is handed out: a crash after
 * `next()` skips a number, it never reuses one. Binance accepts `^[.A-Z:/a-z0-9_-]{1,36}$`;
 * the stricter alphabet here (no `-` inside prefix or session) keeps the id parseable.
 */

export const CLIENT_ID_MAX_LENGTH = 36;
const PART = /^[A-Za-z0-9_]{1,12}$/;

/** Where the counter of a session lives (the order store). */
export interface SequenceSource {
  /** The next number of the session, counting from 1; persisted before it returns. */
  nextSequence(session: string): number;
}

export interface ParsedClientId {
  readonly prefix: string;
  readonly session: string;
  readonly seq: number;
}

export class ClientOrderIds {
  constructor(
    private readonly source: SequenceSource,
    readonly prefix: string,
    readonly session: string,
  ) {
    if (!PART.test(prefix))
      throw new RangeError(`client id prefix must match ${PART.source}, got '${prefix}'`);
    if (!PART.test(session))
      throw new RangeError(`client id session must match ${PART.source}, got '${session}'`);
  }

  /** A fresh id and its number. */
  next(): { readonly clientId: string; readonly seq: number } {
    const seq = this.source.nextSequence(this.session);
    if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`order store gave sequence ${seq}`);
    const clientId = formatClientId(this.prefix, this.session, seq);
    if (clientId.length > CLIENT_ID_MAX_LENGTH)
      throw new RangeError(`client id ${clientId} is longer than ${CLIENT_ID_MAX_LENGTH} characters`);
    return { clientId, seq };
  }

  /** True for ids this generator's prefix made (any session): ours, not the user's manual orders. */
  owns(clientId: string): boolean {
    return parseClientId(clientId)?.prefix === this.prefix;
  }
}

export function formatClientId(prefix: string, session: string, seq: number): string {
  return `${prefix}-${session}-${seq}`;
}

export function parseClientId(clientId: string): ParsedClientId | null {
  const match = /^([A-Za-z0-9_]{1,12})-([A-Za-z0-9_]{1,12})-([1-9][0-9]*)$/.exec(clientId);
  if (match === null) return null;
  const [, prefix = '', session = '', n = ''] = match;
  const seq = Number(n);
  return Number.isSafeInteger(seq) ? { prefix, session, seq } : null;
}
