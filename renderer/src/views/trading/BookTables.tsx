import { useTrading } from '../../stores/context.js';
import { amount, money, pnlClass, stamp } from './tradingFormat.js';

/** Fills listed (the newest); the state carries more. */
const FILLS_SHOWN = 100;

/** Positions of every venue: size, average entry, mark, unrealised and realised PnL. */
export function PositionsTable() {
  const positions = useTrading((s) => s.state?.positions ?? []);
  return (
    <section className="panel trading-panel" aria-label="Positions">
      <header className="panel-title">
        <span>Positions</span>
        <span className="panel-note">{positions.length}</span>
      </header>
      {positions.length === 0 ? (
        <p className="trading-note">No position.</p>
      ) : (
        <table className="trading-table" data-testid="positions-table">
          <thead>
            <tr>
              <th>Venue</th>
              <th>Instrument</th>
              <th>Qty</th>
              <th>Avg entry</th>
              <th>Mark</th>
              <th>Unrealised</th>
              <th>Realised</th>
            </tr>
          </thead>
          <tbody>
            {positions.map((p) => (
              <tr key={`${p.venue}|${p.instrument}`} data-testid="position-row" data-venue={p.venue}>
                <td>{p.venue}</td>
                <td>{p.instrument}</td>
                <td className={pnlClass(p.quantity)} data-testid="position-qty">
                  {amount(p.quantity)}
                </td>
                <td>{amount(p.avgEntryPrice)}</td>
                <td>{amount(p.mark)}</td>
                <td className={pnlClass(p.unrealizedPnl)}>{money(p.unrealizedPnl)}</td>
                <td className={pnlClass(p.realizedPnl)}>{money(p.realizedPnl)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Working orders of every venue, each with its cancel button. */
export function OpenOrdersTable() {
  const orders = useTrading((s) => s.state?.openOrders ?? []);
  const cancel = useTrading((s) => s.cancel);
  return (
    <section className="panel trading-panel" aria-label="Open orders">
      <header className="panel-title">
        <span>Open orders</span>
        <span className="panel-note" data-testid="open-order-count">
          {orders.length}
        </span>
      </header>
      {orders.length === 0 ? (
        <p className="trading-note">No open order.</p>
      ) : (
        <table className="trading-table" data-testid="open-orders-table">
          <thead>
            <tr>
              <th>Venue</th>
              <th>Instrument</th>
              <th>Side</th>
              <th>Type</th>
              <th>Qty</th>
              <th>Filled</th>
              <th>Price</th>
              <th>Stop</th>
              <th>Status</th>
              <th>Since</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {orders.map((o) => (
              <tr
                key={`${o.venue}|${o.clientId}`}
                data-testid="open-order-row"
                data-venue={o.venue}
                data-client-id={o.clientId}
              >
                <td>{o.venue}</td>
                <td>{o.instrument}</td>
                <td className={o.side}>{o.side}</td>
                <td>{o.type}</td>
                <td>{amount(o.quantity)}</td>
                <td>{amount(o.filled)}</td>
                <td>{amount(o.price)}</td>
                <td>{amount(o.stopPrice)}</td>
                <td>{o.status}</td>
                <td title={o.clientId}>{stamp(o.createdAt)}</td>
                <td>
                  <button
                    type="button"
                    className="small"
                    data-testid={`cancel-${o.clientId}`}
                    onClick={() => {
                      void cancel(o.venue, o.clientId);
                    }}
                  >
                    Cancel
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Fills of every venue, newest first. */
export function FillsTable() {
  const fills = useTrading((s) => s.state?.fills ?? []);
  const shown = fills.slice(0, FILLS_SHOWN);
  return (
    <section className="panel trading-panel" aria-label="Fills">
      <header className="panel-title">
        <span>Fills</span>
        <span className="panel-note" data-testid="fill-count">
          {fills.length}
        </span>
      </header>
      {fills.length === 0 ? (
        <p className="trading-note">No fill yet.</p>
      ) : (
        <div className="trading-scroll">
          <table className="trading-table" data-testid="fills-table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Venue</th>
                <th>Instrument</th>
                <th>Side</th>
                <th>Price</th>
                <th>Qty</th>
                <th>Fee</th>
                <th>Liquidity</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((f, index) => (
                <tr key={`${f.venue}|${f.clientId}|${f.ts}|${index}`} data-testid="fill-row" data-ts={f.ts}>
                  <td>{stamp(f.ts)}</td>
                  <td>{f.venue}</td>
                  <td>{f.instrument}</td>
                  <td className={f.side}>{f.side}</td>
                  <td>{amount(f.price)}</td>
                  <td>{amount(f.quantity)}</td>
                  <td>{amount(f.fee)}</td>
                  <td>{f.liquidity}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
