import { useState } from 'react';
import { useModels } from '../../stores/context.js';
import { SCORE_COLUMNS, duration, labelText, rangeText, score } from './trainingFormat.js';

/** The registry: search, one row per model with its lineage in brief and mean scores; tick two to compare. */
export function RegistryTable() {
  const models = useModels((state) => state.models);
  const query = useModels((state) => state.query);
  const setQuery = useModels((state) => state.setQuery);
  const selectedId = useModels((state) => state.selectedId);
  const select = useModels((state) => state.select);
  const compareIds = useModels((state) => state.compareIds);
  const toggleCompare = useModels((state) => state.toggleCompare);
  const importModel = useModels((state) => state.importModel);
  const [importPath, setImportPath] = useState('');

  return (
    <section className="panel training-registry" aria-label="Model registry">
      <header className="panel-title">
        <span>Registry</span>
        <span className="panel-note">{models.length} models</span>
      </header>
      <div className="training-registry-tools">
        <input
          type="search"
          data-testid="registry-search"
          placeholder="name, kind, instrument or feature-set hash"
          value={query}
          onChange={(event) => {
            setQuery(event.target.value);
          }}
        />
        <input
          data-testid="import-path"
          placeholder="folder written by Export"
          value={importPath}
          onChange={(event) => {
            setImportPath(event.target.value);
          }}
        />
        <button
          type="button"
          className="small"
          data-testid="import-model"
          disabled={importPath.trim() === ''}
          onClick={() => {
            void importModel(importPath.trim());
          }}
        >
          Import
        </button>
      </div>
      <div className="training-table-wrap">
        <table className="training-table registry" data-testid="registry-table">
          <thead>
            <tr>
              <th title="Tick two to compare">⇄</th>
              <th>Name</th>
              <th>Kind</th>
              <th>Instrument</th>
              <th>Range</th>
              <th>Set</th>
              <th>Label</th>
              <th>Validation</th>
              {SCORE_COLUMNS.map((c) => (
                <th key={c.key}>{c.title}</th>
              ))}
              <th>Backend</th>
              <th>Time</th>
            </tr>
          </thead>
          <tbody>
            {models.map((m) => (
              <tr
                key={m.id}
                data-testid="registry-row"
                data-model-id={m.id}
                data-kind={m.kind}
                className={m.id === selectedId ? 'active' : ''}
                onClick={() => {
                  select(m.id);
                }}
              >
                <td
                  onClick={(event) => {
                    event.stopPropagation();
                  }}
                >
                  <input
                    type="checkbox"
                    data-testid="compare-tick"
                    checked={compareIds.includes(m.id)}
                    onChange={() => {
                      toggleCompare(m.id);
                    }}
                  />
                </td>
                <td className="name">{m.name}</td>
                <td>{m.kind}</td>
                <td>{m.instrument}</td>
                <td>{rangeText(m.from, m.to)}</td>
                <td className="mono" title={m.featureSetHash}>
                  {m.featureSetHash.slice(0, 8)}
                </td>
                <td>{labelText(m.label)}</td>
                <td>
                  {m.validation.scheme} ×{m.validation.folds}
                  {m.validation.embargo > 0 ? ` · emb ${m.validation.embargo}` : ''}
                </td>
                {SCORE_COLUMNS.map((c) => (
                  <td key={c.key} className="num" data-score={c.key}>
                    {score(m.scores[c.key])}
                  </td>
                ))}
                <td data-testid="model-backend">{m.backend}</td>
                <td className="num">{duration(m.trainingMs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
