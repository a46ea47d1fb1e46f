// A user's strategy file: compiled by esbuild into one CommonJS script with its source map, then
// evaluated in this process (the main thread for checks and paper/live, a backtest worker for
// runs). Evaluating from a string, never through import(), means there is no module cache: every
// run compiles the file as it is now, so an edit is picked up by the next run. The code runs with
// the app's permissions, as Freqtrade's strategies do: it is the user's own code.
import { createRequire, SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import vm from 'node:vm';
import * as zod from 'zod';
import { z } from 'zod';
import {
  isUserStrategyKind,
  USER_STRATEGY_PREFIX,
  type UserStrategyKind,
} from '../../shared/api/domains/backtests.js';
import * as kit from '../../shared/backtest/strategy-kit.js';
import type { Strategy, StrategyDefinition } from '../../shared/backtest/strategy.js';

/** The module name a strategy file imports the strategy contract and helpers from. */
export const STRATEGY_KIT_MODULE = '@workstation/strategy';

/** A compiled strategy: plain strings, so it crosses to a worker thread as it is. */
export const compiledStrategySchema = z.object({
  kind: z.string().refine(isUserStrategyKind, { message: 'not a user strategy kind' }),
  /** Absolute path of the .ts file. */
  file: z.string().min(1),
  /** How errors name the file: `strategies/<name>.ts`. */
  label: z.string().min(1),
  /** CommonJS, every relative import bundled in; packages are required at run time. */
  code: z.string(),
  /** The source map of `code` (JSON), to name the line of a runtime error. */
  map: z.string(),
});
export type CompiledStrategy = z.infer<typeof compiledStrategySchema> & { readonly kind: UserStrategyKind };

/**
 * What is wrong with a strategy file, naming it (and the line when there is one): a compile
 * error, an error thrown by its code, or a file that is not a strategy.
 */
export class StrategyFileError extends Error {
  override readonly name = 'StrategyFileError';

  constructor(
    message: string,
    /** `strategies/<name>.ts`, or the file the error is in when it is a helper the strategy imports. */
    readonly file: string,
    readonly line: number | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** `user:<name>` -> `<name>.ts`; the file name (without .ts) is the strategy's kind. */
export function strategyFileName(kind: UserStrategyKind): string {
  return `${kind.slice(USER_STRATEGY_PREFIX.length)}.ts`;
}

interface EsbuildMessage {
  readonly text: string;
  readonly location: { readonly file: string; readonly line: number; readonly column: number } | null;
}

function isBuildFailure(error: unknown): error is { errors: EsbuildMessage[] } {
  return typeof error === 'object' && error !== null && Array.isArray((error as { errors?: unknown }).errors);
}

/**
 * Compiles `file` (an absolute path inside the strategies folder, named `label` in messages).
 * A syntax or import error is a StrategyFileError naming file:line:column. esbuild strips the
 * types without checking them, as tsx and ts-node --transpile-only do; the editor checks them.
 */
export async function compileStrategy(
  kind: UserStrategyKind,
  file: string,
  label: string,
): Promise<CompiledStrategy> {
  // Lazily: only a run of a user strategy pays for starting esbuild.
  const { build } = await import('esbuild');
  const folder = path.dirname(file);
  const outfile = path.join(folder, `${path.basename(file, '.ts')}.js`);
  const labelOf = (relative: string): string =>
    path.posix.join(path.posix.dirname(label), relative.split(path.sep).join('/'));
  try {
    const result = await build({
      entryPoints: [file],
      absWorkingDir: folder,
      bundle: true,
      // Packages (zod, the kit, node: modules) are required at run time from the app (runtimeRequire).
      packages: 'external',
      write: false,
      format: 'cjs',
      platform: 'node',
      target: 'node20',
      outfile,
      sourcemap: 'external',
      sourcesContent: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles.find((f) => f.path.endsWith('.js'))?.text;
    const map = result.outputFiles.find((f) => f.path.endsWith('.js.map'))?.text;
    if (code === undefined || map === undefined) throw new Error(`esbuild wrote no output for ${label}`);
    return { kind, file, label, code, map };
  } catch (error) {
    if (!isBuildFailure(error)) throw error;
    const first = error.errors[0];
    const where = first?.location;
    if (first === undefined || where === null || where === undefined)
      throw new StrategyFileError(`${label}: ${first?.text ?? 'does not compile'}`, label, null, {
        cause: error,
      });
    const at = labelOf(path.relative(folder, path.resolve(folder, where.file)));
    throw new StrategyFileError(`${at}:${where.line}:${where.column + 1}: ${first.text}`, at, where.line, {
      cause: error,
    });
  }
}

// The script is wrapped as Node wraps a CommonJS module, on the code's first line so every
// other line keeps its number.
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname) {';

function runtimeRequire(file: string): (id: string) => unknown {
  const fromFile = createRequire(file);
  return (id) => {
    // The app's own copies: the same zod the app parses with, the same helpers the built-ins use.
    if (id === STRATEGY_KIT_MODULE) return kit;
    if (id === 'zod') return zod;
    return fromFile(id) as unknown;
  };
}

/**
 * Where in the user's file `error` was thrown, from its stack and the source map: the topmost
 * frame in the compiled script, mapped back to the .ts line. Null when no frame is in it.
 */
function locate(
  error: unknown,
  compiled: CompiledStrategy,
  scriptName: string,
): { file: string; line: number; column: number } | null {
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const escaped = scriptName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const match = new RegExp(`${escaped}:(\\d+):(\\d+)`).exec(stack);
  if (match === null) return null;
  const line = Number(match[1]);
  const column = Number(match[2]) - (line === 1 ? WRAPPER_HEAD.length : 0);
  const map = new SourceMap(JSON.parse(compiled.map) as SourceMapPayload);
  // Node 20 answers {} where there is no mapping, later versions undefined.
  const entry = map.findEntry(line - 1, Math.max(0, column - 1)) as {
    originalSource?: string;
    originalLine?: number;
    originalColumn?: number;
  } | null;
  if (entry?.originalSource === undefined || entry.originalLine === undefined) return null;
  const source = entry.originalSource.replace(/^file:\/\//, '');
  const relative = path.isAbsolute(source) ? path.relative(path.dirname(compiled.file), source) : source;
  return {
    file: path.posix.join(path.posix.dirname(compiled.label), relative.split(path.sep).join('/')),
    line: entry.originalLine + 1,
    column: (entry.originalColumn ?? 0) + 1,
  };
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const CALLBACKS = ['onBar', 'onEvent', 'onOrderEvent'] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/**
 * The strategy definition of a compiled file, checked: it exports `strategy` with a title, a
 * description, a zod parameter schema whose defaults make a valid configuration, and `create`
 * returning an object with at least one of onBar / onEvent / onOrderEvent. Anything else is
 * refused with the reason. Every error its code throws (top level, create, callbacks) becomes
 * a StrategyFileError naming the .ts file and line.
 */
export function evaluateStrategy(compiled: CompiledStrategy): StrategyDefinition<unknown> {
  const scriptName = `${compiled.file}.js`;
  const { label } = compiled;
  const fail = (error: unknown): StrategyFileError => {
    if (error instanceof StrategyFileError) return error;
    const at = locate(error, compiled, scriptName);
    return at === null
      ? new StrategyFileError(`${label}: ${describe(error)}`, label, null, { cause: error })
      : new StrategyFileError(`${at.file}:${at.line}:${at.column}: ${describe(error)}`, at.file, at.line, {
          cause: error,
        });
  };
  const refuse = (reason: string): StrategyFileError =>
    new StrategyFileError(`${label} is not a strategy: ${reason}`, label, null);

  const module: { exports: Record<string, unknown> } = { exports: {} };
  try {
    const wrapper: unknown = vm.runInThisContext(`${WRAPPER_HEAD}${compiled.code}\n})`, {
      filename: scriptName,
    });
    if (typeof wrapper !== 'function') throw refuse('the compiled file is not a script');
    (wrapper as (...args: unknown[]) => void)(
      module.exports,
      runtimeRequire(compiled.file),
      module,
      compiled.file,
      path.dirname(compiled.file),
    );
  } catch (error) {
    throw fail(error);
  }

  const spec = module.exports.strategy;
  if (!isRecord(spec))
    throw refuse("it exports no 'strategy' (write: export const strategy = defineStrategy({ ... }))");
  const { title, description, params, create } = spec;
  if (typeof title !== 'string' || title.trim() === '')
    throw refuse('strategy.title must be a non-empty string');
  if (typeof description !== 'string') throw refuse('strategy.description must be a string');
  if (!(params instanceof z.ZodType))
    throw refuse("strategy.params must be a zod schema (import { z } from '@workstation/strategy')");
  if (typeof create !== 'function') throw refuse('strategy.create must be a function (params) => Strategy');
  let defaults: ReturnType<typeof params.safeParse>;
  try {
    defaults = params.safeParse({});
  } catch (error) {
    throw fail(error);
  }
  if (!defaults.success)
    throw refuse(
      `every parameter needs a default (${defaults.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')})`,
    );
  if (!isRecord(defaults.data)) throw refuse('strategy.params must be an object schema');

  const guard = (made: unknown): Strategy => {
    if (!isRecord(made)) throw refuse('strategy.create returned no object');
    const callbacks = CALLBACKS.filter((name) => typeof made[name] === 'function');
    if (callbacks.length === 0)
      throw refuse(`the object strategy.create returns has none of ${CALLBACKS.join(', ')}`);
    const guarded: Record<string, unknown> = {};
    for (const name of callbacks) {
      const callback = made[name] as (...args: unknown[]) => unknown;
      guarded[name] = (...args: unknown[]): unknown => {
        try {
          return callback.apply(made, args);
        } catch (error) {
          throw fail(error);
        }
      };
    }
    return guarded;
  };

  return {
    kind: compiled.kind,
    title,
    description,
    params,
    create: (values) => {
      let made: unknown;
      try {
        made = (create as (p: unknown) => unknown).call(spec, values);
      } catch (error) {
        throw fail(error);
      }
      return guard(made);
    },
  };
}
