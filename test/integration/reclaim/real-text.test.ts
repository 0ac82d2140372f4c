import { describe, expect, it } from 'vitest';
import type { ErrorAnswer } from '#shared/on-demand/answer.ts';
import type { ChangeAnswer } from '#shared/on-demand/run-on-demand.ts';
import { codePointLength, hasLoneSurrogate } from '#shared/records/text.ts';
import { type LocalService, reservation, startLocalService, TRADING } from '../../support/local-service.ts';
import { runOnDemand } from './runs.ts';

// After the XNYS close on Wednesday 2025-03-12: the fleet is lent.
const OFF_HOURS = '2025-03-12T22:00:00Z';
const SIREN = '\u{1F6A8}';

/** On-call's reclaim of the whole trading fleet for an hour, with these fields. */
function reclaimTrading(local: LocalService, fields: Record<string, unknown>) {
  return runOnDemand(local, {
    action: 'reclaim',
    reservations: [TRADING],
    everything: true,
    for: '1h',
    ...fields,
  });
}

describe('records that survive real text', () => {
  it('records a reason of 200 emoji, cut by code point where the request record needs it', async () => {
    const service = await startLocalService({ now: OFF_HOURS });
    const reason = SIREN.repeat(200);

    const answer = (await reclaimTrading(service, { reason })) as ChangeAnswer;

    expect(answer).toMatchObject({ ok: true });
    expect(answer.result.warnings.filter((warning) => warning.includes('not recorded'))).toEqual([]);
    const tags = reservation(service.aws, TRADING).tags;
    expect(tags['odcr-reclaimer:override-reason']).toBe(reason);
    const recorded = tags['odcr-reclaimer:request-reason'] ?? '';
    expect(codePointLength(recorded)).toBe(256);
    expect(hasLoneSurrogate(recorded)).toBe(false);
    expect(recorded.endsWith(`${SIREN}…`)).toBe(true);
  });

  it.each([
    ['a reason', { reason: 'INC-1 \ud83d' }, 'reason'],
    ['a group', { group: 'risk-\udc00engine', reservations: undefined }, 'group'],
  ])('rejects a lone surrogate in %s naming the field, with zero AWS calls', async (_name, change, field) => {
    const service = await startLocalService({ now: OFF_HOURS });
    const before = service.aws.admin.calls({}).calls.length;

    const answer = (await reclaimTrading(service, { reason: 'ok', ...change })) as ErrorAnswer;

    expect(answer.ok).toBe(false);
    expect(answer.error).toMatchObject({ code: 'ValidationError', field });
    expect(answer.error.message).toMatch(/lone UTF-16 surrogate/);
    expect(service.aws.admin.calls({}).calls).toHaveLength(before);
  });

  it('rejects a reason over 256 characters as EC2 counts them', async () => {
    const service = await startLocalService({ now: OFF_HOURS });

    const answer = (await reclaimTrading(service, { reason: SIREN.repeat(257) })) as ErrorAnswer;

    expect(answer.error).toMatchObject({ code: 'ValidationError', field: 'reason' });
  });
});
