/**
 * `npm run validate -- --config <file> [--scenario <file>] [--days <n>]`: everything that can be checked
 * before a deploy or a simulation, without AWS: the config; the scenario and what it names against the
 * config (alarms, reservations, regions, accounts); the regions; and that the triggers serverless.yml packages for
 * this config cover every market: a heartbeat before each open and after each close, and the alarm rule
 * listening for every configured alarm. Prints every problem on its own line with its field path.
 * (The command itself is cli/validate.ts.)
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DERIVED_VALUES_SOURCE, derivedTemplateValues } from '#infra/build.ts';
import { checkScenarioAgainstConfig, configuredAlarmNames, loadScenarioFile } from '#sandbox/scenario.ts';
import { fireTimes } from '#sandbox/schedule-expression.ts';
import { readServerlessTriggers, type ServerlessTriggers } from '#sandbox/serverless-triggers.ts';
import { sessionsBetween } from '#shared/calendar/calendar.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { sharingWarnings } from '#shared/config/sharing.ts';
import { formatTime } from '#shared/display/time.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import {
  configuredMarkets,
  heartbeatPlan,
  maximumLead,
  scheduleGranularity,
} from '#shared/schedule/heartbeats.ts';
import { type FieldProblem, formatProblemList, problemsOf } from './problems.ts';
import { parseFlags, UsageError, valueFlags } from './usage.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DAY_MS = 86_400_000;

export const VALIDATE_USAGE = `usage: npm run validate -- --config <file> [--scenario <file>] [--days <n>] [--from <ISO time>]

  --config    the policy config to check (schema, markets, alarms, regions)
  --scenario  a scenario to check too, and against the config (alarms, reservations, regions, accounts)
  --days      how many days of sessions the packaged heartbeats are checked over (default 14)
  --from      where those days start (default now)

  Exits 0 when everything holds, 1 when something does not (each problem on its own line, with its field).`;

/** AWS's commercial, GovCloud and China region names: `us-east-1`, `us-gov-west-1`, `cn-north-1`. */
const REGION_NAME = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

interface Section {
  title: string;
  problems: FieldProblem[];
}

function problemsFrom(error: unknown): FieldProblem[] {
  const described = problemsOf(error);
  if (described === undefined) throw error;
  return described.problems.length > 0 ? described.problems : [{ path: '', message: described.headline }];
}

function regionProblems(config: PolicyConfig): FieldProblem[] {
  return (config.regions ?? []).flatMap((region, index) =>
    REGION_NAME.test(region)
      ? []
      : [
          {
            path: `regions[${index}]`,
            message: `expected an AWS region name such as us-east-1, got '${region}'`,
          },
        ],
  );
}

/** Every session of every configured market in the window has a heartbeat before its open and after its close. */
export function triggerProblems(
  config: PolicyConfig,
  triggers: ServerlessTriggers,
  from: Date,
  days: number,
): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const options = calendarOptions(config);
  const lead = maximumLead(config) * 60_000;
  const grid = scheduleGranularity(config) * 60_000;
  // The hourly safety net in UTC repairs a lost run; it is not what brings capacity back by the bell.
  const safetyNet = heartbeatPlan(config).safetyNet;
  const heartbeats = triggers.schedules.filter(
    (schedule) =>
      schedule.functionName === 'reclaim-on-schedule' &&
      schedule.enabled &&
      !(schedule.timeZone === safetyNet.timeZone && schedule.expression === safetyNet.expression),
  );
  const until = new Date(from.getTime() + days * DAY_MS);
  const fires = heartbeats.flatMap((schedule) =>
    fireTimes(schedule.expression, {
      timeZone: schedule.timeZone,
      after: new Date(from.getTime() - lead - DAY_MS),
      until: new Date(until.getTime() + DAY_MS),
    }).map((fire) => fire.getTime()),
  );
  const firesIn = (start: number, end: number) => fires.some((fire) => fire >= start && fire <= end);
  for (const market of configuredMarkets(config)) {
    const sessions = sessionsBetween(market, from, until, options);
    const missed = sessions.flatMap((session) => {
      const open = session.open.getTime();
      const close = session.close.getTime();
      const where = formatTime(session.open, session.timeZone, { year: true });
      const misses: string[] = [];
      if (!firesIn(open - lead, open)) misses.push(`no heartbeat before the open of ${where}`);
      // A close inside 01:00-03:00 local is followed at 03:00: allow up to three hours after it.
      if (!firesIn(close, close + Math.max(grid, 3 * 3_600_000)))
        misses.push(`no heartbeat after the close of ${where}`);
      return misses;
    });
    for (const message of missed) problems.push({ path: `markets.${market}`, message });
  }
  const alarmRules = triggers.rules.filter((rule) => rule.functionName === 'reclaim-on-alarm');
  const listened = new Set(
    alarmRules.flatMap((rule) => {
      const detail = rule.eventPattern?.['detail'];
      const names =
        typeof detail === 'object' && detail !== null && 'alarmName' in detail ? detail.alarmName : [];
      return Array.isArray(names) ? names.map(String) : [];
    }),
  );
  for (const alarm of configuredAlarmNames(config)) {
    if (!listened.has(alarm))
      problems.push({ path: `alarms.${alarm}`, message: 'the packaged alarm rule does not listen for it' });
  }
  return problems;
}

export function validate(argv: readonly string[]): number {
  const values = parseFlags(argv, valueFlags('config', 'scenario', 'days', 'from'));
  if (values.config === undefined && values.scenario === undefined)
    throw new UsageError('give --config <file> (and --scenario <file> to check a scenario too)');
  const days = values.days === undefined ? 14 : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > 400)
    throw new UsageError(`--days expects a whole number from 1 to 400, got '${values.days}'`);
  const from = values.from === undefined ? new Date() : new Date(values.from);
  if (Number.isNaN(from.getTime())) throw new UsageError(`--from expects an ISO time, got '${values.from}'`);

  const sections: Section[] = [];
  const checked: string[] = [];
  let scenario: ReturnType<typeof loadScenarioFile> | undefined;
  if (values.scenario !== undefined) {
    try {
      scenario = loadScenarioFile(values.scenario);
      checked.push(`scenario ${values.scenario}`);
    } catch (error: unknown) {
      sections.push({ title: `scenario ${values.scenario}`, problems: problemsFrom(error) });
    }
  }
  const configFile = values.config ?? scenario?.configFile;
  let config: PolicyConfig | undefined;
  if (configFile !== undefined) {
    const relative = path.relative(process.cwd(), configFile);
    const shown = relative.startsWith('..') || relative === '' ? configFile : relative;
    try {
      config = loadConfigFile(configFile);
      const regions = regionProblems(config);
      if (regions.length > 0) sections.push({ title: `config ${shown}`, problems: regions });
      else checked.push(`config ${shown} (${config.reservations.length} reservations)`);
    } catch (error: unknown) {
      sections.push({ title: `config ${shown}`, problems: problemsFrom(error) });
    }
  }
  if (config !== undefined) {
    let triggers: ServerlessTriggers | undefined;
    try {
      triggers = readServerlessTriggers(path.join(REPO_ROOT, 'serverless.yml'), {
        files: { [DERIVED_VALUES_SOURCE]: derivedTemplateValues(config) },
      });
    } catch (error: unknown) {
      sections.push({ title: 'packaged triggers (serverless.yml)', problems: problemsFrom(error) });
    }
    if (triggers !== undefined) {
      const problems = triggerProblems(config, triggers, from, days);
      if (problems.length > 0) sections.push({ title: 'packaged triggers (serverless.yml)', problems });
      else
        checked.push(
          `triggers: heartbeats around every session of ${configuredMarkets(config).join(', ')} over ${days} days, the alarm rule for every alarm (${configuredAlarmNames(config).length})`,
        );
      if (scenario !== undefined) {
        try {
          checkScenarioAgainstConfig(scenario, config, triggers.region);
          checked.push('the scenario against the config (alarms, reservations, regions, accounts)');
        } catch (error: unknown) {
          sections.push({
            title: `scenario ${values.scenario} against the config`,
            problems: problemsFrom(error),
          });
        }
      }
    }
  }
  for (const line of checked) process.stdout.write(`ok  ${line}\n`);
  // Not a mistake in the file, but a choice borrowers pay for: said, without failing the check.
  for (const warning of config === undefined ? [] : sharingWarnings(config))
    process.stdout.write(`warn ${warning}\n`);
  if (sections.length === 0) return 0;
  const lines = sections.flatMap((section) => [
    `invalid ${section.title}:`,
    ...formatProblemList(section.problems),
  ]);
  process.stderr.write(`${lines.join('\n')}\n`);
  return 1;
}
