import path from 'node:path';
import type { z } from 'zod';
import { backtestCostsSchema } from '../../shared/api/domains/backtests.js';
import {
  modelCommands,
  type BackendInfo,
  type FoldReport,
  type ModelInfo,
  type TrainingProgressWire,
} from '../../shared/api/domains/models.js';
import { ApiError } from '../../shared/api/protocol.js';
import type { CandleSeries } from '../../shared/backtest/engine.js';
import type { FeatureMatrix } from '../../shared/features/pipeline/matrix.js';
import { ModelFormatError, type ModelParams } from '../../shared/models/model.js';
import type { CheckpointWire, TrainingStep, TrainRequest } from '../../shared/models/training-protocol.js';
import { APP_VERSION } from '../build-info.js';
import type { FeatureStore, StoredFeatureSet } from '../features/feature-store.js';
import type { CommandHandlers, TopicSources } from '../api/handlers.js';
import { Fanout } from '../api/fanout.js';
import type { JobBoard, JobContext } from '../jobs/job-board.js';
import type { SqliteDatabase } from '../storage/database.js';
import type { MarketStore } from '../storage/market-store.js';
import { TrainingCheckpoints, type StoredRun } from './checkpoint-store.js';
import { matrixDataSource } from '../features/recorded-bars.js';
import type { LabelMark } from '../../shared/models/annotation-labels.js';
import { trainingMarks } from '../annotations/training-marks.js';
import { candlesFor, featureMatrix, packCandles, packDataset, rowPrices } from './dataset.js';
import { exportModel, readModelFolder } from './model-folder.js';
import { ModelRegistry } from './registry.js';
import { meanScores } from './fold-scores.js';
import { runSearch } from './search-run.js';
import {
  freshThreads,
  probeBackend,
  runTraining,
  TrainingThreadPool,
  type TrainingOutcome,
} from './training-runner.js';

/** The models.* commands this service answers (live inference is main/models/live). */
export type ModelCommandName = Exclude<keyof typeof modelCommands, `models.live.${string}`>;
export type TrainCommand = z.output<(typeof modelCommands)['models.train']['request']>;
type DataCommand = Omit<TrainCommand, 'name' | 'params'>;
const trainCommand = modelCommands['models.train'].request;

export interface ModelServiceDeps {
  readonly db: SqliteDatabase;
  readonly jobs: JobBoard;
  readonly clock: () => number;
  readonly features: FeatureStore;
  readonly market: MarketStore;
  readonly databaseFile: string;
  readonly nativeBinding?: string | undefined;
  /** The built training worker (dist/worker/training.js). */
  readonly trainingWorkerEntry: URL;
  /** The built matrix-build worker (dist/main/features/matrix-worker.js). */
  readonly matrixWorkerEntry: URL;
  /** Where models.export writes: <data folder>/exports. */
  readonly exportsDir: string;
  readonly codeVersion?: string;
  readonly log?: (line: string) => void;
}

export interface ModelService {
  readonly commands: Pick<CommandHandlers, ModelCommandName>;
  readonly topics: Pick<TopicSources, 'models.training'>;
  /** The registry live inference loads models from. */
  readonly registry: ModelRegistry;
  /** What stopped training jobs kept for models.resume. */
  readonly checkpoints: TrainingCheckpoints;
}

/** Everything a run needs from the workspace, read once per job (a search shares it across trials). */
export interface PreparedData {
  readonly stored: StoredFeatureSet;
  readonly matrix: FeatureMatrix;
  readonly prices: Float64Array;
  readonly candles: CandleSeries;
  /** The trader's marks the "annotations" label kind labels from (empty for the other kinds). */
  readonly marks: readonly LabelMark[];
}

/**
 * Models in the App: training and hyper-parameter search as jobs whose work runs in training
 * workers (never on the main thread), per-epoch progress on `models.training`, the registry
 * with lineage, and export/import of model folders.
 */
export function modelService(deps: ModelServiceDeps): ModelService {
  const { jobs, clock } = deps;
  const registry = new ModelRegistry(deps.db);
  const checkpoints = new TrainingCheckpoints(deps.db);
  const progress = new Fanout<TrainingProgressWire>();
  const codeVersion = deps.codeVersion ?? APP_VERSION;
  let backend: Promise<BackendInfo> | null = null;
  const source = {
    store: deps.features,
    workerEntry: deps.matrixWorkerEntry,
    databaseFile: deps.databaseFile,
    nativeBinding: deps.nativeBinding,
    dataSource: (instrument: string) => matrixDataSource(deps.db, instrument),
  };
  const costs = backtestCostsSchema.parse({});

  const requireSet = (request: DataCommand): StoredFeatureSet => {
    const stored = deps.features.getSet(request.featureSetId);
    if (stored === null) throw new ApiError('not_found', `no feature set '${request.featureSetId}'`);
    if (!(request.to > request.from))
      throw new ApiError('bad_request', `empty range [${request.from}, ${request.to})`);
    trainingMarks(deps.db, stored.instrument, request.from, request.to, request.label);
    return stored;
  };

  const prepare = async (
    stored: StoredFeatureSet,
    request: DataCommand,
    context: JobContext,
  ): Promise<PreparedData> => {
    context.progress(0, null, 'reading features');
    const matrix = await featureMatrix(source, stored, request.from, request.to, {
      signal: context.signal,
      onProgress: (doneMs, totalMs) => {
        context.progress(0, null, `building features ${Math.round((100 * doneMs) / Math.max(1, totalMs))}%`);
      },
    });
    context.throwIfCancelled();
    const candles = candlesFor(deps.market, stored, request.from, request.to);
    const marks = trainingMarks(deps.db, stored.instrument, request.from, request.to, request.label);
    return { stored, matrix, prices: rowPrices(matrix.ts, candles), candles, marks };
  };

  /** The worker request to validate `params` on the prepared data and fit the model to register. */
  const trainRequest = (
    data: PreparedData,
    request: DataCommand,
    params: ModelParams,
    resume?: TrainRequest['resume'],
  ): { request: TrainRequest; transfer: ArrayBuffer[] } => {
    const dataset = packDataset(data.matrix, data.prices, request.label, data.marks);
    const candles = data.candles.length > 1 ? packCandles(data.candles) : null;
    return {
      request: {
        params,
        validation: request.validation,
        normalization: request.normalization,
        dataset: dataset.wire,
        candles: candles === null ? null : candles.wire,
        costs,
        finalFit: true,
        ...(resume === undefined ? {} : { resume }),
      },
      transfer: [
        ...dataset.transfer,
        ...(candles === null ? [] : candles.transfer),
        ...(resume?.checkpoint?.artifact.format === 'tfjs' ? [resume.checkpoint.artifact.weightData] : []),
      ],
    };
  };

  /** Publishes a step on the topic and as job progress (steps over all fits, so the ETA means something). */
  const reporter =
    (jobId: string, context: JobContext | null, trial: number | null) => (step: TrainingStep) => {
      progress.emit({ jobId, ...step, trial });
      if (context !== null) {
        context.progress(
          step.fold * step.steps + step.step,
          step.folds * step.steps,
          `fit ${step.fold + 1}/${step.folds}`,
        );
      }
    };

  const register = (
    data: PreparedData,
    request: DataCommand & { name: string },
    params: ModelParams,
    outcome: Pick<TrainingOutcome, 'folds' | 'artifact' | 'normalization' | 'backend' | 'trainingMs'>,
    searchId: number | null,
  ): number => {
    if (outcome.artifact === null || outcome.normalization === null)
      throw new Error('the training worker sent no model to register');
    const info: Omit<ModelInfo, 'id'> = {
      name: request.name,
      kind: params.kind,
      createdAt: clock(),
      instrument: data.stored.instrument,
      featureSetId: data.stored.id,
      featureSetHash: data.stored.hash,
      from: request.from,
      to: request.to,
      label: request.label,
      params,
      validation: request.validation,
      scores: meanScores(outcome.folds),
      backend: outcome.backend.name,
      trainingMs: outcome.trainingMs,
      codeVersion,
      searchId,
      columns: [...data.stored.columns],
    };
    return registry.insert({
      info,
      folds: outcome.folds,
      normalization: outcome.normalization,
      artifact: outcome.artifact,
    });
  };

  /**
   * Starts a models.train job, fresh or resuming `from` (a stopped job's run, which moves to the
   * new job): stored fits are kept, the fit in progress continues from its checkpoint. Every
   * finished fit and every checkpoint is stored as it arrives; the run is forgotten once its
   * model is registered.
   */
  const startTraining = (stored: StoredFeatureSet, request: TrainCommand, from: StoredRun | null): string => {
    const params = request.params;
    const verb = from === null ? 'Train' : 'Resume';
    const { job } = jobs.start(
      {
        kind: 'model-train',
        title: `${verb} ${params.kind} '${request.name}' on '${stored.name}'`,
        unit: 'steps',
        total: null,
      },
      async (context) => {
        const kept: readonly FoldReport[] = from?.reports ?? [];
        // Always present: it is what makes the worker send checkpoints (search trials send none).
        const resume = { foldsDone: kept.length, checkpoint: from?.checkpoint ?? null };
        let lastSave = 0;
        const elapsed = (): number => {
          const now = clock();
          const ms = Math.max(0, now - lastSave);
          lastSave = now;
          return ms;
        };
        try {
          const report = reporter(job.id, context, null);
          const data = await prepare(stored, request, context);
          const run = trainRequest(data, request, params, resume);
          lastSave = clock();
          const outcome = await runTraining(
            freshThreads(deps.trainingWorkerEntry),
            run.request,
            run.transfer,
            {
              signal: context.signal,
              onStep: (step) => {
                report(step);
                return undefined;
              },
              onFold: (fold) => {
                checkpoints.saveFold(job.id, fold, clock(), elapsed());
              },
              onCheckpoint: (checkpoint: CheckpointWire) => {
                checkpoints.saveCheckpoint(job.id, checkpoint, clock(), elapsed());
              },
            },
          );
          context.throwIfCancelled();
          const name = from === null ? request.name : `${request.name} (resumed from job ${from.jobId})`;
          const modelId = register(
            data,
            { ...request, name },
            params,
            {
              ...outcome,
              folds: [...kept, ...outcome.folds],
              trainingMs: (from?.trainedMs ?? 0) + outcome.trainingMs,
            },
            null,
          );
          checkpoints.discard(job.id);
          return { modelId };
        } catch (error) {
          checkpoints.discardIfEmpty(job.id);
          throw error;
        }
      },
    );
    if (from === null) {
      checkpoints.begin({
        jobId: job.id,
        name: request.name,
        kind: params.kind,
        request,
        folds: request.validation.folds + 1,
        resumedFrom: null,
        createdAt: clock(),
      });
    } else {
      // Before the job's first await: a second resume of the same job finds nothing to take.
      checkpoints.moveTo(from.jobId, job.id);
    }
    return job.id;
  };

  return {
    registry,
    checkpoints,
    commands: {
      'models.backend': () => {
        backend ??= probeBackend(deps.trainingWorkerEntry).catch((error: unknown) => {
          backend = null;
          throw error;
        });
        return backend;
      },
      'models.train': (request) => {
        const stored = requireSet(request);
        const jobId = startTraining(stored, request, null);
        return { jobId };
      },
      'models.checkpoints': () => checkpoints.stopped(),
      'models.resume': ({ jobId }) => {
        const run = checkpoints.load(jobId);
        if (run === null) throw new ApiError('not_found', `job '${jobId}' left no training to resume`);
        if (run.jobState !== 'cancelled' && run.jobState !== 'failed')
          throw new ApiError('bad_request', `job '${jobId}' is ${run.jobState}; only a stopped job resumes`);
        const request = trainCommand.parse(run.request);
        const stored = requireSet(request);
        return { jobId: startTraining(stored, request, run) };
      },
      'models.search': (request) => {
        const stored = requireSet(request);
        if (Object.keys(request.space).length === 0)
          throw new ApiError('bad_request', 'the search space names no hyper-parameter');
        // Every default is filled in `params`, so its keys are exactly the kind's hyper-parameters.
        for (const name of Object.keys(request.space)) {
          if (name === 'kind' || !(name in request.params))
            throw new ApiError(
              'bad_request',
              `'${name}' is not a hyper-parameter of ${request.params.kind} models`,
            );
        }
        const searchId = registry.createSearch({
          createdAt: clock(),
          name: request.name,
          method: request.method,
          kind: request.params.kind,
          request,
        });
        const { job } = jobs.start(
          {
            kind: 'model-search',
            title: `Search ${request.params.kind} '${request.name}' (${request.trials} trials, ${request.method})`,
            unit: 'trials',
            total: request.trials,
          },
          async (context) => {
            const data = await prepare(stored, request, context);
            context.progress(0, request.trials, 'searching');
            const threads = new TrainingThreadPool(deps.trainingWorkerEntry);
            const result = await runSearch({
              request,
              searchId,
              registry,
              signal: context.signal,
              train: (params, trial, onStep) => {
                const run = trainRequest(data, request, params);
                const emit = reporter(job.id, null, trial);
                return runTraining(threads, run.request, run.transfer, {
                  signal: context.signal,
                  onStep: (step) => {
                    emit(step);
                    return onStep(step);
                  },
                });
              },
              register: (params, outcome) =>
                register(
                  data,
                  { ...request, name: `${request.name} #${outcome.trial}` },
                  params,
                  outcome.training,
                  searchId,
                ),
              onTrialDone: (done) => {
                context.progress(done, request.trials, `${done}/${request.trials} trials`);
              },
            }).finally(() => {
              threads.close();
            });
            context.throwIfCancelled();
            return { searchId, bestModelId: result.bestModelId };
          },
        );
        return { jobId: job.id };
      },
      'models.searches.get': ({ id }) => {
        const search = registry.search(id);
        if (search === null) throw new ApiError('not_found', `no search ${id}`);
        return search;
      },
      'models.list': ({ query, limit }) => registry.list(query, limit),
      'models.get': ({ id }) => {
        const detail = registry.detail(id);
        if (detail === null) throw new ApiError('not_found', `no model ${id}`);
        return detail;
      },
      'models.delete': ({ id }) => ({ deleted: registry.delete(id) }),
      'models.export': ({ id }) => {
        const written = exportModel(registry, id, deps.exportsDir);
        if (written === null) throw new ApiError('not_found', `no model ${id}`);
        return written;
      },
      'models.import': ({ path: folder }) => {
        let model;
        try {
          model = readModelFolder(path.resolve(folder));
        } catch (error) {
          if (error instanceof ModelFormatError) throw new ApiError('bad_request', error.message);
          throw error;
        }
        const id = registry.insert({ ...model, info: { ...model.info, searchId: null } });
        const info = registry.info(id);
        if (info === null) throw new Error(`imported model ${id} vanished`);
        return info;
      },
    },
    topics: {
      'models.training': (_params, emit) => progress.add(emit),
    },
  };
}
