/**
 * The spoke template (infra/spoke/spoke-role.yml) as `npm run package` emits it beside the main template: the
 * hub's role prefix, read from serverless.yml's `custom.rolePrefix` for the stage and region packaged, becomes
 * the default of `HubRolePrefix`, so the trust names exactly the roles the packaged hub creates.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { sharingStatements } from '../iam/sharing-policy.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SPOKE_TEMPLATE_FILE = path.join(REPO_ROOT, 'infra', 'spoke', 'spoke-role.yml');
/** The file name `npm run package` writes into `.serverless/`. */
export const SPOKE_TEMPLATE_OUTPUT = 'odcr-reclaimer-spoke.json';

/** How the spoke's trust names the hub's function roles: an Fn::Sub of the template's `HubRolePrefix`. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation Fn::Sub variable, not JavaScript's
export const HUB_ROLES_PATTERN = ':role/${HubRolePrefix}-*';

export interface SpokeTemplate {
  AWSTemplateFormatVersion: string;
  Parameters: Record<string, { Type: string; Default?: string; AllowedPattern?: string }>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  [key: string]: unknown;
}

export class SpokeTemplateError extends Error {
  override readonly name = 'SpokeTemplateError';
}

/** The hub's role prefix for a stage and region: serverless.yml's `custom.rolePrefix` with both filled in. */
export function hubRolePrefix(
  stage: string,
  region: string,
  serverlessYml = path.join(REPO_ROOT, 'serverless.yml'),
): string {
  const document = parseYaml(readFileSync(serverlessYml, 'utf8'), { logLevel: 'silent' }) as {
    custom?: { rolePrefix?: unknown };
  };
  const template = document.custom?.rolePrefix;
  if (typeof template !== 'string') throw new SpokeTemplateError(`${serverlessYml}: no custom.rolePrefix`);
  const prefix = template
    .replaceAll(serverlessVariable('sls:stage'), stage)
    .replaceAll(serverlessVariable('aws:region'), region);
  if (prefix.includes('${'))
    throw new SpokeTemplateError(
      `custom.rolePrefix uses a variable the spoke template cannot fill: ${template}`,
    );
  return prefix;
}

/** `${name}`, as serverless.yml writes its variables. */
function serverlessVariable(name: string): string {
  return `\${${name}}`;
}

/** The spoke template with `HubRolePrefix` (and `HubAccountId`, when known) defaulted. */
export function spokeTemplate(defaults: { hubRolePrefix: string; hubAccountId?: string }): SpokeTemplate {
  const template = parseYaml(readFileSync(SPOKE_TEMPLATE_FILE, 'utf8')) as SpokeTemplate;
  const parameters = template.Parameters;
  if (parameters.HubRolePrefix === undefined || parameters.HubAccountId === undefined)
    throw new SpokeTemplateError(
      `${SPOKE_TEMPLATE_FILE}: HubRolePrefix and HubAccountId parameters expected`,
    );
  parameters.HubRolePrefix.Default = defaults.hubRolePrefix;
  if (defaults.hubAccountId !== undefined) parameters.HubAccountId.Default = defaults.hubAccountId;
  const role = template.Resources.SpokeRole?.Properties;
  if (role === undefined || !Array.isArray(role.Policies))
    throw new SpokeTemplateError(`${SPOKE_TEMPLATE_FILE}: SpokeRole with Policies expected`);
  // The spoke's own shares, in any region: the hub shares each spoke reservation from the spoke's account.
  role.Policies.push({
    PolicyName: 'share-with-borrowers',
    PolicyDocument: {
      Version: '2012-10-17',
      Statement: sharingStatements({
        'Fn::Sub': `arn:\${AWS::Partition}:ram:*:\${AWS::AccountId}:resource-share/*`,
      }),
    },
  });
  return template;
}
