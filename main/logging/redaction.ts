/** What a redacted value reads as in a log line or an error message. */
export const REDACTED = '[redacted]';
// A value already redacted is left as it is, so scrubbing twice (a client error that is also
// logged) changes nothing; the value pattern stops at ']', hence the prefix.
const REDACTED_START = REDACTED.slice(0, -1);

// Names whose value is a credential wherever they appear: query parameters (`signature=`,
// `apiKey=`), headers (`X-MBX-APIKEY: ...`, `OK-ACCESS-SIGN: ...`) and JSON fields
// (`"secret":"..."`). The name may carry a prefix or suffix (`x-mbx-apikey`, `secretKey`).
const CREDENTIAL_NAME = String.raw`[A-Za-z0-9_-]*(?:api[-_]?key|secret|signature|passphrase|password|access[-_]?(?:key|sign|passphrase)|authorization|token)[A-Za-z0-9_-]*`;

// `name` then `=` or `:` (quotes allowed around both), then the value up to the next
// delimiter. "Bearer " is kept with the value so an Authorization header loses its token.
const NAMED_CREDENTIAL = new RegExp(
  String.raw`(["']?)(${CREDENTIAL_NAME})\1(\s*[:=]\s*)(["']?)((?:Bearer\s+)?[^"'&\s,;}\]]+)`,
  'gi',
);

// `sign` alone (OKX, KuCoin query and body) is too short to match inside other words
// (design, signal), so it is matched only as a whole parameter name.
const SIGN_PARAMETER = /(^|[?&\s"'{,])(sign)(["']?\s*[:=]\s*["']?)([^"'&\s,;}\]]+)/gi;

// Plain words a sentence may end a clause with ("bad or missing token: open the URL ..."):
// after one of these a colon with no quotes around name or value is prose, not a header, unless a bearer token follows.
const PROSE_WORDS = new Set(['token', 'secret', 'password', 'passphrase', 'signature', 'authorization']);

function isProse(quotes: string, name: string, separator: string, value: string): boolean {
  return (
    quotes === '' &&
    !separator.includes('=') &&
    PROSE_WORDS.has(name.toLowerCase()) &&
    !/^Bearer\s/i.test(value)
  );
}

/** Values shorter than this are not remembered: redacting "1" would blank every number. */
const MIN_SECRET_LENGTH = 4;

/**
 * Removes credentials from a line of text: every value of a credential-named parameter,
 * header or field, and every occurrence of a remembered key, secret or passphrase (also
 * URL-encoded), so a ccxt error that prints a signed URL or an echoed header says nothing a
 * thief could use.
 */
export function redactCredentials(text: string, knownValues: Iterable<string> = []): string {
  let out = text;
  const values = [...knownValues]
    .filter((value) => value.length >= MIN_SECRET_LENGTH)
    .flatMap((value) => [value, encodeURIComponent(value)])
    .sort((a, b) => b.length - a.length);
  for (const value of values) out = out.split(value).join(REDACTED);
  out = out.replace(
    NAMED_CREDENTIAL,
    (match, quote: string, name: string, separator: string, valueQuote: string, value: string) => {
      if (value.startsWith(REDACTED_START) || isProse(quote + valueQuote, name, separator, value))
        return match;
      return `${quote}${name}${quote}${separator}${valueQuote}${REDACTED}`;
    },
  );
  out = out.replace(
    SIGN_PARAMETER,
    (match, before: string, name: string, separator: string, value: string) =>
      value.startsWith(REDACTED_START) ? match : `${before}${name}${separator}${REDACTED}`,
  );
  return out;
}

/**
 * The one place credentials are scrubbed: every log line and every error message sent to a
 * client passes through `redact`. Key stores tell it the values they hold, so a key is
 * scrubbed even where it appears under no recognisable name.
 */
export class Redactor {
  private readonly known = new Set<string>();

  /** Adds credential values to scrub (keys as saved or read, passphrases as entered). */
  remember(...values: readonly (string | undefined)[]): void {
    for (const value of values)
      if (value !== undefined && value.length >= MIN_SECRET_LENGTH) this.known.add(value);
  }

  redact(text: string): string {
    return redactCredentials(text, this.known);
  }

  /** A log sink that writes only redacted lines. */
  logger(sink: (line: string) => void): (line: string) => void {
    return (line) => {
      sink(this.redact(line));
    };
  }
}
