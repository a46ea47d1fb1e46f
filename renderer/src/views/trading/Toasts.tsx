import { useEffect, useState } from 'react';
import { useTrading } from '../../stores/context.js';
import type { Toast } from '../../stores/trading.js';
import { askDesktopPermissionOnce, desktopPermission } from './desktopNotices.js';

/** How long a toast stays unless dismissed. */
const TOAST_MS = 12_000;

/** Fills and breaker trips in the window, when desktop notifications are denied or unavailable. */
export function Toasts() {
  const toasts = useTrading((s) => s.toasts);
  const [permission, setPermission] = useState(desktopPermission);
  return (
    <div className="toasts" aria-live="polite">
      {permission === 'default' ? (
        <button
          type="button"
          className="toast-permission"
          data-testid="notifications-enable"
          onClick={() => {
            void askDesktopPermissionOnce().then(setPermission);
          }}
        >
          Desktop notifications for fills and breaker trips?
        </button>
      ) : null}
      {toasts.map((toast) => (
        <ToastCard key={toast.id} toast={toast} />
      ))}
    </div>
  );
}

function ToastCard({ toast }: { toast: Toast }) {
  const dismiss = useTrading((s) => s.dismissToast);
  useEffect(() => {
    const timer = setTimeout(() => {
      dismiss(toast.id);
    }, TOAST_MS);
    return () => {
      clearTimeout(timer);
    };
  }, [toast.id, dismiss]);
  return (
    <div className={`toast ${toast.kind}`} role="status" data-testid="toast" data-kind={toast.kind}>
      <b>{toast.title}</b>
      <span>{toast.body}</span>
      <button
        type="button"
        aria-label="dismiss"
        onClick={() => {
          dismiss(toast.id);
        }}
      >
        ✕
      </button>
    </div>
  );
}
