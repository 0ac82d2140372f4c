/**
 * The deployable bundles themselves, not the TypeScript they come from: the build tree-shakes the SDK's
 * schemas, so a bundle that lost one its commands need would fail only here (or in Lambda).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '#shared/config/load-config.ts';
import {
  type BuiltBundles,
  buildBundles,
  runBundle,
  type UnpackedFunction,
  unconfiguredAlarmEvent,
} from '../../support/bundles.ts';
import { type LocalService, openLocalService, RISK_ENGINE } from '../../support/local-service.ts';

let bundles: BuiltBundles;
let service: LocalService;

beforeAll(async () => {
  bundles = await buildBundles();
  service = await openLocalService({ now: '2025-03-11T16:00:00Z' });
}, 120_000);

afterAll(async () => {
  bundles?.remove();
  await service?.close();
});

function bundleOf(name: string): UnpackedFunction {
  const fn = bundles.functions.find((candidate) => candidate.function === name);
  if (fn === undefined) throw new Error(`the build made no ${name}`);
  return fn;
}

/** What Lambda hands the process, pointed at the local endpoint. */
const onEndpoint = () => ({
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
  AWS_SECRET_ACCESS_KEY: 'local-secret',
  AWS_ENDPOINT_URL: service.aws.url,
});

describe('the bundled functions', () => {
  it('builds one bundle per function, each far smaller than the SDK clients it bundles whole', () => {
    expect(bundles.functions.map((fn) => fn.function)).toEqual([
      'reclaim-on-alarm',
      'reclaim-on-demand',
      'reclaim-on-schedule',
      'track-reclamation',
    ]);
    // The EC2 client's schemas alone are more than this; only the five commands' own are bundled.
    for (const fn of bundles.functions) expect(fn.bundleBytes).toBeLessThan(900 * 1024);
  });

  it('ships the config as the build validated it, digest and all', () => {
    const example = loadConfigFile('config/example.json');
    for (const fn of bundles.functions) {
      const shipped = JSON.parse(readFileSync(path.join(fn.directory, 'config.json'), 'utf8'));
      expect(shipped).toMatchObject({ validatedConfig: example, sha256: expect.any(String) });
      expect(loadConfigFile(path.join(fn.directory, 'config.json'))).toStrictEqual(example);
    }
  });

  it("reclaim-on-demand's bundle describes the fleet and its borrowers through the shaken EC2 schemas", async () => {
    const { answer } = await runBundle(
      bundleOf('reclaim-on-demand'),
      { action: 'status', group: 'risk-engine' },
      onEndpoint(),
    );
    expect(answer).toMatchObject({ ok: true, action: 'status' });
    const ids = (answer as { reservations: { reservationId: string; owned: number }[] }).reservations.map(
      (reservation) => reservation.reservationId,
    );
    expect(ids.sort()).toEqual([...RISK_ENGINE].sort());
  }, 60_000);

  it("reclaim-on-alarm's bundle answers an alarm the config does not name without calling AWS", async () => {
    const before = service.aws.admin.calls().calls.length;
    const { answer } = await runBundle(bundleOf('reclaim-on-alarm'), unconfiguredAlarmEvent(), onEndpoint());
    expect(answer).toMatchObject({ ignored: true, alarmName: 'not-in-the-config' });
    expect(service.aws.admin.calls().calls.length).toBe(before);
  }, 60_000);

  it("track-reclamation's bundle writes its metrics as EMF lines on stdout that CloudWatch Logs would extract", async () => {
    const tracker = bundleOf('track-reclamation');
    const { answer, logLines } = await runBundle(
      tracker,
      {
        version: '0',
        id: 'bundle-tracker',
        'detail-type': 'Scheduled Event',
        source: 'aws.events',
        account: '123456789012',
        time: '2025-03-11T16:00:00Z',
        region: 'us-east-1',
        resources: [
          `arn:aws:events:us-east-1:123456789012:rule/${tracker.environment['TRACKER_RULE_NAME'] ?? ''}`,
        ],
        detail: {},
      },
      onEndpoint(),
    );
    expect(answer).toMatchObject({ polls: 1, inFlight: [] });
    expect(service.aws.admin.calls({ service: 'cloudwatch', action: 'PutMetricData' }).calls).toEqual([]);
    // Nothing in flight: the poll's fleet gauge says 0, as one EMF document among the process's lines. The
    // bundle ran on the wall clock: CloudWatch Logs takes its documents only near their own time.
    service.aws.setClock(new Date());
    const shipped = service.aws.admin.ingestLogLines({
      logGroup: '/aws/lambda/track-reclamation',
      lines: logLines,
    });
    expect(shipped.rejected).toEqual([]);
    expect(shipped.metrics).toBeGreaterThan(0);
    const gauge = service.aws.admin.metrics({ metricName: 'InFlightReservations' }).metrics.at(-1);
    expect(gauge).toMatchObject({
      namespace: tracker.environment['METRICS_NAMESPACE'],
      dimensions: {},
      value: 0,
    });
  }, 60_000);
});
