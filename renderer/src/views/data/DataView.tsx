import { useEffect, useState } from 'react';
import {
  type CandleCheck,
  type CandleDifference,
  type ColumnMapping,
  type ImportPreview,
  type InstrumentCoverage,
  type Retention,
} from '../../../../shared/api/domains/history.js';
import type { StorageState } from '../../../../shared/api/domains/storage.js';
import { TIMEFRAMES, type Timeframe } from '../../../../shared/domain/timeframes.js';
import { TimeframeSelect } from '../backtests/FormInputs.js';
import { useFormInstrument, useHistory, useMarkets } from '../../stores/context.js';
import { JobProgress } from '../JobProgress.js';
import { UtcTimeInput } from '../UtcTimeInput.js';
import { utcRange, utcText } from '../utcTime.js';
import { CoverageTimeline } from './CoverageTimeline.js';
import { InstrumentStepsPanel } from './InstrumentStepsPanel.js';
import './data.css';

/**
 * Data: what is recorded (coverage per instrument: spans, gaps, counts, size), and getting
 * more in or out (import a file on the host with a column-mapping step, export a range,
 * backfill from an exchange), each as a job with progress, ETA and cancel. Files are named
 * by a path on the host: that is where the App and the data are, in Electron and in a browser
 * on the headless host alike, and multi-GB dumps need not cross the socket.
 */
export function DataView() {
  const start = useHistory((s) => s.start);
  const stop = useHistory((s) => s.stop);
  useEffect(() => {
    void start();
    return stop;
  }, [start, stop]);
  const problem = useHistory((s) => s.problem);
  // An import may have created an instrument: the pickers list what coverage lists.
  const instrumentCount = useHistory((s) => s.coverage.length);
  const reloadInstruments = useMarkets((s) => s.reloadInstruments);
  useEffect(() => {
    void reloadInstruments();
  }, [instrumentCount, reloadInstruments]);
  return (
    <main className="data-view" data-testid="data-view">
      <div className="data-column">
        <CoveragePanel />
        <StoragePanel />
        <ImportPanel />
        <InstrumentStepsPanel />
      </div>
      <div className="data-column">
        <JobsPanel />
        <ExportPanel />
        <BackfillPanel />
        <VerifyPanel />
        <RetentionPanel />
        {problem === null ? null : (
          <p className="data-problem" role="alert" data-testid="data-problem">
            {problem}
          </p>
        )}
      </div>
    </main>
  );
}

const bytes = (n: number): string =>
  n >= 1e9
    ? `${(n / 1e9).toFixed(2)} GB`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)} MB`
      : `${(n / 1e3).toFixed(0)} kB`;
const DAY_MS = 86_400_000;

function CoveragePanel() {
  const coverage = useHistory((s) => s.coverage);
  const refresh = useHistory((s) => s.refreshCoverage);
  return (
    <section className="data-panel" aria-label="Coverage">
      <h3>
        Coverage <button onClick={() => void refresh()}>Refresh</button>
      </h3>
      {coverage.length === 0 ? <p>Nothing recorded yet.</p> : null}
      {coverage.map((c) => (
        <CoverageCard key={c.instrument} coverage={c} />
      ))}
    </section>
  );
}

function CoverageCard({ coverage }: { coverage: InstrumentCoverage }) {
  const spans = Object.values(coverage.ranges).flat();
  const first = spans.length === 0 ? null : Math.min(...spans.map((s) => s.from));
  const last = spans.length === 0 ? null : Math.max(...spans.map((s) => s.to));
  const bars = Object.values(coverage.counts.candles).reduce((a, b) => a + b, 0);
  return (
    <div className="coverage-card" data-testid="coverage-card" data-instrument={coverage.instrument}>
      <div className="facts">
        <b>{coverage.instrument}</b>
        <span data-testid="coverage-range">
          {first === null || last === null ? 'no data' : utcRange(first, last)}
        </span>
        <span>
          <b data-testid="coverage-trades">{coverage.counts.trades.toLocaleString('en')}</b> trades
        </span>
        <span>
          <b>{coverage.counts.bookDeltas.toLocaleString('en')}</b> book deltas
        </span>
        <span>
          <b>{coverage.counts.bookSnapshots.toLocaleString('en')}</b> snapshots
        </span>
        <span>
          <b>{bars.toLocaleString('en')}</b> bars
        </span>
        <span>
          <b>{bytes(coverage.bytes)}</b> on disk
        </span>
        <span>
          <b data-testid="coverage-gaps">{coverage.gaps.length}</b> gaps
        </span>
      </div>
      <CoverageTimeline coverage={coverage} />
    </div>
  );
}

type Field = 'ts' | 'price' | 'amount' | 'side' | 'id' | 'open' | 'high' | 'low' | 'close' | 'volume';
type Mapping = Partial<Record<Field, number>>;
const TRADE_FIELDS: readonly Field[] = ['ts', 'price', 'amount', 'side', 'id'];
const CANDLE_FIELDS: readonly Field[] = ['ts', 'open', 'high', 'low', 'close', 'volume'];
const fieldsOf = (kind: 'trades' | 'candles'): readonly Field[] =>
  kind === 'trades' ? TRADE_FIELDS : CANDLE_FIELDS;

/**
 * A first guess from header names, so a well-named file needs no clicks; only the fields of
 * the kind of rows chosen, so a candles file's `volume` is its volume, not a trade amount.
 */
function guessMapping(preview: ImportPreview, fields: readonly Field[]): Partial<Record<Field, number>> {
  const guess: Partial<Record<Field, number>> = {};
  const names: Record<Field, RegExp> = {
    ts: /^(ts|ts_ms|time|timestamp|date|open_time|transact_time)$/i,
    price: /^(price|px|p)$/i,
    amount: /^(amount|qty|quantity|size|volume|q)$/i,
    side: /^(side|is_buyer_maker|taker_side|m)$/i,
    id: /^(id|trade_id|tid)$/i,
    open: /^(open|o)$/i,
    high: /^(high|h)$/i,
    low: /^(low|l)$/i,
    close: /^(close|c)$/i,
    volume: /^(volume|vol|v)$/i,
  };
  (preview.header ?? []).forEach((name, index) => {
    for (const [field, pattern] of Object.entries(names) as [Field, RegExp][]) {
      if (!fields.includes(field)) continue;
      if (guess[field] === undefined && pattern.test(name.trim())) {
        guess[field] = index;
        break;
      }
    }
  });
  return guess;
}

function ImportPanel() {
  const preview = useHistory((s) => s.preview);
  const previewFile = useHistory((s) => s.previewFile);
  const startImport = useHistory((s) => s.startImport);
  const [path, setPath] = useState('');
  const [target, setInstrument] = useFormInstrument();
  // A dump of a market the workspace has never seen goes into a new instrument.
  // Steps left blank are inferred from the file (the finest decimal step of its prices and amounts).
  const [newInstrument, setNewInstrument] = useState({ id: '', tick: '', lot: '' });
  const [kind, setKind] = useState<'trades' | 'candles'>('trades');
  const [timeframe, setTimeframe] = useState<Timeframe>('1m');
  // The mapping belongs to one preview: a new preview starts from the guess from its header.
  const [chosen, setChosen] = useState<{ for: ImportPreview | null; fields: Mapping }>({
    for: null,
    fields: {},
  });
  const mapping: Mapping =
    chosen.for === preview ? chosen.fields : preview === null ? {} : guessMapping(preview, fieldsOf(kind));
  const setMapping = (fields: Mapping): void => {
    setChosen({ for: preview, fields });
  };
  const generic = preview !== null && (preview.format === 'csv' || preview.format === 'parquet');
  const fields = kind === 'trades' ? TRADE_FIELDS : CANDLE_FIELDS;
  const columns =
    preview === null ? 0 : Math.max(preview.header?.length ?? 0, ...preview.rows.map((r) => r.length));
  const required = fields.filter((f) => f !== 'side' && f !== 'id');
  const complete = !generic || required.every((f) => mapping[f] !== undefined);

  const submit = (): void => {
    let columnMapping: ColumnMapping | undefined;
    if (generic) {
      const at = (field: Field): number => mapping[field] ?? 0;
      columnMapping =
        kind === 'trades'
          ? {
              kind,
              ts: at('ts'),
              price: at('price'),
              amount: at('amount'),
              ...(mapping.side === undefined ? {} : { side: mapping.side }),
              ...(mapping.id === undefined ? {} : { id: mapping.id }),
            }
          : {
              kind,
              timeframe,
              ts: at('ts'),
              open: at('open'),
              high: at('high'),
              low: at('low'),
              close: at('close'),
              volume: at('volume'),
            };
    }
    const created = newInstrument.id.trim();
    void startImport({
      path,
      instrument: created === '' ? target : created,
      ...(created === ''
        ? {}
        : {
            create: {
              ...(newInstrument.tick.trim() === '' ? {} : { tickSize: Number(newInstrument.tick) }),
              ...(newInstrument.lot.trim() === '' ? {} : { lotSize: Number(newInstrument.lot) }),
            },
          }),
      ...(columnMapping === undefined ? {} : { mapping: columnMapping }),
      ...(preview?.format === 'binance-klines' && preview.timeframe === null ? { timeframe } : {}),
    });
  };

  return (
    <section className="data-panel" aria-label="Import">
      <h3>Import a file</h3>
      <label>
        File on the host (Binance trades / aggTrades / klines / fundingRate CSV or zip, Tardis.dev trades, any
        CSV, Parquet)
        <input
          className="wide"
          value={path}
          onChange={(e) => {
            setPath(e.target.value);
          }}
          placeholder="/data/BTCUSDT-trades-2024-03-01.zip"
          data-testid="import-path"
        />
      </label>
      <button onClick={() => void previewFile(path)} disabled={path === ''} data-testid="import-preview">
        Preview
      </button>
      {preview === null ? null : (
        <div data-testid="import-preview-table">
          <p>
            Format: <b>{preview.format}</b>
            {preview.timeframe === null ? '' : ` (${preview.timeframe} bars)`}
          </p>
          {generic ? (
            <>
              <label>
                Rows are
                <select
                  value={kind}
                  onChange={(e) => {
                    setKind(e.target.value === 'candles' ? 'candles' : 'trades');
                  }}
                  data-testid="import-kind"
                >
                  <option value="trades">trades</option>
                  <option value="candles">candles (OHLCV)</option>
                </select>
              </label>
              {kind === 'candles' ? (
                <TimeframeSelect label="Bars" value={timeframe} onChange={setTimeframe} />
              ) : null}
            </>
          ) : null}
          <table className="preview-table">
            <thead>
              {generic ? (
                <tr>
                  {Array.from({ length: columns }, (_, column) => (
                    <th key={column}>
                      <select
                        aria-label={`column ${column + 1} holds`}
                        value={fields.find((f) => mapping[f] === column) ?? ''}
                        onChange={(e) => {
                          const next: Mapping = Object.fromEntries(
                            Object.entries(mapping).filter(([, at]) => at !== column),
                          );
                          const field = fields.find((f) => f === e.target.value);
                          if (field !== undefined) next[field] = column;
                          setMapping(next);
                        }}
                      >
                        <option value="">—</option>
                        {fields.map((f) => (
                          <option key={f} value={f}>
                            {f}
                          </option>
                        ))}
                      </select>
                    </th>
                  ))}
                </tr>
              ) : null}
              {preview.header === null ? null : (
                <tr>
                  {preview.header.map((name, i) => (
                    <th key={i}>{name}</th>
                  ))}
                </tr>
              )}
            </thead>
            <tbody>
              {preview.rows.map((row, r) => (
                <tr key={r}>
                  {row.map((cell, c) => (
                    <td key={c}>{cell}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <InstrumentSelect value={target} onChange={setInstrument} />
          <label>
            or a new one
            <input
              value={newInstrument.id}
              placeholder="binance:BTC/USDT"
              onChange={(e) => {
                setNewInstrument({ ...newInstrument, id: e.target.value });
              }}
              data-testid="import-new-instrument"
            />
          </label>
          {newInstrument.id.trim() === '' ? null : (
            <>
              <label>
                Tick size
                <input
                  size={8}
                  placeholder="from the file"
                  value={newInstrument.tick}
                  onChange={(e) => {
                    setNewInstrument({ ...newInstrument, tick: e.target.value });
                  }}
                />
              </label>
              <label>
                Lot size
                <input
                  size={8}
                  placeholder="from the file"
                  value={newInstrument.lot}
                  onChange={(e) => {
                    setNewInstrument({ ...newInstrument, lot: e.target.value });
                  }}
                />
              </label>
            </>
          )}
          {preview.format === 'binance-klines' && preview.timeframe === null ? (
            <TimeframeSelect label="Bars" value={timeframe} onChange={setTimeframe} />
          ) : null}
          <button
            className="primary"
            onClick={submit}
            disabled={!complete || (target === '' && newInstrument.id.trim() === '')}
            data-testid="import-start"
          >
            Import
          </button>
        </div>
      )}
    </section>
  );
}

function InstrumentSelect({ value, onChange }: { value: string; onChange: (id: string) => void }) {
  const instruments = useMarkets((s) => s.instruments);
  return (
    <label>
      Instrument
      <select
        value={value}
        onChange={(e) => {
          onChange(e.target.value);
        }}
      >
        {instruments.map((i) => (
          <option key={i.id} value={i.id}>
            {i.id}
          </option>
        ))}
      </select>
    </label>
  );
}

function JobsPanel() {
  const jobs = useHistory((s) => s.jobs);
  const cancel = useHistory((s) => s.cancelJob);
  return (
    <section className="data-panel" aria-label="Jobs">
      <h3>Jobs</h3>
      {jobs.length === 0 ? <p>No jobs yet.</p> : null}
      {jobs.map((job) => (
        <JobProgress key={job.id} job={job} label={job.title} onCancel={() => void cancel(job.id)} />
      ))}
    </section>
  );
}

function RangeInputs({
  from,
  to,
  onFrom,
  onTo,
}: {
  from: number;
  to: number;
  onFrom: (ms: number) => void;
  onTo: (ms: number) => void;
}) {
  return (
    <>
      <UtcTimeInput label="From (UTC)" value={from} onChange={onFrom} />
      <UtcTimeInput label="To (UTC)" value={to} onChange={onTo} />
    </>
  );
}

/** First and last moment of anything stored for an instrument, or null when nothing is. */
function coverageSpan(coverage: InstrumentCoverage | undefined): { from: number; to: number } | null {
  const spans = coverage === undefined ? [] : Object.values(coverage.ranges).flat();
  if (spans.length === 0) return null;
  return { from: Math.min(...spans.map((s) => s.from)), to: Math.max(...spans.map((s) => s.to)) };
}

/**
 * A range that defaults to what is stored for the instrument (all of it), and to the last
 * `fallbackMs` up to now where nothing is; edits hold until the instrument changes.
 */
function useCoverageRange(instrument: string, fallbackMs: number) {
  const coverage = useHistory((s) => s.coverage.find((c) => c.instrument === instrument));
  const span = coverageSpan(coverage);
  // Renderer code may read the wall clock (shared/ may not).
  const [now] = useState(() => Date.now());
  const [edited, setEdited] = useState<{ under: string; from: number | null; to: number | null }>({
    under: instrument,
    from: null,
    to: null,
  });
  const mine = edited.under === instrument ? edited : { under: instrument, from: null, to: null };
  return {
    from: mine.from ?? span?.from ?? now - fallbackMs,
    to: mine.to ?? (span === null ? now : span.to + 1),
    setFrom: (from: number) => {
      setEdited({ ...mine, from });
    },
    setTo: (to: number) => {
      setEdited({ ...mine, to });
    },
  };
}

function ExportPanel() {
  const startExport = useHistory((s) => s.startExport);
  const [target, setInstrument] = useFormInstrument();
  const [kind, setKind] = useState<'trades' | 'candles'>('trades');
  const [timeframe, setTimeframe] = useState<Timeframe>('1m');
  const [format, setFormat] = useState<'csv' | 'parquet'>('csv');
  const { from, to, setFrom, setTo } = useCoverageRange(target, DAY_MS);
  const [out, setOut] = useState('');
  return (
    <section className="data-panel" aria-label="Export">
      <h3>Export a range</h3>
      <InstrumentSelect value={target} onChange={setInstrument} />
      <label>
        Kind
        <select
          value={kind}
          onChange={(e) => {
            setKind(e.target.value === 'candles' ? 'candles' : 'trades');
          }}
        >
          <option value="trades">trades</option>
          <option value="candles">candles</option>
        </select>
      </label>
      {kind === 'candles' ? <TimeframeSelect label="Bars" value={timeframe} onChange={setTimeframe} /> : null}
      <label>
        Format
        <select
          value={format}
          onChange={(e) => {
            setFormat(e.target.value === 'parquet' ? 'parquet' : 'csv');
          }}
        >
          <option value="csv">CSV</option>
          <option value="parquet">Parquet</option>
        </select>
      </label>
      <RangeInputs from={from} to={to} onFrom={setFrom} onTo={setTo} />
      <label>
        Output file on the host
        <input
          className="wide"
          value={out}
          onChange={(e) => {
            setOut(e.target.value);
          }}
          placeholder={`/tmp/export.${format}`}
        />
      </label>
      <button
        className="primary"
        disabled={out === '' || target === ''}
        onClick={() => void startExport({ instrument: target, kind, timeframe, format, from, to, out })}
      >
        Export
      </button>
    </section>
  );
}

/** The first bar of a check's report in words, with what was stored and what the trades give. */
function differenceText(check: CandleCheck): string | null {
  const first = check.firstDifference;
  if (first === null) return null;
  const bar = (values: CandleDifference['stored']): string =>
    values === null
      ? 'none'
      : `O ${values.open} H ${values.high} L ${values.low} C ${values.close}, ${values.trades} trades`;
  return `First difference: ${first.timeframe} bar at ${utcText(first.openTime)}: stored ${bar(first.stored)}; from trades ${bar(first.rebuilt)}`;
}

function VerifyPanel() {
  const startVerify = useHistory((s) => s.startVerify);
  const jobs = useHistory((s) => s.jobs);
  const [target, setInstrument] = useFormInstrument();
  const { from, to, setFrom, setTo } = useCoverageRange(target, 7 * DAY_MS);
  let check: CandleCheck | null = null;
  for (const job of jobs)
    if (job.kind === 'verify' && job.state === 'done') {
      check = job.result;
      break;
    }
  const repaired = check
    ? Object.entries(check.changed).filter(([, c]) => c.added + c.changed + c.removed > 0)
    : [];
  return (
    <section className="data-panel" aria-label="Check candles">
      <h3>Check candles against trades</h3>
      <InstrumentSelect value={target} onChange={setInstrument} />
      <RangeInputs from={from} to={to} onFrom={setFrom} onTo={setTo} />
      <button
        disabled={target === '' || to < from}
        onClick={() => void startVerify({ instrument: target, from, to })}
        data-testid="verify-start"
      >
        Check and repair
      </button>
      {check ? (
        <div data-testid="verify-result">
          <p>
            {check.instrument}: {check.days} days, {check.bars} bars match the trades
            {check.daysWithoutTrades > 0
              ? `, ${check.daysWithoutTrades} days of imported bars left as they are`
              : ''}
            .
          </p>
          {repaired.length === 0 ? (
            <p>Every bar already matched.</p>
          ) : (
            <ul>
              {repaired.map(([timeframe, c]) => (
                <li key={timeframe}>
                  {timeframe}: {c.added} added, {c.changed} repaired, {c.removed} removed
                </li>
              ))}
            </ul>
          )}
          {differenceText(check) === null ? null : <p>{differenceText(check)}</p>}
        </div>
      ) : null}
    </section>
  );
}

function BackfillPanel() {
  const startBackfill = useHistory((s) => s.startBackfill);
  const [exchange, setExchange] = useState('binance');
  const [symbol, setSymbol] = useState('BTC/USDT');
  const [kind, setKind] = useState<'trades' | 'candles' | 'funding'>('candles');
  const [timeframe, setTimeframe] = useState<Timeframe>('1m');
  const [from, setFrom] = useState(() => Date.now() - DAY_MS);
  const [to, setTo] = useState(() => Date.now());
  const [endpoint, setEndpoint] = useState('');
  return (
    <section className="data-panel" aria-label="Backfill">
      <h3>Backfill from an exchange</h3>
      <label>
        Exchange (ccxt id)
        <input
          value={exchange}
          onChange={(e) => {
            setExchange(e.target.value);
          }}
        />
      </label>
      <label>
        Symbol
        <input
          value={symbol}
          onChange={(e) => {
            setSymbol(e.target.value);
          }}
        />
      </label>
      <label>
        Kind
        <select
          value={kind}
          onChange={(e) => {
            const value = e.target.value;
            setKind(value === 'trades' || value === 'funding' ? value : 'candles');
          }}
        >
          <option value="candles">candles</option>
          <option value="trades">trades</option>
          <option value="funding">funding rates (perpetual, e.g. BTC/USDT:USDT)</option>
        </select>
      </label>
      {kind === 'candles' ? <TimeframeSelect label="Bars" value={timeframe} onChange={setTimeframe} /> : null}
      <RangeInputs from={from} to={to} onFrom={setFrom} onTo={setTo} />
      <label>
        Endpoint (optional: a testnet or the simulator)
        <input
          value={endpoint}
          onChange={(e) => {
            setEndpoint(e.target.value);
          }}
          placeholder="http://127.0.0.1:8123"
        />
      </label>
      <button
        className="primary"
        onClick={() =>
          void startBackfill({
            exchange,
            symbol,
            kind,
            timeframe,
            from,
            to,
            ...(endpoint === '' ? {} : { endpoint }),
          })
        }
      >
        Backfill
      </button>
    </section>
  );
}

/**
 * The demo market's kept window with the size it takes, and the free space on the workspace's
 * disk: the demo records about 80 MB an hour, so a window left unbounded fills a disk in days.
 */
function StoragePanel() {
  const storage = useHistory((s) => s.storage);
  const save = useHistory((s) => s.saveStorage);
  const demo = useHistory((s) => s.coverage.find((c) => c.instrument === s.storage?.demoInstrument));
  // Edits belong to the settings they started from; other settings from the App replace them.
  // Compared by value: the state is refreshed with every disk reading, which must not wipe
  // what the user is typing.
  const [edited, setEdited] = useState<{
    from: StorageState['settings'];
    hours: string;
    lowGb: string;
  } | null>(null);
  if (storage === null) return null;
  const { settings, disk, lastTrim } = storage;
  const draft =
    edited !== null &&
    edited.from.demoWindowHours === settings.demoWindowHours &&
    edited.from.lowDiskBytes === settings.lowDiskBytes
      ? edited
      : {
          from: settings,
          hours: settings.demoWindowHours === null ? '' : String(settings.demoWindowHours),
          lowGb: String(settings.lowDiskBytes / 1e9),
        };
  const hours = draft.hours.trim() === '' ? null : Number(draft.hours);
  const lowGb = Number(draft.lowGb);
  const valid = (hours === null || hours > 0) && Number.isFinite(lowGb) && lowGb >= 0;
  const span = coverageSpan(demo);
  return (
    <section className="data-panel" aria-label="Storage" data-testid="storage-panel">
      <h3>Demo market and disk</h3>
      <p data-testid="demo-window">
        {settings.demoWindowHours === null
          ? `The demo market (${storage.demoInstrument}) is kept forever`
          : `The demo market (${storage.demoInstrument}) keeps its last ${settings.demoWindowHours} h`}
        {', '}
        using <b data-testid="demo-size">{demo === undefined ? '—' : bytes(demo.bytes)}</b> on disk
        {span === null ? '' : ` (${utcText(span.from)} .. ${utcText(span.to)} UTC)`}.{' '}
        {lastTrim === null
          ? `Trimmed every ${Math.round(storage.trimEveryMs / 60_000)} min while it records.`
          : `Last trimmed ${utcText(lastTrim.at)} UTC: ${lastTrim.deleted.toLocaleString('en')} rows older than ${utcText(lastTrim.cutoff)} deleted.`}
      </p>
      {disk === null ? null : (
        <p
          className={disk.low ? 'data-problem' : undefined}
          data-testid="disk-space"
          role={disk.low ? 'alert' : undefined}
        >
          {disk.low ? 'Disk low: ' : 'Disk: '}
          {bytes(disk.freeBytes)} free of {bytes(disk.totalBytes)} on the workspace&apos;s disk
          {disk.low
            ? ` (below ${bytes(disk.lowBytes)}). Recording stops when it is full: free space or shorten the demo window.`
            : ` (warns below ${bytes(disk.lowBytes)}).`}
        </p>
      )}
      <label>
        Demo window (hours; empty keeps all)
        <input
          size={5}
          data-testid="demo-window-hours"
          value={draft.hours}
          onChange={(e) => {
            setEdited({ ...draft, hours: e.target.value });
          }}
        />
      </label>
      <label>
        Warn below (GB free)
        <input
          size={5}
          data-testid="low-disk-gb"
          value={draft.lowGb}
          onChange={(e) => {
            setEdited({ ...draft, lowGb: e.target.value });
          }}
        />
      </label>
      <button
        className="primary"
        disabled={!valid}
        data-testid="storage-save"
        onClick={() => void save({ demoWindowHours: hours, lowDiskBytes: Math.round(lowGb * 1e9) })}
      >
        Save
      </button>
    </section>
  );
}

const RETENTION_ROWS: readonly { key: 'trades' | 'bookDeltas' | 'bookSnapshots'; label: string }[] = [
  { key: 'trades', label: 'Trades' },
  { key: 'bookDeltas', label: 'Book deltas' },
  { key: 'bookSnapshots', label: 'Book snapshots' },
];

function RetentionPanel() {
  const retention = useHistory((s) => s.retention);
  const save = useHistory((s) => s.saveRetention);
  const apply = useHistory((s) => s.applyRetention);
  // Edits belong to the retention they started from; a newer one from the App replaces them.
  const [edited, setEdited] = useState<{ from: Retention | null; value: Retention | null }>({
    from: null,
    value: null,
  });
  const draft = edited.from === retention ? edited.value : retention;
  const setDraft = (value: Retention): void => {
    setEdited({ from: retention, value });
  };
  if (draft === null) return null;
  const days = (value: string): number | null =>
    value.trim() === '' || !(Number(value) > 0) ? null : Number(value);
  return (
    <section className="data-panel" aria-label="Retention">
      <h3>Retention (days to keep; empty keeps forever)</h3>
      {RETENTION_ROWS.map(({ key, label }) => (
        <label key={key}>
          {label}
          <input
            size={5}
            value={draft[key] ?? ''}
            onChange={(e) => {
              setDraft({ ...draft, [key]: days(e.target.value) });
            }}
          />
        </label>
      ))}
      {TIMEFRAMES.map((tf) => (
        <label key={tf}>
          {tf} bars
          <input
            size={5}
            value={draft.candles[tf] ?? ''}
            onChange={(e) => {
              setDraft({ ...draft, candles: { ...draft.candles, [tf]: days(e.target.value) } });
            }}
          />
        </label>
      ))}
      <div>
        <button className="primary" onClick={() => void save(draft)}>
          Save
        </button>{' '}
        <button onClick={() => void apply()}>Apply now</button>
      </div>
    </section>
  );
}
