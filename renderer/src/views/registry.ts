import type { ComponentType } from 'react';
import { BacktestsView } from './backtests/BacktestsView.js';
import { FeaturesView } from './features/FeaturesView.js';
import { DataView } from './data/DataView.js';
import { MarketsView } from './markets/MarketsView.js';
import { SettingsView } from './settings/SettingsView.js';
import { SignalsView } from './signals/SignalsView.js';
import { TradingView } from './trading/TradingView.js';
import { TrainingView } from './training/TrainingView.js';

/** One screen of the workstation, reachable from the tabs in the header. */
export interface WorkstationView {
  readonly id: string;
  readonly title: string;
  readonly component: ComponentType;
}

/** The screens in tab order. A new view adds one line here. */
export const VIEWS: readonly WorkstationView[] = [
  { id: 'markets', title: 'Markets', component: MarketsView },
  { id: 'data', title: 'Data', component: DataView },
  { id: 'features', title: 'Features', component: FeaturesView },
  { id: 'backtests', title: 'Backtests', component: BacktestsView },
  { id: 'training', title: 'Training', component: TrainingView },
  { id: 'signals', title: 'Signals', component: SignalsView },
  { id: 'trading', title: 'Trading', component: TradingView },
  { id: 'settings', title: 'Settings', component: SettingsView },
];
