import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { noRecords, type RequestRecord, type TrackerMemory } from '#shared/domain/records.ts';
import { type AllocationStatus, isInFlight, type ReservationSnapshot } from '#shared/domain/reservation.ts';
import { DETAIL_TYPE } from '#shared/events/service-events.ts';
import { METRIC } from '#shared/metrics/metric-names.ts';
import {
  type AssessInput,
  assessReservation,
  DEFAULT_TRACKER_SETTINGS,
  deadlineRisk,
} from '#shared/tracker/assess.ts';

const REQUESTED_AT = new Date('2026-03-02T13:40:00Z');
const OPEN = new Date('2026-03-02T14:30:00Z');

function snapshot(current: number, target: number, status: AllocationStatus, memory: TrackerMemory = {}) {
  const reservation: ReservationSnapshot = {
    reservationId: 'cr-0123456789abcdef0',
    region: 'us-east-1',
    instanceType: 'r7i.4xlarge',
    availabilityZone: 'us-east-1a',
    state: 'active',
    sourceTotal: 100 - current,
    sourceAvailable: 10,
    owned: 100,
    allocation: { current, target, status, zeroSizePreference: 'retain' },
    tags: {},
    records: { ...noRecords(), tracker: memory },
  };
  return reservation;
}

const reclaim: RequestRecord = {
  from: 60,
  target: 0,
  at: REQUESTED_AT,
  trigger: 'schedule',
  reason: 'XNYS opens 09:30',
  deadline: OPEN,
};

function at(secondsAfterRequest: number): Date {
  return new Date(REQUESTED_AT.getTime() + secondsAfterRequest * 1000);
}

function assess(overrides: Partial<AssessInput> & Pick<AssessInput, 'snapshot'>) {
  return assessReservation({
    memory: overrides.snapshot.records.tracker,
    now: at(30),
    settings: DEFAULT_TRACKER_SETTINGS,
    reportIdleGauges: false,
    request: reclaim,
    ...overrides,
  });
}

function detailTypes(assessment: { events: { detailType: string }[] }): string[] {
  return assessment.events.map((event) => event.detailType);
}

describe('isInFlight', () => {
  it.each([
    ['pending', 5, 5, true],
    ['updating', 5, 5, true],
    ['canceling', 0, 0, true],
    ['active', 30, 0, true],
    ['active', 0, 0, false],
    ['failed', 30, 0, false],
  ] as const)('%s with current %i and target %i → %s', (status, current, target, expected) => {
    expect(isInFlight(snapshot(current, target, status))).toBe(expected);
  });

  it('is never in flight without an allocation', () => {
    const { allocation: _, ...withoutAllocation } = snapshot(0, 0, 'active');
    expect(isInFlight(withoutAllocation)).toBe(false);
  });
});

describe('assessReservation', () => {
  it('reports progress and remembers the count when the current count moved', () => {
    const result = assess({ snapshot: snapshot(30, 0, 'updating'), now: at(30) });

    expect(detailTypes(result)).toEqual([DETAIL_TYPE.changeProgress]);
    expect(result.events[0]?.detail).toMatchObject({
      current: 30,
      target: 0,
      remaining: 30,
      from: 60,
      to: 0,
    });
    expect(result.memory).toEqual({ lastProgressAt: at(30), lastProgressCount: 30 });
    expect(result.inFlight).toBe(true);
  });

  it('stays quiet while nothing moved and the stall time has not passed', () => {
    const memory = { lastProgressAt: at(30), lastProgressCount: 30 };
    const result = assess({ snapshot: snapshot(30, 0, 'updating', memory), now: at(120) });

    expect(result.events).toEqual([]);
    expect(result.memory).toEqual({});
  });

  it('reports a stall once when the count has not moved for the stall time', () => {
    const memory = { lastProgressAt: at(30), lastProgressCount: 30 };
    const stalledAt = at(30 + DEFAULT_TRACKER_SETTINGS.stallAfterSeconds);
    const first = assess({ snapshot: snapshot(30, 0, 'updating', memory), now: stalledAt });
    const again = assess({
      snapshot: snapshot(30, 0, 'updating', { ...memory, ...first.memory }),
      now: new Date(stalledAt.getTime() + 60_000),
    });

    expect(detailTypes(first)).toContain(DETAIL_TYPE.changeStalled);
    expect(first.events.find((e) => e.detailType === DETAIL_TYPE.changeStalled)?.detail).toMatchObject({
      cause: 'no-progress',
      stalledForSeconds: DEFAULT_TRACKER_SETTINGS.stallAfterSeconds,
    });
    expect(first.metrics).toContainEqual(expect.objectContaining({ name: METRIC.stalls, value: 1 }));
    expect(detailTypes(again)).not.toContain(DETAIL_TYPE.changeStalled);
  });

  it('reports a new stall after the count moved again and stopped again', () => {
    const stallMemory = { lastProgressAt: at(600), lastProgressCount: 20, stallReportedAt: at(400) };
    const result = assess({ snapshot: snapshot(20, 0, 'updating', stallMemory), now: at(900) });

    expect(detailTypes(result)).toContain(DETAIL_TYPE.changeStalled);
  });

  it('counts the stall from the request when nothing moved since it', () => {
    const result = assess({
      snapshot: snapshot(60, 0, 'updating'),
      now: at(DEFAULT_TRACKER_SETTINGS.stallAfterSeconds),
    });

    expect(detailTypes(result)).toContain(DETAIL_TYPE.changeStalled);
    expect(result.memory.lastProgressAt).toEqual(REQUESTED_AT);
  });

  it('ignores progress memory left by an earlier request', () => {
    const staleMemory = { lastProgressAt: at(-3600), lastProgressCount: 60 };
    const result = assess({ snapshot: snapshot(60, 0, 'updating', staleMemory), now: at(30) });

    expect(result.events).toEqual([]);
    expect(result.memory.lastProgressAt).toEqual(REQUESTED_AT);
  });

  it('reports a failed allocation as stalled, once', () => {
    const first = assess({ snapshot: snapshot(30, 0, 'failed'), now: at(60) });
    const again = assess({ snapshot: snapshot(30, 0, 'failed', first.memory), now: at(120) });

    expect(first.inFlight).toBe(false);
    expect(first.events.map((e) => [e.detailType, (e.detail as { cause?: string }).cause])).toEqual([
      [DETAIL_TYPE.changeStalled, 'failed'],
    ]);
    expect(again.events).toEqual([]);
  });

  it('completes with the duration since the request and the margin before the open, once', () => {
    const doneAt = at(420);
    const first = assess({ snapshot: snapshot(0, 0, 'active'), now: doneAt });
    const again = assess({ snapshot: snapshot(0, 0, 'active', first.memory), now: at(480) });

    expect(detailTypes(first)).toEqual([DETAIL_TYPE.changeCompleted]);
    expect(first.events[0]?.detail).toMatchObject({
      durationSeconds: 420,
      marginSeconds: (OPEN.getTime() - doneAt.getTime()) / 1000,
      completedAt: doneAt.toISOString(),
    });
    expect(first.metrics.map((m) => [m.name, m.value, m.unit, m.series ?? 'reservation'])).toEqual([
      [METRIC.reclaimDurationSeconds, 420, 'Seconds', 'reservation'],
      [METRIC.reclaimDurationSeconds, 420, 'Seconds', 'fleet'],
      [METRIC.deadlineMarginSeconds, 2580, 'Seconds', 'reservation'],
    ]);
    expect(first.memory.completedRequestAt).toEqual(REQUESTED_AT);
    expect(again.events).toEqual([]);
    expect(again.metrics).toEqual([]);
  });

  it('puts the reclaim duration only on completion, not while the reclaim is in flight', () => {
    const moving = assess({ snapshot: snapshot(30, 0, 'updating'), now: at(200) });
    const stalled = assess({ snapshot: snapshot(30, 0, 'updating', moving.memory), now: at(1200) });

    for (const assessment of [moving, stalled]) {
      expect(assessment.inFlight).toBe(true);
      expect(assessment.metrics.length).toBeGreaterThan(0);
      expect(assessment.metrics.map((m) => m.name)).not.toContain(METRIC.reclaimDurationSeconds);
      expect(assessment.metrics.every((m) => m.series !== 'fleet')).toBe(true);
    }
  });

  it("uses EC2's completion time when its event woke the tracker", () => {
    const result = assess({
      snapshot: snapshot(0, 0, 'active'),
      now: at(430),
      completionReportedAt: at(418),
    });

    expect(result.events[0]?.detail).toMatchObject({ durationSeconds: 418 });
  });

  it('reports a late completion with a negative margin', () => {
    const lateBy = 90;
    const result = assess({
      snapshot: snapshot(0, 0, 'active'),
      now: new Date(OPEN.getTime() + lateBy * 1000),
    });

    expect(result.events[0]?.detail).toMatchObject({ marginSeconds: -lateBy });
  });

  it('does not learn a reclaim duration from a lend', () => {
    const lend: RequestRecord = {
      from: 0,
      target: 60,
      at: REQUESTED_AT,
      trigger: 'schedule',
      reason: 'closed',
    };
    const result = assess({ snapshot: snapshot(60, 60, 'active'), request: lend, now: at(5) });

    expect(detailTypes(result)).toEqual([DETAIL_TYPE.changeCompleted]);
    expect(result.metrics.map((m) => m.name)).not.toContain(METRIC.reclaimDurationSeconds);
  });

  it('asks for a new decision once the allocation is active again, after completing the request', () => {
    const result = assess({
      snapshot: snapshot(0, 0, 'active'),
      deferred: { target: 20, reason: 'lend after alarm' },
      now: at(300),
    });

    expect(detailTypes(result)).toEqual([DETAIL_TYPE.changeCompleted]);
    expect(result.redecide).toBe(true);
  });

  it('waits with a deferred target while the allocation is in flight', () => {
    const result = assess({ snapshot: snapshot(30, 0, 'updating'), deferred: { target: 20 } });

    expect(result.redecide).toBe(false);
  });

  it("asks for a new decision even when the deferred target is the allocation's own", () => {
    // The recorded number proves nothing about now: only a fresh decision clears it (or changes the target).
    const result = assess({ snapshot: snapshot(0, 0, 'active'), deferred: { target: 0 } });

    expect(result.redecide).toBe(true);
  });

  it('owes no decision without a deferred target', () => {
    const result = assess({ snapshot: snapshot(0, 0, 'active') });

    expect(result.redecide).toBe(false);
  });

  it('reports the gauges of an idle reservation only when asked', () => {
    const idle = snapshot(0, 0, 'active');
    const quiet = assess({ snapshot: idle, request: undefined });
    const first = assess({ snapshot: idle, request: undefined, reportIdleGauges: true });

    expect(quiet.metrics).toEqual([]);
    expect(first.metrics.map((m) => [m.name, m.value])).toEqual([
      [METRIC.owned, 100],
      [METRIC.lent, 0],
      [METRIC.target, 0],
      [METRIC.inFlight, 0],
    ]);
  });

  it('raises Deadline At Risk before the open when the observed rate cannot make it, once', () => {
    // 10 of 60 back after 20 minutes: 50 more at that rate take 100 minutes, the open is 30 minutes away.
    const now = at(1200);
    const first = assess({ snapshot: snapshot(50, 0, 'updating'), now });
    const again = assess({ snapshot: snapshot(49, 0, 'updating', first.memory), now: at(1260) });

    expect(detailTypes(first)).toContain(DETAIL_TYPE.deadlineAtRisk);
    expect(first.metrics).toContainEqual(expect.objectContaining({ name: METRIC.deadlineAtRisk, value: 1 }));
    expect(detailTypes(again)).not.toContain(DETAIL_TYPE.deadlineAtRisk);
  });
});

describe('assessReservation: the outbox of one-shot events', () => {
  it('keeps the sent mark of a completion apart, and derives the same completion again until it is written', () => {
    const seenAt = at(420);
    const first = assess({ snapshot: snapshot(0, 0, 'active'), now: seenAt });
    const completed = first.events.find((event) => event.detailType === DETAIL_TYPE.changeCompleted);
    expect(completed).toBeDefined();
    expect(first.marks.get(completed!)).toEqual({ completedRequestAt: REQUESTED_AT });

    // PutEvents refused it: the next look has the memory but not the mark.
    const { completedRequestAt: _mark, ...lookMemory } = first.memory;
    const again = assess({ snapshot: snapshot(0, 0, 'active', lookMemory), now: at(480) });

    expect(again.events.map((event) => [event.detailType, event.detail])).toEqual([
      [DETAIL_TYPE.changeCompleted, completed?.detail],
    ]);
  });

  it('marks stalls and deadline risks sent with their own memory fields', () => {
    const stalled = assess({ snapshot: snapshot(60, 0, 'updating'), now: at(1200) });
    const marked = [...stalled.marks.values()].flatMap((mark) => Object.keys(mark)).sort();
    expect(marked).toEqual(['deadlineRiskReportedAt', 'stallReportedAt']);
  });
});

describe('deadlineRisk', () => {
  const memory = {};
  const settings = DEFAULT_TRACKER_SETTINGS;

  it('is not raised after the open, even when the reclaim is still running', () => {
    const afterOpen = new Date(OPEN.getTime() + 60_000);
    expect(deadlineRisk(reclaim, 50, 0, memory, afterOpen, settings)).toBeUndefined();
  });

  it('is not raised while the observed rate finishes in time', () => {
    expect(deadlineRisk(reclaim, 30, 0, memory, at(60), settings)).toBeUndefined();
    expect(deadlineRisk(reclaim, 30, 0, memory, at(240), settings)).toBeUndefined();
  });

  it('is not raised by a prompt reclaim just after the warnings: its rate counts from their end', () => {
    // Unused slots back at once, the borrowers about to shut down: 2 of 16 back 30 s after the warnings
    // ran out, 12.5 minutes before the open. Averaged since the request (0.8 a minute) it would miss.
    const open = at(15 * 60);
    const prompt = { ...reclaim, from: 16, deadline: open };
    expect(deadlineRisk(prompt, 14, 0, memory, at(150), settings)).toBeUndefined();
  });

  it('is not raised in the first minutes when nothing moved yet and the open is far', () => {
    expect(deadlineRisk(reclaim, 60, 0, memory, at(60), settings)).toBeUndefined();
  });

  it('is raised when nothing moved and less time is left than the interruption notice needs', () => {
    const request = { ...reclaim, deadline: at(90) };
    expect(deadlineRisk(request, 60, 0, memory, at(15), settings)).toEqual({
      projectedAt: at(settings.interruptionNoticeSeconds),
      instancesPerMinute: 0,
    });
  });

  it('is raised a warning after the warnings ran out when the last borrowers do not go', () => {
    // 58 of 60 back within three minutes, then nothing: the average rate alone would still say "in time".
    const lastMovedAt = at(180);
    const rateOnly = deadlineRisk(reclaim, 2, 0, memory, at(299), settings);
    expect(deadlineRisk(reclaim, 2, 0, memory, at(299), settings, { lastMovedAt })).toBeUndefined();
    expect(rateOnly).toBeUndefined();
    // The rate counts from the warnings' end, when borrowers may first leave.
    expect(deadlineRisk(reclaim, 2, 0, memory, at(300), settings, { lastMovedAt })).toEqual({
      instancesPerMinute: round((58 / (300 - settings.interruptionNoticeSeconds)) * 60),
    });
  });

  it('counts a stuck reclaim from the end of the warnings, not from the instant return of unused slots', () => {
    // 30 unused slots back at once, then the 30 borrowers never go.
    const lastMovedAt = at(0);
    const notice = settings.interruptionNoticeSeconds;
    expect(
      deadlineRisk(reclaim, 30, 0, memory, at(2 * notice - 1), settings, { lastMovedAt }),
    ).toBeUndefined();
    expect(deadlineRisk(reclaim, 30, 0, memory, at(2 * notice), settings, { lastMovedAt })).toBeDefined();
  });

  it('is raised at once when the learned duration already ends after the deadline', () => {
    const learnedSeconds = (OPEN.getTime() - REQUESTED_AT.getTime()) / 1000 + 60;
    const risk = deadlineRisk(reclaim, 30, 0, memory, at(30), settings, {
      lastMovedAt: at(30),
      learnedSeconds,
    });
    expect(risk?.projectedAt).toEqual(at(learnedSeconds));
    expect(
      deadlineRisk(reclaim, 30, 0, memory, at(30), settings, { lastMovedAt: at(30), learnedSeconds: 600 }),
    ).toBeUndefined();
  });

  it('is never raised for a request without a deadline or for a lend', () => {
    const { deadline: _, ...noDeadline } = reclaim;
    const lend = { ...reclaim, from: 0, target: 60 };
    expect(deadlineRisk(noDeadline, 50, 0, memory, at(1200), settings)).toBeUndefined();
    expect(deadlineRisk(lend, 10, 60, memory, at(1200), settings)).toBeUndefined();
  });

  it('never projects a completion after the deadline without raising the risk (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 59 }),
        fc.integer({ min: 1, max: 3000 }),
        (current, elapsedSeconds) => {
          const now = at(elapsedSeconds);
          fc.pre(now < OPEN);
          const risk = deadlineRisk(reclaim, current, 0, memory, now, settings);
          const moved = reclaim.from - current;
          // No borrower leaves before the warnings ran out; from then on, at the rate since then.
          const leavingSeconds = elapsedSeconds - settings.interruptionNoticeSeconds;
          const warningsEnd = at(settings.interruptionNoticeSeconds).getTime();
          const projected =
            leavingSeconds > 0
              ? Math.max(warningsEnd, now.getTime() + (current / (moved / leavingSeconds)) * 1000)
              : warningsEnd;
          expect(risk !== undefined).toBe(projected > OPEN.getTime());
        },
      ),
    );
  });
});

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
