/**
 * `npm run plan -- --at <ISO> [--alarm NAME=STATE ...] [--config <file>] [--observation <file>] [--json]`
 *
 * What the policy decides at a given time, and why, without AWS: the on-call engineer's "what will happen
 * at 09:00 tomorrow?". Without an observation file it assumes the example fleet off-hours (trading 60 lent,
 * risk-engine 1 lent per AZ) with every alarm OK.
 */
import './node-warnings.ts';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DateTime } from 'luxon';
import { marketTimeZone } from '#shared/calendar/calendar.ts';
import { exampleFleetAlarms, exampleFleetReservations } from '#shared/config/example-fleet.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { ConfigError, type PolicyConfig } from '#shared/config/schema.ts';
import type { AlarmState } from '#shared/domain/reservation.ts';
import { decide } from '#shared/policy/decide.ts';
import { calendarOptions } from '#shared/policy/lead.ts';
import { ObservationError, parseObservation } from '#shared/policy/observation-schema.ts';
import type { Decision, Observation, PolicyResult } from '#shared/policy/types.ts';

const DEFAULT_CONFIG = 'config/example.json';
const ALARM_STATES: readonly AlarmState[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA'];
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

const USAGE = `usage: npm run plan -- --at <ISO time> [--alarm NAME=STATE ...] [--config <file>] [--observation <file>] [--json]

  --at           the moment to plan for, with its offset: 2026-11-27T12:45:00-05:00 or 2026-11-27T17:45:00Z
  --alarm        set an alarm's state (OK, ALARM or INSUFFICIENT_DATA); repeatable
  --config       policy config file (default ${DEFAULT_CONFIG})
  --observation  JSON {reservations, alarms, reclaimDurationsSeconds?}; default: the example fleet off-hours
  --json         print {at, decisions, warnings} as JSON instead of a table`;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface PlanOptions {
  at: Date;
  alarms: Record<string, AlarmState>;
  configPath: string;
  observationPath?: string;
  json: boolean;
}

function parseOptions(argv: string[]): PlanOptions | 'help' {
  let parsed: ReturnType<typeof parseCli>;
  try {
    parsed = parseCli(argv);
  } catch (error: unknown) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`unexpected argument: ${positionals.join(' ')}`);
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
    configPath: values.config ?? DEFAULT_CONFIG,
    json: values.json ?? false,
  };
  if (values.observation !== undefined) options.observationPath = values.observation;
  return options;
}

function parseCli(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      at: { type: 'string' },
      alarm: { type: 'string', multiple: true },
      config: { type: 'string' },
      observation: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function readObservation(path: string | undefined): Observation {
  if (path === undefined) return { reservations: exampleFleetReservations(), alarms: exampleFleetAlarms() };
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

function formatTable(result: PolicyResult, config: PolicyConfig, at: Date): string {
  const header = ['reservation', 'name', 'owned', 'current', 'need', 'target', 'action', 'next change'];
  const rows = result.decisions.map((decision) => {
    const zone = zoneOf(decision, config);
    const next =
      decision.nextChangeAt === undefined
        ? '-'
        : DateTime.fromJSDate(decision.nextChangeAt, { zone }).toFormat('yyyy-LL-dd HH:mm ZZZZ');
    return [
      decision.reservationId,
      decision.name ?? '-',
      String(decision.owned),
      String(decision.currentTarget),
      String(decision.need),
      String(decision.target),
      decision.action,
      next,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  const out = [
    `plan at ${at.toISOString()}`,
    '',
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
  ];
  result.decisions.forEach((decision, index) => {
    out.push(line(rows[index] ?? []));
    for (const reason of decision.reasons) out.push(`    - ${reason}`);
    if (decision.deadline !== undefined)
      out.push(`    - deadline: back by ${decision.deadline.toISOString()}`);
  });
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

function main(argv: string[]): number {
  let options: PlanOptions | 'help';
  try {
    options = parseOptions(argv);
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      process.stderr.write(`plan: ${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    throw error;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    const config = loadConfigFile(options.configPath);
    const unknown = Object.keys(options.alarms).filter((name) => !knownAlarms(config).has(name));
    if (unknown.length > 0) {
      process.stderr.write(
        `plan: unknown alarm ${unknown.join(', ')}; configured: ${[...knownAlarms(config)].join(', ')}\n`,
      );
      return 2;
    }
    const observation = readObservation(options.observationPath);
    observation.alarms = { ...observation.alarms, ...options.alarms };
    const result = decide(observation, config, options.at);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ at: options.at.toISOString(), ...result }, null, 2)}\n`);
    } else {
      process.stdout.write(`${formatTable(result, config, options.at)}\n`);
    }
    return 0;
  } catch (error: unknown) {
    if (error instanceof ConfigError || error instanceof ObservationError) {
      process.stderr.write(`plan: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = main(process.argv.slice(2));
