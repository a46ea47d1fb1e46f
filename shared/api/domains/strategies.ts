import { z } from 'zod';
import type { CommandSpec } from '../spec.js';

/**
 * The strategies a run can use: the built-ins and the user's own files in the workspace's
 * `strategies/` folder (`user:<file name>`), each with its parameter schema as JSON schema
 * (io: input, so defaults show), which is what the pickers' forms and the CLI's --help read.
 */

/** Where a strategy runs: candle and event backtests, and paper/live trading. */
export const STRATEGY_USES = ['candle', 'event', 'trading'] as const;

export const strategyInfoSchema = z.object({
  kind: z.string(),
  title: z.string(),
  description: z.string(),
  source: z.enum(['built-in', 'user']),
  /** `strategies/<name>.ts` for a user strategy, else null. */
  file: z.string().nullable(),
  uses: z.array(z.enum(STRATEGY_USES)),
  /** JSON schema of the parameters (input side: defaults included); {} when the file has an error. */
  params: z.record(z.string(), z.unknown()),
  /** Why a user file cannot run (compile error with file:line, not a strategy ...), else null. */
  error: z.string().nullable(),
});
export type StrategyInfo = z.infer<typeof strategyInfoSchema>;

export const strategyCommands = {
  'strategies.list': {
    summary:
      "Built-in strategies and the user's strategy files (compiled now, so an error shows with its line), with their parameter schemas.",
    request: z.object({}),
    response: z.array(strategyInfoSchema),
  },
} as const satisfies Record<string, CommandSpec>;
