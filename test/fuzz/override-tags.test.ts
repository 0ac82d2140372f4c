/**
 * Override tags are written by anyone with CreateTags, so what the service reads back from EC2 is hostile
 * input too. A valid override (reclaim the trading fleet to 0) is taken with one defect at
 * a time: oversized, malformed numbers, bad or far times, control characters, missing parts. Each must be
 * ignored with a warning that says so, and the decision must be what it is without an override.
 */

import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import type { SeedState } from '@odcr-reclaimer/local-aws/types.ts';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { reconcile } from '#shared/reconcile/reconcile.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { TRADING, useLocalService } from '../support/local-service.ts';
import { fuzzParameters } from './support.ts';

const NOW = '2025-03-12T22:00:00.000Z';
const MINUTE = 60_000;
const at = (offsetMinutes: number) => new Date(Date.parse(NOW) + offsetMinutes * MINUTE).toISOString();

const VALID_OVERRIDE: Record<string, string> = {
  [TAG.overrideAction]: 'reclaim',
  [TAG.overrideTarget]: '0',
  [TAG.overrideExpires]: at(60),
  [TAG.overrideReason]: 'INC-1 fuzz',
  [TAG.overrideSetAt]: at(-1),
};

const oversized = fc.integer({ min: 257, max: 5_000 }).map((length) => '9'.repeat(length));
const notATarget = fc.oneof(
  fc.constantFrom('1001', '-1', '01', '1e2', '５', ' 0', '0 ', '0x0', '', '0.0', '+0', 'NaN', '١'),
  fc
    .string({ unit: 'grapheme', minLength: 1, maxLength: 8 })
    .filter((text) => !/^(0|[1-9]\d{0,3})$/.test(text)),
);
const notAnInstant = fc.oneof(
  fc.constantFrom(
    '2026-02-30T25:61:00Z',
    'tomorrow',
    '',
    '1741816800',
    '2025-03-12 23:00',
    `${at(60)}\u0000`,
  ),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
);

/** One defect applied to the valid override; each makes it unusable by construction. */
const defect: fc.Arbitrary<{ name: string; tags: Record<string, string | undefined> }> = fc.oneof(
  fc
    .constantFrom(...Object.keys(VALID_OVERRIDE))
    .chain((key) => oversized.map((value) => ({ name: `${key} oversized`, tags: { [key]: value } }))),
  fc
    .constantFrom(...Object.keys(VALID_OVERRIDE))
    .map((key) => ({ name: `${key} missing`, tags: { [key]: undefined } })),
  fc
    .string({ unit: 'grapheme', maxLength: 20 })
    .filter((action) => action !== 'reclaim' && action !== 'lend')
    .map((action) => ({ name: 'bad action', tags: { [TAG.overrideAction]: action } })),
  notATarget.map((target) => ({ name: 'bad target', tags: { [TAG.overrideTarget]: target } })),
  notAnInstant
    .filter((text) => Number.isNaN(Date.parse(text)) || !/Z|[+-]\d\d:\d\d$/.test(text))
    .map((text) => ({ name: 'bad expiry', tags: { [TAG.overrideExpires]: text } })),
  fc.integer({ min: 24 * 60 + 1, max: 10 * 365 * 24 * 60 }).map((minutes) => ({
    name: 'outlives 24 h',
    tags: { [TAG.overrideExpires]: at(minutes - 1) },
  })),
  fc.integer({ min: 6, max: 100_000 }).map((minutes) => ({
    name: 'set in the future',
    tags: { [TAG.overrideSetAt]: at(minutes), [TAG.overrideExpires]: at(minutes + 30) },
  })),
  fc
    .tuple(fc.string({ maxLength: 20 }), fc.integer({ min: 0, max: 31 }), fc.string({ maxLength: 20 }))
    .map(([before, code, after]) => ({
      name: 'control character in reason',
      tags: { [TAG.overrideReason]: `${before}${String.fromCharCode(code)}${after}` },
    })),
);

const service = useLocalService({ now: NOW, maxAttempts: 1 });
const fleet: SeedState = loadExampleFleet();

/** Re-seeds the example fleet with these tags on the trading reservation (seeding bypasses EC2's 256 limit). */
function seedTradingTags(tags: Record<string, string>): void {
  service().aws.admin.reset();
  service().aws.admin.seed({
    ...fleet,
    now: NOW,
    reservations: (fleet.reservations ?? []).map((seeded) =>
      seeded.id === TRADING ? { ...seeded, tags: { ...seeded.tags, ...tags } } : seeded,
    ),
  });
}

async function tradingPlan() {
  const result = await reconcile({
    trigger: { kind: 'schedule', id: 'override-fuzz' },
    now: new Date(NOW),
    gateways: service().gateways,
    config: service().config,
    mode: 'plan',
  });
  const outcome = result.outcomes.find((entry) => entry.reservationId === TRADING);
  if (!outcome) throw new Error('no decision for the trading reservation');
  return { outcome, warnings: result.warnings };
}

describe('override tags read back from EC2', () => {
  it('honours the valid override (so the defects below are what makes the difference)', async () => {
    seedTradingTags({});
    const without = await tradingPlan();
    seedTradingTags(VALID_OVERRIDE);
    const withOverride = await tradingPlan();
    expect(without.outcome.to).toBe(60);
    expect(withOverride.outcome.to).toBe(0);
  });

  it('ignores an override with any one defect, says so, and decides as without it', async () => {
    await fc.assert(
      fc.asyncProperty(defect, async ({ name, tags }) => {
        const defective: Record<string, string> = {};
        for (const [key, value] of Object.entries({ ...VALID_OVERRIDE, ...tags })) {
          if (value !== undefined) defective[key] = value;
        }
        seedTradingTags(defective);
        const { outcome, warnings } = await tradingPlan();
        expect(outcome.to, name).toBe(60);
        expect(
          warnings.some((warning) => warning.startsWith(`${TRADING}: override ignored`)),
          name,
        ).toBe(true);
      }),
      fuzzParameters(60),
    );
    expect(
      service().aws.admin.calls({
        service: 'ec2',
        action: 'UpdateInterruptibleCapacityReservationAllocation',
      }).calls,
    ).toEqual([]);
  });
});
