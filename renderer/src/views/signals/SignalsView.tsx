import { useEffect } from 'react';
import { useSignals } from '../../stores/context.js';
import { LiveModelsTable } from './LiveModelsTable.js';
import { SignalChart } from './SignalChart.js';
import { StartModelForm } from './StartModelForm.js';
import './signals.css';

/** The signals screen: models running live, their quality, and their predictions over the mid. */
export function SignalsView() {
  const problem = useSignals((state) => state.problem);
  const refreshRegistered = useSignals((state) => state.refreshRegistered);
  useEffect(() => {
    // Models trained since the window opened show up in the start form.
    void refreshRegistered();
  }, [refreshRegistered]);
  return (
    <main className="signals-view" data-testid="signals-view">
      <StartModelForm />
      <LiveModelsTable />
      <SignalChart />
      {problem === null ? null : (
        <div className="signals-problem" role="alert" data-testid="signals-problem">
          {problem}
        </div>
      )}
    </main>
  );
}
