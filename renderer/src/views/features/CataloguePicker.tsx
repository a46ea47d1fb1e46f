import { useMemo } from 'react';
import type { CatalogueEntry } from '../../../../shared/api/domains/features.js';
import { useFeatures } from '../../stores/context.js';

const FAMILY_TITLES: Readonly<Record<string, string>> = {
  book: 'Order book',
  trades: 'Trades',
  candles: 'Candles',
  rolling: 'Rolling statistics',
  frequency: 'Frequency and scaling',
  'cross-asset': 'Cross-asset',
  regime: 'Regime',
};

/** The catalogue by family, each feature with its one-line definition and an Add button. */
export function CataloguePicker() {
  const catalogue = useFeatures((state) => state.catalogue);
  const addFeature = useFeatures((state) => state.addFeature);
  const families = useMemo(() => {
    const byFamily = new Map<string, CatalogueEntry[]>();
    for (const entry of catalogue) {
      const list = byFamily.get(entry.family);
      if (list === undefined) byFamily.set(entry.family, [entry]);
      else list.push(entry);
    }
    return [...byFamily.entries()];
  }, [catalogue]);

  return (
    <section className="panel catalogue-panel" aria-label="Feature catalogue">
      <header className="panel-title">
        <span>Catalogue</span>
        <span className="panel-note">{catalogue.length} features</span>
      </header>
      <div className="catalogue-list">
        {families.map(([family, entries]) => (
          <div key={family} className="catalogue-family">
            <h3>{FAMILY_TITLES[family] ?? family}</h3>
            {entries.map((entry) => (
              <div key={entry.kind} className="catalogue-entry" data-testid={`catalogue-${entry.kind}`}>
                <div className="catalogue-head">
                  <span className="catalogue-title">{entry.title}</span>
                  <button
                    type="button"
                    className="small"
                    data-testid={`add-feature-${entry.kind}`}
                    onClick={() => {
                      addFeature(entry.kind);
                    }}
                  >
                    Add
                  </button>
                </div>
                <p className="catalogue-definition">{entry.definition}</p>
              </div>
            ))}
          </div>
        ))}
      </div>
    </section>
  );
}
