import { Fragment, useMemo, useState } from 'react';
import { AUDIT_KINDS, type AuditKind } from '../../../../shared/trading/audit-chain.js';
import {
  auditContext,
  auditSentence,
  auditVenue,
  inTimeOrder,
  venueName,
} from '../../../../shared/trading/audit-sentence.js';
import { useTrading } from '../../stores/context.js';
import { offerDownload } from '../offerDownload.js';
import { timeOfDay } from '../../format.js';
import { stamp } from './tradingFormat.js';

/**
 * The hash-chained audit log as sentences, newest first by market time (venues record with
 * their own clocks, so the log's sequence is not time order), filtered by kind (asked of main),
 * venue and text; each row opens to its exact JSON. Verification and CSV export.
 */
export function AuditPanel() {
  const listed = useTrading((s) => s.audit);
  const [venue, setVenue] = useState('');
  const [search, setSearch] = useState('');
  const [open, setOpen] = useState<ReadonlySet<number>>(new Set());
  const rows = useMemo(() => {
    const context = auditContext(listed);
    return inTimeOrder(listed).map((e) => ({
      entry: e,
      venue: auditVenue(e.payload),
      sentence: auditSentence(e, context),
      json: JSON.stringify(e.payload, null, 2),
    }));
  }, [listed]);
  const venues = useMemo(() => [...new Set(rows.map((r) => r.venue))].sort(), [rows]);
  const needle = search.trim().toLowerCase();
  const entries = rows.filter(
    (r) =>
      (venue === '' || r.venue === venue) &&
      (needle === '' || r.sentence.toLowerCase().includes(needle) || r.json.toLowerCase().includes(needle)),
  );
  const toggle = (seq: number): void => {
    setOpen((before) => {
      const next = new Set(before);
      if (!next.delete(seq)) next.add(seq);
      return next;
    });
  };
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
        <span className="panel-note" data-testid="audit-shown">
          {entries.length} of {rows.length} shown
        </span>
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
        <select
          data-testid="audit-venue"
          aria-label="Venue"
          value={venue}
          onChange={(event) => {
            setVenue(event.target.value);
          }}
        >
          <option value="">every venue</option>
          {venues.map((v) => (
            <option key={v} value={v}>
              {venueName(v)}
            </option>
          ))}
        </select>
        <input
          type="search"
          className="audit-search"
          data-testid="audit-search"
          aria-label="Search the audit log"
          placeholder="search"
          value={search}
          onChange={(event) => {
            setSearch(event.target.value);
          }}
        />
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
        <table className="trading-table audit-table">
          <thead>
            <tr>
              <th>Time (UTC)</th>
              <th>Kind</th>
              <th>What happened</th>
            </tr>
          </thead>
          <tbody>
            {entries.map(({ entry: e, sentence, json }) => {
              const expanded = open.has(e.seq);
              return (
                <Fragment key={e.seq}>
                  <tr data-testid="audit-row" data-kind={e.kind} data-ts={e.ts} data-seq={e.seq}>
                    <td title={`${stamp(e.ts)} UTC, entry #${e.seq}, hash ${e.hash}`}>{timeOfDay(e.ts)}</td>
                    <td>{e.kind}</td>
                    <td className="audit-sentence">
                      <button
                        type="button"
                        className="audit-expand"
                        data-testid="audit-expand"
                        aria-expanded={expanded}
                        title={expanded ? 'Hide the recorded JSON' : 'Show the recorded JSON'}
                        onClick={() => {
                          toggle(e.seq);
                        }}
                      >
                        {expanded ? '▾' : '▸'}
                      </button>
                      <span data-testid="audit-sentence">{sentence}</span>
                    </td>
                  </tr>
                  {expanded ? (
                    <tr className="audit-json-row">
                      <td colSpan={3}>
                        <pre className="audit-json" data-testid="audit-json">
                          {json}
                        </pre>
                      </td>
                    </tr>
                  ) : null}
                </Fragment>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
