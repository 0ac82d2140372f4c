import { describe, expect, it } from 'vitest';
import { BUILT_IN_MARKETS } from '#shared/calendar/index.ts';
import { describeMarketTable } from './market-table.ts';
import * as venues from './venues.ts';

const TABLES = Object.values(venues);

describe('market tables', () => {
  it('cover every built-in market once', () => {
    expect(TABLES.map((table) => table.mic).sort()).toEqual([...BUILT_IN_MARKETS].sort());
  });
});

for (const table of TABLES) describeMarketTable(table);
