import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import { Pager, readInsightsQuery, readPagingPaths } from '#sandbox/pager.ts';
import { REPO_ROOT } from '#sandbox/runner.ts';
import { readServerlessDefinitions } from '#sandbox/serverless-triggers.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { FAILURE_METRIC, IN_FLIGHT_RESERVATIONS } from '#shared/metrics/metric-names.ts';

const config = loadConfigFile(resolve(REPO_ROOT, 'config/example.json'));
const paths = readPagingPaths(
  readServerlessDefinitions(resolve(REPO_ROOT, 'serverless.yml'), {
    files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) },
  }),
);
const T0 = Date.parse('2026-03-09T13:00:00Z');
const MINUTE = 60_000;
const datum = (metricName: string, value: number, at: number, dimensions: Record<string, string> = {}) => ({
  namespace: 'OdcrReclaimer',
  metricName,
  dimensions,
  timestamp: new Date(at).toISOString(),
  value,
});

describe('the sandbox pager, on the template’s paging paths', () => {
  it('reads the paging rule and an alarm for every failure metric', () => {
    expect(paths.rules.map((rule) => rule.pattern['detail-type'])).toContainEqual(
      expect.arrayContaining(['Allocation Change Failed', 'Allocation Change Stalled', 'Deadline At Risk']),
    );
    const watched = paths.alarms.flatMap((alarm) =>
      alarm.kind === 'metric' ? [alarm.source.metricName] : [],
    );
    for (const name of Object.values(FAILURE_METRIC)) expect(watched).toContain(name);
  });

  it('pages a Failed event on the service bus, not a Requested one nor one on another bus', () => {
    const pager = new Pager(paths);
    const bus = paths.rules[0]?.eventBusName ?? '';
    const event = (detailType: string) => ({
      source: 'odcr-reclaimer',
      'detail-type': detailType,
      detail: { reservationId: 'cr-1', reason: 'EC2 refused', errorCode: 'UnauthorizedOperation' },
    });
    pager.events(
      [
        { bus, event: event('Allocation Change Requested') },
        { bus: 'default', event: event('Allocation Change Failed') },
        { bus, event: event('Allocation Change Failed') },
      ],
      T0,
    );
    expect(pager.pages).toEqual([
      expect.objectContaining({
        kind: 'event',
        reservationIds: ['cr-1'],
        message: expect.stringContaining('UnauthorizedOperation'),
      }),
    ]);
  });

  it('pages a failure count the minute after it is put, and clears after', () => {
    const pager = new Pager(paths);
    pager.minute(T0, [], []);
    expect(pager.pages).toEqual([]);
    pager.minute(T0 + MINUTE, [datum(FAILURE_METRIC.callsDenied, 2, T0 + 10_000)], []);
    expect(pager.pages.map((page) => [page.from, page.subject])).toEqual([
      ['odcr-reclaimer-dev-calls-denied', 'ALARM'],
    ]);
    pager.minute(T0 + 2 * MINUTE, [], []);
    expect(pager.pages.at(-1)).toMatchObject({ from: 'odcr-reclaimer-dev-calls-denied', subject: 'OK' });
  });

  it('pages tracker-not-running when in flight is raised and the tracker never runs, not when it starts', () => {
    const started = new Pager(paths);
    const stalled = new Pager(paths);
    for (let minute = 0; minute <= 12; minute++) {
      const at = T0 + minute * MINUTE;
      // A reconcile sees work in flight every 3 minutes; the tracker polls each minute from minute 1.
      const raised = minute % 3 === 0 ? [datum(IN_FLIGHT_RESERVATIONS, 4, at)] : [];
      const polled = minute >= 1 ? [datum(IN_FLIGHT_RESERVATIONS, 4, at)] : [];
      const run = minute >= 1 ? [{ at, functionName: 'track-reclamation', error: false }] : [];
      started.minute(at + MINUTE - 1, [...raised, ...polled], run);
      stalled.minute(at + MINUTE - 1, raised, []);
    }
    expect(started.pages).toEqual([]);
    expect(stalled.pages.map((page) => page.from)).toContain('odcr-reclaimer-dev-tracker-not-running');
  });

  it("pages a stalled spoke reservation's series (ReservationId, AccountId) as it pages the hub's", () => {
    const stalls = (dimensions: Record<string, string>) => {
      const pager = new Pager(paths);
      pager.minute(T0, [], []);
      pager.minute(T0 + MINUTE, [datum('Stalls', 1, T0 + 10_000, dimensions)], []);
      return pager.pages.filter((page) => page.from === 'odcr-reclaimer-dev-allocation-change-stalled');
    };
    const hub = { ReservationId: 'cr-0123456789abcdef0' };
    const spoke = { ReservationId: 'cr-0aaaaaaaaaaaaaaa1', AccountId: '333333333333' };
    expect(stalls(hub).map((page) => page.subject)).toEqual(['ALARM']);
    expect(stalls(spoke).map((page) => page.subject)).toEqual(['ALARM']);
  });

  it('selects the series of a Metrics Insights query as CloudWatch does, and refuses clauses it does not evaluate', () => {
    expect(readInsightsQuery('SELECT MAX(DeadlineAtRisk) FROM "OdcrReclaimer"')).toEqual({
      namespace: 'OdcrReclaimer',
      metricName: 'DeadlineAtRisk',
      statistic: 'Maximum',
      series: { kind: 'every' },
    });
    expect(
      readInsightsQuery('select sum(Stalls) from SCHEMA("OdcrReclaimer", ReservationId, "AccountId")'),
    ).toEqual({
      namespace: 'OdcrReclaimer',
      metricName: 'Stalls',
      statistic: 'Sum',
      series: { kind: 'schema', keys: ['ReservationId', 'AccountId'] },
    });
    // SCHEMA(ns, ReservationId) is exactly that dimension set: a spoke's series is not among them.
    const schemaOnly = readPagingPaths({
      service: 'odcr-reclaimer',
      stage: 'dev',
      region: 'us-east-1',
      provider: {},
      functions: {},
      resources: {
        AlarmTopic: { Type: 'AWS::SNS::Topic' },
        Stalls: {
          Type: 'AWS::CloudWatch::Alarm',
          Properties: {
            AlarmName: 'stalls-by-schema',
            Metrics: [
              {
                Id: 'stalls',
                Expression: 'SELECT SUM(Stalls) FROM SCHEMA("OdcrReclaimer", ReservationId)',
                Period: 60,
              },
            ],
            EvaluationPeriods: 1,
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
            AlarmActions: [{ Ref: 'AlarmTopic' }],
          },
        },
      },
    });
    const pager = new Pager(schemaOnly);
    pager.minute(T0, [], []);
    pager.minute(
      T0 + MINUTE,
      [datum('Stalls', 1, T0 + 10_000, { ReservationId: 'cr-0aaaaaaaaaaaaaaa1', AccountId: '333333333333' })],
      [],
    );
    expect(pager.pages).toEqual([]);
    pager.minute(T0 + 2 * MINUTE, [datum('Stalls', 1, T0 + MINUTE + 10_000, { ReservationId: 'cr-1' })], []);
    expect(pager.pages.map((page) => page.subject)).toEqual(['ALARM']);
    for (const clause of ["WHERE AccountId = '333333333333'", 'GROUP BY AccountId', 'LIMIT 5'])
      expect(() => readInsightsQuery(`SELECT SUM(Stalls) FROM "OdcrReclaimer" ${clause}`)).toThrow(
        /unsimulated alarm expression/,
      );
  });
});
