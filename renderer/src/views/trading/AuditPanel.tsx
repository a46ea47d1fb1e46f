import { AUDIT_KINDS, type AuditKind } from '../../../../shared/trading/audit-chain.js';
import { useTrading } from '../../stores/context.js';
import { offerDownload } from '../offerDownload.js';
import { timeOfDay } from '../../format.js';
import { stamp } from './tradingFormat.js';

const PAYLOAD_CHARS = 160;

/** The hash-chained audit log: recent entries by kind, verification, CSV export. */
export function AuditPanel() {
  const entries = useTrading((s) => s.audit);
  const kind = useTrading((s) => s.auditKind);
  const verdict = useTrading((s) => s.verdict);
  const exported = useTrading((s) => s.exported);
  const refresh = useTrading((s) => s.refreshAudit);
  const verify = useTrading((s) => s.verifyAudit);
  const exportAudit = useTrading((s) => s.exportAudit);
  return (
    <section className="panel trading-panel" aria-label="Audit log" data-testid="audit-panel">
      <header className="panel-title">
        <span>Audit log</span>
        <span className="panel-note">{entries.length} shown</span>
      </header>
      <div className="trading-actions">
        <select
          data-testid="audit-kind"
          value={kind ?? ''}
          onChange={(event) => {
            const chosen = AUDIT_KINDS.find((k) => k === event.target.value);
            void refresh(chosen ?? null);
          }}
        >
          <option value="">every kind</option>
          {AUDIT_KINDS.map((k: AuditKind) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="audit-refresh"
          onClick={() => {
            void refresh();
          }}
        >
          Refresh
        </button>
        <button
          type="button"
          data-testid="audit-verify"
          onClick={() => {
            void verify();
          }}
        >
          Verify
        </button>
        <button
          type="button"
          data-testid="audit-export"
          onClick={() => {
            void exportAudit().then((file) => {
              if (file !== null) offerDownload(file.fileName, 'text/csv', file.content);
            });
          }}
        >
          Export CSV
        </button>
      </div>
      {verdict === null ? null : (
        <p
          className={verdict.ok ? 'audit-verdict ok' : 'audit-verdict broken'}
          data-testid="audit-verdict"
          data-ok={verdict.ok}
        >
          {verdict.ok
            ? `OK: ${verdict.entries} entries, chain intact`
            : `BROKEN at entry ${verdict.brokenAt ?? '?'} of ${verdict.entries}: ${verdict.reason ?? 'no reason given'}`}
        </p>
      )}
      {exported === null ? null : (
        <p className="trading-note" data-testid="audit-export-path" title={exported.path}>
          saved {exported.path}
        </p>
      )}
      <div className="trading-scroll">
        <table className="trading-table">
          <thead>
            <tr>
              <th>#</th>
              <th>Time</th>
              <th>Kind</th>
              <th>Payload</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.seq} data-testid="audit-row" data-kind={e.kind}>
                <td title={e.hash}>{e.seq}</td>
                <td title={stamp(e.ts)}>{timeOfDay(e.ts)}</td>
                <td>{e.kind}</td>
                <td className="audit-payload">{JSON.stringify(e.payload).slice(0, PAYLOAD_CHARS)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
