import { describe, expect, it } from 'vitest';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { noRecords } from '#shared/domain/records.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import type { ObservedShare } from '#shared/domain/share-plan.ts';
import type { SharingGateway, SharingScope } from '#shared/gateways/sharing.ts';
import { createSilentLogger } from '#shared/logging/logger.ts';
import { keepSharesInStep, type SharingInput } from '#shared/reconcile/sharing.ts';
import { readRecords } from '#shared/records/read-records.ts';

const EXAMPLE = new URL('../../../config/example.json', import.meta.url).pathname;
const TRADING = 'cr-0123456789abcdef0';
const SPOKE_RESERVATION = 'cr-0aaaaaaaaaaaaaaa1';
const SPOKE = '333333333333';
const BORROWER = '555555555555';
const NOW = new Date('2025-03-12T02:00:00Z');

interface MemoryShare {
  shareArn: string;
  sourceReservationId: string;
  principals: string[];
  resourceArns: string[];
}

/** RAM in memory, one per account and region, with the calls it got. */
class MemoryRam implements SharingGateway {
  shares: MemoryShare[] = [];
  calls: string[] = [];
  failing = false;
  async describeShares(): Promise<ObservedShare[]> {
    this.calls.push('GetResourceShares');
    if (this.failing) throw new Error('AccessDeniedException');
    return this.shares.map((share) => ({ ...share }));
  }
  async createShare(request: {
    sourceReservationId: string;
    principals: readonly string[];
    resourceArns: readonly string[];
  }) {
    this.calls.push('CreateResourceShare');
    const shareArn = `arn:aws:ram:us-east-1:1:resource-share/${this.shares.length}`;
    this.shares.push({
      shareArn,
      sourceReservationId: request.sourceReservationId,
      principals: [...request.principals],
      resourceArns: [...request.resourceArns],
    });
    return shareArn;
  }
  async associate(
    shareArn: string,
    what: { principals: readonly string[]; resourceArns: readonly string[] },
  ) {
    this.calls.push('AssociateResourceShare');
    const share = this.find(shareArn);
    share.principals = [...share.principals, ...what.principals];
    share.resourceArns = [...share.resourceArns, ...what.resourceArns];
  }
  async disassociate(
    shareArn: string,
    what: { principals: readonly string[]; resourceArns: readonly string[] },
  ) {
    this.calls.push('DisassociateResourceShare');
    const share = this.find(shareArn);
    share.principals = share.principals.filter((principal) => !what.principals.includes(principal));
    share.resourceArns = share.resourceArns.filter((arn) => !what.resourceArns.includes(arn));
  }
  private find(arn: string): MemoryShare {
    const share = this.shares.find((entry) => entry.shareArn === arn);
    if (share === undefined) throw new Error(`no share ${arn}`);
    return share;
  }
}

function snapshot(
  id: string,
  interruptibleId: string | undefined,
  extra: Partial<ReservationSnapshot> = {},
): ReservationSnapshot {
  return {
    reservationId: id,
    arn: `arn:aws:ec2:us-east-1:${extra.accountId ?? '123456789012'}:capacity-reservation/${id}`,
    region: 'us-east-1',
    instanceType: 'r7i.4xlarge',
    availabilityZone: 'us-east-1a',
    state: 'active',
    sourceTotal: 40,
    sourceAvailable: 0,
    owned: 100,
    tags: {},
    records: noRecords(),
    ...(interruptibleId === undefined
      ? {}
      : {
          allocation: {
            interruptibleReservationId: interruptibleId,
            current: 60,
            target: 60,
            status: 'active',
            zeroSizePreference: 'retain',
          },
        }),
    ...extra,
  };
}

function setup(borrowers: string[] = [BORROWER]) {
  const base = loadConfigFile(EXAMPLE);
  const config = parseConfig({
    ...JSON.parse(JSON.stringify(base)),
    reservations: [
      ...JSON.parse(JSON.stringify(base.reservations)).map((entry: { id?: string }) =>
        entry.id === TRADING && borrowers.length > 0
          ? { ...entry, borrowers: { accounts: borrowers } }
          : entry,
      ),
      {
        id: SPOKE_RESERVATION,
        name: 'spoke-trading',
        market: 'XNYS',
        tradingNeed: 'all',
        offHoursNeed: 40,
        borrowers: { accounts: [BORROWER] },
      },
    ],
    accounts: [{ id: SPOKE, role: 'odcr-reclaimer-spoke' }],
  });
  const rams = new Map<string, MemoryRam>();
  const ram = (scope: SharingScope) => {
    const key = scope.accountId ?? 'hub';
    if (!rams.has(key)) rams.set(key, new MemoryRam());
    return rams.get(key) as MemoryRam;
  };
  const tags = new Map<string, Record<string, string>>();
  const input = (snapshots: ReservationSnapshot[]): SharingInput => ({
    snapshots: snapshots.map((entry) => {
      // As EC2 and its adapter would: the tags written so far, read back as records.
      const held = { ...entry.tags, ...tags.get(entry.reservationId) };
      return { ...entry, tags: held, records: readRecords(held) };
    }),
    names: new Map([
      [TRADING, 'xnys-trading-r7i'],
      [SPOKE_RESERVATION, 'spoke-trading'],
    ]),
    config,
    sharing: ram,
    capacity: {
      tag: async (id, written) => {
        tags.set(id, { ...tags.get(id), ...written });
      },
      untag: async (id, keys) => {
        const kept = { ...tags.get(id) };
        for (const key of keys) delete kept[key];
        tags.set(id, kept);
      },
    },
    triggerId: 'test',
    now: NOW,
    log: createSilentLogger(),
  });
  return { ram, rams, tags, input, config };
}

const INTERRUPTIBLE = 'cr-0cccccccccccccc01';
const RECREATED = 'cr-0cccccccccccccc02';
const arnOf = (id: string, account = '123456789012') =>
  `arn:aws:ec2:us-east-1:${account}:capacity-reservation/${id}`;

describe('keeping shares in step', () => {
  it('shares each interruptible reservation with its borrowers, in its own account', async () => {
    const { ram, input, tags } = setup();
    const result = await keepSharesInStep(
      input([
        snapshot(TRADING, INTERRUPTIBLE),
        snapshot(SPOKE_RESERVATION, 'cr-0dddddddddddddd01', { accountId: SPOKE }),
      ]),
    );
    expect(result).toMatchObject({ drifts: 0, notInStep: 0, warnings: [] });
    expect(ram({ region: 'us-east-1' }).shares).toEqual([
      expect.objectContaining({
        sourceReservationId: TRADING,
        principals: [BORROWER],
        resourceArns: [arnOf(INTERRUPTIBLE)],
      }),
    ]);
    expect(ram({ accountId: SPOKE, region: 'us-east-1' }).shares).toEqual([
      expect.objectContaining({ resourceArns: [arnOf('cr-0dddddddddddddd01', SPOKE)] }),
    ]);
    expect(tags.get(TRADING)?.['odcr-reclaimer:shared-with']).toBeDefined();
    // In step: the next run only reads.
    const hub = ram({ region: 'us-east-1' });
    hub.calls = [];
    await keepSharesInStep(input([snapshot(TRADING, INTERRUPTIBLE)]));
    expect(hub.calls).toEqual(['GetResourceShares']);
  });

  it('puts back a principal added or removed by hand, with a record and an event', async () => {
    const { ram, input, tags } = setup();
    await keepSharesInStep(input([snapshot(TRADING, INTERRUPTIBLE)]));
    const hub = ram({ region: 'us-east-1' });
    const share = hub.shares[0];
    if (share === undefined) throw new Error('no share');
    share.principals = ['999999999999'];
    const result = await keepSharesInStep(input([snapshot(TRADING, INTERRUPTIBLE)]));
    expect(result.drifts).toBe(1);
    expect(hub.shares[0]?.principals).toEqual([BORROWER]);
    expect(result.events).toEqual([
      expect.objectContaining({
        detailType: 'Sharing Drift Corrected',
        detail: expect.objectContaining({
          reservationId: TRADING,
          added: ['999999999999'],
          removed: [BORROWER],
          sharedWith: [BORROWER],
        }),
      }),
    ]);
    expect(tags.get(TRADING)?.['odcr-reclaimer:share-drift']).toBe(
      `${NOW.toISOString()}|+999999999999|-${BORROWER}`,
    );
  });

  it('follows a re-created allocation to its new interruptible reservation, without calling it drift', async () => {
    const { ram, input } = setup();
    await keepSharesInStep(input([snapshot(TRADING, INTERRUPTIBLE)]));
    const result = await keepSharesInStep(input([snapshot(TRADING, RECREATED)]));
    expect(result.drifts).toBe(0);
    expect(ram({ region: 'us-east-1' }).shares[0]).toMatchObject({
      principals: [BORROWER],
      resourceArns: [arnOf(RECREATED)],
    });
  });

  it('does not count a config change as drift, and empties the share when nobody borrows', async () => {
    const first = setup();
    await keepSharesInStep(first.input([snapshot(TRADING, INTERRUPTIBLE)]));
    const changed = setup([BORROWER, '666666666666']);
    // The same RAM and records, a new config.
    const result = await keepSharesInStep({
      ...changed.input([snapshot(TRADING, INTERRUPTIBLE, { tags: first.tags.get(TRADING) ?? {} })]),
      sharing: first.ram,
    });
    expect(result.drifts).toBe(0);
    expect(first.ram({ region: 'us-east-1' }).shares[0]?.principals).toEqual([BORROWER, '666666666666']);
    const nobody = setup([]);
    await keepSharesInStep({
      ...nobody.input([snapshot(TRADING, INTERRUPTIBLE, { tags: first.tags.get(TRADING) ?? {} })]),
      sharing: first.ram,
    });
    expect(first.ram({ region: 'us-east-1' }).shares[0]).toMatchObject({ principals: [], resourceArns: [] });
  });

  it("keeps going when one account's RAM refuses, and makes no RAM call for reservations lent to nobody", async () => {
    const { ram, input } = setup();
    ram({ accountId: SPOKE, region: 'us-east-1' }).failing = true;
    const result = await keepSharesInStep(
      input([
        snapshot(TRADING, INTERRUPTIBLE),
        snapshot(SPOKE_RESERVATION, 'cr-0dddddddddddddd01', { accountId: SPOKE }),
      ]),
    );
    expect(result.notInStep).toBe(1);
    expect(result.warnings).toEqual([expect.stringContaining(`account ${SPOKE} us-east-1 not read`)]);
    expect(ram({ region: 'us-east-1' }).shares).toHaveLength(1);

    const none = setup([]);
    await keepSharesInStep(none.input([snapshot(TRADING, INTERRUPTIBLE)]));
    expect(none.rams.get('hub')).toBeUndefined();
  });
});
