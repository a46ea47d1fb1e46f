import type { ComponentType } from 'react';
import { MarketsView } from './markets/MarketsView.js';

/** One screen of the workstation, reachable from the tabs in the header. */
export interface WorkstationView {
  readonly id: string;
  readonly title: string;
  readonly component: ComponentType;
}

/** The screens in tab order. A new view adds one line here. */
export const VIEWS: readonly WorkstationView[] = [
  { id: 'markets', title: 'Markets', component: MarketsView },
];
