/**
 * Each function's execution role as the stack deploys it, read (never retyped) from serverless.yml and the
 * files it includes (infra/iam/*.yml), or from a packaged CloudFormation template: the role a function names,
 * its inline policies, and CloudFormation's intrinsics resolved to the ARNs the stack would create
 * (Fn::Sub, Ref, Fn::GetAtt, Fn::Join, pseudo parameters). The local endpoint enforces these roles
 * (local-aws/iam.ts), so a call the code makes and the role does not allow fails in the sandbox as in AWS.
 * The stack's event buses' resource policies are read the same way (`readEventBusPolicies`).
 */
import type { PolicyDocument } from '@odcr-reclaimer/local-aws/iam-policy.ts';
import { validatePolicies } from '@odcr-reclaimer/local-aws/iam-policy.ts';
import {
  normalizedFunctionName,
  type ResolveOptions,
  readServerlessDefinitions,
  ServerlessConfigError,
} from './serverless-triggers.ts';

export interface FunctionRole {
  /** serverless.yml's key, e.g. `track-reclamation`. */
  functionName: string;
  roleLogicalId: string;
  /** The role's RoleName (physical name). */
  roleName: string;
  policies: PolicyDocument[];
}

export class FunctionRoleError extends Error {
  override name = 'FunctionRoleError';
}

interface StackFacts {
  service: string;
  stage: string;
  region: string;
  accountId: string;
  partition: string;
}

type Resource = Record<string, unknown>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Resolves CloudFormation intrinsics against the stack's resources, as CloudFormation would at deploy time. */
class IntrinsicResolver {
  constructor(
    private readonly resources: Record<string, Resource>,
    private readonly facts: StackFacts,
    /** Deployed function names by the Lambda function's logical id (osls generates those resources). */
    private readonly functionNames: Record<string, string>,
  ) {}

  resolve(value: unknown, depth = 0): unknown {
    if (depth > 30) throw new FunctionRoleError('intrinsics nest too deep (a cycle?)');
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, depth + 1));
    if (!isRecord(value)) return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [key] = keys as [string];
      const argument = value[key];
      switch (key) {
        case 'Ref':
          return this.ref(String(argument), depth);
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(argument)
            ? argument.map(String)
            : String(argument).split(/\.(.*)/s);
          return this.attribute(logicalId ?? '', attribute ?? '', depth);
        }
        case 'Fn::Sub':
          return this.sub(argument, depth);
        case 'Fn::Join': {
          const [separator, list] = Array.isArray(argument) ? argument : [];
          const items = this.resolve(list, depth + 1);
          return (Array.isArray(items) ? items : []).map(String).join(String(separator ?? ''));
        }
      }
    }
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, this.resolve(item, depth + 1)]),
    );
  }

  private sub(argument: unknown, depth: number): string {
    const [template, variables] = Array.isArray(argument) ? argument : [argument, {}];
    const own = isRecord(variables) ? variables : {};
    return String(template).replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, name: string) => {
      if (literal === '!') return `\${${name}}`;
      if (name in own) return String(this.resolve(own[name], depth + 1));
      const dot = name.indexOf('.');
      return String(
        dot > 0 ? this.attribute(name.slice(0, dot), name.slice(dot + 1), depth) : this.ref(name, depth),
      );
    });
  }

  private ref(name: string, depth: number): unknown {
    const { partition, region, accountId } = this.facts;
    switch (name) {
      case 'AWS::Partition':
        return partition;
      case 'AWS::Region':
        return region;
      case 'AWS::AccountId':
        return accountId;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return `${this.facts.service}-${this.facts.stage}`;
    }
    return this.physical(name, 'Ref', depth);
  }

  private attribute(logicalId: string, attribute: string, depth: number): unknown {
    return this.physical(logicalId, attribute, depth);
  }

  /** The value CloudFormation gives a resource's Ref or attribute, from its type and its physical name. */
  private physical(logicalId: string, attribute: string, depth: number): unknown {
    const { partition, region, accountId } = this.facts;
    const functionName = this.functionNames[logicalId];
    if (functionName !== undefined) {
      return attribute === 'Ref'
        ? functionName
        : `arn:${partition}:lambda:${region}:${accountId}:function:${functionName}`;
    }
    const resource = this.resources[logicalId];
    if (!resource) return `unresolved:${logicalId}.${attribute}`;
    const properties = isRecord(resource.Properties) ? resource.Properties : {};
    const named = (property: string): string => {
      const value = properties[property];
      return value === undefined ? logicalId : String(this.resolve(value, depth + 1));
    };
    const arn = (service: string, rest: string, inRegion = true): string =>
      `arn:${partition}:${service}:${inRegion ? region : ''}:${inRegion ? accountId : ''}:${rest}`;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return attribute === 'Ref'
          ? named('RoleName')
          : `arn:${partition}:iam::${accountId}:role/${named('RoleName')}`;
      case 'AWS::SQS::Queue':
        if (attribute === 'Arn') return arn('sqs', named('QueueName'));
        if (attribute === 'QueueName') return named('QueueName');
        return `https://sqs.${region}.amazonaws.com/${accountId}/${named('QueueName')}`;
      case 'AWS::SNS::Topic':
        return attribute === 'TopicName' ? named('TopicName') : arn('sns', named('TopicName'));
      case 'AWS::KMS::Key':
        return attribute === 'Arn' ? arn('kms', `key/${logicalId}`) : logicalId;
      case 'AWS::KMS::Alias':
        return named('AliasName');
      case 'AWS::DynamoDB::Table':
        if (attribute === 'Arn') return arn('dynamodb', `table/${named('TableName')}`);
        if (attribute === 'StreamArn') return arn('dynamodb', `table/${named('TableName')}/stream/*`);
        return named('TableName');
      case 'AWS::Events::EventBus':
        return attribute === 'Arn' ? arn('events', `event-bus/${named('Name')}`) : named('Name');
      case 'AWS::Events::Rule': {
        const bus = properties.EventBusName === undefined ? 'default' : named('EventBusName');
        const busPart = bus === 'default' ? '' : `${bus.slice(bus.lastIndexOf('/') + 1)}/`;
        return attribute === 'Arn' ? arn('events', `rule/${busPart}${named('Name')}`) : named('Name');
      }
      case 'AWS::CloudWatch::Alarm':
        return attribute === 'Arn' ? arn('cloudwatch', `alarm:${named('AlarmName')}`) : named('AlarmName');
      case 'AWS::Logs::LogGroup':
        return attribute === 'Arn'
          ? arn('logs', `log-group:${named('LogGroupName')}:*`)
          : named('LogGroupName');
      case 'AWS::S3::Bucket':
        return attribute === 'Arn' ? arn('s3', named('BucketName'), false) : named('BucketName');
      case 'AWS::Lambda::Function':
        return attribute === 'Ref'
          ? named('FunctionName')
          : arn('lambda', `function:${named('FunctionName')}`);
      default:
        return `unresolved:${logicalId}.${attribute}`;
    }
  }
}

/** The logical id of the role a function's `role` names: a logical id, `Fn::GetAtt`, or `Fn::Sub` of `${X.Arn}`. */
function roleLogicalId(functionName: string, role: unknown): string {
  if (typeof role === 'string' && /^[A-Za-z0-9]+$/.test(role)) return role;
  if (isRecord(role)) {
    const getAtt = role['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
    const sub = role['Fn::Sub'];
    const match = typeof sub === 'string' ? /^\$\{(\w+)\.Arn\}$/.exec(sub) : null;
    if (match?.[1]) return match[1];
  }
  throw new FunctionRoleError(
    `function ${functionName}: its role must name a role of the stack (logical id, Fn::GetAtt or Fn::Sub of \${Role.Arn}); got ${JSON.stringify(role)}`,
  );
}

function rolesOf(
  functionRoles: Array<{ functionName: string; role: unknown }>,
  resources: Record<string, Resource>,
  resolver: IntrinsicResolver,
): FunctionRole[] {
  return functionRoles.map(({ functionName, role }) => {
    const logicalId = roleLogicalId(functionName, role);
    const resource = resources[logicalId];
    if (resource?.Type !== 'AWS::IAM::Role') {
      throw new FunctionRoleError(
        `function ${functionName}: role ${logicalId} is not an AWS::IAM::Role of the stack`,
      );
    }
    const properties = resolver.resolve(resource.Properties ?? {}) as Record<string, unknown>;
    if (Array.isArray(properties.ManagedPolicyArns) && properties.ManagedPolicyArns.length > 0) {
      // Managed policies live outside the template; the endpoint could not enforce what it cannot read.
      throw new FunctionRoleError(
        `role ${logicalId}: managed policies are not supported, only inline Policies`,
      );
    }
    const policies = (Array.isArray(properties.Policies) ? properties.Policies : []).map((policy, index) => {
      if (!isRecord(policy) || !isRecord(policy.PolicyDocument)) {
        throw new FunctionRoleError(`role ${logicalId}: Policies.${index} has no PolicyDocument`);
      }
      return policy.PolicyDocument as unknown as PolicyDocument;
    });
    // Policies of their own (AWS::IAM::Policy) that name the role in `Roles`: derived grants such as the
    // spoke access and the sharing policy are attached this way.
    for (const [policyId, attached] of Object.entries(resources)) {
      if (attached.Type !== 'AWS::IAM::Policy' || !isRecord(attached.Properties)) continue;
      const roles = Array.isArray(attached.Properties.Roles) ? attached.Properties.Roles : [];
      if (!roles.some((entry) => isRecord(entry) && entry.Ref === logicalId)) continue;
      const document = resolver.resolve(attached.Properties.PolicyDocument);
      if (!isRecord(document))
        throw new FunctionRoleError(`policy ${policyId}: no PolicyDocument for role ${logicalId}`);
      policies.push(document as unknown as PolicyDocument);
    }
    const roleName = typeof properties.RoleName === 'string' ? properties.RoleName : logicalId;
    validatePolicies(policies, roleName);
    return { functionName, roleLogicalId: logicalId, roleName, policies };
  });
}

export interface RoleReadOptions extends ResolveOptions {
  accountId: string;
  partition?: string;
}

/** An event bus of the stack with the resource policy it is deployed with (`AWS::Events::EventBus` Policy). */
export interface EventBusPolicy {
  busName: string;
  policy: PolicyDocument;
}

/**
 * The stack's event buses that carry a Policy, with their intrinsics resolved as CloudFormation would (the
 * policy variables the template spells with Fn::Join become `${aws:...}`). A bus policy of its own resource
 * (`AWS::Events::EventBusPolicy`) is not read: refused, so that a template moving to one is noticed.
 */
export function readEventBusPolicies(serverlessFile: string, options: RoleReadOptions): EventBusPolicy[] {
  const definitions = readServerlessDefinitions(serverlessFile, options);
  const resolver = new IntrinsicResolver(
    definitions.resources,
    { ...definitions, accountId: options.accountId, partition: options.partition ?? 'aws' },
    {},
  );
  const policies: EventBusPolicy[] = [];
  for (const [logicalId, resource] of Object.entries(definitions.resources)) {
    if (resource.Type === 'AWS::Events::EventBusPolicy') {
      throw new FunctionRoleError(
        `${logicalId}: AWS::Events::EventBusPolicy is not read; state the Policy on the bus`,
      );
    }
    if (resource.Type !== 'AWS::Events::EventBus' || !isRecord(resource.Properties)) continue;
    const properties = resolver.resolve(resource.Properties) as Record<string, unknown>;
    if (properties.Policy === undefined) continue;
    if (!isRecord(properties.Policy))
      throw new FunctionRoleError(`${logicalId}: Policy is not a policy document`);
    policies.push({
      busName: String(properties.Name ?? logicalId),
      policy: properties.Policy as unknown as PolicyDocument,
    });
  }
  return policies;
}

/** The roles from serverless.yml and its included files, with the variable resolution the sandbox uses. */
export function readFunctionRoles(serverlessFile: string, options: RoleReadOptions): FunctionRole[] {
  const definitions = readServerlessDefinitions(serverlessFile, options);
  const functionNames: Record<string, string> = {};
  for (const [key, definition] of Object.entries(definitions.functions)) {
    functionNames[`${normalizedFunctionName(key)}LambdaFunction`] =
      typeof definition.name === 'string'
        ? definition.name
        : `${definitions.service}-${definitions.stage}-${key}`;
  }
  const resolver = new IntrinsicResolver(
    definitions.resources,
    { ...definitions, accountId: options.accountId, partition: options.partition ?? 'aws' },
    functionNames,
  );
  const providerRole = isRecord(definitions.provider.iam)
    ? definitions.provider.iam.role
    : definitions.provider.role;
  const functionRoles = Object.entries(definitions.functions).map(([functionName, definition]) => {
    const role = definition.role ?? providerRole;
    if (role === undefined) {
      throw new ServerlessConfigError(
        `function ${functionName} names no role (and provider.iam.role is unset)`,
      );
    }
    return { functionName, role };
  });
  return rolesOf(functionRoles, definitions.resources, resolver);
}

export interface CfnTemplateLike {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** The roles of a packaged template (`.serverless/cloudformation-template-update-stack.json`). */
export function functionRolesFromTemplate(
  template: CfnTemplateLike,
  facts: { service: string; stage: string; region: string; accountId: string; partition?: string },
): FunctionRole[] {
  const resources = template.Resources as Record<string, Resource>;
  const prefix = `${facts.service}-${facts.stage}-`;
  const lambdas = Object.entries(template.Resources).filter(
    ([, resource]) => resource.Type === 'AWS::Lambda::Function',
  );
  const resolver = new IntrinsicResolver(resources, { ...facts, partition: facts.partition ?? 'aws' }, {});
  const functionRoles = lambdas.map(([logicalId, resource]) => {
    const deployed = String(resolver.resolve(resource.Properties?.FunctionName ?? logicalId));
    return {
      functionName: deployed.startsWith(prefix) ? deployed.slice(prefix.length) : deployed,
      role: resource.Properties?.Role,
    };
  });
  return rolesOf(functionRoles, resources, resolver);
}
