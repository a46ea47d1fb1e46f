import { useState } from 'react';
import type { ModelDetail } from '../../../../shared/api/domains/models.js';
import { useModels } from '../../stores/context.js';
import { utcText } from '../utcTime.js';
import { LossChart, RocChart } from './TrainingCharts.js';
import {
  ALL_SCORES,
  classNames,
  duration,
  labelText,
  rangeText,
  score,
  sumConfusion,
} from './trainingFormat.js';

/** The selected model: its lineage card, actions, and per-fold curves, confusion, ROC and scores. */
export function ModelReport() {
  const detail = useModels((state) => state.detail);
  const selectedId = useModels((state) => state.selectedId);
  if (detail === null)
    return (
      <section className="panel training-report" aria-label="Model report">
        <header className="panel-title">
          <span>Model</span>
        </header>
        <p className="muted training-empty">
          {selectedId === null ? 'Select a model in the registry.' : 'Loading the model…'}
        </p>
      </section>
    );
  return <Report key={detail.id} detail={detail} />;
}

function Report({ detail }: { detail: ModelDetail }) {
  const deleteModel = useModels((state) => state.deleteModel);
  const exportModel = useModels((state) => state.exportModel);
  const exported = useModels((state) => state.exported);
  const [confirming, setConfirming] = useState(false);
  const unit = detail.params.kind === 'gbdt' || detail.params.kind === 'random-forest' ? 'tree' : 'epoch';

  return (
    <section className="panel training-report" aria-label="Model report" data-testid="model-report">
      <header className="panel-title">
        <span>
          #{detail.id} {detail.name}
        </span>
        <span className="training-report-actions">
          <button
            type="button"
            className="small"
            data-testid="export-model"
            onClick={() => {
              void exportModel(detail.id);
            }}
          >
            Export
          </button>
          <button
            type="button"
            className={confirming ? 'small danger' : 'small'}
            data-testid="delete-model"
            onClick={() => {
              if (confirming) void deleteModel(detail.id);
              else setConfirming(true);
            }}
            onBlur={() => {
              setConfirming(false);
            }}
          >
            {confirming ? 'Really delete?' : 'Delete'}
          </button>
        </span>
      </header>
      <div className="training-report-body">
        {exported?.id === detail.id ? (
          <p className="training-exported" data-testid="export-path" title={exported.files.join('\n')}>
            Written to <span className="mono">{exported.path}</span> ({exported.files.length} files)
          </p>
        ) : null}
        <Lineage detail={detail} />
        <h4>Loss per {unit}, per fold</h4>
        <LossChart
          curves={detail.folds.map((f) => ({
            name: `fold ${f.fold + 1}`,
            trainLoss: f.curve.trainLoss,
            validLoss: f.curve.validLoss,
          }))}
          unit={unit}
          testId="fold-loss-plot"
        />
        <div className="training-report-pair">
          <div>
            <h4>ROC (up class)</h4>
            <RocChart folds={detail.folds} />
          </div>
          <Confusion detail={detail} />
        </div>
        <FoldScores detail={detail} />
      </div>
    </section>
  );
}

function Lineage({ detail }: { detail: ModelDetail }) {
  const rows: [string, string][] = [
    ['Kind', detail.kind],
    ['Instrument', detail.instrument],
    ['Data range', rangeText(detail.from, detail.to)],
    ['Feature set', `${detail.featureSetId} · ${detail.featureSetHash}`],
    ['Columns', String(detail.columns.length)],
    ['Label', labelText(detail.label)],
    [
      'Validation',
      `${detail.validation.scheme} · ${detail.validation.folds} folds · embargo ${detail.validation.embargo}${detail.validation.anchored ? ' · anchored' : ''}`,
    ],
    ['Backend', detail.backend],
    ['Training time', duration(detail.trainingMs)],
    ['Code version', detail.codeVersion],
    ['Search', detail.searchId === null ? '–' : `#${detail.searchId}`],
    ['Created', utcText(detail.createdAt)],
    ['Size', `${detail.bytes.toLocaleString('en')} B`],
  ];
  const params = Object.entries(detail.params)
    .filter(([key]) => key !== 'kind')
    .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
    .join(' ');
  return (
    <dl className="training-lineage" data-testid="lineage">
      {rows.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
      <div className="wide">
        <dt>Hyper-parameters</dt>
        <dd className="mono">{params}</dd>
      </div>
    </dl>
  );
}

/** [actual][predicted] counts as a heatmap table, of one fold or summed over the folds. */
function Confusion({ detail }: { detail: ModelDetail }) {
  const [fold, setFold] = useState<number | 'all'>('all');
  const matrix =
    fold === 'all'
      ? sumConfusion(detail.folds.map((f) => f.confusion))
      : (detail.folds.find((f) => f.fold === fold)?.confusion ?? []);
  if (matrix.length === 0) return <p className="muted">No confusion matrix (a regression target).</p>;
  const names = classNames(matrix.length);
  const largest = Math.max(1, ...matrix.flat());
  return (
    <div className="training-confusion">
      <h4>
        Confusion{' '}
        <select
          data-testid="confusion-fold"
          value={String(fold)}
          onChange={(event) => {
            setFold(event.target.value === 'all' ? 'all' : Number(event.target.value));
          }}
        >
          <option value="all">all folds</option>
          {detail.folds.map((f) => (
            <option key={f.fold} value={f.fold}>
              fold {f.fold + 1}
            </option>
          ))}
        </select>
      </h4>
      <table className="confusion" data-testid="confusion-matrix">
        <thead>
          <tr>
            <th className="corner">actual ↓ predicted →</th>
            {names.map((n) => (
              <th key={n}>{n}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {matrix.map((row, a) => (
            <tr key={names[a]}>
              <th>{names[a]}</th>
              {row.map((n, p) => (
                <td
                  key={names[p]}
                  data-testid="confusion-cell"
                  className={a === p ? 'diagonal' : ''}
                  // Shade by count so the eye finds where the predictions went.
                  style={{
                    backgroundColor: `rgba(76, 154, 255, ${(0.08 + 0.8 * (n / largest)).toFixed(3)})`,
                  }}
                >
                  {n.toLocaleString('en')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FoldScores({ detail }: { detail: ModelDetail }) {
  const shown = ALL_SCORES.filter(
    (c) => detail.scores[c.key] !== null || detail.folds.some((f) => f.scores[c.key] !== null),
  );
  return (
    <div className="training-table-wrap">
      <table className="training-table" data-testid="fold-scores">
        <thead>
          <tr>
            <th>Fold</th>
            <th>Test</th>
            <th>Train rows</th>
            <th>Test rows</th>
            <th title="Training rows removed by the purge / the embargo">Purged / emb.</th>
            {shown.map((c) => (
              <th key={c.key}>{c.title}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {detail.folds.map((f) => (
            <tr key={f.fold} data-testid="fold-row">
              <td>{f.fold + 1}</td>
              <td>{rangeText(f.testFrom, f.testTo)}</td>
              <td className="num">{f.trainRows.toLocaleString('en')}</td>
              <td className="num">{f.testRows.toLocaleString('en')}</td>
              <td className="num">
                {f.purged} / {f.embargoed}
              </td>
              {shown.map((c) => (
                <td key={c.key} className="num" data-score={c.key}>
                  {score(f.scores[c.key])}
                </td>
              ))}
            </tr>
          ))}
          <tr className="mean" data-testid="mean-row">
            <td>mean</td>
            <td colSpan={4} />
            {shown.map((c) => (
              <td key={c.key} className="num" data-score={c.key}>
                {score(detail.scores[c.key])}
              </td>
            ))}
          </tr>
        </tbody>
      </table>
    </div>
  );
}
