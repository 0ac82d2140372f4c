/**
 * `npm run plan -- --at <ISO> [--alarm NAME=STATE ...] [--config <file>] [--observation <file>]
 * [--output table|json]`
 *
 * What the policy decides at a given time, and why, without AWS: the on-call engineer's "what will happen
 * at 09:00 tomorrow?". Without an observation file it assumes the example fleet off-hours (trading 60 lent,
 * risk-engine 1 lent per AZ) with every alarm OK; that state belongs to the example config only, so another
 * config needs its own observation.
 */
import './node-warnings.ts';
import { readFileSync } from 'node:fs';
import { marketTimeZone } from '#shared/calendar/calendar.ts';
import {
  EXAMPLE_CONFIG_FILE,
  exampleFleetAlarms,
  exampleFleetReservations,
} from '#shared/config/example-fleet.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { formatTime } from '#shared/display/time.ts';
import type { AlarmState } from '#shared/domain/reservation.ts';
import { decide } from '#shared/policy/decide.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import { ObservationError, parseObservation } from '#shared/policy/observation-schema.ts';
import type { Decision, Observation, PolicyResult } from '#shared/policy/types.ts';
import { formatTable, type OutputFormat, outputFormat } from './table.ts';
import { parseFlags, runCommand, switchFlags, UsageError, valueFlags } from './usage.ts';

const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const PLAN_USAGE = `usage: npm run plan -- --at <ISO time> [--alarm NAME=STATE ...] [--config <file>] [--observation <file>]
                      [--output table|json]

  --at           the moment to plan for, with its offset: 2026-11-27T12:45:00-05:00 or 2026-11-27T17:45:00Z
  --alarm        set an alarm's state: NAME=STATE with STATE OK, ALARM or INSUFFICIENT_DATA; repeatable
  --config       policy config file (default ${EXAMPLE_CONFIG_FILE})
  --observation  the fleet's state, JSON {reservations, alarms, reclaimDurationsSeconds?}; default: the
                 example fleet off-hours (only with the example config)
  --output       table (default, for people) or json (for programs); --json is short for --output json

  Per reservation: owned (instances reserved), owner needs (instances the owner must hold now), lent now and
  lent target (instances lent to other teams through the interruptible allocation, now and as planned), so
  "lent target 0" means everything is back with the owner.`;

interface PlanOptions {
  at: Date;
  alarms: Record<string, AlarmState>;
  configPath: string;
  observationPath?: string;
  output: OutputFormat;
}

function parseOptions(argv: readonly string[]): PlanOptions {
  const values = parseFlags(argv, {
    ...valueFlags('at', 'config', 'observation', 'output'),
    alarm: { type: 'string', multiple: true },
    ...switchFlags('json'),
  });
  if (values.at === undefined) throw new UsageError('--at is required');
  if (!ISO_WITH_ZONE.test(values.at) || Number.isNaN(Date.parse(values.at))) {
    throw new UsageError(
      `--at expects an ISO time with an offset (e.g. 2026-11-27T12:45:00-05:00), got '${values.at}'`,
    );
  }
  const alarms: Record<string, AlarmState> = {};
  for (const assignment of values.alarm ?? []) {
    const [name, state, ...rest] = assignment.split('=');
    const alarmState = ALARM_STATES.find((known) => known === state);
    if (name === undefined || name === '' || alarmState === undefined || rest.length > 0) {
      throw new UsageError(
        `--alarm expects NAME=STATE with STATE one of ${ALARM_STATES.join(', ')}, got '${assignment}'`,
      );
    }
    alarms[name] = alarmState;
  }
  const options: PlanOptions = {
    at: new Date(values.at),
    alarms,
    configPath: values.config ?? EXAMPLE_CONFIG_FILE,
    output: outputFormat(values.output, values.json),
  };
  if (values.observation !== undefined) options.observationPath = values.observation;
  return options;
}

/** The example fleet's state, for the example config; another fleet's state is never guessed. */
function exampleObservation(config: PolicyConfig, configPath: string): Observation {
  const reservations = exampleFleetReservations();
  const known = new Set(reservations.map((reservation) => reservation.reservationId));
  const foreign = config.reservations.filter((entry) => entry.id === undefined || !known.has(entry.id));
  if (foreign.length > 0) {
    throw new UsageError(
      `${configPath} is not the example fleet (${foreign.map((entry) => entry.name ?? entry.id ?? 'a selector').join(', ')}), ` +
        'so its state must be given: --observation <file> (JSON {reservations, alarms}; `npm run discover -- --observation-out <file>` writes one from EC2), ' +
        'or ask the running service with `npm run oncall -- plan`',
    );
  }
  return { reservations, alarms: exampleFleetAlarms() };
}

function readObservation(path: string): Observation {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    throw new ObservationError(
      `cannot read observation ${path}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parseObservation(json);
}

function knownAlarms(config: PolicyConfig): Set<string> {
  return new Set([
    ...Object.keys(config.alarms),
    ...config.azGroups.flatMap((group) => Object.values(group.impairmentAlarms)),
  ]);
}

function zoneOf(decision: Decision, config: PolicyConfig): string {
  const entry = config.reservations.find((candidate) => candidate.name === decision.name);
  return entry === undefined ? 'UTC' : marketTimeZone(entry.market, calendarOptions(config));
}

function formatPlan(result: PolicyResult, config: PolicyConfig, at: Date): string {
  const firstZone = result.decisions[0] === undefined ? 'UTC' : zoneOf(result.decisions[0], config);
  const rows = result.decisions.map((decision) => {
    const zone = zoneOf(decision, config);
    return [
      decision.reservationId,
      decision.name ?? '-',
      String(decision.owned),
      String(decision.need),
      String(decision.currentTarget),
      String(decision.target),
      decision.action,
      decision.nextChangeAt === undefined ? '-' : formatTime(decision.nextChangeAt, zone, { year: true }),
    ];
  });
  const table = formatTable(
    ['reservation', 'name', 'owned', 'owner needs', 'lent now', 'lent target', 'action', 'next change'],
    rows,
    {
      rightAligned: [2, 3, 4, 5],
      details: result.decisions.map((decision) => [
        ...decision.reasons,
        ...(decision.deadline === undefined
          ? []
          : [`deadline: back by ${formatTime(decision.deadline, zoneOf(decision, config), { year: true })}`]),
      ]),
    },
  );
  const out = [`plan at ${formatTime(at, firstZone, { year: true })}`, '', table];
  if (result.closures !== undefined) {
    out.push('', 'short-notice closures (on-call):');
    for (const closure of result.closures) out.push(`  ${closure.market} ${closure.date}: ${closure.reason}`);
  }
  if (result.warnings.length > 0) {
    out.push('', 'warnings:');
    for (const warning of result.warnings) out.push(`  ! ${warning}`);
  }
  return out.join('\n');
}

function plan(argv: readonly string[]): number {
  const options = parseOptions(argv);
  const config = loadConfigFile(options.configPath);
  const unknown = Object.keys(options.alarms).filter((name) => !knownAlarms(config).has(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown alarm ${unknown.join(', ')}; configured: ${[...knownAlarms(config)].join(', ')}`,
    );
  }
  const observation =
    options.observationPath === undefined
      ? exampleObservation(config, options.configPath)
      : readObservation(options.observationPath);
  observation.alarms = { ...observation.alarms, ...options.alarms };
  const result = decide(observation, config, options.at);
  if (options.output === 'json') {
    process.stdout.write(`${JSON.stringify({ at: options.at.toISOString(), ...result }, null, 2)}\n`);
  } else {
    process.stdout.write(`${formatPlan(result, config, options.at)}\n`);
  }
  return 0;
}

const argv = process.argv.slice(2);
process.exitCode = await runCommand('plan', PLAN_USAGE, argv, () => plan(argv));
