import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  checkScenarioAgainstConfig,
  type LoadedScenario,
  loadScenarioFile,
  parseScenario,
} from '#sandbox/scenario.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import { scenarioMistake } from '../../support/scenario.ts';

const ORGANIZATION_SCENARIO = fileURLToPath(
  new URL('../../../sandbox/scenarios/organization-week-2026-03.json', import.meta.url),
);
const config = loadConfigFile(
  fileURLToPath(new URL('../../../config/organization-fleet.json', import.meta.url)),
);
const base = fileURLToPath(new URL('.', import.meta.url));

const scenario = (): LoadedScenario => loadScenarioFile(ORGANIZATION_SCENARIO);

const againstConfig = (loaded: LoadedScenario) =>
  scenarioMistake(() => checkScenarioAgainstConfig(loaded, config, 'us-east-1'));

/** The shipped scenario's JSON with one field set (a dotted path, indexes as numbers), parsed as a file is. */
function parsedWith(path: string, value: unknown): string {
  const json = JSON.parse(readFileSync(ORGANIZATION_SCENARIO, 'utf8')) as Record<string, unknown>;
  const keys = path.split('.');
  const field = keys.pop() ?? '';
  let parent = json;
  for (const key of keys) parent = parent[key] as Record<string, unknown>;
  parent[field] = value;
  return scenarioMistake(() =>
    parseScenario(json, fileURLToPath(new URL('../../../sandbox/scenarios/', import.meta.url))),
  );
}

describe('a scenario with owner and borrower accounts', () => {
  it('passes the shipped organization scenario against its config', () => {
    expect(againstConfig(scenario())).toBe('no error');
    const loaded = scenario();
    expect(loaded.accounts.owners.map((owner) => owner.id)).toEqual(['333333333333']);
    expect(loaded.seedState.reservations.map((reservation) => reservation.accountId)).toEqual([
      undefined,
      undefined,
      '333333333333',
    ]);
  });

  it.each<[what: string, path: string, value: string, expected: string]>([
    [
      'a malformed account id',
      'accounts.borrowers.0.id',
      '1111',
      'accounts.borrowers[0].id: expected a 12-digit account id',
    ],
    [
      'an account twice',
      'accounts.borrowers.1.id',
      '333333333333',
      'accounts.borrowers[1].id: 333333333333 is already accounts.owners[0]',
    ],
    [
      'the hub as a borrower',
      'accounts.borrowers.0.id',
      '222222222222',
      'accounts.borrowers[0].id: 222222222222 is the hub (settings.accountId), where the service runs',
    ],
    [
      'a reservation of an undeclared account',
      'fleet.seed.reservations.2.accountId',
      '444444444444',
      'fleet.seed.reservations[2].accountId: expected the hub 222222222222 or an account of accounts.owners (333333333333), got 444444444444',
    ],
    [
      'an unknown field of an owner',
      'accounts.owners.0.role',
      'odcr-reclaimer-spoke',
      "accounts.owners[0].role: unknown field 'role'",
    ],
    [
      'a malformed unit of the organization',
      'organization.units.0.id',
      'research',
      'organization.units[0].id: expected ou-<root>-<unit>',
    ],
    [
      'a seeded reservation field the endpoint does not take',
      'fleet.seed.reservations.0.owner',
      'me',
      "fleet.seed.reservations[0].owner: unknown field 'owner'",
    ],
  ])('names the field of %s', (_what, path, value, expected) => {
    expect(parsedWith(path, value)).toContain(expected);
  });

  it.each<[string, (loaded: LoadedScenario) => void, string]>([
    [
      'an owner the config does not name',
      (loaded) => {
        loaded.accounts.owners.push({ id: '444444444444' });
      },
      "accounts.owners[1].id: expected an account of the config's accounts (333333333333), got 444444444444",
    ],
    [
      'a spoke of the config not declared an owner',
      (loaded) => {
        loaded.accounts.owners = [];
        loaded.seedState.reservations.pop();
      },
      "accounts.owners: expected the config's accounts[0] (333333333333): its spoke role is deployed for each owner declared here",
    ],
    [
      'a borrower the bus policy does not admit',
      (loaded) => {
        loaded.accounts.borrowers.push({ id: '666666666666' });
      },
      "accounts.borrowers[2].id: expected an account the service's bus policy admits (the config's headsUp.borrowerAccounts and reservations' borrowers.accounts: 555555555555, 111111111111), got 666666666666",
    ],
    [
      'no organization for a config that lends through RAM',
      (loaded) => {
        delete loaded.organization;
      },
      'organization: expected the organization RAM shares within: the config lends reservations[0] to borrowers',
    ],
    [
      'another organization than the config names',
      (loaded) => {
        if (loaded.organization) loaded.organization.id = 'o-zzzzzzzzzz';
      },
      'organization.id: expected o-a1b2c3d4e5, the organization of reservations[1].borrowers',
    ],
    [
      'a unit the config names missing from the organization',
      (loaded) => {
        if (loaded.organization) loaded.organization.units = [];
      },
      'organization.units: expected ou-a1b2-research1, the unit reservations[2].borrowers.organizationalUnits names',
    ],
    [
      'a borrower outside the organization',
      (loaded) => {
        if (loaded.organization) loaded.organization.accounts = ['333333333333'];
      },
      'organization: expected borrower account 111111111111 in the organization (RAM shares interruptible reservations only within it)',
    ],
    [
      'a spoke reservation outside its account regions',
      (loaded) => {
        const spoke = loaded.seedState.reservations[2];
        if (spoke) spoke.availabilityZone = 'us-east-1c';
      },
      "fleet.seed.reservations[2].availabilityZone: us-east-1 is not a region the service covers in account 333333333333 (the config's accounts entry for it: eu-west-2)",
    ],
  ])('refuses %s against the config, naming the field', (_what, change, expected) => {
    const loaded = scenario();
    change(loaded);
    expect(againstConfig(loaded)).toContain(expected);
  });

  it('keeps a one-account scenario free of accounts', () => {
    const loaded = parseScenario(
      {
        name: 'one account',
        start: '2026-03-09T00:00:00-04:00',
        end: '2026-03-10T00:00:00-04:00',
        fleet: { config: '../../../config/example.json', seed: { reservations: [] } },
      },
      base,
    );
    expect(loaded.accounts).toEqual({ owners: [], borrowers: [] });
    expect(loaded.organization).toBeUndefined();
  });
});
