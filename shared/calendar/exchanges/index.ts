/**
 * The built-in exchange calendars, one file per market (MIC), each with its sources per year. A market is
 * added here and nowhere else: the config's market names, the calendar and the derived triggers read this list.
 */
import type { ExchangeCalendarData } from '../data.ts';
import { XASX } from './xasx.ts';
import { XETR } from './xetr.ts';
import { XEUR } from './xeur.ts';
import { XHKG } from './xhkg.ts';
import { XLON } from './xlon.ts';
import { XNAS } from './xnas.ts';
import { XNYS } from './xnys.ts';
import { XPAR } from './xpar.ts';
import { XSES } from './xses.ts';
import { XTKS } from './xtks.ts';
import { XTSE } from './xtse.ts';

export const BUILT_IN_EXCHANGES: readonly ExchangeCalendarData[] = [
  XNYS,
  XNAS,
  XLON,
  XTKS,
  XTSE,
  XHKG,
  XASX,
  XSES,
  XETR,
  XEUR,
  XPAR,
];
