import { useMemo } from 'react';
import { formatsFor, timeOfDay } from '../../format.js';
import { useFeatures, useMarkets } from '../../stores/context.js';
import { featureValue, shortColumn, Sparkline } from '../features/Sparkline.js';

/**
 * The live book features the signal model reads (imbalance, spread, microprice, VWAP) of the
 * header's instrument, and the live values of a feature set saved on it: another instrument's
 * values beside this one's price would read as this one's.
 */
export function FeaturePanel() {
  const features = useMarkets((state) => state.features);
  const instrument = useMarkets((state) => state.instrument);
  const formats = useMemo(() => formatsFor(instrument), [instrument]);
  const imbalance = features?.imbalance ?? null;
  const lastSignal = useMarkets((state) => state.signals[state.signals.length - 1] ?? null);

  return (
    <section className="panel features-panel" aria-label="Features" data-testid="features">
      <header className="panel-title">
        <span>Features</span>
      </header>
      {features === null && instrument !== null ? (
        <p className="feature-note" data-testid="book-features-none">
          No book features for {instrument.symbol}: no live book streams for it.
        </p>
      ) : null}
      <dl className="features">
        <div className="feature">
          <dt>Imbalance</dt>
          <dd className={imbalance === null ? undefined : imbalance >= 0 ? 'up' : 'down'}>
            {imbalance === null ? '—' : signed(imbalance, 3)}
          </dd>
          <ImbalanceGauge value={imbalance} />
        </div>
        <div className="feature">
          <dt>Spread</dt>
          <dd>{features?.spreadBps == null ? '—' : `${features.spreadBps.toFixed(2)} bps`}</dd>
        </div>
        <div className="feature">
          <dt>Microprice</dt>
          <dd>{features?.microprice == null ? '—' : formats.finePrice(features.microprice)}</dd>
        </div>
        <div className="feature">
          <dt>VWAP 1m</dt>
          <dd>{features?.vwap1m == null ? '—' : formats.finePrice(features.vwap1m)}</dd>
        </div>
        <div className="feature">
          <dt>Mid</dt>
          <dd>{features?.mid == null ? '—' : formats.finePrice(features.mid)}</dd>
        </div>
        <div className="feature last-signal">
          <dt>Last signal</dt>
          {lastSignal === null ? (
            <dd>—</dd>
          ) : (
            <dd
              className={
                lastSignal.direction === 'long' ? 'up' : lastSignal.direction === 'short' ? 'down' : undefined
              }
            >
              {lastSignal.direction.toUpperCase()} {signed(lastSignal.strength, 2)}
            </dd>
          )}
          {lastSignal === null ? null : (
            <span className="feature-note">
              {lastSignal.source} @ {formats.price(lastSignal.price)} · {timeOfDay(lastSignal.ts)}
            </span>
          )}
        </div>
      </dl>
      <LiveFeatureSet instrument={instrument?.id ?? null} symbol={instrument?.symbol ?? ''} />
    </section>
  );
}

/** The live values of the chosen feature set, each with a sparkline of its recent history. */
function LiveFeatureSet({ instrument, symbol }: { instrument: string | null; symbol: string }) {
  const allSets = useFeatures((state) => state.sets);
  const sets = useMemo(() => allSets.filter((s) => s.instrument === instrument), [allSets, instrument]);
  const liveSetId = useFeatures((state) => state.liveSetId);
  const live = useFeatures((state) => state.live);
  const followLive = useFeatures((state) => state.followLive);
  if (allSets.length === 0) {
    return (
      <p className="feature-note live-set-empty">
        Save a feature set in the Features view to see it live here.
      </p>
    );
  }
  if (sets.length === 0) {
    return (
      <p className="feature-note live-set-empty" data-testid="live-feature-set-none">
        No feature values for {symbol}: no feature set is saved on it (Features view).
      </p>
    );
  }
  return (
    <div className="live-set" data-testid="live-feature-set">
      <label className="live-set-picker">
        <span className="sr-only">Live feature set</span>
        <select
          value={liveSetId ?? ''}
          onChange={(event) => {
            followLive(event.target.value === '' ? null : event.target.value);
          }}
        >
          {sets.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} · {s.sampling}
            </option>
          ))}
        </select>
      </label>
      {live === null || !sets.some((s) => s.id === liveSetId) ? (
        <p className="feature-note">Waiting for the first row…</p>
      ) : (
        <ul className="live-values">
          {live.columns.map((column, c) => {
            const values = live.values[c] ?? [];
            return (
              <li key={column} title={column} data-testid="live-feature">
                <span className="live-name">{shortColumn(column)}</span>
                <Sparkline values={values} />
                <span className="live-value">{featureValue(values[values.length - 1])}</span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** A bar from the centre: right and green when bids outweigh asks, left and red otherwise. */
function ImbalanceGauge({ value }: { value: number | null }) {
  const clamped = value === null ? 0 : Math.max(-1, Math.min(1, value));
  return (
    <div className="gauge" aria-hidden="true">
      <span
        className={clamped >= 0 ? 'gauge-fill up' : 'gauge-fill down'}
        style={{ transform: `scaleX(${Math.abs(clamped)})` }}
      />
    </div>
  );
}

function signed(value: number, decimals: number): string {
  return `${value > 0 ? '+' : ''}${value.toFixed(decimals)}`;
}
