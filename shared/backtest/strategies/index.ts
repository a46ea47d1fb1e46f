export {
  bollingerReversion,
  BollingerReversion,
  bollingerParams,
  type BollingerParams,
} from './bollinger.js';
export {
  BookImbalance,
  bookImbalanceParams,
  bookImbalanceStrategy,
  type BookImbalanceParams,
} from './book-imbalance.js';
export { dualMomentum, DualMomentum, dualMomentumParams, type DualMomentumParams } from './dual-momentum.js';
export { mlSignal, MlSignal, mlSignalParams, type MlSignalParams, type Predictor } from './ml-signal.js';
export { smaCrossover, SmaCrossover, smaCrossoverParams, type SmaCrossoverParams } from './sma-crossover.js';
export { moveToTarget, RollingWindow } from './target.js';

import { STRATEGY_REGISTRY } from './registry.js';

/**
 * The built-in strategies, for the UI's strategy picker (a form per zod schema) and for
 * sweeps, which rebuild a strategy in a worker from `{ kind, params }`. The ML strategy also
 * needs its model (a Predictor) at creation. Listed from the one registry (./registry.ts).
 */
export const builtInStrategies = Object.values(STRATEGY_REGISTRY).map((entry) => entry.definition);
