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

import { bollingerReversion as bollinger } from './bollinger.js';
import { bookImbalanceStrategy as imbalance } from './book-imbalance.js';
import { dualMomentum as momentum } from './dual-momentum.js';
import { mlSignal as ml } from './ml-signal.js';
import { smaCrossover as sma } from './sma-crossover.js';

/**
 * The built-in strategies, for the UI's strategy picker (a form per zod schema) and for
 * sweeps, which rebuild a strategy in a worker from `{ kind, params }`. The ML strategy also
 * needs its model (a Predictor) at creation.
 */
export const builtInStrategies = [sma, momentum, bollinger, imbalance, ml] as const;
