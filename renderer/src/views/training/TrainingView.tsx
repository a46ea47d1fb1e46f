import { useEffect } from 'react';
import { useModels } from '../../stores/context.js';
import { BackendBadge } from './BackendBadge.js';
import { CompareScores } from './CompareScores.js';
import { JobList } from './JobList.js';
import { ModelReport } from './ModelReport.js';
import { RegistryTable } from './RegistryTable.js';
import { TrainForm } from './TrainForm.js';
import './training.css';

/**
 * The training screen: the form (data, label, model, validation, search space) on the left, the
 * jobs with their live curves and the registry in the middle, the chosen model's report on the right.
 */
export function TrainingView() {
  const start = useModels((state) => state.start);
  const problem = useModels((state) => state.problem);
  // Started once and kept: curves of a running job keep arriving while another view is open.
  useEffect(() => {
    void start();
  }, [start]);
  return (
    <main className="training-view" data-testid="training-view">
      <div className="training-header">
        <BackendBadge />
        {problem === null ? null : (
          <span className="training-problem" role="alert" data-testid="training-problem">
            {problem}
          </span>
        )}
      </div>
      <TrainForm />
      <JobList />
      <div className="training-middle">
        <RegistryTable />
        <CompareScores />
      </div>
      <ModelReport />
    </main>
  );
}
