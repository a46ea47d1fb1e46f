import { useEffect } from 'react';
import { useTrading } from '../../stores/context.js';
import { AllocationPanel } from './AllocationPanel.js';
import { AuditPanel } from './AuditPanel.js';
import { FillsTable, OpenOrdersTable, PositionsTable } from './BookTables.js';
import { LimitsPanel } from './LimitsPanel.js';
import { OrderTicketPanel } from './OrderTicketPanel.js';
import { PaperPanel } from './PaperPanel.js';
import { PanicButton } from './PanicButton.js';
import { PnlCurve } from './PnlCurve.js';
import { RefusalsList } from './RefusalsList.js';
import { RiskPanel } from './RiskPanel.js';
import { Toasts } from './Toasts.js';
import { VenueCards } from './VenueCards.js';
import './trading.css';

/**
 * The trading screen: venues and their arming, the paper strategy, orders, fills, PnL, limits,
 * risk and audit; below them the multi-instrument allocation and its paper rebalance.
 */
export function TradingView() {
  const problem = useTrading((s) => s.problem);
  const dismiss = useTrading((s) => s.dismissProblem);
  const refreshRefusals = useTrading((s) => s.refreshRefusals);
  const refreshAudit = useTrading((s) => s.refreshAudit);
  useEffect(() => {
    // Whatever happened while another view was open is listed again.
    void refreshRefusals();
    void refreshAudit();
  }, [refreshRefusals, refreshAudit]);
  return (
    <main className="trading-view" data-testid="trading-view">
      <div className="trading-bar">
        <VenueCards />
        <PanicButton />
      </div>
      {problem === null ? null : (
        <div className="trading-problem" role="alert" data-testid="trading-problem">
          <span>{problem}</span>
          <button type="button" onClick={dismiss} aria-label="dismiss">
            ✕
          </button>
        </div>
      )}
      <div className="trading-grid">
        <div className="trading-column">
          <PaperPanel />
          <OrderTicketPanel />
          <LimitsPanel />
        </div>
        <div className="trading-column wide">
          <PnlCurve />
          <PositionsTable />
          <OpenOrdersTable />
          <FillsTable />
        </div>
        <div className="trading-column">
          <RiskPanel />
          <RefusalsList />
          <AuditPanel />
        </div>
      </div>
      <AllocationPanel />
      <Toasts />
    </main>
  );
}
