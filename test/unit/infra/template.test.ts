import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { evaluate, statementsOf } from '@odcr-reclaimer/local-aws/iam-policy.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configuredAlarmNames } from '#infra/alarms/configured-alarms.ts';
import { scheduleEvents } from '#infra/build.ts';
import { type FunctionRole, functionRolesFromTemplate } from '#sandbox/function-roles.ts';
import { sandboxFunctionRoles } from '#sandbox/runner.ts';
import { fireTimes } from '#sandbox/schedule-expression.ts';
import { DATA_EXPIRY_WARNING_DAYS } from '#shared/calendar/calendar.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { DETAIL_TYPE } from '#shared/events/service-events.ts';
import { SDK_WORST_CALL_MS } from '#shared/gateways/aws-call.ts';
import { LEASE_EXPIRY_ATTRIBUTE, LEASE_KEY_ATTRIBUTE } from '#shared/gateways/lease.ts';
import { FAILURE_METRIC, IN_FLIGHT_RESERVATIONS, METRIC } from '#shared/metrics/metric-names.ts';
import { LEASE_DURATION_MS } from '#shared/reconcile/sole-writer.ts';
import { TAG } from '#shared/records/tag-keys.ts';
import { heartbeatPlan } from '#shared/schedule/heartbeats.ts';
import { DEFAULT_TRACKER_SETTINGS } from '#shared/tracker/assess.ts';
import {
  type CfnResource,
  type CfnTemplate,
  type PackagedService,
  resourcesOfType,
  sharedPackagedTemplate,
} from './package-template.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const exampleConfig = loadConfigFile(path.join(REPO_ROOT, 'config/example.json'));
/** The zones of the example config's markets (XNYS only). */
const EXCHANGE_ZONES = new Set(['America/New_York']);
const TRACKER_RULE_NAME = 'odcr-reclaimer-dev-track-reclamation';
const LEASE_TABLE_NAME = 'odcr-reclaimer-dev-writer-lease';

let packaged: PackagedService;
let template: CfnTemplate;

beforeAll(async () => {
  packaged = await sharedPackagedTemplate();
  template = packaged.template;
}, 120_000);

afterAll(() => packaged?.dispose());

interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** The text of a resource or ARN as written: a plain string, or the template string of an Fn::Sub. */
function arnText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'Fn::Sub' in value) {
    const sub = (value as { 'Fn::Sub': unknown })['Fn::Sub'];
    return typeof sub === 'string' ? sub : arnText(asArray(sub as unknown[])[0]);
  }
  return JSON.stringify(value);
}

function roleStatements(role: CfnResource): Statement[] {
  const policies = (role.Properties?.Policies ?? []) as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function lambdaFunctions(): [string, CfnResource][] {
  return resourcesOfType(template, 'AWS::Lambda::Function');
}

/** The logical id of the role a function runs as (`Fn::GetAtt` or `Fn::Sub` of `${Role.Arn}`). */
function roleLogicalId(fn: CfnResource): string {
  const role = fn.Properties?.Role as Record<string, unknown>;
  if (Array.isArray(role['Fn::GetAtt'])) return String(role['Fn::GetAtt'][0]);
  const match = /^\$\{(\w+)\.Arn\}$/.exec(arnText(role));
  if (!match?.[1]) throw new Error(`unexpected role reference ${JSON.stringify(role)}`);
  return match[1];
}

/** Every `Action`/`NotAction` value anywhere in the template (roles, bus, queue and topic policies). */
function everyAction(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) {
    for (const item of node) everyAction(item, found);
  } else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'Action' || key === 'NotAction') && (typeof value === 'string' || Array.isArray(value))) {
        found.push(...asArray(value as string | string[]));
      } else {
        everyAction(value, found);
      }
    }
  }
  return found;
}

describe('packaged template: schedules', () => {
  const schedules = () =>
    resourcesOfType(template, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties ?? {});
  // Both US and UK DST switches of 2026 (Mar 8 / Mar 29, Oct 25 / Nov 1) with a week's margin each side.
  const dstSeasons = [
    { after: new Date('2026-03-01T00:00:00Z'), until: new Date('2026-04-05T00:00:00Z') },
    { after: new Date('2026-10-18T00:00:00Z'), until: new Date('2026-11-08T00:00:00Z') },
  ];

  it('has one schedule per derived heartbeat expression, each in its zone', () => {
    const derived = scheduleEvents(heartbeatPlan(exampleConfig)).flatMap((event) =>
      event.schedule.rate.map((expression) => `${event.schedule.timezone} ${expression}`),
    );
    const packaged = schedules().map(
      (schedule) => `${String(schedule.ScheduleExpressionTimezone)} ${String(schedule.ScheduleExpression)}`,
    );
    expect(packaged.length).toBeGreaterThan(1);
    expect(packaged.sort()).toEqual(derived.sort());
  });

  it("evaluates every schedule in a configured market's zone, but the safety net in UTC", () => {
    for (const schedule of schedules()) {
      expect([...EXCHANGE_ZONES, 'UTC']).toContain(schedule.ScheduleExpressionTimezone);
    }
    expect(schedules().filter((schedule) => schedule.ScheduleExpressionTimezone === 'UTC')).toHaveLength(1);
  });

  it("never fires between 01:00 and 03:00 local in a market's zone, through the DST switches", () => {
    const inMarketZones = schedules().filter((schedule) => schedule.ScheduleExpressionTimezone !== 'UTC');
    expect(inMarketZones.length).toBeGreaterThan(0);
    for (const schedule of inMarketZones) {
      const timeZone = String(schedule.ScheduleExpressionTimezone);
      const local = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      });
      const offending = dstSeasons
        .flatMap((season) => fireTimes(String(schedule.ScheduleExpression), { ...season, timeZone }))
        .map((fire) => local.format(fire))
        .filter((hhmm) => hhmm >= '01:00' && hhmm < '03:00');
      expect({ expression: schedule.ScheduleExpression, offending }).toEqual({
        expression: schedule.ScheduleExpression,
        offending: [],
      });
    }
  });

  /** Local "HH:MM" times of every fire on one local date in one zone, over all schedules in that zone. */
  function firesOn(date: string, timeZone: string): Set<string> {
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    const dayOf = new Intl.DateTimeFormat('en-CA', { timeZone });
    const window = { after: new Date(`${date}T00:00:00Z`), until: new Date(`${date}T23:59:00Z`) };
    window.after.setUTCDate(window.after.getUTCDate() - 1);
    window.until.setUTCDate(window.until.getUTCDate() + 1);
    const times = schedules()
      .filter((schedule) => schedule.ScheduleExpressionTimezone === timeZone)
      .flatMap((schedule) => fireTimes(String(schedule.ScheduleExpression), { ...window, timeZone }))
      .filter((fire) => dayOf.format(fire) === date)
      .map((fire) => local.format(fire));
    return new Set(times);
  }

  function minutesOf(hhmm: string): number {
    const [hours = 0, minutes = 0] = hhmm.split(':').map(Number);
    return hours * 60 + minutes;
  }

  /** True when some fire lies in [from, to] local time. */
  function firesBetween(fires: Set<string>, from: string, to: string): boolean {
    return [...fires].some((fire) => minutesOf(fire) >= minutesOf(from) && minutesOf(fire) <= minutesOf(to));
  }

  it.each([
    // Weekdays on both sides of the US DST switches.
    ['2026-03-10', 'America/New_York', '09:30', ['16:00']],
    ['2026-11-03', 'America/New_York', '09:30', ['16:00']],
    // The day after Thanksgiving closes early.
    ['2026-11-27', 'America/New_York', '09:30', ['13:00']],
  ] as const)(
    'on %s in %s wakes at least every 5 min for 2 h before the %s open, and soon after each close',
    (date, zone, open, closes) => {
      const fires = firesOn(date, zone);
      for (let minute = minutesOf(open) - 120; minute < minutesOf(open); minute += 5) {
        const slotStart = `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
        const slotEnd = `${String(Math.floor((minute + 4) / 60)).padStart(2, '0')}:${String((minute + 4) % 60).padStart(2, '0')}`;
        expect(firesBetween(fires, slotStart, slotEnd), `${zone} ${date} ${slotStart}`).toBe(true);
      }
      for (const close of closes) {
        const tenAfter = minutesOf(close) + 10;
        const until = `${String(Math.floor(tenAfter / 60)).padStart(2, '0')}:${String(tenAfter % 60).padStart(2, '0')}`;
        expect(firesBetween(fires, close, until), `${zone} ${date} after ${close}`).toBe(true);
      }
    },
  );

  it('lets EventBridge Scheduler invoke only reclaim-on-schedule, through a role of its own', () => {
    const roleIds = new Set(
      schedules().map((schedule) => JSON.stringify((schedule.Target as { RoleArn: unknown }).RoleArn)),
    );
    expect(roleIds).toEqual(new Set([JSON.stringify({ 'Fn::GetAtt': ['SchedulerInvokeRole', 'Arn'] })]));
    const statements = roleStatements(template.Resources.SchedulerInvokeRole!);
    expect(statements.flatMap((statement) => asArray(statement.Action))).toEqual(['lambda:InvokeFunction']);
    expect(JSON.stringify(statements.map((statement) => statement.Resource))).not.toMatch(
      /reclaim-on-(alarm|demand)|Dashalarm|Dashdemand|track/i,
    );
  });
});

describe('packaged template: alarm rule', () => {
  it('listens for state changes of exactly the alarms of the example config', () => {
    const configured = configuredAlarmNames(loadConfigFile(path.join(REPO_ROOT, 'config/example.json')));
    const alarmRules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) => {
      const pattern = rule.Properties?.EventPattern as Record<string, unknown> | undefined;
      return asArray(pattern?.['detail-type'] as string[]).includes('CloudWatch Alarm State Change');
    });
    expect(alarmRules).toHaveLength(1);
    const pattern = alarmRules[0]![1].Properties!.EventPattern as {
      source: string[];
      detail: { alarmName: string[] };
    };
    expect(pattern.source).toEqual(['aws.cloudwatch']);
    expect([...pattern.detail.alarmName].sort()).toEqual(configured);
    expect(configured).toContain('xnys-volatility-high');
    expect(configured).toContain('az-impaired-us-east-1a');
  });

  it('lets the reclaim functions describe only the configured alarms', () => {
    const configured = configuredAlarmNames(loadConfigFile(path.join(REPO_ROOT, 'config/example.json')));
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const statement of roleStatements(role)) {
        if (!asArray(statement.Action).includes('cloudwatch:DescribeAlarms')) continue;
        const alarms = asArray(statement.Resource).map((resource) => arnText(resource).split(':alarm:')[1]);
        expect(alarms.sort()).toEqual(configured);
      }
    }
  });

  it('lets the tracker read what deciding a deferred target again reads, as the reclaim functions do', () => {
    const reads = (roleId: string) =>
      roleStatements(template.Resources[roleId]!)
        .filter((statement) =>
          asArray(statement.Action).some((action) =>
            ['cloudwatch:DescribeAlarms', 'cloudwatch:GetMetricData'].includes(action),
          ),
        )
        .map((statement) => ({ action: statement.Action, resource: statement.Resource }));
    const tracker = reads('TrackReclamationRole');
    expect(tracker.map((read) => read.action).sort()).toEqual([
      'cloudwatch:DescribeAlarms',
      'cloudwatch:GetMetricData',
    ]);
    expect(tracker).toEqual(reads('ReclaimOnScheduleRole'));
  });
});

describe('packaged template: IAM', () => {
  it('gives every function a role of its own', () => {
    const functions = lambdaFunctions();
    expect(functions.length).toBeGreaterThanOrEqual(3);
    const roles = functions.map(([, fn]) => roleLogicalId(fn));
    expect(new Set(roles).size).toBe(functions.length);
    for (const role of roles) expect(template.Resources[role]?.Type).toBe('AWS::IAM::Role');
  });

  it('grants no `*` action anywhere, in roles or resource policies', () => {
    const actions = everyAction(template.Resources);
    expect(actions.length).toBeGreaterThan(0);
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
  });

  it('lets every allocation change and tag write touch only reservations carrying the managed tag', () => {
    // Create authorizes the source reservation and the request's tags (reference 5.1): it is guarded by both
    // the source's managed tag and the tag it puts on the new reservation; the other writes by the tag on the
    // reservation they change.
    const onCreate = new Set(['ec2:CreateInterruptibleCapacityReservationAllocation', 'ec2:CreateTags']);
    const guarded = [
      'ec2:CreateInterruptibleCapacityReservationAllocation',
      'ec2:UpdateInterruptibleCapacityReservationAllocation',
      'ec2:CreateTags',
      'ec2:DeleteTags',
    ];
    let checked = 0;
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const statement of roleStatements(role)) {
        const actions = asArray(statement.Action);
        if (!actions.some((action) => guarded.includes(action))) continue;
        checked += 1;
        for (const resource of asArray(statement.Resource)) {
          expect(arnText(resource)).toMatch(/:capacity-reservation\/\*$/);
        }
        if (statement.Condition?.StringEquals?.[`aws:RequestTag/${TAG.managed}`] !== undefined) {
          expect(actions.every((action) => onCreate.has(action))).toBe(true);
          expect(statement.Condition?.StringEquals?.[`aws:RequestTag/${TAG.managed}`]).toBe('true');
          expect(statement.Condition?.['ForAllValues:StringEquals']?.['aws:TagKeys']).toEqual([TAG.managed]);
          if (actions.includes('ec2:CreateTags')) {
            expect(statement.Condition?.StringEquals?.['ec2:CreateAction']).toBe(
              'CreateInterruptibleCapacityReservationAllocation',
            );
          } else {
            expect(statement.Condition?.StringEquals?.[`aws:ResourceTag/${TAG.managed}`]).toBe('true');
          }
          continue;
        }
        expect(actions).not.toContain('ec2:CreateInterruptibleCapacityReservationAllocation');
        expect(statement.Condition?.StringEquals?.[`aws:ResourceTag/${TAG.managed}`]).toBe('true');
        if (actions.includes('ec2:CreateTags') || actions.includes('ec2:DeleteTags')) {
          expect(statement.Condition?.['ForAllValues:StringLike']?.['aws:TagKeys']).toEqual([
            'odcr-reclaimer:*',
          ]);
          expect(statement.Condition?.['ForAllValues:StringNotEquals']?.['aws:TagKeys']).toEqual([
            TAG.managed,
          ]);
          // ForAllValues holds for no keys at all, and DeleteTags without keys deletes every tag.
          expect(statement.Condition?.Null?.['aws:TagKeys']).toBe('false');
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(lambdaFunctions().length);
  });

  it('lets EC2 writes touch capacity reservations of exactly the regions of the example config', () => {
    const config = loadConfigFile(path.join(REPO_ROOT, 'config/example.json'));
    // The example lists no `regions`: the functions look after their own region, the deploy region.
    const expected = (config.regions ?? [`\${AWS::Region}`]).map(
      (region) => `arn:\${AWS::Partition}:ec2:${region}:\${AWS::AccountId}:capacity-reservation/*`,
    );
    let checked = 0;
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const statement of roleStatements(role)) {
        if (!asArray(statement.Action).some((action) => action.startsWith('ec2:'))) continue;
        if (asArray(statement.Resource).includes('*')) continue; // Describe: no resource-level permission
        checked += 1;
        expect(asArray(statement.Resource).map(arnText).sort()).toEqual([...expected].sort());
      }
    }
    // Update, Create, tag-on-create and records in each reclaim role; update and records in the tracker's.
    expect(checked).toBe(3 * 4 + 2);
  });

  it('uses `*` resources only for actions without resource-level permissions', () => {
    const allowedOnStar = new Set(['ec2:DescribeCapacityReservations', 'cloudwatch:GetMetricData']);
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const statement of roleStatements(role)) {
        if (!asArray(statement.Resource).includes('*')) continue;
        for (const action of asArray(statement.Action)) expect(allowedOnStar).toContain(action);
      }
    }
  });

  it('lets no function put metrics: they are EMF lines in its own log group, which it may write', () => {
    const roles = resourcesOfType(template, 'AWS::IAM::Role');
    expect(roles.length).toBeGreaterThan(0);
    for (const [roleId, role] of roles) {
      const actions = roleStatements(role).flatMap((statement) => asArray(statement.Action));
      expect(actions, roleId).not.toContain('cloudwatch:PutMetricData');
      expect(
        actions.some((action) => /^cloudwatch:\*|^\*$/.test(action)),
        roleId,
      ).toBe(false);
      if (roleId.endsWith('Role') && actions.some((action) => action.startsWith('ec2:'))) {
        expect(actions, roleId).toContain('logs:PutLogEvents');
      }
    }
  });

  it('lets functions switch only the tracker rule, and only the tracker switch it off', () => {
    for (const [roleId, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      for (const statement of roleStatements(role)) {
        const ruleActions = asArray(statement.Action).filter((action) =>
          /^events:(Enable|Disable)Rule$/.test(action),
        );
        if (ruleActions.length === 0) continue;
        expect(asArray(statement.Resource).map(arnText)).toEqual([
          `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:rule/${TRACKER_RULE_NAME}`,
        ]);
        if (ruleActions.includes('events:DisableRule')) expect(roleId).toBe('TrackReclamationRole');
      }
    }
  });

  it('gives the sandbox exactly the packaged roles, which the endpoint evaluates as IAM would', () => {
    const facts = { service: 'odcr-reclaimer', stage: 'dev', region: 'us-east-1', accountId: '123456789012' };
    const packagedRoles = functionRolesFromTemplate(template, facts);
    const sandboxRoles = sandboxFunctionRoles(
      loadConfigFile(path.join(REPO_ROOT, 'config/example.json')),
      facts.accountId,
    );
    const byFunction = (roles: FunctionRole[]) =>
      Object.fromEntries(roles.map((role) => [role.functionName, role]));
    expect(byFunction(sandboxRoles)).toEqual(byFunction(packagedRoles));
    const tracker = packagedRoles.find((role) => role.functionName === 'track-reclamation')!;
    const statements = statementsOf(tracker.policies);
    const reservation = 'arn:aws:ec2:us-east-1:123456789012:capacity-reservation/cr-0123456789abcdef0';
    const managed = { 'aws:ResourceTag/odcr-reclaimer:managed': 'true' };
    const deleteTags = (context: Record<string, string | string[]>) =>
      evaluate(statements, { action: 'ec2:DeleteTags', resource: reservation, context }).allowed;
    expect(deleteTags({ ...managed, 'aws:TagKeys': ['odcr-reclaimer:override'] })).toBe(true);
    expect(deleteTags(managed)).toBe(false);
    expect(deleteTags({ ...managed, 'aws:TagKeys': [TAG.managed] })).toBe(false);
    const onDemand = packagedRoles.find((role) => role.functionName === 'reclaim-on-demand')!;
    const create = (context: Record<string, string | string[]>) =>
      evaluate(statementsOf(onDemand.policies), {
        action: 'ec2:CreateInterruptibleCapacityReservationAllocation',
        resource: reservation,
        context,
      }).allowed;
    const tagged = { 'aws:RequestTag/odcr-reclaimer:managed': 'true', 'aws:TagKeys': [TAG.managed] };
    expect(create({ ...managed, ...tagged })).toBe(true);
    expect(create(tagged)).toBe(false);
    expect(create(managed)).toBe(false);
  });
});

describe('packaged template: failures and resource policies', () => {
  it('retries async invocations twice, then parks them in the failure queue, which is alarmed', () => {
    const invokeConfigs = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig');
    expect(invokeConfigs).toHaveLength(lambdaFunctions().length);
    for (const [, config] of invokeConfigs) {
      expect(config.Properties?.MaximumRetryAttempts).toBe(2);
      expect(config.Properties?.DestinationConfig).toEqual({
        OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } },
      });
    }
    const queueAlarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties?.Namespace === 'AWS/SQS',
    );
    expect(queueAlarms).toHaveLength(1);
    expect(JSON.stringify(queueAlarms[0]![1].Properties?.Dimensions)).toContain('AsyncFailureQueue');
  });

  it('alarms on the errors of every function', () => {
    const watched = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
      .filter(
        ([, alarm]) =>
          alarm.Properties?.Namespace === 'AWS/Lambda' && alarm.Properties?.MetricName === 'Errors',
      )
      .map(([, alarm]) => JSON.stringify(alarm.Properties?.Dimensions));
    for (const [functionId] of lambdaFunctions()) {
      expect(watched.some((dimensions) => dimensions.includes(`"Ref":"${functionId}"`))).toBe(true);
    }
  });

  it.each([
    ['EventBus', 'events:PutEvents'],
    ['AsyncFailureQueuePolicy', 'sqs:SendMessage'],
  ])('%s lets only the service roles %s', (logicalId, action) => {
    const resource = template.Resources[logicalId]!;
    const document = (resource.Properties?.Policy ?? resource.Properties?.PolicyDocument) as {
      Statement: Statement[];
    };
    const denyOthers = document.Statement.find(
      (statement) =>
        statement.Effect === 'Deny' &&
        asArray(statement.Action).includes(action) &&
        statement.Condition?.ArnNotLike,
    );
    expect(denyOthers?.Condition?.ArnNotLike?.['aws:PrincipalArn']).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/odcr-reclaimer-dev-us-east-1-*`,
    });
    for (const [, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      if (role.Properties?.RoleName === undefined) continue;
      expect(String(role.Properties.RoleName)).toMatch(/^odcr-reclaimer-dev-us-east-1-/);
    }
  });
});

describe('packaged template: functions', () => {
  it('gives every function time for its run plus one SDK call that hangs on every attempt', () => {
    // The reclaim functions' run budget before SDK timeouts existed; the tracker's polling budget and its
    // rule switch afterwards.
    const runSeconds: Record<string, number> = {
      ReclaimDashonDashscheduleLambdaFunction: 60,
      ReclaimDashonDashalarmLambdaFunction: 60,
      ReclaimDashonDashdemandLambdaFunction: 60,
      TrackDashreclamationLambdaFunction: DEFAULT_TRACKER_SETTINGS.runBudgetSeconds + 10,
    };
    expect(
      lambdaFunctions()
        .map(([id]) => id)
        .sort(),
    ).toEqual(Object.keys(runSeconds).sort());
    for (const [id, fn] of lambdaFunctions()) {
      const timeoutMs = Number(fn.Properties?.Timeout) * 1000;
      expect({ id, room: timeoutMs >= (runSeconds[id] ?? 0) * 1000 + SDK_WORST_CALL_MS }).toEqual({
        id,
        room: true,
      });
    }
  });

  it('handles alarm events one at a time, like the tracker, with retries and the failure destination', () => {
    // The burst guarantee (one update per reservation per target change) needs alarm runs not to overlap.
    for (const functionId of ['ReclaimDashonDashalarmLambdaFunction', 'TrackDashreclamationLambdaFunction']) {
      expect(template.Resources[functionId]?.Properties?.ReservedConcurrentExecutions).toBe(1);
    }
    const alarmInvokeConfig = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').find(
      ([, config]) =>
        JSON.stringify(config.Properties?.FunctionName) ===
        JSON.stringify({ Ref: 'ReclaimDashonDashalarmLambdaFunction' }),
    );
    expect(alarmInvokeConfig?.[1].Properties).toMatchObject({
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': ['AsyncFailureQueue', 'Arn'] } } },
    });
  });

  it('runs every function on nodejs22.x arm64 with its environment, from a prebuilt artifact', () => {
    for (const [, fn] of lambdaFunctions()) {
      expect(fn.Properties?.Runtime).toBe('nodejs22.x');
      expect(fn.Properties?.Architectures).toEqual(['arm64']);
      expect(fn.Properties?.Handler).toBe('handler.handler');
      const environment = fn.Properties?.Environment as { Variables: Record<string, string> } | undefined;
      const variables = environment?.Variables ?? {};
      expect(variables).toMatchObject({
        ODCR_CONFIG_FILE: 'config.json',
        EVENT_BUS_NAME: 'odcr-reclaimer-dev',
        TRACKER_RULE_NAME: TRACKER_RULE_NAME,
        METRICS_NAMESPACE: 'OdcrReclaimer',
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(variables.POWERTOOLS_SERVICE_NAME).toBeTruthy();
    }
    for (const [, group] of resourcesOfType(template, 'AWS::Logs::LogGroup')) {
      expect(group.Properties?.RetentionInDays).toBeGreaterThan(0);
    }
  });

  it('keeps the failure queue and every log group when the stack is deleted or they are replaced', () => {
    const kept = [
      ...resourcesOfType(template, 'AWS::Logs::LogGroup'),
      ...resourcesOfType(template, 'AWS::SQS::Queue'),
    ];
    expect(kept.length).toBe(lambdaFunctions().length + 1);
    for (const [logicalId, resource] of kept) {
      expect([logicalId, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([
        logicalId,
        'Retain',
        'Retain',
      ]);
    }
    expect(packaged.built.map((fn) => fn.function).sort()).toEqual(
      lambdaFunctions()
        .map(([, fn]) => String(fn.Properties?.FunctionName).replace('odcr-reclaimer-dev-', ''))
        .sort(),
    );
  });
});

describe('packaged template: tracker', () => {
  it('creates its 1-minute rule DISABLED, under the fixed name, targeting the tracker', () => {
    const rule = template.Resources.TrackerScheduleRule!;
    expect(rule.Properties).toMatchObject({
      Name: TRACKER_RULE_NAME,
      ScheduleExpression: 'rate(1 minute)',
      State: 'DISABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': ['TrackDashreclamationLambdaFunction', 'Arn'] } }],
    });
    expect(template.Resources.TrackerSchedulePermission?.Properties?.SourceArn).toEqual({
      'Fn::GetAtt': ['TrackerScheduleRule', 'Arn'],
    });
  });

  it("wakes on EC2's reclamation-completed event under both documented spellings", () => {
    const rule = template.Resources.TrackerReclamationCompletedRule!;
    const pattern = rule.Properties?.EventPattern as { source: string[]; 'detail-type': string[] };
    expect(pattern.source).toEqual(['aws.ec2']);
    expect([...pattern['detail-type']].sort()).toEqual([
      'EC2 Capacity Reservation Interruptible Reclamation Complete',
      'EC2 Interruptible Capacity Reservation Allocation Reclamation Completed',
    ]);
    expect(template.Resources.TrackerReclamationCompletedPermission?.Properties?.SourceArn).toEqual({
      'Fn::GetAtt': ['TrackerReclamationCompletedRule', 'Arn'],
    });
  });

  it('lets every reclaim function enable the tracker rule, and the tracker disable it', () => {
    const ruleActionsByRole = new Map<string, string[]>();
    for (const [roleId, role] of resourcesOfType(template, 'AWS::IAM::Role')) {
      ruleActionsByRole.set(
        roleId,
        roleStatements(role).flatMap((statement) =>
          asArray(statement.Action).filter((a) => a.endsWith('Rule')),
        ),
      );
    }
    for (const roleId of ['ReclaimOnScheduleRole', 'ReclaimOnAlarmRole', 'ReclaimOnDemandRole']) {
      expect(ruleActionsByRole.get(roleId)).toEqual(['events:EnableRule']);
    }
    expect(ruleActionsByRole.get('TrackReclamationRole')).toEqual(
      expect.arrayContaining(['events:EnableRule', 'events:DisableRule']),
    );
  });

  it('pages when a configured market has less than 90 days of calendar data left', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').filter(
      ([, alarm]) => alarm.Properties?.MetricName === METRIC.calendarDataDaysLeft,
    );

    expect(alarms).toHaveLength(1);
    expect(alarms[0]?.[1].Properties).toMatchObject({
      Namespace: 'OdcrReclaimer',
      Statistic: 'Minimum',
      Threshold: DATA_EXPIRY_WARNING_DAYS,
      ComparisonOperator: 'LessThanThreshold',
      AlarmActions: [{ Ref: 'AlarmTopic' }],
    });
  });

  it('alarms on stalls, deadlines at risk, and in-flight work with an idle tracker', () => {
    const expressions = resourcesOfType(template, 'AWS::CloudWatch::Alarm').flatMap(([, alarm]) =>
      ((alarm.Properties?.Metrics ?? []) as { Expression?: string }[]).map(
        (metric) => metric.Expression ?? '',
      ),
    );
    for (const metric of ['Stalls', 'DeadlineAtRisk']) {
      expect(
        expressions.some((expression) =>
          // Every series of the metric: the hub's (ReservationId) and the spokes' (ReservationId, AccountId).
          expression.endsWith(`(${metric}) FROM "OdcrReclaimer"`),
        ),
      ).toBe(true);
    }
    // The in-flight half reads the fleet gauge that a reconcile raises and only a tracker poll lowers.
    expect(template.Resources.InFlightAlarm?.Properties).toMatchObject({
      Namespace: 'OdcrReclaimer',
      MetricName: IN_FLIGHT_RESERVATIONS,
      TreatMissingData: 'ignore',
    });
    const composite = template.Resources.TrackerNotRunningAlarm!;
    expect(composite.Type).toBe('AWS::CloudWatch::CompositeAlarm');
    expect(composite.Properties?.AlarmRule).toEqual({
      'Fn::Sub': `ALARM("\${InFlightAlarm}") AND ALARM("\${TrackerIdleAlarm}")`,
    });
    expect(composite.Properties?.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
  });

  it('deploys the dashboard with owned, lent, target, duration percentiles, stalls and margin', () => {
    const dashboard = template.Resources.OperationsDashboard!;
    const [body, variables] = (
      dashboard.Properties!.DashboardBody as { 'Fn::Sub': [string, Record<string, unknown>] }
    )['Fn::Sub'];
    // The namespace is serverless.yml's, substituted by the template: the build never restates it.
    expect(variables.MetricsNamespace).toBe('OdcrReclaimer');
    const widgets = (JSON.parse(body) as { widgets: { properties: { metrics: unknown[][] } }[] }).widgets;
    const expressions = widgets.flatMap((widget) =>
      widget.properties.metrics.flat().flatMap((entry) => {
        const expression = (entry as { expression?: unknown }).expression;
        return typeof expression === 'string' ? [expression] : [];
      }),
    );
    for (const metric of ['Owned', 'Lent', 'Target', 'Stalls', 'DeadlineMarginSeconds']) {
      expect(expressions.some((expression) => expression.includes(`MetricName="${metric}"`))).toBe(true);
    }
    // The duration percentiles read the fleet series (no dimensions: true percentiles over every completion),
    // not a SEARCH over ReservationId, which draws one line per reservation and stops at 500.
    const fleetDurationStats = widgets.flatMap((widget) =>
      widget.properties.metrics.flatMap((row) => {
        const [namespace, name, options] = row;
        const stat = (options as { stat?: unknown } | undefined)?.stat;
        return row.length === 3 && namespace === `\${MetricsNamespace}` && name === 'ReclaimDurationSeconds'
          ? [stat]
          : [];
      }),
    );
    expect(fleetDurationStats).toEqual(['p50', 'p95']);
    expect(expressions.some((expression) => expression.includes('MetricName="ReclaimDurationSeconds"'))).toBe(
      false,
    );
  });
});

describe('packaged template: paging', () => {
  const topic = { Ref: 'AlarmTopic' };

  it("sends the bus's Failed, Stalled and Deadline At Risk events to the alarm topic", () => {
    const rule = template.Resources.PagingRule!;
    expect(rule.Type).toBe('AWS::Events::Rule');
    expect(rule.Properties?.EventBusName).toEqual({ Ref: 'EventBus' });
    expect(rule.Properties?.State).toBe('ENABLED');
    expect(rule.Properties?.EventPattern).toEqual({
      source: ['odcr-reclaimer'],
      'detail-type': [DETAIL_TYPE.changeFailed, DETAIL_TYPE.changeStalled, DETAIL_TYPE.deadlineAtRisk],
    });
    expect(rule.Properties?.Targets).toEqual([expect.objectContaining({ Arn: topic })]);
  });

  it('encrypts the topic with a rotated key that EventBridge and CloudWatch alarms may use to publish', () => {
    const keyRef = template.Resources.AlarmTopic?.Properties?.KmsMasterKeyId as { Ref: string };
    const key = template.Resources[keyRef.Ref]!;
    expect(key.Type).toBe('AWS::KMS::Key');
    expect(key.Properties?.EnableKeyRotation).toBe(true);
    const statements = (key.Properties!.KeyPolicy as { Statement: Statement[] }).Statement;
    for (const service of ['events.amazonaws.com', 'cloudwatch.amazonaws.com']) {
      const granted = statements
        .filter((statement) => statement.Effect === 'Allow')
        .filter((statement) =>
          asArray((statement as { Principal?: { Service?: string | string[] } }).Principal?.Service).includes(
            service,
          ),
        )
        .flatMap((statement) => asArray(statement.Action));
      expect(granted).toEqual(expect.arrayContaining(['kms:GenerateDataKey', 'kms:Decrypt']));
    }
    // The account can still administer (and so update) the key's policy.
    expect(statements.flatMap((statement) => asArray(statement.Action))).toContain('kms:PutKeyPolicy');
  });

  it("admits only the paging rule and this account's alarms to publish to the topic", () => {
    const policy = resourcesOfType(template, 'AWS::SNS::TopicPolicy')
      .map(([, resource]) => resource)
      .find((resource) => JSON.stringify(resource.Properties?.Topics) === JSON.stringify([topic]))!;
    const statements = (policy.Properties!.PolicyDocument as { Statement: Statement[] }).Statement;
    const publishers = statements.map((statement) => ({
      service: (statement as { Principal?: { Service?: string } }).Principal?.Service,
      condition: statement.Condition,
    }));
    expect(publishers).toEqual(
      expect.arrayContaining([
        {
          service: 'events.amazonaws.com',
          condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['PagingRule', 'Arn'] } } },
        },
        {
          service: 'cloudwatch.amazonaws.com',
          condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        },
      ]),
    );
    expect(publishers).toHaveLength(2);
  });

  it('alarms on every failure the service counts, each paging the topic', () => {
    const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties);
    for (const metric of Object.values(FAILURE_METRIC)) {
      expect(alarms).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            Namespace: 'OdcrReclaimer',
            MetricName: metric,
            Statistic: 'Sum',
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            AlarmActions: [topic],
          }),
        ]),
      );
    }
  });

  it('sends every alarm to the topic, but the two halves of the composite', () => {
    const halves = new Set(['InFlightAlarm', 'TrackerIdleAlarm']);
    const alarms = [
      ...resourcesOfType(template, 'AWS::CloudWatch::Alarm'),
      ...resourcesOfType(template, 'AWS::CloudWatch::CompositeAlarm'),
    ];
    expect(alarms.length).toBeGreaterThan(10);
    for (const [id, alarm] of alarms) {
      if (halves.has(id)) expect(alarm.Properties?.AlarmActions).toBeUndefined();
      else expect({ id, actions: alarm.Properties?.AlarmActions }).toEqual({ id, actions: [topic] });
    }
  });
});

describe('packaged template: writer lease', () => {
  const tables = () => resourcesOfType(template, 'AWS::DynamoDB::Table');

  it('keeps the lease in one retained, encrypted, on-demand table with PITR and TTL on the expiry', () => {
    expect(tables().map(([id]) => id)).toEqual(['WriterLeaseTable']);
    const [, table] = tables()[0] ?? [];
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.UpdateReplacePolicy).toBe('Retain');
    expect(table?.Properties).toMatchObject({
      TableName: LEASE_TABLE_NAME,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: LEASE_KEY_ATTRIBUTE, KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: LEASE_KEY_ATTRIBUTE, AttributeType: 'S' }],
      TimeToLiveSpecification: { AttributeName: LEASE_EXPIRY_ATTRIBUTE, Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
  });

  it('names the table to every function and lets each only take and give back the lease', () => {
    const tableArn = `arn:\${AWS::Partition}:dynamodb:\${AWS::Region}:\${AWS::AccountId}:table/${LEASE_TABLE_NAME}`;
    for (const [id, fn] of lambdaFunctions()) {
      const environment = fn.Properties?.Environment as { Variables: Record<string, string> } | undefined;
      expect({ id, table: environment?.Variables.LEASE_TABLE_NAME }).toEqual({ id, table: LEASE_TABLE_NAME });
      const role = template.Resources[roleLogicalId(fn)];
      if (!role) throw new Error(`no role for ${id}`);
      const leaseStatements = roleStatements(role).filter((statement) =>
        asArray(statement.Action).some((action) => action.startsWith('dynamodb:')),
      );
      expect({
        id,
        grants: leaseStatements.map((statement) => ({
          effect: statement.Effect,
          actions: asArray(statement.Action).sort(),
          resources: asArray(statement.Resource).map(arnText),
        })),
      }).toEqual({
        id,
        grants: [
          { effect: 'Allow', actions: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], resources: [tableArn] },
        ],
      });
    }
  });

  it('lasts longer than any function can run, clock skew included', () => {
    for (const [id, fn] of lambdaFunctions()) {
      const timeoutMs = Number(fn.Properties?.Timeout) * 1000;
      expect({ id, outlives: LEASE_DURATION_MS >= timeoutMs + 30_000 }).toEqual({ id, outlives: true });
    }
  });
});
