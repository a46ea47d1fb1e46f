import { useMemo, useState } from 'react';
import { durationText, sortTrades, type RoundTrip, type TradeColumn } from './reportSeries.js';
import { utcText } from '../utcTime.js';

const COLUMNS: readonly { key: TradeColumn; title: string }[] = [
  { key: 'direction', title: 'Side' },
  { key: 'entryTs', title: 'Entry' },
  { key: 'exitTs', title: 'Exit' },
  { key: 'holdingMs', title: 'Held' },
  { key: 'quantity', title: 'Qty' },
  { key: 'entryPrice', title: 'Entry price' },
  { key: 'exitPrice', title: 'Exit price' },
  { key: 'pnl', title: 'PnL' },
  { key: 'fees', title: 'Fees' },
  { key: 'slippage', title: 'Slippage' },
  { key: 'netPnl', title: 'Net PnL' },
];

/** Rows drawn at most: a long run has tens of thousands of round trips; the sort covers them all. */
const ROWS_SHOWN = 500;

const money = (v: number): string =>
  v.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const price = (v: number): string => v.toLocaleString('en', { maximumFractionDigits: 8 });

function cell(trade: RoundTrip, key: TradeColumn): string {
  switch (key) {
    case 'direction':
      return trade.direction;
    case 'entryTs':
    case 'exitTs':
      return utcText(trade[key]);
    case 'holdingMs':
      return durationText(trade.holdingMs);
    case 'quantity':
    case 'entryPrice':
    case 'exitPrice':
      return price(trade[key]);
    case 'pnl':
    case 'fees':
    case 'slippage':
    case 'netPnl':
      return money(trade[key]);
    default: {
      const unknownColumn: never = key;
      return String(unknownColumn);
    }
  }
}

/** Round trips of the run, sortable by any column (click a header; again to reverse). */
export function TradesTable({ trades }: { trades: readonly RoundTrip[] }) {
  const [column, setColumn] = useState<TradeColumn>('entryTs');
  const [descending, setDescending] = useState(false);
  const sorted = useMemo(() => sortTrades(trades, column, descending), [trades, column, descending]);
  return (
    <div>
      <h4>
        Trades{' '}
        <span className="backtest-note">
          {trades.length} round trips
          {trades.length > ROWS_SHOWN ? `, first ${ROWS_SHOWN} of the order shown` : ''}
        </span>
      </h4>
      <div className="backtest-scroll trades">
        <table className="backtest-table" data-testid="bt-trades">
          <thead>
            <tr>
              {COLUMNS.map((c) => (
                <th
                  key={c.key}
                  className="sortable"
                  aria-sort={c.key === column ? (descending ? 'descending' : 'ascending') : 'none'}
                  data-testid={`bt-trades-sort-${c.key}`}
                  onClick={() => {
                    if (c.key === column) setDescending(!descending);
                    else {
                      setColumn(c.key);
                      setDescending(false);
                    }
                  }}
                >
                  {c.title}
                  {c.key === column ? (descending ? ' ▼' : ' ▲') : ''}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sorted.slice(0, ROWS_SHOWN).map((t, i) => (
              <tr key={i} className={t.direction}>
                {COLUMNS.map((c) => (
                  <td
                    key={c.key}
                    className={
                      c.key === 'netPnl' || c.key === 'pnl' ? (t[c.key] >= 0 ? 'good' : 'bad') : undefined
                    }
                  >
                    {cell(t, c.key)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
