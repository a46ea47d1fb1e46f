import { useState } from 'react';
import type { TradingState } from '../../../../shared/api/domains/trading.js';
import { useTrading } from '../../stores/context.js';
import { armPhrase } from '../../stores/trading.js';
import { askDesktopPermissionOnce } from './desktopNotices.js';
import { money } from './tradingFormat.js';

type VenueState = TradingState['venues'][number];

/** One card per venue: armed or not in big colours, why it is disarmed, Arm and Disarm. */
export function VenueCards() {
  const venues = useTrading((s) => s.state?.venues ?? []);
  const [arming, setArming] = useState<string | null>(null);
  return (
    <div className="venue-cards" data-testid="venue-cards">
      {venues.length === 0 ? (
        <span className="panel-note">No venue yet: the trading service is starting.</span>
      ) : null}
      {venues.map((venue) => (
        <VenueCard
          key={venue.venue}
          venue={venue}
          onArm={() => {
            void askDesktopPermissionOnce();
            setArming(venue.venue);
          }}
        />
      ))}
      {arming === null ? null : (
        <ArmDialog
          venue={arming}
          onClose={() => {
            setArming(null);
          }}
        />
      )}
    </div>
  );
}

function VenueCard({ venue, onArm }: { venue: VenueState; onArm: () => void }) {
  const disarm = useTrading((s) => s.disarm);
  const live = venue.kind === 'live';
  const state = venue.armed ? 'ARMED' : 'DISARMED';
  return (
    <section
      className={`venue-card ${venue.kind} ${venue.armed ? 'armed' : 'disarmed'}`}
      data-testid={`venue-card-${venue.venue}`}
      data-armed={venue.armed}
      aria-label={`${venue.venue} venue`}
    >
      <header>
        <b>{venue.venue}</b>
        <span className="panel-note">{live ? 'live' : 'paper'}</span>
        {venue.connected ? null : <span className="venue-offline">offline</span>}
      </header>
      <div className="venue-armed" data-testid={`venue-state-${venue.venue}`}>
        {state}
      </div>
      {venue.disarmedReason === null ? null : (
        <div className="venue-reason" data-testid={`venue-reason-${venue.venue}`}>
          {venue.disarmedReason}
        </div>
      )}
      <div className="venue-facts">
        <span>equity {venue.equity === null ? '—' : money(venue.equity)}</span>
        {venue.strategy === null ? null : (
          <span data-testid={`venue-strategy-${venue.venue}`}>
            runs {venue.strategy.kind} on {venue.strategy.instrument}
          </span>
        )}
      </div>
      {/* Paper is armed from the start; it disarms only when a breaker trips, and arms the same way. */}
      {live || !venue.armed ? (
        <div className="venue-actions">
          <button type="button" data-testid={`arm-${venue.venue}`} disabled={venue.armed} onClick={onArm}>
            Arm…
          </button>
          <button
            type="button"
            data-testid={`disarm-${venue.venue}`}
            disabled={!venue.armed}
            onClick={() => {
              void disarm(venue.venue);
            }}
          >
            Disarm
          </button>
        </div>
      ) : null}
    </section>
  );
}

/** The user types the exact phrase; the button stays disabled until it matches. */
function ArmDialog({ venue, onClose }: { venue: string; onClose: () => void }) {
  const arm = useTrading((s) => s.arm);
  const [typed, setTyped] = useState('');
  const phrase = armPhrase(venue);
  const matches = typed === phrase;
  return (
    <div className="arm-backdrop">
      <form
        className="arm-dialog"
        role="dialog"
        aria-label={`Arm live trading on ${venue}`}
        data-testid="arm-dialog"
        onSubmit={(event) => {
          event.preventDefault();
          if (!matches) return;
          void arm(venue, typed).then((armed) => {
            if (armed) onClose();
          });
        }}
      >
        <h2>Arm live trading on {venue}</h2>
        <p>
          Orders will reach the exchange with real money, under the risk limits. Type{' '}
          <code data-testid="arm-expected">{phrase}</code> to confirm.
        </p>
        <input
          type="text"
          autoComplete="off"
          spellCheck={false}
          data-testid="arm-phrase"
          value={typed}
          onChange={(event) => {
            setTyped(event.target.value);
          }}
        />
        <div className="arm-actions">
          <button type="submit" className="danger" data-testid="arm-confirm" disabled={!matches}>
            Arm {venue}
          </button>
          <button type="button" data-testid="arm-cancel" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
