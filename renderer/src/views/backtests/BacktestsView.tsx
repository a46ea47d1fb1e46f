import { useEffect } from 'react';
import { useBacktests } from '../../stores/context.js';
import { RunForm } from './RunForm.js';
import { RunReport } from './RunReport.js';
import { CompareRuns, RunsList } from './RunsList.js';
import './backtests.css';

/** The backtests screen: the run form on the left; stored runs, comparison and the report on the right. */
export function BacktestsView() {
  const start = useBacktests((s) => s.start);
  const stop = useBacktests((s) => s.stop);
  const problem = useBacktests((s) => s.problem);
  const dismiss = useBacktests((s) => s.dismissProblem);
  useEffect(() => {
    void start();
    return stop;
  }, [start, stop]);
  return (
    <main className="backtests-view" data-testid="backtests-view">
      <RunForm />
      <div className="backtests-results">
        {problem === null ? null : (
          <div className="backtest-problem" role="alert" data-testid="bt-problem">
            <span>{problem}</span>
            <button type="button" onClick={dismiss} aria-label="dismiss">
              ✕
            </button>
          </div>
        )}
        <RunsList />
        <CompareRuns />
        <RunReport />
      </div>
    </main>
  );
}
