import { useModels } from '../../stores/context.js';
import { ALL_SCORES, duration, labelText, score } from './trainingFormat.js';

/** Two ticked models' mean scores side by side, the better of each marked. */
export function CompareScores() {
  const models = useModels((state) => state.models);
  const compareIds = useModels((state) => state.compareIds);
  const pair = compareIds.map((id) => models.find((m) => m.id === id)).filter((m) => m !== undefined);
  const [a, b] = pair;
  if (a === undefined || b === undefined) return null;
  const better = (x: number | null, y: number | null, lower: boolean): boolean =>
    x !== null && y !== null && (lower ? x < y : x > y);
  return (
    <section className="panel training-compare" aria-label="Compare models" data-testid="compare">
      <header className="panel-title">
        <span>Compare</span>
      </header>
      <div className="training-table-wrap">
        <table className="training-table">
          <thead>
            <tr>
              <th />
              <th>
                #{a.id} {a.name}
              </th>
              <th>
                #{b.id} {b.name}
              </th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th>Kind</th>
              <td>{a.kind}</td>
              <td>{b.kind}</td>
            </tr>
            <tr>
              <th>Label</th>
              <td>{labelText(a.label)}</td>
              <td>{labelText(b.label)}</td>
            </tr>
            {ALL_SCORES.map((c) => {
              const x = a.scores[c.key];
              const y = b.scores[c.key];
              if (x === null && y === null) return null;
              return (
                <tr key={c.key} data-testid="compare-row" data-score={c.key}>
                  <th>{c.title}</th>
                  <td className={better(x, y, c.lowerIsBetter) ? 'num better' : 'num'}>{score(x)}</td>
                  <td className={better(y, x, c.lowerIsBetter) ? 'num better' : 'num'}>{score(y)}</td>
                </tr>
              );
            })}
            <tr>
              <th>Training time</th>
              <td className="num">{duration(a.trainingMs)}</td>
              <td className="num">{duration(b.trainingMs)}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </section>
  );
}
