import { ApiError } from '../../shared/api/protocol.js';
import type { ModelInfo, Prediction } from '../../shared/api/domains/models.js';
import { MlSignal, mlSignalParams, type MlSignalParams } from '../../shared/backtest/strategies/ml-signal.js';
import { labelClasses } from '../../shared/models/labels.js';
import { upProbabilityOf } from '../../shared/models/up-probability.js';
import { PredictionFeed, type SignalRead } from '../../shared/trading/prediction-feed.js';

/**
 * The ML-signal strategy on paper: a registered model runs live in the feature worker on its
 * feature set's rows, and each of its predictions reaches the strategy through a
 * PredictionFeed, the same feed (and the same MlSignal) the training folds' backtests use.
 * The strategy reads a prediction once market time has reached its row; one older than three
 * rows (a minute at least) is none, so a model that went quiet cannot hold a position.
 */

/** What trading needs of the models: the registry, live inference and its predictions. */
export interface TradingModels {
  info(id: number): ModelInfo | null;
  /** Period of the model's feature rows (0: a row per event); null when its set is gone. */
  rowMs(id: number): number | null;
  isRunning(id: number): boolean;
  /** Starts the model live on its instrument (as primary, else as shadow beside the primary). */
  startLive(id: number): Promise<void>;
  /** Every live prediction as it arrives; returns the unsubscribe. */
  subscribe(listener: (instrument: string, prediction: Prediction) => void): () => void;
}

/** A prediction older than this many feature rows is no prediction, */
const STALE_ROWS = 3;
/** ... and never younger than this (event-sampled sets have no period). */
const MIN_STALE_MS = 60_000;

export interface SignalRun {
  readonly modelId: number;
  readonly params: MlSignalParams;
  readonly feed: PredictionFeed;
  readonly strategy: () => MlSignal;
  /** The strategy state's `signal`. */
  view(): { modelId: number; predictions: number; rowTs: number | null; up: number | null };
  stop(): void;
}

export interface SignalRunRequest {
  readonly instrument: string;
  readonly modelId: number | undefined;
  readonly params: Record<string, unknown>;
  /** A prediction the strategy decided on (once per prediction), with the model's words. */
  readonly onSignal: (signal: SignalRead) => void;
  readonly log: (line: string) => void;
}

/**
 * Checks the model can drive the strategy (classification, this instrument, its set stored),
 * starts it live if it is not running, and wires its predictions into a feed.
 */
export async function startSignalRun(
  models: TradingModels | undefined,
  request: SignalRunRequest,
): Promise<SignalRun> {
  if (models === undefined)
    throw new ApiError(
      'bad_request',
      'the ML-signal strategy needs the models service, which this App lacks',
    );
  const { instrument, modelId } = request;
  if (modelId === undefined)
    throw new ApiError('bad_request', 'the ML-signal strategy trades a model: choose a registered model');
  const info = models.info(modelId);
  if (info === null) throw new ApiError('not_found', `no model ${modelId}`);
  if (info.instrument !== instrument)
    throw new ApiError(
      'bad_request',
      `model ${modelId} '${info.name}' was trained on ${info.instrument}, not ${instrument}`,
    );
  const classes = labelClasses(info.label);
  if (classes === 0)
    throw new ApiError(
      'bad_request',
      `model ${modelId} '${info.name}' predicts a return (regression); the ML-signal strategy trades a probability of an up move: train it on a classification label`,
    );
  const parsed = mlSignalParams.safeParse(request.params);
  if (!parsed.success) throw new ApiError('bad_request', `ml-signal parameters: ${parsed.error.message}`);
  const rowMs = models.rowMs(modelId);
  if (rowMs === null)
    throw new ApiError(
      'bad_request',
      `model ${modelId} reads feature set '${info.featureSetId}', which is no longer stored`,
    );
  if (!models.isRunning(modelId)) {
    await models.startLive(modelId);
    request.log(`paper: model ${modelId} started live for the ML-signal strategy on ${instrument}`);
  }
  const feed = new PredictionFeed({
    staleAfterMs: Math.max(MIN_STALE_MS, STALE_ROWS * rowMs),
    onRead: request.onSignal,
  });
  const unsubscribe = models.subscribe((from, prediction) => {
    if (from !== instrument || prediction.modelId !== modelId) return;
    feed.push(prediction.ts, upProbabilityOf(prediction.output, classes), {
      modelId,
      output: prediction.output,
      confidence: prediction.confidence,
      uncertainty: prediction.uncertainty,
      latencyMs: prediction.latencyMs,
    });
  });
  const params = parsed.data;
  return {
    modelId,
    params,
    feed,
    strategy: () => new MlSignal(params, feed),
    view: () => {
      const latest = feed.latest();
      return { modelId, predictions: feed.count, rowTs: latest?.rowTs ?? null, up: latest?.up ?? null };
    },
    stop: unsubscribe,
  };
}
