import { useState } from 'react';
import { useTrading } from '../../stores/context.js';

/** Always on screen: cancels every open order, stops the strategies, disarms every live venue. Confirms once. */
export function PanicButton() {
  const panic = useTrading((s) => s.panic);
  const [confirming, setConfirming] = useState(false);
  if (!confirming)
    return (
      <button
        type="button"
        className="panic"
        data-testid="panic"
        title="Cancel every open order, stop the strategies and disarm every live venue"
        onClick={() => {
          setConfirming(true);
        }}
      >
        PANIC
      </button>
    );
  return (
    <span className="panic-confirm" role="alertdialog" aria-label="Confirm panic">
      <span>Cancel everything and disarm?</span>
      <button
        type="button"
        className="panic"
        data-testid="panic-confirm"
        onClick={() => {
          setConfirming(false);
          void panic();
        }}
      >
        Yes, PANIC
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
