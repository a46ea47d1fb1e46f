import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import {
  CANDLE_STRATEGY_KINDS,
  EVENT_STRATEGY_KINDS,
  isUserStrategyKind,
  USER_STRATEGY_PREFIX,
  type UserStrategyKind,
} from '../../shared/api/domains/backtests.js';
import type { StrategyInfo } from '../../shared/api/domains/strategies.js';
import { PAPER_STRATEGY_KINDS } from '../../shared/api/domains/trading.js';
import { builtInStrategies } from '../../shared/backtest/strategies/index.js';
import type { StrategyDefinition } from '../../shared/backtest/strategy.js';
import { ApiError } from '../../shared/api/protocol.js';
import { strategyDefinition, type StrategyKind } from '../backtests/param-grid.js';
import {
  compileStrategy,
  evaluateStrategy,
  StrategyFileError,
  strategyFileName,
  type CompiledStrategy,
} from './user-strategy.js';

/** The workspace folder of the user's strategy files: `<data folder>/strategies`. */
export const STRATEGIES_FOLDER = 'strategies';

export function strategiesFolder(dataDir: string): string {
  return path.join(dataDir, STRATEGIES_FOLDER);
}

/** A strategy ready to run: its definition and, for a user file, the compiled code a worker needs. */
export interface LoadedStrategy {
  readonly definition: StrategyDefinition<unknown>;
  readonly compiled: CompiledStrategy | null;
}

/** The JSON schema of a parameter schema's input (defaults shown), as the forms and --help read it. */
export function paramsJsonSchema(schema: z.ZodType): Record<string, unknown> {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

/**
 * The user's strategy files of one workspace. Nothing is cached: every load compiles the file
 * as it is on disk, so an edit is in the next run, and a broken file stops only the run that
 * uses it (the error names the file and line).
 */
export class StrategyLibrary {
  constructor(readonly folder: string) {}

  /** `user:<name>` for every `<name>.ts` in the folder (helpers in sub-folders are not strategies). */
  kinds(): UserStrategyKind[] {
    if (!existsSync(this.folder)) return [];
    return readdirSync(this.folder, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts'))
      .map((entry) => `${USER_STRATEGY_PREFIX}${entry.name.slice(0, -3)}`)
      .filter(isUserStrategyKind)
      .sort();
  }

  /** Compiles the file of `kind` as it is now; a missing file or a compile error is an ApiError naming it. */
  async compile(kind: UserStrategyKind): Promise<CompiledStrategy> {
    const name = strategyFileName(kind);
    const file = path.join(this.folder, name);
    const label = `${STRATEGIES_FOLDER}/${name}`;
    if (!existsSync(file))
      throw new ApiError('not_found', `no strategy file ${label} in the workspace (${this.folder})`);
    try {
      return await compileStrategy(kind, file, label);
    } catch (error) {
      throw asApiError(error);
    }
  }

  /** A built-in by kind, or the user's file compiled and checked now. */
  async load(kind: StrategyKind): Promise<LoadedStrategy> {
    if (!isUserStrategyKind(kind)) return { definition: strategyDefinition(kind), compiled: null };
    const compiled = await this.compile(kind);
    try {
      return { definition: evaluateStrategy(compiled), compiled };
    } catch (error) {
      throw asApiError(error);
    }
  }

  /** Every strategy with its parameter schema: the built-ins, then the user's files (a broken one with its error). */
  async list(): Promise<StrategyInfo[]> {
    const builtIns: StrategyInfo[] = builtInStrategies.map((definition) => ({
      kind: definition.kind,
      title: definition.title,
      description: definition.description,
      source: 'built-in',
      file: null,
      uses: [
        ...((CANDLE_STRATEGY_KINDS as readonly string[]).includes(definition.kind)
          ? (['candle'] as const)
          : []),
        ...((EVENT_STRATEGY_KINDS as readonly string[]).includes(definition.kind)
          ? (['event'] as const)
          : []),
        ...((PAPER_STRATEGY_KINDS as readonly string[]).includes(definition.kind)
          ? (['trading'] as const)
          : []),
      ],
      params: paramsJsonSchema(definition.params as z.ZodType),
      error: null,
    }));
    const users = await Promise.all(
      this.kinds().map(async (kind): Promise<StrategyInfo> => {
        const file = `${STRATEGIES_FOLDER}/${strategyFileName(kind)}`;
        try {
          const { definition } = await this.load(kind);
          return {
            kind,
            title: definition.title,
            description: definition.description,
            source: 'user',
            file,
            uses: ['candle', 'event', 'trading'],
            params: paramsJsonSchema(definition.params),
            error: null,
          };
        } catch (error) {
          return {
            kind,
            title: kind.slice(USER_STRATEGY_PREFIX.length),
            description: '',
            source: 'user',
            file,
            uses: [],
            params: {},
            error: error instanceof Error ? error.message : String(error),
          };
        }
      }),
    );
    return [...builtIns, ...users];
  }
}

/** A strategy file's error as the API reports it: a bad request whose message names the file and line. */
export function asApiError(error: unknown): unknown {
  if (error instanceof StrategyFileError) return new ApiError('bad_request', error.message);
  return error;
}
