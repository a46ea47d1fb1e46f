import { useMemo } from 'react';
import type { AppInfo, Status } from '../../../shared/api/schemas.js';
import type { Instrument } from '../../../shared/domain/market.js';
import { formatsFor } from '../format.js';
import { useApp, useMarkets } from '../stores/context.js';
import { ViewTabs } from './ViewTabs.js';

/** The top strip: which instrument, its last trade and touch, and where the data comes from. */
export function InstrumentHeader() {
  const instruments = useMarkets((state) => state.instruments);
  const instrument = useMarkets((state) => state.instrument);
  const follow = useMarkets((state) => state.follow);
  const lastTrade = useMarkets((state) => state.tape[0] ?? null);
  const bestBid = useMarkets((state) => state.book?.bids[0]?.[0] ?? null);
  const bestAsk = useMarkets((state) => state.book?.asks[0]?.[0] ?? null);
  const source = useApp((state) => sourceOf(instrument, state.info, state.status));
  const formats = useMemo(() => formatsFor(instrument), [instrument]);

  return (
    <header className="instrument-header">
      <span className="brand">Trading Workstation</span>
      <ViewTabs />
      <label className="instrument-picker">
        <span className="sr-only">Instrument</span>
        <select
          value={instrument?.id ?? ''}
          onChange={(event) => {
            follow(event.target.value);
          }}
          disabled={instruments.length < 2}
        >
          {instruments.length === 0 ? <option value="">Loading…</option> : null}
          {instruments.map((candidate) => (
            <option key={candidate.id} value={candidate.id}>
              {candidate.symbol} · {candidate.exchange}
            </option>
          ))}
        </select>
      </label>
      <span className={`last-price ${lastTrade?.side ?? ''}`} title="Last trade">
        {lastTrade === null ? '—' : formats.price(lastTrade.price)}
      </span>
      <Quote label="Bid" value={bestBid === null ? '—' : formats.price(bestBid)} className="bid" />
      <Quote label="Ask" value={bestAsk === null ? '—' : formats.price(bestAsk)} className="ask" />
      <span className="spacer" />
      {source === null ? null : (
        <span data-testid="instrument-source">
          <Quote label="Source" value={source} className="" />
        </span>
      )}
    </header>
  );
}

/**
 * Where the shown instrument's data comes from: the App's own market source (the demo), an
 * exchange stream and its state, or only what is stored (an import, a backfill, a past stream).
 */
export function sourceOf(
  instrument: Instrument | null,
  info: AppInfo | null,
  status: Status | null,
): string | null {
  if (info === null) return null;
  if (instrument === null || instrument.exchange === info.source) return info.source;
  const stream = status?.connections.find((c) => c.instrument === instrument.id);
  return stream === undefined ? `${instrument.exchange} (stored)` : `${instrument.exchange} ${stream.state}`;
}

function Quote({ label, value, className }: { label: string; value: string; className: string }) {
  return (
    <span className={`quote ${className}`}>
      <span className="label">{label}</span> <span className="value">{value}</span>
    </span>
  );
}
