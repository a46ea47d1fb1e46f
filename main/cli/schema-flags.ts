import { z } from 'zod';

/**
 * Command-line flags read off a command's zod request schema, so a field added to the
 * contract is a flag with no CLI code: `costs.slippageBps` is `--costs.slippage-bps`, and
 * `--slippage-bps` too while no other field ends in that name. Records (strategy parameters,
 * sweep grids) take any key: `--params.fast 10`, `--grid.fast 5,10,20`. The request built
 * from the flags is parsed by the very schema the App parses with, so the CLI cannot ask for
 * what the window could not.
 */

export type FlagType = 'integer' | 'number' | 'boolean' | 'string' | 'list' | 'record' | 'value';

export interface Flag {
  /** `costs.slippage-bps`: the field's path, each part in kebab-case. */
  readonly name: string;
  readonly path: readonly string[];
  readonly type: FlagType;
  /** The type of a list's items or a record's values. */
  readonly itemType: FlagType | null;
  readonly choices: readonly string[];
  readonly required: boolean;
  readonly defaultValue: unknown;
  readonly description: string | null;
  /** The last part alone, when no other flag ends in it. */
  readonly alias: string | null;
  /** For a field of one case of a union (`--params.units`: lstm), the case. */
  readonly only: string | null;
}

interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  description?: string;
}

export class FlagError extends Error {
  override readonly name = 'FlagError';
}

const kebab = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function leafType(schema: JsonSchema): FlagType {
  const members = schema.anyOf ?? schema.oneOf;
  if (members !== undefined) {
    const types = new Set(members.map(leafType));
    return types.size === 1 ? ([...types][0] ?? 'value') : 'value';
  }
  if (schema.enum !== undefined || schema.const !== undefined) return 'string';
  switch (typeof schema.type === 'string' ? schema.type : 'other') {
    case 'integer':
      return 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'string':
      return 'string';
    case 'array':
      return 'list';
    default:
      return 'value';
  }
}

function choicesOf(schema: JsonSchema): string[] {
  if (schema.enum !== undefined) return schema.enum.map(text);
  if (schema.const !== undefined) return [text(schema.const)];
  const members = schema.anyOf ?? schema.oneOf;
  return members === undefined ? [] : members.flatMap(choicesOf);
}

/** A JSON schema `const` or `enum` value as a flag's text (they are strings, numbers or booleans). */
function text(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The flags of a request schema, in the schema's order. */
export function flagsOf(schema: z.ZodType): Flag[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const flags: Omit<Flag, 'alias'>[] = [];
  const visit = (node: JsonSchema, path: string[], required: boolean, only: string | null): void => {
    if (node.allOf !== undefined) {
      for (const part of node.allOf) visit(part, path, required, only);
      return;
    }
    const members = node.oneOf ?? node.anyOf;
    if (members !== undefined && members.length > 0 && members.every((m) => m.properties !== undefined)) {
      // A union of objects (a model's kind, a sizing rule): its tag, then every case's fields,
      // each marked with the cases that have it.
      const tagOf = (member: JsonSchema): string | null => {
        const tag = Object.values(member.properties ?? {}).find((p) => p.const !== undefined)?.const;
        return tag === undefined ? null : text(tag);
      };
      const keys = [...new Set(members.flatMap((m) => Object.keys(m.properties ?? {})))];
      for (const key of keys) {
        const having = members.filter((m) => m.properties?.[key] !== undefined);
        const fields = having.map((m) => m.properties?.[key] ?? {});
        const isTag = having.length === members.length && fields.every((f) => f.const !== undefined);
        const cases = having.map(tagOf).filter((t): t is string => t !== null);
        visit(
          isTag ? { type: 'string', enum: fields.map((f) => f.const) } : (fields[0] ?? {}),
          [...path, key],
          isTag && required && members.every((m) => m.required?.includes(key) === true),
          having.length === members.length || cases.length === 0 ? only : cases.join('|'),
        );
      }
      return;
    }
    if (node.properties !== undefined) {
      for (const [key, property] of Object.entries(node.properties)) {
        const fieldRequired =
          required && node.required?.includes(key) === true && property.default === undefined;
        visit(property, [...path, key], fieldRequired, only);
      }
      return;
    }
    const isRecord =
      node.type === 'object' && typeof node.additionalProperties === 'object' && path.length > 0;
    const values = isRecord ? (node.additionalProperties as JsonSchema) : node.items;
    flags.push({
      name: path.map(kebab).join('.'),
      path,
      type: isRecord ? 'record' : leafType(node),
      itemType: values === undefined ? null : leafType(values),
      choices: choicesOf(node),
      required,
      defaultValue: node.default,
      description: node.description ?? null,
      only,
    });
  };
  visit(json, [], true, null);
  const lastParts = new Map<string, number>();
  for (const flag of flags) {
    const last = kebab(flag.path.at(-1) ?? '');
    lastParts.set(last, (lastParts.get(last) ?? 0) + 1);
  }
  const names = new Set(flags.map((f) => f.name));
  return flags.map((flag) => {
    const last = kebab(flag.path.at(-1) ?? '');
    const alias =
      flag.path.length > 1 && flag.type !== 'record' && lastParts.get(last) === 1 && !names.has(last)
        ? last
        : null;
    return { ...flag, alias };
  });
}

/** A scalar as typed: a number when it reads as one, true/false, else the text. */
function scalar(text: string): number | boolean | string {
  if (text === 'true') return true;
  if (text === 'false') return false;
  const number = Number(text);
  return text.trim() !== '' && Number.isFinite(number) ? number : text;
}

function valueOf(type: FlagType, itemType: FlagType | null, text: string, name: string): unknown {
  switch (type) {
    case 'integer':
    case 'number': {
      const number = Number(text);
      if (text.trim() !== '' && Number.isFinite(number)) return number;
      // Times are integer ms in the contract; an ISO date is what a person types.
      const date = Date.parse(text);
      if (Number.isFinite(date)) return date;
      throw new FlagError(
        `--${name} must be a number${type === 'integer' ? ' or an ISO date' : ''}, got '${text}'`,
      );
    }
    case 'boolean':
      if (text === 'true') return true;
      if (text === 'false') return false;
      throw new FlagError(`--${name} must be true or false, got '${text}'`);
    case 'string':
      return text;
    case 'list':
      return text.split(',').map((part) => valueOf(itemType ?? 'value', null, part.trim(), name));
    case 'record':
      return itemType === 'list' ? text.split(',').map((part) => scalar(part.trim())) : scalar(text);
    case 'value':
      return text.includes(',') ? text.split(',').map((part) => scalar(part.trim())) : scalar(text);
    default:
      return type satisfies never;
  }
}

function assign(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.forEach((key, k) => {
    if (k === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) {
      node = next as Record<string, unknown>;
    } else {
      const fresh: Record<string, unknown> = {};
      node[key] = fresh;
      node = fresh;
    }
  });
}

export interface ParsedArgs {
  /** The request as the flags give it (defaults not yet filled in: the schema does that). */
  readonly request: Record<string, unknown>;
  readonly positionals: readonly string[];
  /** Flags the command itself handles (--json, --help ...), by name. */
  readonly switches: ReadonlySet<string>;
}

/**
 * Reads `--name value`, `--name=value` and bare boolean `--name` against the flags; `switches`
 * are the command's own boolean flags, `options` its own flags with a value (returned in
 * request under their name). An unknown flag is an error naming it.
 */
export function parseFlags(
  argv: readonly string[],
  flags: readonly Flag[],
  own: { readonly switches?: readonly string[]; readonly options?: readonly string[] } = {},
): ParsedArgs {
  const byName = new Map<string, Flag>();
  for (const flag of flags) {
    byName.set(flag.name, flag);
    if (flag.alias !== null) byName.set(flag.alias, flag);
  }
  const records = flags.filter((f) => f.type === 'record');
  const request: Record<string, unknown> = {};
  const positionals: string[] = [];
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] ?? '';
    if (!token.startsWith('--')) {
      positionals.push(token);
      continue;
    }
    const equals = token.indexOf('=');
    const name = equals === -1 ? token.slice(2) : token.slice(2, equals);
    const inline = equals === -1 ? undefined : token.slice(equals + 1);
    const next = (): string => {
      if (inline !== undefined) return inline;
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new FlagError(`--${name} needs a value`);
      i++;
      return value;
    };
    if (own.switches?.includes(name) === true) {
      switches.add(name);
      continue;
    }
    if (own.options?.includes(name) === true) {
      request[name] = next();
      continue;
    }
    const flag = byName.get(name);
    if (flag !== undefined) {
      const bare = flag.type === 'boolean' && inline === undefined && (argv[i + 1] ?? '--').startsWith('--');
      assign(request, flag.path, bare ? true : valueOf(flag.type, flag.itemType, next(), name));
      continue;
    }
    const record = records.find((r) => name.startsWith(`${r.name}.`) && name.length > r.name.length + 1);
    if (record !== undefined) {
      // Record keys are the strategy's own parameter names: kept as typed (fast, allowShort).
      const key = name.slice(record.name.length + 1);
      assign(request, [...record.path, key], valueOf('record', record.itemType, next(), name));
      continue;
    }
    throw new FlagError(`unknown flag --${name}`);
  }
  return { request, positionals, switches };
}

/** The request's schema errors, each named by its flag: `--costs.slippage-bps: Too big ...`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map((part) => (typeof part === 'string' ? kebab(part) : String(part)));
      return path.length === 0 ? issue.message : `--${path.join('.')}: ${issue.message}`;
    })
    .join('\n');
}

/** The flags as --help lists them: name, value, description, default and whether required. */
export function flagHelp(flags: readonly Flag[]): string {
  const rows = flags.map((flag) => {
    const value =
      flag.type === 'record'
        ? `.<name> <${flag.itemType === 'list' ? 'v1,v2,...' : 'value'}>`
        : flag.type === 'boolean'
          ? ''
          : flag.choices.length > 0 && flag.choices.length <= 8
            ? ` <${flag.choices.join('|')}>`
            : ` <${flag.type === 'list' ? `${flag.itemType ?? 'value'},...` : flag.type}>`;
    const left = `  --${flag.name}${value}${flag.alias === null ? '' : `  (--${flag.alias})`}`;
    const notes = [
      flag.description,
      flag.only === null ? null : `${flag.only} only`,
      flag.required ? 'required' : null,
      flag.defaultValue === undefined ? null : `default ${JSON.stringify(flag.defaultValue)}`,
    ].filter((note): note is string => note !== null);
    return [left, notes.join('; ')] as const;
  });
  const width = Math.min(48, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, notes]) =>
      notes === ''
        ? left
        : left.length >= width
          ? `${left}\n${' '.repeat(width)}${notes}`
          : `${left.padEnd(width)}${notes}`,
    )
    .join('\n');
}

/**
 * Fills the defaults of objects the flags only partly give: `--taker 0.001` alone keeps the
 * default maker fee, as the schema would had the whole object been left out.
 */
export function withObjectDefaults(schema: z.ZodType, raw: Record<string, unknown>): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const merge = (node: JsonSchema, value: unknown): unknown => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
    const given = value as Record<string, unknown>;
    if (node.allOf !== undefined) return node.allOf.reduce<unknown>((v, part) => merge(part, v), given);
    if (node.properties === undefined) return given;
    const base =
      typeof node.default === 'object' && node.default !== null && !Array.isArray(node.default)
        ? (node.default as Record<string, unknown>)
        : {};
    const out: Record<string, unknown> = { ...base, ...given };
    for (const [key, property] of Object.entries(node.properties))
      if (key in given) out[key] = merge(property, given[key]);
    return out;
  };
  return merge(json, raw) as Record<string, unknown>;
}
