import { describe, expect, it } from 'vitest';
import { DEPLOY_REGION, derivedTemplateValues, NO_ALARMS_CONFIGURED, zipFiles } from '#infra/build.ts';
import { parseConfig } from '#shared/config/schema.ts';
import { unzipEntries } from '../../support/zip.ts';

/** The entries, read back from the local file headers, after checking the end record counts them all. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const entries = unzipEntries(zip);
  expect(zip.readUInt32LE(zip.length - 22)).toBe(0x06054b50);
  expect(zip.readUInt16LE(zip.length - 12)).toBe(entries.size);
  return entries;
}

describe('zipFiles', () => {
  const files = [
    { name: 'handler.mjs', data: Buffer.from('export const handler = async () => 42;\n'.repeat(100)) },
    { name: 'config.json', data: Buffer.from('{"reservations":[]}') },
  ];

  it('holds every file with its content', () => {
    const entries = readZip(zipFiles(files));
    expect([...entries.keys()].sort()).toEqual(['config.json', 'handler.mjs']);
    for (const file of files) expect(entries.get(file.name)?.equals(file.data)).toBe(true);
  });

  it('gives byte-identical archives for the same files in any order, so an unchanged build deploys nothing', () => {
    expect(zipFiles(files).equals(zipFiles([...files].reverse()))).toBe(true);
  });
});

describe('derivedTemplateValues: regions', () => {
  const config = (regions?: string[]) =>
    parseConfig({
      reservations: [
        { id: 'cr-0123456789abcdef0', name: 'fleet', market: 'XNYS', tradingNeed: 'all', offHoursNeed: 1 },
      ],
      alarms: { 'fleet-load-high': { adjustment: { type: 'all' }, scope: { reservations: ['fleet'] } } },
      ...(regions === undefined ? {} : { regions }),
    });
  const arnRegions = (values: ReturnType<typeof derivedTemplateValues>) =>
    values.capacityReservationArns.map((arn) => /:ec2:([^:]+):/.exec(arn['Fn::Sub'])?.[1]);

  it('gives the EC2 statements one capacity-reservation ARN per configured region, and no other', () => {
    const values = derivedTemplateValues(config(['us-east-1', 'eu-west-2', 'ap-northeast-1']));
    expect(values.regions).toEqual(['us-east-1', 'eu-west-2', 'ap-northeast-1']);
    expect(arnRegions(values)).toEqual(['us-east-1', 'eu-west-2', 'ap-northeast-1']);
    for (const arn of values.capacityReservationArns) {
      expect(arn['Fn::Sub']).toMatch(
        /^arn:\$\{AWS::Partition\}:ec2:[a-z0-9-]+:\$\{AWS::AccountId\}:capacity-reservation\/\*$/,
      );
    }
  });

  it("defaults to the deploy region, CloudFormation's AWS::Region, when the config lists none", () => {
    const values = derivedTemplateValues(config());
    expect(values.regions).toEqual([DEPLOY_REGION]);
    expect(values.capacityReservationArns).toEqual([
      { 'Fn::Sub': `arn:\${AWS::Partition}:ec2:\${AWS::Region}:\${AWS::AccountId}:capacity-reservation/*` },
    ]);
  });
});

describe('derivedTemplateValues: alarms', () => {
  const reservations = [
    { id: 'cr-0123456789abcdef0', name: 'fleet', market: 'XLON', tradingNeed: 'all', offHoursNeed: 1 },
  ];

  it('gives the alarm rule and the DescribeAlarms grant exactly the configured alarm names', () => {
    const values = derivedTemplateValues(
      parseConfig({
        reservations,
        alarms: { 'fleet-load-high': { adjustment: { type: 'all' }, scope: { reservations: ['fleet'] } } },
      }),
    );
    expect(values.alarmNames).toEqual(['fleet-load-high']);
    expect(values.alarmArns.map((arn) => arn['Fn::Sub'].split(':alarm:')[1])).toEqual(['fleet-load-high']);
  });

  it('wires a fleet without alarms to one name no alarm has, since a pattern and a grant cannot be empty', () => {
    const values = derivedTemplateValues(parseConfig({ reservations }));
    expect(values.alarmNames).toEqual([NO_ALARMS_CONFIGURED]);
    expect(values.alarmArns.map((arn) => arn['Fn::Sub'].split(':alarm:')[1])).toEqual([NO_ALARMS_CONFIGURED]);
  });
});
