/**
 * The spoke role as the spoke template (infra/spoke/spoke-role.yml, as `npm run package` emits it) creates it
 * in one owner account, read from the template rather than retyped: its name, its trust policy and its inline
 * policies with the template's intrinsics resolved for that account (Ref, Fn::Sub, Fn::If on the template's
 * conditions, Fn::Not, Fn::Equals, the pseudo parameters). The local endpoint declares it with
 * `POST /_local/roles` (or a seed's `roles`), so the hub reaches the spoke through STS exactly as the deployed
 * trust allows: only the hub's function roles, with the external id when the stack was given one.
 */
import type { SeedRole } from '@odcr-reclaimer/local-aws/sts.ts';
import { hubRolePrefix, SpokeTemplateError, spokeTemplate } from '#infra/spoke/spoke-template.ts';

export interface SpokeStack {
  /** The owner account the stack (a StackSet instance) is deployed in. */
  accountId: string;
  /** The hub's account: the `HubAccountId` parameter. */
  hubAccountId: string;
  /** The hub's stage and region, which name its function roles (serverless.yml's `custom.rolePrefix`). */
  hubStage: string;
  hubRegion: string;
  /** The `ExternalId` parameter (the config's `accounts[].externalId`); none when absent. */
  externalId?: string;
  /** The `RoleName` parameter; the template's default when absent. */
  roleName?: string;
  partition?: string;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The spoke role of one stack, as the endpoint declares roles. */
export function spokeRoleSeed(stack: SpokeStack): SeedRole {
  const template = spokeTemplate({
    hubRolePrefix: hubRolePrefix(stack.hubStage, stack.hubRegion),
    hubAccountId: stack.hubAccountId,
  });
  const parameters: Record<string, string> = {};
  for (const [name, parameter] of Object.entries(template.Parameters))
    if (parameter.Default !== undefined) parameters[name] = parameter.Default;
  if (stack.externalId !== undefined) parameters.ExternalId = stack.externalId;
  if (stack.roleName !== undefined) parameters.RoleName = stack.roleName;
  const pseudo: Record<string, string> = {
    'AWS::AccountId': stack.accountId,
    'AWS::Partition': stack.partition ?? 'aws',
  };
  const conditions = isRecord(template.Conditions) ? template.Conditions : {};
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve);
    if (!isRecord(value)) return value;
    const [key, ...others] = Object.keys(value);
    const argument = key === undefined ? undefined : value[key];
    if (others.length === 0 && key !== undefined) {
      if (key === 'Ref') return reference(String(argument));
      if (key === 'Fn::Sub')
        return String(argument).replace(/\$\{([\w:]+)\}/g, (_, name: string) => reference(name));
      if (key === 'Fn::If' && Array.isArray(argument)) {
        const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
        return resolve(isTrue(condition) ? whenTrue : whenFalse);
      }
      if (key === 'Fn::Equals' && Array.isArray(argument)) {
        const [left, right] = argument.map(resolve);
        return left === right;
      }
      if (key === 'Fn::Not' && Array.isArray(argument)) return resolve(argument[0]) !== true;
      if (key.startsWith('Fn::'))
        throw new SpokeTemplateError(`the spoke template uses ${key}, which is not resolved here`);
    }
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, resolve(item)]));
  };
  const reference = (name: string): string => {
    const found = parameters[name] ?? pseudo[name];
    if (found === undefined) throw new SpokeTemplateError(`the spoke template refers to ${name}, not given`);
    return found;
  };
  const isTrue = (condition: string): boolean => {
    if (!(condition in conditions)) throw new SpokeTemplateError(`no condition ${condition}`);
    return resolve(conditions[condition]) === true;
  };
  const role = resolve(template.Resources.SpokeRole?.Properties) as
    | { RoleName: string; AssumeRolePolicyDocument: Record<string, unknown>; MaxSessionDuration?: number }
    | undefined;
  if (role === undefined) throw new SpokeTemplateError('the spoke template has no SpokeRole');
  const policies = (role as { Policies?: { PolicyDocument: Record<string, unknown> }[] }).Policies ?? [];
  return {
    accountId: stack.accountId,
    name: role.RoleName,
    trustPolicy: role.AssumeRolePolicyDocument,
    policies: policies.map((policy) => policy.PolicyDocument),
    ...(role.MaxSessionDuration === undefined ? {} : { maxSessionDuration: role.MaxSessionDuration }),
  };
}
