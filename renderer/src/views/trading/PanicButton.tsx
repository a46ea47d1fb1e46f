import { useState } from 'react';
import { useTrading } from '../../stores/context.js';
import { amount } from './tradingFormat.js';

/**
 * Always on screen. Asks which panic: cancel every open order, stop the strategies and disarm
 * every live venue; or that and close every position at market (through the risk manager).
 * After a flatten, says what was sent and what the gate refused, so no position is left open
 * without the trader knowing.
 */
export function PanicButton() {
  const panic = useTrading((s) => s.panic);
  const flattened = useTrading((s) => s.flattened);
  const [confirming, setConfirming] = useState(false);
  const refused = (flattened ?? []).filter((f) => !f.ok);
  const report =
    flattened === null ? null : (
      <span
        className={refused.length > 0 ? 'panic-report refused' : 'panic-report'}
        data-testid="panic-report"
        title={refused.map((f) => `${f.venue} ${f.instrument}: ${f.reason}`).join('\n')}
      >
        {flattened.length === 0
          ? 'nothing to flatten'
          : `${flattened.length - refused.length} closing order(s) sent` +
            (refused.length === 0
              ? ''
              : `, ${refused.length} refused: ${refused
                  .map((f) => `${f.side} ${amount(f.quantity)} ${f.instrument} (${f.reason})`)
                  .join('; ')}`)}
      </span>
    );
  if (!confirming)
    return (
      <>
        {report}
        <button
          type="button"
          className="panic"
          data-testid="panic"
          title="Cancel every open order, stop the strategies and disarm every live venue; optionally close every position"
          onClick={() => {
            setConfirming(true);
          }}
        >
          PANIC
        </button>
      </>
    );
  return (
    <span className="panic-confirm" role="alertdialog" aria-label="Confirm panic">
      <span>Cancel every order and disarm:</span>
      <button
        type="button"
        className="panic"
        data-testid="panic-confirm"
        title="Positions stay as they are"
        onClick={() => {
          setConfirming(false);
          void panic(false);
        }}
      >
        Cancel + disarm
      </button>
      <button
        type="button"
        className="panic"
        data-testid="panic-flatten"
        title="Also close every position with a market order, each through the risk manager and audited"
        onClick={() => {
          setConfirming(false);
          void panic(true);
        }}
      >
        + flatten positions
      </button>
      <button
        type="button"
        data-testid="panic-abort"
        onClick={() => {
          setConfirming(false);
        }}
      >
        No
      </button>
    </span>
  );
}
