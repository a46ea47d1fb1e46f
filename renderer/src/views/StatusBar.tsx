import type { Status } from '../../../shared/api/schemas.js';
import { bytes, count } from '../format.js';
import { useApp } from '../stores/context.js';

/** Health of the whole live path at a glance, always at the bottom of the window. */
export function StatusBar() {
  const link = useApp((state) => state.link);
  const status = useApp((state) => state.status);
  const info = useApp((state) => state.info);
  const connection =
    link === 'open' ? (status?.connection ?? 'starting') : link === 'closed' ? 'disconnected' : 'connecting';
  const rejected = status === null ? [] : Object.entries(status.rejected).filter(([, n]) => n > 0);
  const rejectedTotal = rejected.reduce((sum, [, n]) => sum + n, 0);

  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className={`connection ${connection}`} title="Market data connection">
        <i className="dot" aria-hidden="true" />
        <span data-testid="connection-state">{connection}</span>
      </span>
      <Field label="Source" value={status?.source ?? info?.source ?? '—'} />
      {status === null || status.connections.length === 0 ? null : (
        <Field
          label="Exchanges"
          value={streamsSummary(status)}
          title={streamsDetail(status)}
          warn={status.connections.some((c) => c.state !== 'live')}
          testId="exchange-streams"
        />
      )}
      <Field
        label="Events/s"
        value={status === null ? '—' : count.format(status.eventsPerSecond)}
        testId="events-per-second"
      />
      <Field label="Events" value={status === null ? '—' : count.format(status.eventsTotal)} />
      <Field label="Recorded trades" value={status === null ? '—' : count.format(status.recordedTrades)} />
      <Field
        label="Rejected"
        value={status === null ? '—' : count.format(rejectedTotal)}
        title={rejectedDetail(status)}
        warn={rejectedTotal > 0}
        testId="rejected"
      />
      <Field label="Database" value={status === null ? '—' : bytes(status.databaseBytes)} />
      {status?.disk == null ? null : (
        <Field
          label={status.disk.low ? 'Disk low' : 'Disk free'}
          value={bytes(status.disk.freeBytes)}
          title={diskDetail(status.disk)}
          warn={status.disk.low}
          testId="disk-free"
        />
      )}
      {status !== null && status.problems.length > 0 ? (
        <Field label="Problem" value={status.problems.join(' · ')} warn wide testId="problems" />
      ) : null}
      <span className="spacer" />
      <Field label="Data" value={status?.dataDir ?? info?.dataDir ?? '—'} title="Data folder" wide />
      {info === null ? null : (
        <span className="status-field muted">
          {info.name} {info.version} · {info.transport}
        </span>
      )}
    </footer>
  );
}

interface FieldProps {
  readonly label: string;
  readonly value: string;
  readonly title?: string;
  readonly warn?: boolean;
  readonly wide?: boolean;
  readonly testId?: string;
}

function Field({ label, value, title, warn = false, wide = false, testId }: FieldProps) {
  return (
    <span className={`status-field${warn ? ' warn' : ''}${wide ? ' wide' : ''}`} title={title ?? label}>
      <span className="label">{label}</span>{' '}
      <span className="value" data-testid={testId}>
        {value}
      </span>
    </span>
  );
}

/** Why the disk figure matters, for the tooltip: what is free, of what, and the threshold. */
function diskDetail(disk: NonNullable<Status['disk']>): string {
  const free = `${bytes(disk.freeBytes)} free of ${bytes(disk.totalBytes)} on the workspace's disk`;
  return disk.low
    ? `${free}: below ${bytes(disk.lowBytes)}, recording will stop when it is full. Free space, or shorten the demo window in Data.`
    : `${free} (warns below ${bytes(disk.lowBytes)})`;
}

/** `nan_price 3, crossed_book 1`: why events were rejected, for the tooltip. */
function rejectedDetail(status: Status | null): string {
  if (status === null) return 'Rejected events';
  const reasons = Object.entries(status.rejected).filter(([, n]) => n > 0);
  if (reasons.length === 0) return 'No rejected events';
  return `Rejected events: ${reasons.map(([reason, n]) => `${reason} ${n}`).join(', ')}`;
}

/** `binance ETH/USDT live`, or `3 live, 1 reconnecting` when there are several. */
function streamsSummary(status: Status): string {
  const streams = status.connections;
  const only = streams[0];
  if (streams.length === 1 && only !== undefined) return `${only.exchange} ${only.symbol} ${only.state}`;
  const byState = new Map<string, number>();
  for (const stream of streams) byState.set(stream.state, (byState.get(stream.state) ?? 0) + 1);
  return [...byState].map(([state, n]) => `${n} ${state}`).join(', ');
}

/** One line per stream for the tooltip: state, reconnects, gaps, age of the last event. */
function streamsDetail(status: Status): string {
  return status.connections
    .map((c) => {
      const last =
        c.lastEventTs === null ? 'no event yet' : `last event ${new Date(c.lastEventTs).toISOString()}`;
      const streams = `trades ${c.streams.trades}, book ${c.streams.book}, candles ${c.streams.candles}`;
      return `${c.exchange} ${c.symbol}: ${streams}; ${c.reconnects} reconnects, ${c.gaps} gaps, ${last}`;
    })
    .join('\n');
}
