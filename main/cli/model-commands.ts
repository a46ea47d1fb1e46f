// Models from a terminal: train (the App's models.train job) and models (the registry). Built as
// its own file so only these commands pay for the model service; training itself runs in the
// App's training workers, which load TensorFlow.js.
import path from 'node:path';
import { modelCommands, type ModelDetail, type ModelInfo } from '../../shared/api/domains/models.js';
import { FeatureStore } from '../features/feature-store.js';
import { modelService, type ModelService } from '../models/model-api.js';
import { MarketStore } from '../storage/market-store.js';
import {
  commandHelp,
  fixed,
  isoMinute,
  jobResult,
  percent,
  requestOf,
  table,
  UsageError,
  usageOrError,
  writeJson,
  type CliModule,
} from './cli-command.js';
import { openHeadlessWorkspace, type HeadlessWorkspace } from './headless-workspace.js';

const TRAIN = modelCommands['models.train'].request;
const LIST = modelCommands['models.list'].request;

const HELP: Record<string, () => string> = {
  train: () =>
    commandHelp(
      'train --feature-set-id <id> --from <ISO> --to <ISO> --name <name> --label.kind <kind> ... --params.kind <kind> ...',
      'Trains one model with purged, embargoed walk-forward validation as the Models view does, registers\nit with its lineage and prints its validation scores. Feature sets are made in the Features view.',
      TRAIN,
    ),
  models: () =>
    commandHelp(
      'models [<id>] [--query <text>] [--limit <n>] [--json]',
      'Lists the registered models (newest first), or shows one with its lineage and per-fold scores.',
      LIST,
    ),
};

function services(ws: HeadlessWorkspace): ModelService {
  return modelService({
    db: ws.db,
    jobs: ws.jobs,
    clock: Date.now,
    features: new FeatureStore(ws.db, Date.now),
    market: new MarketStore(ws.db),
    databaseFile: ws.databaseFile,
    // Built beside the feature worker (main/scripts/build.mjs).
    trainingWorkerEntry: new URL('./training.js', ws.workerEntry),
    matrixWorkerEntry: new URL('../main/features/matrix-worker.js', ws.workerEntry),
    exportsDir: path.join(ws.dataDir, 'exports'),
  });
}

function printModels(models: readonly ModelInfo[]): void {
  if (models.length === 0) {
    process.stdout.write('no registered models\n');
    return;
  }
  process.stdout.write(
    `${table(
      ['id', 'name', 'kind', 'instrument', 'created', 'accuracy', 'log loss', 'backtest sharpe'],
      models.map((m) => [
        String(m.id),
        m.name,
        m.kind,
        m.instrument,
        isoMinute(m.createdAt),
        percent(m.scores.accuracy, 1),
        fixed(m.scores.logLoss, 3),
        fixed(m.scores.backtestSharpe),
      ]),
    )}\n`,
  );
}

function printModel(model: ModelDetail): void {
  process.stdout.write(
    `model ${model.id}: ${model.name} (${model.kind}) on ${model.instrument}, ${isoMinute(model.from)} .. ${isoMinute(model.to)}\n` +
      `feature set ${model.featureSetId} (${model.featureSetHash.slice(0, 12)}), label ${JSON.stringify(model.label)}\n` +
      `validation ${model.validation.scheme}, ${model.validation.folds} folds, embargo ${model.validation.embargo}; backend ${model.backend}\n` +
      `mean scores: accuracy ${percent(model.scores.accuracy, 1)}, log loss ${fixed(model.scores.logLoss, 3)}, ` +
      `ROC AUC ${fixed(model.scores.rocAuc, 3)}, backtest sharpe ${fixed(model.scores.backtestSharpe)}\n`,
  );
}

async function run(command: string, argv: readonly string[], dataDir: string): Promise<void> {
  const ws = openHeadlessWorkspace(dataDir);
  try {
    const models = services(ws);
    switch (command) {
      case 'train': {
        const args = requestOf(TRAIN, argv);
        let jobId: string;
        try {
          ({ jobId } = await models.commands['models.train'](args.request));
        } catch (error) {
          throw usageOrError(error);
        }
        const result = jobResult(await ws.follow.until(jobId)) as { modelId?: unknown };
        if (typeof result.modelId !== 'number') throw new Error('the training job registered no model');
        const model = await models.commands['models.get']({ id: result.modelId });
        if (args.json) writeJson(model);
        else printModel(model);
        return;
      }
      case 'models': {
        const args = requestOf(LIST, argv);
        const [idText] = args.positionals;
        if (idText !== undefined) {
          const id = Number(idText);
          if (!Number.isInteger(id) || id <= 0)
            throw new UsageError(`a model id is a whole number, got '${idText}'`);
          let model: ModelDetail;
          try {
            model = await models.commands['models.get']({ id });
          } catch (error) {
            throw usageOrError(error);
          }
          if (args.json) writeJson(model);
          else printModel(model);
          return;
        }
        const list = await models.commands['models.list'](args.request);
        if (args.json) writeJson(list);
        else printModels(list);
        return;
      }
      default:
        throw new UsageError(`unknown model command '${command}'`);
    }
  } finally {
    ws.close();
  }
}

export const cli: CliModule = {
  help: (command) => {
    const help = HELP[command];
    if (help === undefined) throw new UsageError(`unknown model command '${command}'`);
    return help();
  },
  run,
};
