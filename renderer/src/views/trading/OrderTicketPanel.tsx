import { ORDER_TYPES, SIDES } from '../../../../shared/api/domains/trading.js';
import { useMarkets, useTrading } from '../../stores/context.js';
import { needsPrice, needsStop } from '../../stores/trading.js';

/** A manual order on any venue, through the risk manager; a refusal shows its reason right here. */
export function OrderTicketPanel() {
  const ticket = useTrading((s) => s.ticket);
  const setTicket = useTrading((s) => s.setTicket);
  const placeOrder = useTrading((s) => s.placeOrder);
  const outcome = useTrading((s) => s.ticketOutcome);
  const busy = useTrading((s) => s.busy);
  const venues = useTrading((s) => s.state?.venues ?? []);
  const allInstruments = useMarkets((s) => s.instruments);
  const live = venues.find((v) => v.venue === ticket.venue)?.kind === 'live';
  // A live venue trades its own exchange's instruments; paper fills against any live book.
  const instruments = live ? allInstruments.filter((i) => i.exchange === ticket.venue) : allInstruments;
  const instrument = instruments.some((i) => i.id === ticket.instrument)
    ? ticket.instrument
    : (instruments[0]?.id ?? '');

  return (
    <section className="panel trading-panel" aria-label="Order ticket" data-testid="order-ticket">
      <header className="panel-title">
        <span>Order ticket</span>
      </header>
      <form
        className="trading-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (instrument !== ticket.instrument) setTicket({ instrument });
          void placeOrder();
        }}
      >
        <div className="form-pair">
          <label>
            Venue
            <select
              data-testid="ticket-venue"
              value={ticket.venue}
              onChange={(event) => {
                setTicket({ venue: event.target.value });
              }}
            >
              {venues.length === 0 ? <option value="paper">paper</option> : null}
              {venues.map((v) => (
                <option key={v.venue} value={v.venue}>
                  {v.venue}
                </option>
              ))}
            </select>
          </label>
          <label>
            Instrument
            <select
              data-testid="ticket-instrument"
              value={instrument}
              onChange={(event) => {
                setTicket({ instrument: event.target.value });
              }}
            >
              {instruments.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.id}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-pair">
          <label>
            Side
            <select
              data-testid="ticket-side"
              value={ticket.side}
              onChange={(event) => {
                setTicket({ side: event.target.value === 'sell' ? 'sell' : 'buy' });
              }}
            >
              {SIDES.map((side) => (
                <option key={side} value={side}>
                  {side}
                </option>
              ))}
            </select>
          </label>
          <label>
            Type
            <select
              data-testid="ticket-type"
              value={ticket.type}
              onChange={(event) => {
                const type = ORDER_TYPES.find((t) => t === event.target.value);
                if (type !== undefined) setTicket({ type });
              }}
            >
              {ORDER_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </select>
          </label>
        </div>
        <div className="form-pair">
          <label>
            Quantity
            <input
              type="text"
              inputMode="decimal"
              data-testid="ticket-qty"
              value={ticket.quantity}
              onChange={(event) => {
                setTicket({ quantity: event.target.value });
              }}
            />
          </label>
          <label>
            Time in force
            <select
              data-testid="ticket-tif"
              value={ticket.timeInForce}
              onChange={(event) => {
                setTicket({ timeInForce: event.target.value === 'IOC' ? 'IOC' : 'GTC' });
              }}
            >
              <option value="GTC">GTC</option>
              <option value="IOC">IOC</option>
            </select>
          </label>
        </div>
        <div className="form-pair">
          <label>
            Price
            <input
              type="text"
              inputMode="decimal"
              data-testid="ticket-price"
              disabled={!needsPrice(ticket.type)}
              value={ticket.price}
              onChange={(event) => {
                setTicket({ price: event.target.value });
              }}
            />
          </label>
          <label>
            Stop price
            <input
              type="text"
              inputMode="decimal"
              data-testid="ticket-stop"
              disabled={!needsStop(ticket.type)}
              value={ticket.stopPrice}
              onChange={(event) => {
                setTicket({ stopPrice: event.target.value });
              }}
            />
          </label>
        </div>
        <div className="form-pair">
          <label className="inline" title="Limit orders only: refused instead of taking liquidity">
            <input
              type="checkbox"
              data-testid="ticket-post-only"
              disabled={ticket.type !== 'limit'}
              checked={ticket.postOnly}
              onChange={(event) => {
                setTicket({ postOnly: event.target.checked });
              }}
            />
            Post-only
          </label>
          <label className="inline">
            <input
              type="checkbox"
              data-testid="ticket-reduce-only"
              checked={ticket.reduceOnly}
              onChange={(event) => {
                setTicket({ reduceOnly: event.target.checked });
              }}
            />
            Reduce-only
          </label>
        </div>
        <button
          type="submit"
          className={ticket.side === 'buy' ? 'buy' : 'sell'}
          data-testid="ticket-submit"
          disabled={busy || instrument === ''}
        >
          {ticket.side === 'buy' ? 'Buy' : 'Sell'} {ticket.quantity} {instrument}
        </button>
        {outcome === null ? null : (
          <p
            className={outcome.ok ? 'ticket-outcome sent' : 'ticket-outcome refused'}
            role={outcome.ok ? 'status' : 'alert'}
            data-testid="ticket-outcome"
            data-ok={outcome.ok}
          >
            {outcome.ok ? `Sent as ${outcome.clientId}` : `Refused (${outcome.limit}): ${outcome.reason}`}
          </p>
        )}
      </form>
    </section>
  );
}
