/**
 * A trading week of a hub and its spokes on one local endpoint, in three markets and regions: the hub's
 * example fleet on XNYS in us-east-1, a London spoke on XLON in eu-west-2, a Tokyo spoke on XTKS (with its
 * lunch break) in ap-northeast-1, and a spoke whose stack trusts another external id. reclaim-on-schedule runs
 * on every heartbeat the deployed schedule has (derived from the config, as infra/build.ts derives it) and the
 * tracker each minute while its rule is on, each function signing with its own role, IAM enforced.
 */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createHandler as createTrackerHandler } from '#functions/track-reclamation/handler.ts';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import { Pager, readPagingPaths } from '#sandbox/pager.ts';
import { REPO_ROOT } from '#sandbox/runner.ts';
import { readServerlessDefinitions } from '#sandbox/serverless-triggers.ts';
import { sessionsBetween } from '#shared/calendar/calendar.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import { heartbeatPlan, sessionHeartbeats } from '#shared/schedule/heartbeats.ts';
import type { TrackResult } from '#shared/tracker/track.ts';
import {
  HUB_ACCOUNT,
  SPOKE_ACCOUNT as LONDON,
  EXTERNAL_ID_SPOKE_ACCOUNT as REFUSED,
  SECOND_SPOKE_ACCOUNT as TOKYO,
} from '../../support/accounts.ts';
import { lambdaContext, TRACKER_RULE_NAME, TRADING, trackerEvent } from '../../support/local-service.ts';
import { type SpokeFixture, startHubAndSpokes } from '../../support/spokes.ts';
import { runSchedule } from './runs.ts';

/** A spoke's trading reservation, kept at zero size when all of it is reclaimed. */
function trading(
  id: string,
  name: string,
  market: string,
  availabilityZone: string,
): SpokeFixture['reservation'] {
  return { id, name, market, availabilityZone, zeroSizePreference: 'retain' };
}

const LONDON_RESERVATION = 'cr-0aaaaaaaaaaaaaaa2';
const TOKYO_RESERVATION = 'cr-0ddddddddddddddd2';
const REFUSED_RESERVATION = 'cr-0bbbbbbbbbbbbbbb2';
// London and Tokyo trust the hub; the refused spoke's stack expects another external id than the config sends.
const SPOKES: SpokeFixture[] = [
  {
    accountId: LONDON,
    region: 'eu-west-2',
    reservation: trading(LONDON_RESERVATION, 'london-trading', 'XLON', 'eu-west-2a'),
  },
  {
    accountId: TOKYO,
    region: 'ap-northeast-1',
    reservation: trading(TOKYO_RESERVATION, 'tokyo-trading', 'XTKS', 'ap-northeast-1a'),
  },
  {
    accountId: REFUSED,
    region: 'eu-west-2',
    externalId: 'the-hubs-id',
    stack: { externalId: 'other' },
    reservation: trading(REFUSED_RESERVATION, 'refused-trading', 'XLON', 'eu-west-2a'),
  },
];
const MINUTE = 60_000;
// Monday 10 to Friday 14 March 2025: New York on summer time since Sunday, London not yet, Tokyo never.
const WEEK = { from: new Date('2025-03-09T12:00:00Z'), to: new Date('2025-03-15T00:00:00Z') };

describe('a week of a hub and its spokes', () => {
  it("reclaims every reachable account's reservations by each bell; the refused spoke pages and stops nobody", async () => {
    const local = await startHubAndSpokes({
      now: WEEK.from.toISOString(),
      spokes: SPOKES,
      // Heartbeats every 15 minutes for at most 30 minutes of lead: the example's longer lead would run the
      // schedule many times more in the week, and the leads needed here are shorter anyway.
      lead: { maximumMinutes: 30, scheduleGranularityMinutes: 15 },
    });
    const { aws, config } = local;
    const tracker = createTrackerHandler(local.as('track-reclamation'));
    const pager = new Pager(
      readPagingPaths(
        readServerlessDefinitions(resolve(REPO_ROOT, 'serverless.yml'), {
          files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) },
        }),
      ),
    );
    let metricsSeen = 0;
    /** What CloudWatch sees in the minute from `now`: the datums put since the last look, the tracker's runs. */
    const page = (now: number, trackerRan = false) => {
      const metrics = aws.admin.metrics().metrics;
      const runs = trackerRan ? [{ at: now, functionName: 'track-reclamation', error: false }] : [];
      pager.minute(now + MINUTE, metrics.slice(metricsSeen), runs);
      metricsSeen = metrics.length;
    };

    // Where each reservation lives, and the bells it must be back by.
    const watched = [
      { id: TRADING, market: 'XNYS', accountId: HUB_ACCOUNT },
      { id: LONDON_RESERVATION, market: 'XLON', accountId: LONDON },
      { id: TOKYO_RESERVATION, market: 'XTKS', accountId: TOKYO },
    ];
    const options = calendarOptions(config);
    const sessions = ['XNYS', 'XLON', 'XTKS'].flatMap((market) =>
      sessionsBetween(market, WEEK.from, WEEK.to, options).filter((session) => session.open > WEEK.from),
    );
    // The markets' heartbeats and the hourly safety net, as the deployed schedules fire them.
    const safetyNet = /^cron\((\d+) \* \* \* \? \*\)$/.exec(heartbeatPlan(config).safetyNet.expression);
    expect(safetyNet).not.toBeNull();
    const hourly: number[] = [];
    for (
      let at = WEEK.from.getTime() + Number(safetyNet?.[1]) * MINUTE;
      at < WEEK.to.getTime();
      at += 60 * MINUTE
    )
      hourly.push(at);
    const beats = [
      ...new Set([
        ...sessions.flatMap((session) => sessionHeartbeats(session, config).map(Number)),
        ...hourly,
      ]),
    ];
    const timeline = [
      ...beats.map((at) => ({ at, kind: 'heartbeat' as const })),
      ...sessions.map((session) => ({
        at: session.open.getTime(),
        kind: 'bell' as const,
        market: session.mic,
      })),
    ].sort((a, b) => a.at - b.at || (a.kind === 'bell' ? -1 : 1));

    const held: string[] = [];
    const lent = new Set<string>();
    const reached = new Set<string>();
    let trackerOn = false;
    for (const [index, event] of timeline.entries()) {
      if (event.at > aws.clock.now().getTime()) aws.setClock(new Date(event.at));
      if (event.kind === 'bell') {
        for (const entry of watched.filter((candidate) => candidate.market === event.market)) {
          const [found] = aws.admin.listReservations({
            id: entry.id,
            accountId: entry.accountId,
          }).reservations;
          const current = found?.allocation?.current ?? 0;
          held.push(`${entry.id} ${new Date(event.at).toISOString()} lent ${current}`);
        }
        continue;
      }
      const result = await runSchedule(local);
      for (const outcome of result.outcomes) {
        reached.add(outcome.reservationId);
        if (outcome.outcome !== 'failed' && outcome.to > outcome.from) lent.add(outcome.reservationId);
      }
      page(aws.clock.now().getTime());
      trackerOn ||= aws.admin
        .ruleList()
        .rules.some((rule) => rule.name === TRACKER_RULE_NAME && rule.state === 'ENABLED');
      const next = timeline[index + 1]?.at ?? Number.POSITIVE_INFINITY;
      // Each minute while something is in flight, and two more (the in-flight alarm's two periods see the
      // gauge back at 0). With a spoke that cannot be read the rule stays on all week; its other idle minutes
      // are left out: they only look again at nothing moving.
      let idleRuns = 0;
      while (trackerOn && idleRuns < 2 && aws.clock.now().getTime() + MINUTE <= next) {
        aws.advance(60);
        const run = (await tracker(
          trackerEvent(aws),
          lambdaContext('odcr-reclaimer-dev-track-reclamation'),
        )) as TrackResult;
        page(aws.clock.now().getTime(), true);
        trackerOn = run.rule !== 'disabled';
        idleRuns = run.inFlight.length > 0 ? 0 : idleRuns + 1;
      }
    }

    // Every bell of the week found every reachable reservation of its market lending nothing.
    expect(held.length).toBeGreaterThanOrEqual(15);
    expect(held.filter((line) => !line.endsWith('lent 0'))).toEqual([]);
    // ... and the capacity was lent back between sessions, in every account.
    expect([...lent].sort()).toEqual([TRADING, LONDON_RESERVATION, TOKYO_RESERVATION].sort());
    expect(reached.has(REFUSED_RESERVATION)).toBe(false);
    // Spoke credentials are kept until shortly before they expire on the simulated clock (an hour, AssumeRole's
    // default, renewed five minutes early): one AssumeRole per function, reachable spoke and lifetime at most,
    // however many runs the week took. Expiry read off the wall clock would assume the role on every run.
    const assumed = aws.admin
      .calls({ service: 'sts', action: 'AssumeRole' })
      .calls.filter((call) => call.outcome === 'ok');
    const lifetimes = Math.ceil((WEEK.to.getTime() - WEEK.from.getTime()) / (55 * MINUTE));
    expect(assumed.length).toBeGreaterThan(0);
    expect(assumed.length).toBeLessThanOrEqual(2 * 2 * lifetimes);
    // The refused spoke was left as it was, and paged.
    const [refused] = aws.admin.listReservations({
      id: REFUSED_RESERVATION,
      accountId: REFUSED,
    }).reservations;
    expect(refused?.allocation).toMatchObject({ current: 60, target: 60 });
    // The refused AssumeRole pages twice: as an unreachable account and as a call IAM denied; nothing else paged.
    const paged = new Set(
      pager.pages.filter((entry) => entry.subject === 'ALARM').map((entry) => entry.from),
    );
    expect([...paged].sort()).toEqual([
      'odcr-reclaimer-dev-accounts-unreachable',
      'odcr-reclaimer-dev-calls-denied',
    ]);
  }, 300_000);
});
