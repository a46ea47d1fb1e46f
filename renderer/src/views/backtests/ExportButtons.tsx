import { useBacktests } from '../../stores/context.js';
import { offerDownload } from '../offerDownload.js';

/** Export CSV / Export HTML of the open run, and where the host wrote the file. */
export function ExportButtons() {
  const exportRun = useBacktests((s) => s.exportRun);
  const exported = useBacktests((s) => s.exported);
  const start = (format: 'csv' | 'html'): void => {
    void exportRun(format).then((result) => {
      if (result !== null) offerDownload(result.fileName, result.mimeType, result.content);
    });
  };
  return (
    <span className="backtest-export">
      {exported === null ? null : (
        <span className="panel-note" data-testid="bt-export-path" title={exported.path}>
          saved {exported.path}
        </span>
      )}
      <button
        type="button"
        data-testid="bt-export-csv"
        onClick={() => {
          start('csv');
        }}
      >
        Export CSV
      </button>
      <button
        type="button"
        data-testid="bt-export-html"
        onClick={() => {
          start('html');
        }}
      >
        Export HTML
      </button>
    </span>
  );
}
