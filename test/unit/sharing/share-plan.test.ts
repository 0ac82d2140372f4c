import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DesiredShare,
  interruptibleReservationArn,
  type ObservedShare,
  planShare,
  principalsDigest,
} from '#shared/domain/share-plan.ts';
// Principals: two accounts and an organizational unit.
import {
  MEMBER_ACCOUNT as A,
  UNIT_MEMBER_ACCOUNT as B,
  capacityReservationArn,
  HUB_ACCOUNT,
  UNIT_ARN as OU,
  OUTSIDER_ACCOUNT,
} from '../../support/accounts.ts';

const SOURCE = 'cr-0123456789abcdef0';
// The interruptible reservations of two allocations in turn, and the share RAM holds them in.
const OLD = capacityReservationArn('cr-0aaaaaaaaaaaaaaa0');
const NEW = capacityReservationArn('cr-0bbbbbbbbbbbbbbb0');
const SHARE = `arn:aws:ram:us-east-1:${HUB_ACCOUNT}:resource-share/share-1`;

function desired(principals: string[], resourceArn: string | undefined, recorded?: string[]): DesiredShare {
  return {
    sourceReservationId: SOURCE,
    principals,
    ...(resourceArn === undefined ? {} : { resourceArn }),
    ...(recorded === undefined ? {} : { recordedDigest: principalsDigest(recorded) }),
  };
}

function observed(principals: string[], resourceArns: string[]): ObservedShare {
  return { shareArn: SHARE, sourceReservationId: SOURCE, principals, resourceArns };
}

describe('the share plan', () => {
  it('creates the share once there is an interruptible reservation and someone to share it with', () => {
    expect(planShare(desired([B, A], NEW), undefined).action).toEqual({
      kind: 'create',
      principals: [A, B],
      resourceArns: [NEW],
    });
    expect(planShare(desired([A], undefined), undefined).action).toBeUndefined();
    expect(planShare(desired([], NEW), undefined).action).toBeUndefined();
  });

  it('does nothing when RAM already holds the config', () => {
    const plan = planShare(desired([A, OU], NEW, [A, OU]), observed([OU, A], [NEW]));
    expect(plan).toEqual({ digest: principalsDigest([A, OU]) });
  });

  it('follows a re-created allocation: the new interruptible reservation in, the cancelled one out', () => {
    const plan = planShare(desired([A], NEW, [A]), observed([A], [OLD]));
    expect(plan.action).toEqual({
      kind: 'update',
      shareArn: SHARE,
      associate: { principals: [], resourceArns: [NEW] },
      disassociate: { principals: [], resourceArns: [OLD] },
    });
    expect(plan.drift).toBeUndefined();
  });

  it('calls a principal added or removed by hand drift, and puts the config back', () => {
    const plan = planShare(desired([A, B], NEW, [A, B]), observed([A, OU], [NEW]));
    expect(plan.action).toEqual({
      kind: 'update',
      shareArn: SHARE,
      associate: { principals: [B], resourceArns: [] },
      disassociate: { principals: [OU], resourceArns: [] },
    });
    expect(plan.drift).toEqual({ added: [OU], removed: [B] });
  });

  it('does not call a change of the config drift', () => {
    // The record names the principals before the config changed: RAM differs because the config does.
    const plan = planShare(desired([A, B], NEW, [A]), observed([A], [NEW]));
    expect(plan.action).toMatchObject({ associate: { principals: [B] } });
    expect(plan.drift).toBeUndefined();
  });

  it('empties the share when the config lends to nobody any more', () => {
    const plan = planShare(desired([], NEW, [A]), observed([A], [NEW]));
    expect(plan.action).toEqual({
      kind: 'update',
      shareArn: SHARE,
      associate: { principals: [], resourceArns: [] },
      disassociate: { principals: [A], resourceArns: [NEW] },
    });
  });

  it('after its action, RAM holds exactly the config (any config, any RAM)', () => {
    const principal = fc.constantFrom(A, B, OU, OUTSIDER_ACCOUNT);
    const resource = fc.constantFrom(OLD, NEW);
    fc.assert(
      fc.property(
        fc.array(principal),
        fc.option(resource, { nil: undefined }),
        fc.array(principal),
        fc.array(resource),
        (wanted, current, held, heldResources) => {
          const before = observed([...new Set(held)], [...new Set(heldResources)]);
          const { action } = planShare(desired(wanted, current), before);
          const principals = new Set(before.principals);
          const resources = new Set(before.resourceArns);
          if (action?.kind === 'update') {
            for (const p of action.associate.principals) principals.add(p);
            for (const r of action.associate.resourceArns) resources.add(r);
            for (const p of action.disassociate.principals) principals.delete(p);
            for (const r of action.disassociate.resourceArns) resources.delete(r);
          }
          expect([...principals].sort()).toEqual([...new Set(wanted)].sort());
          const expectedResources = wanted.length === 0 || current === undefined ? [] : [current];
          expect([...resources]).toEqual(expectedResources);
        },
      ),
    );
  });

  it('digests a set of principals whatever its order and repeats, in a tag value', () => {
    expect(principalsDigest([A, B, A])).toBe(principalsDigest([B, A]));
    expect(principalsDigest([A])).not.toBe(principalsDigest([B]));
    const many = Array.from({ length: 500 }, (_, index) => String(100000000000 + index));
    expect(principalsDigest(many).length).toBeLessThan(256);
  });

  it("names the interruptible reservation by its source's ARN", () => {
    expect(
      interruptibleReservationArn(
        'arn:aws-cn:ec2:cn-north-1:123456789012:capacity-reservation/cr-0123456789abcdef0',
        'cr-0bbbbbbbbbbbbbbb0',
      ),
    ).toBe('arn:aws-cn:ec2:cn-north-1:123456789012:capacity-reservation/cr-0bbbbbbbbbbbbbbb0');
    expect(() => interruptibleReservationArn('cr-0123', 'cr-1')).toThrow(RangeError);
  });
});
