import { describe, expect, it } from 'vitest';
import type { ReclaimNoticeDetail } from '#shared/events/service-events.ts';
import { heartbeat, serviceEvents } from '../../support/borrower-events.ts';
import { type LocalService, reservation, startLocalService, TRADING } from '../../support/local-service.ts';
import { runOnDemand } from './runs.ts';

// Wednesday 2025-03-12, New York on summer time: the XNYS bell is 13:30Z. The example config's lead is
// 15 + 10 = 25 min, so the reclaim is planned on the 09:05 heartbeat (13:05Z), and the default heads-up of
// 30 min goes out on the 08:35 heartbeat (12:35Z).
const BELL = '2025-03-12T13:30:00.000Z';
const PLANNED_START = '2025-03-12T13:05:00.000Z';
const HEADS_UP = '2025-03-12T12:35:00Z';

const heartbeatAt = (local: LocalService, at: string) => heartbeat(local, at);

const notices = (local: LocalService) =>
  serviceEvents<ReclaimNoticeDetail>(local, (detailType) => detailType.startsWith('Reclaim '));

describe('the heads-up to borrowers', () => {
  it('announces each planned reclaim once, on the heartbeat its lead before the start, then its start', async () => {
    const service = await startLocalService({ now: '2025-03-12T12:30:00Z' });
    await heartbeatAt(service, '2025-03-12T12:30:00Z');
    expect(notices(service)).toEqual([]);

    await heartbeatAt(service, HEADS_UP);
    await heartbeatAt(service, '2025-03-12T12:40:00Z');
    const interruptibleId = reservation(service.aws, TRADING).allocation?.interruptibleId;
    expect(notices(service)).toEqual([
      {
        detailType: 'Reclaim Scheduled',
        time: '2025-03-12T12:35:00.000Z',
        detail: expect.objectContaining({
          reservationId: TRADING,
          name: 'xnys-trading-r7i',
          interruptibleReservationId: interruptibleId,
          from: 60,
          to: 0,
          instancesToReclaim: 60,
          // 60 lent, 30 of them running borrowers' instances: 30 come back without interrupting anyone.
          idleNow: 30,
          toInterrupt: 30,
          plannedStart: PLANNED_START,
          headsUpMinutes: 30,
          session: { market: 'XNYS', date: '2025-03-12', open: BELL, close: '2025-03-12T20:00:00.000Z' },
        }),
      },
    ]);
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:heads-up']).toBe(
      `scheduled|${BELL}|${PLANNED_START}`,
    );

    await heartbeatAt(service, '2025-03-12T13:05:00Z');
    await heartbeatAt(service, '2025-03-12T13:10:00Z');
    const [, started, ...rest] = notices(service);
    expect(rest).toEqual([]);
    expect(started).toMatchObject({
      detailType: 'Reclaim Started',
      time: '2025-03-12T13:05:00.000Z',
      detail: {
        reservationId: TRADING,
        from: 60,
        to: 0,
        instancesToReclaim: 60,
        plannedStart: PLANNED_START,
      },
    });
  });

  it('says Reclaim Cancelled when on-call keeps the capacity lent through the session', async () => {
    const service = await startLocalService({ now: HEADS_UP });
    await heartbeatAt(service, HEADS_UP);
    const answer = await runOnDemand(service, {
      action: 'lend',
      reservations: [TRADING],
      everything: true,
      for: '4h',
      spanSession: true,
      reason: 'borrowers finish a batch run',
    });
    expect(answer).toMatchObject({ ok: true });
    await heartbeatAt(service, '2025-03-12T12:45:00Z');
    await heartbeatAt(service, '2025-03-12T13:05:00Z');
    expect(notices(service).map((notice) => notice.detailType)).toEqual([
      'Reclaim Scheduled',
      'Reclaim Cancelled',
    ]);
    expect(notices(service)[1]?.detail).toMatchObject({ reservationId: TRADING, instancesToReclaim: 0 });
  });

  it('sends a heads-up PutEvents refused on the next heartbeat, not never', async () => {
    const service = await startLocalService({ now: HEADS_UP, maxAttempts: 1 });
    service.aws.admin.injectFault({ service: 'events', action: 'PutEvents', status: 500, count: 1 });
    await heartbeatAt(service, HEADS_UP);
    expect(notices(service)).toEqual([]);
    expect(reservation(service.aws, TRADING).tags['odcr-reclaimer:heads-up']).toBeUndefined();

    await heartbeatAt(service, '2025-03-12T12:40:00Z');
    expect(notices(service).map((notice) => [notice.detailType, notice.time])).toEqual([
      ['Reclaim Scheduled', '2025-03-12T12:40:00.000Z'],
    ]);
  });
});
