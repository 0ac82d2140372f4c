/**
 * Each built-in market's published 2025–2028 calendar as the tests expect it, one table per MIC. A venue
 * that follows another's rule is written as that venue's table with its own facts over it.
 */
import type { MarketTable } from '../market-table.ts';
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

export const MARKET_TABLES: readonly MarketTable[] = [
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
