import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/schema.ts';
import {
  DEFAULT_EC2_REQUEST_LIMITS,
  EC2_API_CLASS_DEFAULTS,
  ec2RequestLimits,
  reclaimUpdateBucket,
} from '#shared/domain/ec2-request-limits.ts';
import { Ec2RequestPacer } from '#shared/gateways/ec2-pacer.ts';
import { configIssues, exampleConfigInput } from '../../support/config-input.ts';

describe("the config's EC2 request limits", () => {
  it("are EC2's defaults when the config states none", () => {
    const config = parseConfig(exampleConfigInput());
    expect(config.ec2RequestLimits).toBeUndefined();
    expect(ec2RequestLimits(config.ec2RequestLimits)).toEqual(DEFAULT_EC2_REQUEST_LIMITS);
  });

  it('raise only the classes they state, and the reclaim is sent at the raised rate', () => {
    const config = parseConfig({
      ...exampleConfigInput(),
      ec2RequestLimits: { mutating: { capacity: 200, refillPerSecond: 20 } },
    });
    const limits = ec2RequestLimits(config.ec2RequestLimits);
    expect(limits.mutating).toEqual({ capacity: 200, refillPerSecond: 20 });
    expect(limits.nonMutating).toEqual(EC2_API_CLASS_DEFAULTS.nonMutating);
    expect(reclaimUpdateBucket(limits)).toEqual({ capacity: 200, refillPerSecond: 20 });
  });

  it('pace the gateway: the raised burst goes at once, the default one would have waited', async () => {
    let now = 0;
    const slept: number[] = [];
    const clock = {
      now: () => new Date(now),
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
    };
    const limits = ec2RequestLimits({ mutating: { capacity: 100, refillPerSecond: 5 } });
    const pacer = new Ec2RequestPacer({ clock, limits });
    for (let call = 0; call < 80; call++)
      await pacer.acquire('UpdateInterruptibleCapacityReservationAllocation');
    expect(slept).toEqual([]);
    const defaults = new Ec2RequestPacer({ clock });
    for (let call = 0; call < 80; call++)
      await defaults.acquire('UpdateInterruptibleCapacityReservationAllocation');
    expect(slept.length).toBeGreaterThan(0);
  });

  it.each([
    [{ mutating: { capacity: 0, refillPerSecond: 5 } }, 'ec2RequestLimits.mutating.capacity', /at least 1/],
    [
      { mutating: { capacity: 2.5, refillPerSecond: 5 } },
      'ec2RequestLimits.mutating.capacity',
      /whole number/,
    ],
    [
      { createTags: { capacity: 100, refillPerSecond: 0 } },
      'ec2RequestLimits.createTags.refillPerSecond',
      /above 0/,
    ],
    [{ nonMutating: { capacity: 100 } }, 'ec2RequestLimits.nonMutating.refillPerSecond', /./],
    [{ mutatng: { capacity: 100, refillPerSecond: 5 } }, 'ec2RequestLimits.mutatng', /unknown field/],
    [
      { deleteTags: { capacity: 100, refillPerSecond: 5, burst: 3 } },
      'ec2RequestLimits.deleteTags.burst',
      /unknown field/,
    ],
  ])('refuse %j naming the field', (limits, path, message) => {
    const issues = configIssues({ ...exampleConfigInput(), ec2RequestLimits: limits });
    const issue = issues.find((candidate) => candidate.path === path);
    expect({ path: issue?.path, issues }).toMatchObject({ path });
    expect(`${issue?.message}`).toMatch(message);
  });
});
