import type { z } from 'zod';
import type { Job } from '../../shared/api/domains/jobs.js';
import { ApiError } from '../../shared/api/protocol.js';
import type { JobBoard } from '../jobs/job-board.js';
import {
  describeIssues,
  flagHelp,
  flagsOf,
  FlagError,
  parseFlags,
  withObjectDefaults,
  type ParsedArgs,
} from './schema-flags.js';

/**
 * A group of CLI commands built as its own file (main/scripts/build.mjs), loaded only when one
 * of its commands runs: `npm run cli -- --help` and a backtest never load ccxt or TensorFlow.
 */
export interface CliModule {
  /** The --help text of one of its commands. */
  help(command: string): string;
  run(command: string, argv: readonly string[], dataDir: string): Promise<void>;
}

/** The user asked for something the command cannot do: exit code 2 and the command's help hint. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Flags every command takes besides its schema's. */
export const COMMON_SWITCHES = ['json', 'help'] as const;

export interface CommandArgs<T> {
  readonly request: T;
  readonly positionals: readonly string[];
  readonly json: boolean;
  readonly own: Readonly<Record<string, unknown>>;
}

/**
 * argv against a command's request schema: flags read off the schema, `prepare` fills what the
 * CLI can infer (a range from the stored bars ...), then the schema parses it. Every error is a
 * UsageError naming the flag.
 */
export function requestOf<S extends z.ZodType>(
  schema: S,
  argv: readonly string[],
  options: {
    readonly options?: readonly string[];
    readonly prepare?: (raw: Record<string, unknown>) => void;
  } = {},
): CommandArgs<z.output<S>> {
  let parsed: ParsedArgs;
  try {
    parsed = parseFlags(argv, flagsOf(schema), {
      switches: COMMON_SWITCHES,
      options: [...(options.options ?? []), 'data-dir'],
    });
  } catch (error) {
    if (error instanceof FlagError) throw new UsageError(error.message);
    throw error;
  }
  const own: Record<string, unknown> = {};
  const raw = { ...parsed.request };
  for (const name of [...(options.options ?? []), 'data-dir']) {
    if (name in raw) {
      own[name] = raw[name];
      // Keys of the request are camelCase and the command's own options kebab-case: no clash.
      Reflect.deleteProperty(raw, name);
    }
  }
  options.prepare?.(raw);
  const result = schema.safeParse(withObjectDefaults(schema, raw));
  if (!result.success) throw new UsageError(describeIssues(result.error));
  return { request: result.data, positionals: parsed.positionals, json: parsed.switches.has('json'), own };
}

/** A command's --help: usage, what it does, its own options, then every flag of its request schema. */
export function commandHelp(
  usage: string,
  summary: string,
  schema: z.ZodType | null,
  extra: readonly string[] = [],
): string {
  return [
    `usage: npm run cli -- ${usage}`,
    '',
    summary,
    '',
    'options:',
    ...extra,
    '  --json                      print the result as JSON (for scripts)',
    '  --data-dir <dir>            the workspace folder (else WORKSTATION_DATA_DIR, else the app data folder)',
    ...(schema === null ? [] : ['', 'request fields (from the API contract):', flagHelp(flagsOf(schema))]),
    '',
  ].join('\n');
}

/**
 * Follows jobs on a board until one ends. Created before the job starts, so no end is missed;
 * progress is drawn on stderr when it is a terminal.
 */
export function jobFollower(jobs: JobBoard): { until(id: string): Promise<Job> } {
  const ended = new Map<string, Job>();
  const waiting = new Map<string, (job: Job) => void>();
  let lastDraw = 0;
  jobs.subscribe((job) => {
    if (job.state === 'running') {
      const now = Date.now();
      if (process.stderr.isTTY && now - lastDraw > 200 && job.total !== null) {
        lastDraw = now;
        const fraction = job.total === 0 ? 1 : job.done / job.total;
        process.stderr.write(`\r${job.title}: ${(fraction * 100).toFixed(0)}% of ${job.total} ${job.unit}  `);
      }
      return;
    }
    const resolve = waiting.get(job.id);
    if (resolve === undefined) ended.set(job.id, job);
    else resolve(job);
  });
  return {
    until: (id) =>
      new Promise((resolve) => {
        const done = ended.get(id);
        if (done !== undefined) resolve(done);
        else
          waiting.set(id, (job) => {
            if (process.stderr.isTTY) process.stderr.write('\n');
            resolve(job);
          });
      }),
  };
}

/** A finished job's result, or the error it failed with. */
export function jobResult(job: Job): unknown {
  if (job.state === 'done') return job.result;
  if (job.state === 'cancelled') throw new Error(`${job.title}: cancelled`);
  throw new Error(job.error ?? `${job.title} failed`);
}

/** An App command's error as the CLI reports it: a bad request is the user's (exit 2). */
export function usageOrError(error: unknown): unknown {
  if (error instanceof ApiError && (error.kind === 'bad_request' || error.kind === 'not_found'))
    return new UsageError(error.message);
  return error;
}

export function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `2026-01-05 12:34` (UTC). */
export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

export function percent(value: number | null | undefined, digits = 2): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? 'n/a'
    : `${(value * 100).toFixed(digits)}%`;
}

/**
 * `1,234.57`: the text toLocaleString('en-US') gives with these digits, without Intl, whose
 * first formatter costs a CLI command tens of milliseconds to load. Like ICU it rounds the
 * shortest decimal that reads back as the value (String(value)), ties away from zero, and keeps
 * the sign of a negative value that rounds to zero (-0.001 -> `-0.00`).
 */
export function fixed(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  const shortest = String(Math.abs(value));
  // Exponent notation (below 1e-6, from 1e21): rare enough to leave to Intl.
  if (shortest.includes('e'))
    return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
  const [whole = '0', fraction = ''] = shortest.split('.');
  // The kept digits as one string of digits, rounded up at the first dropped one when it is >= 5.
  let kept = whole + fraction.slice(0, digits).padEnd(digits, '0');
  if ((fraction[digits] ?? '0') >= '5') kept = incremented(kept);
  const integer = kept.slice(0, kept.length - digits);
  const grouped = integer.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const sign = value < 0 || Object.is(value, -0) ? '-' : '';
  return `${sign}${grouped}${digits > 0 ? `.${kept.slice(kept.length - digits)}` : ''}`;
}

/** A string of decimal digits plus one (`0999` -> `1000`, `99` -> `100`). */
function incremented(digitsText: string): string {
  const out = digitsText.split('');
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i] !== '9') {
      out[i] = String(Number(out[i]) + 1);
      return out.join('');
    }
    out[i] = '0';
  }
  return `1${out.join('')}`;
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, k) =>
        /^[-+]?[\d,.]+%?$/.test(cell) ? cell.padStart(widths[k] ?? 0) : cell.padEnd(widths[k] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
