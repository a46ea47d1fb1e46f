import { useBacktests } from '../../stores/context.js';

/**
 * Hands the exported file to the browser as a download: the host already wrote it to its
 * exports folder, and in a plain browser (the headless host) that path is on another machine.
 */
function offerDownload(fileName: string, mimeType: string, content: string): void {
  const url = URL.createObjectURL(new Blob([content], { type: mimeType }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // The click starts the download synchronously; the URL only has to outlive this task.
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 0);
}

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
