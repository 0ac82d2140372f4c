/**
 * `npm run discover -- [--regions us-east-1,eu-west-2] [--pick cr-a,cr-b] [--market XNYS] [--out <file>]
 * [--observation-out <file>] [--output table|json]`
 *
 * A newcomer's start from their own account: lists the Capacity Reservations EC2 shows this account (at
 * AWS_ENDPOINT_URL when set, e.g. the local endpoint), with their tags and any interruptible allocation, and
 * for the ones picked writes a config skeleton (validated as the functions validate it) and, on request,
 * the observation `npm run plan -- --observation` reads. Without --pick on a terminal it asks which.
 */
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { type PolicyConfig, parseConfig } from '#shared/config/schema.ts';
import type { ReservationSnapshot } from '#shared/domain/reservation.ts';
import { createEc2ClientFrom, Ec2CapacityGateway } from '#shared/gateways/index.ts';
import { MANAGED_TAG_VALUE, TAG } from '#shared/records/tag-keys.ts';
import { formatTable, outputFormat } from './table.ts';
import { endpointProblem, parseFlags, UsageError, valueFlags } from './usage.ts';

export const DISCOVER_USAGE = `usage: npm run discover -- [--regions <r1,r2>] [--pick <id,id> | --pick all] [--market <MIC>]
                          [--out <config file>] [--observation-out <file>] [--output table|json]

  Lists the Capacity Reservations the account's credentials can see (AWS_ENDPOINT_URL when set: the local
  endpoint with \`npm run local-aws -- --example\`), with their tags. For the ones picked it writes a policy
  config skeleton to check and edit before \`npm run validate\` and \`npm run package\`.
  --regions          regions to look in (default AWS_REGION, else us-east-1)
  --pick             reservation ids, or all; without it, on a terminal, it asks
  --market           the market the picked reservations serve (default XNYS; see README: Markets)
  --out              where the config skeleton goes (default: printed)
  --observation-out  also write their state as the observation \`npm run plan -- --observation\` reads
  --output           table (default) or json: the reservations as EC2 shows them`;

const DEFAULT_REGION = 'us-east-1';

/** A reservation's name for the config: its Name tag made config-safe, else its id. */
function configName(reservation: ReservationSnapshot, taken: Set<string>): string {
  const base = (reservation.tags.Name ?? reservation.reservationId)
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  let name = base === '' ? reservation.reservationId : base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base}-${suffix}`;
  taken.add(name);
  return name;
}

/**
 * The config skeleton: each picked reservation needs all of itself in its market's sessions and lends none
 * off-hours until the owner says how many it needs then (offHoursNeed); no alarms yet.
 */
export function configSkeleton(
  reservations: readonly ReservationSnapshot[],
  market: string,
  regions: readonly string[],
): Record<string, unknown> {
  const taken = new Set<string>();
  const skeleton: Record<string, unknown> = {
    $comment:
      'Written by npm run discover. Set offHoursNeed (instances the owner needs outside sessions) to lend the rest; add alarms; then npm run validate -- --config <this file>.',
    reservations: reservations.map((reservation) => ({
      $comment: `${reservation.instanceType} x ${reservation.owned} in ${reservation.availabilityZone}`,
      id: reservation.reservationId,
      name: configName(reservation, taken),
      market,
      tradingNeed: 'all',
      offHoursNeed: reservation.owned,
      floor: 0,
      zeroSizePreference: 'retain',
    })),
    alarms: {},
  };
  if (regions.length > 1 || regions[0] !== DEFAULT_REGION) skeleton.regions = [...regions];
  return skeleton;
}

function tagsText(tags: Record<string, string>): string {
  const entries = Object.entries(tags);
  return entries.length === 0 ? '-' : entries.map(([key, value]) => `${key}=${value}`).join(', ');
}

export function formatReservations(reservations: readonly ReservationSnapshot[]): string {
  return formatTable(
    ['#', 'reservation', 'region', 'zone', 'type', 'owned', 'lent', 'state', 'tags'],
    reservations.map((reservation, index) => [
      String(index + 1),
      reservation.reservationId,
      reservation.region,
      reservation.availabilityZone,
      reservation.instanceType,
      String(reservation.owned),
      reservation.allocation === undefined ? '-' : String(reservation.allocation.current),
      reservation.state,
      tagsText(reservation.tags),
    ]),
    { rightAligned: [0, 5, 6] },
  );
}

/** `1,3` (the list's numbers) or `cr-...` ids, or `all`, to the reservations they name. */
export function pickReservations(
  reservations: readonly ReservationSnapshot[],
  picks: string,
): ReservationSnapshot[] {
  const words = picks
    .split(/[\s,]+/)
    .map((word) => word.trim())
    .filter((word) => word !== '');
  if (words.length === 1 && words[0] === 'all') return [...reservations];
  return words.map((word) => {
    const byNumber = /^\d+$/.test(word) ? reservations[Number(word) - 1] : undefined;
    const found = byNumber ?? reservations.find((reservation) => reservation.reservationId === word);
    if (found === undefined)
      throw new UsageError(`--pick: '${word}' is not one of the reservations listed (a number or a cr- id)`);
    return found;
  });
}

async function describeRegions(regions: readonly string[]): Promise<ReservationSnapshot[]> {
  const found: ReservationSnapshot[] = [];
  for (const region of regions) {
    const gateway = new Ec2CapacityGateway({ client: createEc2ClientFrom({ region }) });
    found.push(...(await gateway.describeSources()));
  }
  return found;
}

export async function discover(argv: readonly string[]): Promise<number> {
  const values = parseFlags(
    argv,
    valueFlags('regions', 'pick', 'market', 'out', 'observation-out', 'output'),
  );
  const output = outputFormat(values.output, false);
  const regions = (values.regions ?? process.env.AWS_REGION ?? DEFAULT_REGION)
    .split(',')
    .map((region) => region.trim())
    .filter((region) => region !== '');
  const endpoint = process.env.AWS_ENDPOINT_URL ?? 'AWS (no AWS_ENDPOINT_URL)';
  let reservations: ReservationSnapshot[];
  try {
    reservations = await describeRegions(regions);
  } catch (error: unknown) {
    const unreachable = endpointProblem(error, endpoint);
    if (unreachable === undefined) throw error;
    process.stderr.write(`discover: ${unreachable}\n`);
    return 1;
  }
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify({ reservations }, null, 2)}\n`);
  } else if (reservations.length === 0) {
    process.stdout.write(`no Capacity Reservations in ${regions.join(', ')} at ${endpoint}\n`);
    return 0;
  } else {
    process.stdout.write(`${formatReservations(reservations)}\n`);
  }
  let picks = values.pick;
  if (picks === undefined && process.stdin.isTTY && output === 'table') {
    const prompt = createInterface({ input: process.stdin, output: process.stdout });
    picks = await prompt.question(
      '\nreservations to manage (numbers or ids, comma-separated; empty: none): ',
    );
    prompt.close();
  }
  if (picks === undefined || picks.trim() === '') return 0;
  const picked = pickReservations(reservations, picks);
  const skeleton = configSkeleton(picked, values.market ?? 'XNYS', [
    ...new Set(picked.map((reservation) => reservation.region)),
  ]);
  // The skeleton must be one the functions accept as it is: checked with their own schema.
  const config: PolicyConfig = parseConfig(skeleton);
  const text = `${JSON.stringify(skeleton, null, 2)}\n`;
  const say = (line: string) => (output === 'json' ? process.stderr : process.stdout).write(`${line}\n`);
  if (values.out === undefined) say(`\n${text}`);
  else {
    writeFileSync(values.out, text);
    say(`\nwrote ${values.out}: ${config.reservations.length} reservation(s) on ${values.market ?? 'XNYS'}`);
  }
  if (values['observation-out'] !== undefined) {
    writeFileSync(
      values['observation-out'],
      `${JSON.stringify({ reservations: picked, alarms: {} }, null, 2)}\n`,
    );
    say(`wrote ${values['observation-out']}: their state now, for npm run plan -- --observation`);
  }
  const untagged = picked.filter((reservation) => reservation.tags[TAG.managed] !== MANAGED_TAG_VALUE);
  if (untagged.length > 0) {
    say(
      `the service changes only reservations tagged ${TAG.managed}=${MANAGED_TAG_VALUE}; tag these first:\n` +
        `  aws ec2 create-tags --resources ${untagged.map((reservation) => reservation.reservationId).join(' ')} --tags Key=${TAG.managed},Value=${MANAGED_TAG_VALUE}`,
    );
  }
  return 0;
}
