/**
 * Each built-in market's published 2025–2028 calendar as the tests expect it, one table per MIC. A venue
 * that follows another's rule is written as that venue's table with its own facts over it. Export each
 * table here and nothing else: markets.test.ts runs every export.
 */

export { XASX } from './xasx.ts';
export { XETR } from './xetr.ts';
export { XEUR } from './xeur.ts';
export { XHKG } from './xhkg.ts';
export { XLON } from './xlon.ts';
export { XNAS } from './xnas.ts';
export { XNYS } from './xnys.ts';
export { XPAR } from './xpar.ts';
export { XSES } from './xses.ts';
export { XTKS } from './xtks.ts';
export { XTSE } from './xtse.ts';
