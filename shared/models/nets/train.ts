// Trains a sequence network with tfjs model.fit, honest about time: batches are taken in row
// order (shuffle: false) and never mixed with validation rows, the only randomness being the
// seeded initial weights and the dropout masks. Early stopping watches the validation loss
// and restores the best epoch's weights; every improvement is offered as a checkpoint.
import * as tf from '@tensorflow/tfjs';
import type { ModelArtifact, TrainingProgress, TrainOptions } from '../model.js';
import { buildNetwork, DIRECTION_OUTPUT, RETURN_OUTPUT, type NetParams } from './architectures.js';
import { focalLoss } from './losses.js';
import { loadLayers, NetworkModel, saveNetwork, type NetworkMeta } from './network-model.js';
import {
  checkShape,
  classWeights,
  oneHotTensor,
  scaledTensor,
  targetScale,
  usableRows,
  windowTensor,
  type SequenceData,
  type TargetScale,
} from './sequences.js';

export interface NetworkTrainOptions extends TrainOptions {
  /** Called with the weights of every epoch that improves the watched loss (1-based epoch). */
  readonly checkpoint?: (artifact: ModelArtifact, epoch: number) => void;
  /** Continue a run from a checkpoint: its weights, then epochs epoch+1 .. params.epochs. */
  readonly resumeFrom?: { readonly artifact: ModelArtifact; readonly epoch: number };
}

/** What happened during training, besides the model. */
export interface NetworkTrainingReport {
  /** Rows dropped for a NaN or Infinity in their window, label or return target. */
  readonly rejectedRows: { readonly train: number; readonly valid: number };
  readonly epochsRun: number;
  /** The epoch whose weights the model holds (1-based; 0 if none improved). */
  readonly bestEpoch: number;
  readonly stoppedEarly: boolean;
  readonly history: readonly TrainingProgress[];
}

export class TrainedNetwork extends NetworkModel {
  constructor(
    network: tf.LayersModel,
    meta: NetworkMeta,
    readonly report: NetworkTrainingReport,
  ) {
    super(network, meta);
  }
}

function abortError(): Error {
  const error = new Error('training aborted');
  error.name = 'AbortError';
  return error;
}

interface Prepared {
  readonly x: tf.Tensor3D;
  readonly y: tf.Tensor[];
}

/** Targets in the order of the network's outputs: direction (one-hot) first, then the scaled return. */
function prepare(data: SequenceData, rows: Uint32Array, scale: TargetScale | null): Prepared {
  const y: tf.Tensor[] = [];
  if (data.classes > 0) y.push(oneHotTensor(data, rows));
  if (scale) y.push(scaledTensor(data.classes > 0 ? (data.forwardReturn ?? []) : data.y, rows, scale));
  return { x: windowTensor(data, rows), y };
}

type LossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;
const meanSquaredError: LossFn = (yTrue, yPred) => tf.mean(tf.squaredDifference(yTrue, yPred), -1);

/** fit wants a bare tensor for a one-output model. */
function targets(set: Prepared): tf.Tensor | tf.Tensor[] {
  const [first, ...rest] = set.y;
  return first && rest.length === 0 ? first : set.y;
}

function disposeAll(prepared: Prepared | null): void {
  if (prepared) tf.dispose([prepared.x, ...prepared.y]);
}

/** A fit log value by suffix: single-output models log `acc`, multi-output ones `direction_acc`. */
function logValue(logs: tf.Logs | undefined, key: string, prefix = ''): number {
  if (!logs) return NaN;
  const direct = logs[`${prefix}${key}`];
  if (direct !== undefined) return direct;
  const named = logs[`${prefix}${DIRECTION_OUTPUT}_${key}`];
  return named ?? NaN;
}

/**
 * Share of rows whose most likely class is the labelled one. Computed here rather than read
 * from fit's `val_direction_acc`, which tfjs 4.22 fills with another output's value when the
 * model has two outputs. Read asynchronously: webgpu in Node cannot read synchronously.
 */
async function directionAccuracy(network: tf.LayersModel, set: Prepared, batchSize: number): Promise<number> {
  const share = tf.tidy((): tf.Scalar | undefined => {
    const out = network.predict(set.x, { batchSize: Math.max(batchSize, 256) });
    const probabilities = Array.isArray(out) ? out[network.outputNames.indexOf(DIRECTION_OUTPUT)] : out;
    const labels = set.y[0];
    if (!probabilities || !labels) return undefined;
    return tf.mean(tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(labels, -1)), 'float32'));
  });
  if (share === undefined) return NaN;
  const value = (await share.data())[0] ?? NaN;
  share.dispose();
  return value;
}

/**
 * Trains `params` on `data` (windows already normalised), watching `valid` for early stopping.
 * Resuming restores the checkpoint's weights but not Adam's moment estimates (the artifact has
 * no optimizer state), so the first resumed steps take Adam's bias-corrected early step sizes
 * again. Rejects with an AbortError when options.signal is aborted (checked after every batch).
 */
export async function trainNetwork(
  data: SequenceData,
  valid: SequenceData | null,
  params: NetParams,
  options: NetworkTrainOptions = {},
): Promise<TrainedNetwork> {
  checkShape(data, 'training data');
  if (valid) checkShape(valid, 'validation data');
  if (data.window !== params.window)
    throw new RangeError(`the data has windows of ${data.window} rows, params.window is ${params.window}`);
  if (
    valid &&
    (valid.window !== data.window || valid.features !== data.features || valid.classes !== data.classes)
  )
    throw new RangeError('validation data differs from training data in window, features or classes');
  const withReturn = data.classes === 0 || params.kind === 'cnn-lstm';
  const needsForwardReturn = data.classes > 0 && params.kind === 'cnn-lstm';
  if (needsForwardReturn && (!data.forwardReturn || (valid && !valid.forwardReturn)))
    throw new RangeError('cnn-lstm needs forwardReturn for its return head');

  const train = usableRows(data, needsForwardReturn);
  const held = valid ? usableRows(valid, needsForwardReturn) : { rows: new Uint32Array(0), rejected: 0 };
  if (train.rows.length === 0)
    throw new RangeError(`no usable training rows (${train.rejected} rejected for NaN or Infinity)`);

  const resumed = options.resumeFrom ? await loadLayers(options.resumeFrom.artifact) : null;
  if (
    resumed &&
    (resumed.meta.params.kind !== params.kind ||
      resumed.meta.classes !== data.classes ||
      resumed.meta.window !== data.window ||
      resumed.meta.features !== data.features)
  ) {
    resumed.network.dispose();
    throw new RangeError('the checkpoint is for another network, class count, window or feature count');
  }
  const scale = withReturn
    ? (resumed?.meta.target ??
      targetScale(data.classes > 0 ? (data.forwardReturn ?? []) : data.y, train.rows))
    : null;
  const network = resumed?.network ?? buildNetwork(params, data);
  const meta: NetworkMeta = {
    version: 1,
    params,
    window: data.window,
    features: data.features,
    classes: data.classes === 0 ? 0 : data.classes === 2 ? 2 : 3,
    columns: [...(data.columns ?? Array.from({ length: data.features }, (_, i) => `f${i}`))],
    target: scale,
    backend: tf.getBackend(),
    epoch: resumed?.meta.epoch ?? 0,
    monitorLoss: resumed?.meta.monitorLoss ?? null,
  };

  // Cross-entropy is focal loss with gamma 0; functions throughout because tfjs takes either
  // names or functions for all outputs, not a mix.
  const directionLoss = focalLoss(params.loss === 'focal' ? params.focalGamma : 0);
  const losses: Record<string, LossFn> = {};
  if (data.classes > 0) losses[DIRECTION_OUTPUT] = directionLoss;
  if (withReturn) {
    // tfjs-layers has no lossWeights (tfjs#compile TODO): the weight is folded into the loss,
    // and fit sums the outputs' losses, giving CE (or focal) + regressionWeight * MSE.
    const weight = data.classes > 0 ? (params.kind === 'cnn-lstm' ? params.regressionWeight : 1) : 1;
    losses[RETURN_OUTPUT] =
      weight === 1 ? meanSquaredError : (yTrue, yPred) => tf.mul(meanSquaredError(yTrue, yPred), weight);
  }
  const optimizer = tf.train.adam(params.learningRate);
  network.compile({
    optimizer,
    loss: network.outputNames.map((name) => losses[name] ?? meanSquaredError),
    ...(data.classes > 0 ? { metrics: { [DIRECTION_OUTPUT]: 'accuracy' } } : {}),
  });

  let trainSet: Prepared | null = null;
  let validSet: Prepared | null = null;
  let best: tf.Tensor[] | null = null;
  const history: TrainingProgress[] = [];
  let bestLoss = meta.monitorLoss ?? Infinity;
  let bestEpoch = resumed ? meta.epoch : 0;
  let sinceBest = 0;
  // Set inside fit's callbacks, read after it returns.
  const state = { stoppedEarly: false, aborted: false, diverged: false };
  try {
    trainSet = prepare(data, train.rows, scale);
    validSet = valid && held.rows.length > 0 ? prepare(valid, held.rows, scale) : null;
    const weightMap = params.classWeights && data.classes > 0 ? classWeights(data, train.rows) : null;
    const initialEpoch = resumed && options.resumeFrom ? options.resumeFrom.epoch : 0;
    if (resumed) best = network.getWeights().map((w) => w.clone());

    await network.fit(trainSet.x, targets(trainSet), {
      epochs: params.epochs,
      initialEpoch,
      batchSize: params.batchSize,
      // Batches in row order: shuffling is the one place a time leak could enter here.
      shuffle: false,
      // Silent: tfjs-node registers a progress bar printer for the default verbosity 1.
      // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- tfjs does not export ModelLoggingVerbosity; 0 is SILENT
      verbose: 0,
      ...(validSet ? { validationData: [validSet.x, targets(validSet)] } : {}),
      ...(weightMap
        ? { classWeight: network.outputNames.length > 1 ? { [DIRECTION_OUTPUT]: weightMap } : weightMap }
        : {}),
      callbacks: {
        // Only with a signal: a batch callback makes tfjs read every batch's loss back.
        ...(options.signal
          ? {
              onBatchEnd: () => {
                if (options.signal?.aborted) {
                  state.aborted = true;
                  network.stopTraining = true;
                }
              },
            }
          : {}),
        onEpochEnd: async (epoch, logs) => {
          if (state.aborted) return;
          const step = epoch + 1;
          const trainLoss = logValue(logs, 'loss');
          const validLoss = validSet ? logValue(logs, 'loss', 'val_') : NaN;
          const progress: TrainingProgress = {
            step,
            steps: params.epochs,
            unit: 'epoch',
            trainLoss,
            validLoss,
            metrics: {
              accuracy: logValue(logs, 'acc'),
              validAccuracy:
                validSet && data.classes > 0
                  ? await directionAccuracy(network, validSet, params.batchSize)
                  : NaN,
            },
          };
          history.push(progress);
          options.onProgress?.(progress);
          if (!Number.isFinite(trainLoss)) {
            state.diverged = true;
            network.stopTraining = true;
            return;
          }
          const watched = validSet ? validLoss : trainLoss;
          if (watched < bestLoss) {
            bestLoss = watched;
            bestEpoch = step;
            sinceBest = 0;
            tf.dispose(best ?? []);
            best = network.getWeights().map((w) => w.clone());
            if (options.checkpoint)
              options.checkpoint(
                await saveNetwork(network, { ...meta, epoch: step, monitorLoss: watched }),
                step,
              );
          } else if (validSet && params.patience > 0 && ++sinceBest >= params.patience) {
            state.stoppedEarly = true;
            network.stopTraining = true;
          }
          if (options.signal?.aborted) {
            state.aborted = true;
            network.stopTraining = true;
          }
        },
      },
    });
    if (state.aborted) throw abortError();
    if (state.diverged)
      throw new Error(
        `training diverged: the loss is ${history.at(-1)?.trainLoss} at epoch ${history.at(-1)?.step}`,
      );
    if (best) network.setWeights(best);
  } catch (error) {
    network.dispose();
    throw error;
  } finally {
    disposeAll(trainSet);
    disposeAll(validSet);
    tf.dispose(best ?? []);
    // A model does not own an optimizer passed to compile() as an object, so disposing the
    // model would leave Adam's moment variables behind.
    optimizer.dispose();
  }
  const finalMeta: NetworkMeta = {
    ...meta,
    epoch: bestEpoch,
    monitorLoss: Number.isFinite(bestLoss) ? bestLoss : null,
  };
  return new TrainedNetwork(network, finalMeta, {
    rejectedRows: { train: train.rejected, valid: held.rejected },
    epochsRun: history.length,
    bestEpoch,
    stoppedEarly: state.stoppedEarly,
    history,
  });
}
