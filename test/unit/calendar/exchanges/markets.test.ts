import { describe, expect, it } from 'vitest';
import { BUILT_IN_MARKETS } from '#shared/calendar/index.ts';
import { describeMarketTable } from './market-table.ts';
import * as tables from './tables/index.ts';

const MARKET_TABLES = Object.values(tables);

describe('market tables', () => {
  it('cover every built-in market once', () => {
    expect(MARKET_TABLES.map((table) => table.mic).sort()).toEqual([...BUILT_IN_MARKETS].sort());
  });
});

for (const table of MARKET_TABLES) describeMarketTable(table);
