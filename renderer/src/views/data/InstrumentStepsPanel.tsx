import { useState } from 'react';
import { decimalsOf, formatsFor } from '../../format.js';
import { useMarkets } from '../../stores/context.js';

/**
 * Tick and lot of an instrument, editable: an import infers them from the file (the finest
 * decimal step of its prices and amounts) and an exchange gives them through ccxt, but a
 * venue changes its increments and a file may show fewer decimals than the market trades in.
 * Every price in the window is shown to the tick set here.
 */
export function InstrumentStepsPanel() {
  const instruments = useMarkets((s) => s.instruments);
  const setInstrumentSteps = useMarkets((s) => s.setInstrumentSteps);
  const [chosen, setChosen] = useState('');
  const [draft, setDraft] = useState<{ for: string; tick: string; lot: string } | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const instrument = instruments.find((i) => i.id === chosen) ?? instruments[0] ?? null;
  const editing = draft !== null && draft.for === instrument?.id ? draft : null;
  const tick = editing?.tick ?? String(instrument?.tickSize ?? '');
  const lot = editing?.lot ?? String(instrument?.lotSize ?? '');
  const tickSize = Number(tick);
  const lotSize = Number(lot);
  const valid = tickSize > 0 && lotSize > 0 && Number.isFinite(tickSize) && Number.isFinite(lotSize);

  const save = async (): Promise<void> => {
    if (instrument === null || !valid) return;
    const problem = await setInstrumentSteps(instrument.id, tickSize, lotSize);
    setDraft(null);
    setMessage(
      problem === null ? `Saved: prices of ${instrument.id} show ${decimalsOf(tickSize)} decimals` : problem,
    );
  };

  return (
    <section className="data-panel" aria-label="Tick and lot">
      <h3>Tick and lot</h3>
      {instrument === null ? (
        <p>No instrument yet.</p>
      ) : (
        <>
          <label>
            Instrument
            <select
              value={instrument.id}
              onChange={(e) => {
                setChosen(e.target.value);
                setMessage(null);
              }}
              data-testid="steps-instrument"
            >
              {instruments.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.id}
                </option>
              ))}
            </select>
          </label>
          <label>
            Tick size
            <input
              size={10}
              value={tick}
              onChange={(e) => {
                setDraft({ for: instrument.id, tick: e.target.value, lot });
              }}
              data-testid="steps-tick"
            />
          </label>
          <label>
            Lot size
            <input
              size={10}
              value={lot}
              onChange={(e) => {
                setDraft({ for: instrument.id, tick, lot: e.target.value });
              }}
              data-testid="steps-lot"
            />
          </label>
          <button
            className="primary"
            disabled={!valid || editing === null}
            onClick={() => void save()}
            data-testid="steps-save"
          >
            Save
          </button>
          <p className="feature-note" data-testid="steps-example">
            {valid
              ? `A price shows as ${formatsFor({ tickSize, lotSize }).price(1234.5678912345)}`
              : 'Steps must be positive numbers'}
          </p>
          {message === null ? null : <p data-testid="steps-message">{message}</p>}
        </>
      )}
    </section>
  );
}
