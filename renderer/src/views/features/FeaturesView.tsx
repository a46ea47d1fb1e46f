import { useFeatures } from '../../stores/context.js';
import { BuildPanel } from './BuildPanel.js';
import { CataloguePicker } from './CataloguePicker.js';
import { DriftTable } from './DriftTable.js';
import { FeatureCharts } from './FeatureCharts.js';
import { SetEditor } from './SetEditor.js';
import './features.css';

/** The features screen: catalogue and set editor on the left, matrices, plots and drift on the right. */
export function FeaturesView() {
  const problem = useFeatures((state) => state.problem);
  return (
    <main className="features-view" data-testid="features-view">
      <CataloguePicker />
      <SetEditor />
      <BuildPanel />
      <FeatureCharts />
      <DriftTable />
      {problem === null ? null : (
        <div className="features-problem" role="alert" data-testid="features-problem">
          {problem}
        </div>
      )}
    </main>
  );
}
