import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallReservation } from './helpers.ts';

let aws: LocalAws;

beforeAll(async () => {
  aws = await startLocalAws({ port: 0 });
});

afterAll(() => aws.close());

async function admin(
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; code?: string; message?: string }> {
  const response = await fetch(`${aws.url}/_local/${path}`, {
    method,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  const answer = (await response.json()) as { error?: { code: string; message: string } };
  return { status: response.status, ...(answer.error ?? {}) };
}

describe('admin API bodies are read with their schema, naming the field', () => {
  it.each([
    [
      'a negative count',
      'reservations',
      {
        reservations: [smallReservation(-1)],
      },
      'InvalidParameterValue',
      'reservations.0.totalInstanceCount',
    ],
    [
      'a field the route does not take',
      'reservations',
      { reservations: [], colour: 'blue' },
      'InvalidParameterValue',
      'colour',
    ],
    ['a null list', 'reservations', { reservations: null }, 'InvalidParameterValue', 'reservations'],
    ['a missing field', 'borrowers', { running: 1 }, 'MissingParameter', 'reservationId'],
    [
      'an alarm state outside the three',
      'alarms',
      { name: 'a', state: 'RED' },
      'InvalidParameterValue',
      'state',
    ],
    ['a fault for an unknown service', 'faults', { service: 's3' }, 'InvalidParameterValue', 'service'],
    [
      'a setting fixed at startup',
      'settings',
      { start: '2026-03-02T00:00:00Z' },
      'InvalidParameterValue',
      'start',
    ],
    ['a table without its key', 'tables', { name: 'lease' }, 'MissingParameter', 'partitionKey'],
    [
      'both clock moves at once',
      'clock',
      { advanceSeconds: 1, now: '2026-03-02T00:00:00Z' },
      'InvalidParameterValue',
      'advanceSeconds',
    ],
  ])('refuses %s', async (_case, path, body, code, field) => {
    const answer = await admin('POST', path, body);
    expect(answer).toMatchObject({ status: 400, code });
    expect(answer.message).toContain(field);
  });

  it('refuses an unknown query filter and a since that is no time', async () => {
    expect(await admin('GET', 'calls?sevice=ec2')).toMatchObject({
      status: 400,
      code: 'InvalidParameterValue',
    });
    expect(await admin('GET', 'events?since=yesterday')).toMatchObject({
      status: 400,
      code: 'InvalidParameterValue',
    });
  });
});
