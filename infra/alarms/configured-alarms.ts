import type { PolicyConfig } from '#shared/config/schema.ts';

/**
 * Every CloudWatch alarm name the policy reacts to: the `alarms` map and the AZ groups' impairment alarms.
 * The alarm rule's event pattern and the `cloudwatch:DescribeAlarms` resources are built from this list, so
 * the deployed trigger and the permissions always match the config shipped in the bundles.
 */
export function configuredAlarmNames(config: PolicyConfig): string[] {
  const names = new Set<string>(Object.keys(config.alarms));
  for (const group of config.azGroups) {
    for (const alarmName of Object.values(group.impairmentAlarms)) names.add(alarmName);
  }
  return [...names].sort();
}
