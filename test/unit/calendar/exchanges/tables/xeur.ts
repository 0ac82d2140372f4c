import type { MarketTable } from '../market-table.ts';
import { XETR } from './xetr.ts';

/** Eurex's holiday rule names Xetra's non-trading days; FESX trades longer hours and has no short last day. */
export const XEUR: MarketTable = {
  mic: 'XEUR',
  open: '01:10',
  close: '22:00',
  closures: XETR.closures,
  earlyCloses: [],
};
