import type { MarketTable } from '../market-table.ts';
import { XNYS } from './xnys.ts';

/** Nasdaq keeps NYSE's holidays, early closes and hours. */
export const XNAS: MarketTable = { ...XNYS, mic: 'XNAS' };
