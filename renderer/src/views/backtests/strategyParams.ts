import { z } from 'zod';
import {
  CANDLE_STRATEGY_KINDS,
  EVENT_STRATEGY_KINDS,
  type BacktestMode,
} from '../../../../shared/api/domains/backtests.js';
import type { StrategyInfo } from '../../../../shared/api/domains/strategies.js';
import { PAPER_STRATEGY_KINDS } from '../../../../shared/api/domains/trading.js';
import { builtInStrategies } from '../../../../shared/backtest/strategies/index.js';

/** One input of a strategy's parameter form, read off its zod schema. */
export interface ParamField {
  readonly name: string;
  readonly kind: 'integer' | 'number' | 'boolean' | 'choice' | 'text';
  readonly defaultValue: number | boolean | string | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly choices: readonly string[];
  readonly description: string | null;
}

export interface StrategyChoice {
  readonly kind: string;
  readonly title: string;
  readonly description: string;
  readonly fields: readonly ParamField[];
  /** `strategies/<name>.ts` for the user's own strategy, null for a built-in. */
  readonly file: string | null;
}

interface JsonSchemaProperty {
  type?: string;
  enum?: unknown[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  description?: string;
}

// zod writes the safe-integer bounds for every int(); they say nothing to a trader.
const bound = (value: number | undefined): number | null =>
  value === undefined || Math.abs(value) >= Number.MAX_SAFE_INTEGER ? null : value;

/** The form fields of a strategy's parameter schema, in declaration order. */
export function paramFields(schema: z.ZodType): ParamField[] {
  return jsonSchemaFields(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }));
}

/** The form fields of a parameter schema as JSON schema (how the App lists a user's strategy). */
export function jsonSchemaFields(json: { properties?: unknown }): ParamField[] {
  const properties = (json.properties ?? {}) as Record<string, JsonSchemaProperty>;
  return Object.entries(properties).map(([name, p]) => {
    const choices = Array.isArray(p.enum) ? p.enum.map(String) : [];
    const kind: ParamField['kind'] =
      choices.length > 0
        ? 'choice'
        : p.type === 'integer'
          ? 'integer'
          : p.type === 'number'
            ? 'number'
            : p.type === 'boolean'
              ? 'boolean'
              : 'text';
    const fallback = p.default;
    return {
      name,
      kind,
      defaultValue:
        typeof fallback === 'number' || typeof fallback === 'boolean' || typeof fallback === 'string'
          ? fallback
          : null,
      min: bound(p.minimum ?? p.exclusiveMinimum),
      max: bound(p.maximum),
      choices,
      description: p.description ?? null,
    };
  });
}

/**
 * The strategies a run in `mode` can use: the built-ins (the ML one needs a model: not offered
 * here), then the user's own files that compile (`listed`, from strategies.list).
 */
export function strategiesFor(mode: BacktestMode, listed: readonly StrategyInfo[] = []): StrategyChoice[] {
  return [
    ...choicesOf(mode === 'event' ? EVENT_STRATEGY_KINDS : CANDLE_STRATEGY_KINDS),
    ...userChoices(listed, mode),
  ];
}

/** What paper and live trading run: the event-mode built-ins, the ML-signal strategy (on a live model) and the user's files. */
export function paperStrategies(listed: readonly StrategyInfo[] = []): StrategyChoice[] {
  return [...choicesOf(PAPER_STRATEGY_KINDS), ...userChoices(listed, 'trading')];
}

/** The user's files that cannot run, with why (their error names the file and line). */
export function brokenStrategies(listed: readonly StrategyInfo[]): { kind: string; error: string }[] {
  return listed.flatMap((s) => (s.error === null ? [] : [{ kind: s.kind, error: s.error }]));
}

function userChoices(listed: readonly StrategyInfo[], use: StrategyInfo['uses'][number]): StrategyChoice[] {
  return listed
    .filter((s) => s.source === 'user' && s.error === null && s.uses.includes(use))
    .map((s) => ({
      kind: s.kind,
      title: s.title,
      description: s.description,
      fields: jsonSchemaFields(s.params),
      file: s.file,
    }));
}

function choicesOf(kinds: readonly string[]): StrategyChoice[] {
  return builtInStrategies
    .filter((s) => kinds.includes(s.kind))
    .map((s) => ({
      kind: s.kind,
      title: s.title,
      description: s.description,
      fields: paramFields(s.params as z.ZodType),
      file: null,
    }));
}

/** Starting values of a strategy's form: every default its schema declares. */
export function defaultParams(fields: readonly ParamField[]): Record<string, number | boolean | string> {
  const params: Record<string, number | boolean | string> = {};
  for (const field of fields) if (field.defaultValue !== null) params[field.name] = field.defaultValue;
  return params;
}

/** One value typed by the user, read as its field's type; null when it is not one. */
export function parseParamValue(field: ParamField, text: string): number | boolean | string | null {
  const trimmed = text.trim();
  switch (field.kind) {
    case 'integer':
    case 'number': {
      if (trimmed === '') return null;
      const value = Number(trimmed);
      if (!Number.isFinite(value)) return null;
      return field.kind === 'integer' && !Number.isInteger(value) ? null : value;
    }
    case 'boolean':
      return trimmed === 'true' ? true : trimmed === 'false' ? false : null;
    case 'choice':
      return field.choices.includes(trimmed) ? trimmed : null;
    case 'text':
      return trimmed;
    default: {
      const unknownKind: never = field.kind;
      throw new Error(`unknown parameter kind ${String(unknownKind)}`);
    }
  }
}

export type GridParse =
  | { readonly ok: true; readonly grid: Record<string, (number | boolean | string)[]> }
  | { readonly ok: false; readonly problem: string };

/**
 * The sweep grid from the per-parameter text boxes ("5, 10, 20"): parameters left empty are
 * not swept (they keep the form's value); a value that is not of the field's type is refused
 * with its name, before anything is sent.
 */
export function parseGrid(fields: readonly ParamField[], texts: Readonly<Record<string, string>>): GridParse {
  const grid: Record<string, (number | boolean | string)[]> = {};
  for (const field of fields) {
    const text = texts[field.name]?.trim() ?? '';
    if (text === '') continue;
    const values: (number | boolean | string)[] = [];
    for (const part of text.split(',')) {
      const value = parseParamValue(field, part);
      if (value === null)
        return { ok: false, problem: `${field.name}: '${part.trim()}' is not ${describeKind(field)}` };
      values.push(value);
    }
    grid[field.name] = values;
  }
  if (Object.keys(grid).length === 0)
    return { ok: false, problem: 'Give at least one parameter a comma-separated list of values to sweep' };
  return { ok: true, grid };
}

function describeKind(field: ParamField): string {
  switch (field.kind) {
    case 'integer':
      return 'a whole number';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true or false';
    case 'choice':
      return `one of ${field.choices.join(', ')}`;
    case 'text':
      return 'text';
    default: {
      const unknownKind: never = field.kind;
      return String(unknownKind);
    }
  }
}

/** Configurations a grid expands to (the cartesian product). */
export function gridSize(grid: Readonly<Record<string, readonly unknown[]>>): number {
  return Object.values(grid).reduce((n, values) => n * values.length, 1);
}
