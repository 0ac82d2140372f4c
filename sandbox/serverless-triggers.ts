/**
 * The triggers serverless.yml declares, read from the file itself so the sandbox and the deployment never
 * disagree: EventBridge Scheduler schedules (`schedule: { method: scheduler }`), EventBridge rules on a
 * schedule or an event pattern (function `schedule`/`eventBridge` events and `AWS::Events::Rule`
 * resources that target a function). Variables are resolved as far as the sandbox needs them:
 * `${sls:stage}`, `${aws:region}`, `${opt:x, 'default'}`, `${self:a.b}`, `${file(./x)}` (YAML or JSON,
 * or a value supplied by the caller for a build output such as dist/infra/derived.json).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, normalize, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';

export class ServerlessConfigError extends Error {
  override name = 'ServerlessConfigError';
}

export interface ResolveOptions {
  stage?: string;
  region?: string;
  /** Values of `${file(...)}` the caller provides, by the path as written (`./dist/infra/derived.json`). */
  files?: Record<string, unknown>;
}

export interface SchedulerSchedule {
  functionName: string;
  name: string;
  expression: string;
  /** IANA zone; UTC when the event names none. */
  timeZone: string;
  enabled: boolean;
  /** The target's Input, when serverless.yml sets one (else the Scheduler's default event). */
  input?: unknown;
  description?: string;
}

export interface EventRule {
  /** The function the rule targets (serverless.yml's key, e.g. `track-reclamation`). */
  functionName: string;
  ruleName: string;
  eventBusName: string;
  initialState: 'ENABLED' | 'DISABLED';
  scheduleExpression?: string;
  eventPattern?: Record<string, unknown>;
  input?: unknown;
  description?: string;
}

export interface ServerlessTriggers {
  service: string;
  stage: string;
  region: string;
  /** Deployed function names (`<service>-<stage>-<function>`) by serverless.yml key. */
  functionNames: Record<string, string>;
  /** `reservedConcurrency` of the functions that set one: more invocations at once are throttled. */
  reservedConcurrency: Record<string, number>;
  /** Each function's timeout in seconds (its own, else the provider's, else Lambda's default of 3). */
  timeoutSeconds: Record<string, number>;
  /** Environment of each function (provider's merged with the function's own). */
  environment: Record<string, Record<string, string>>;
  schedules: SchedulerSchedule[];
  rules: EventRule[];
}

type Json = unknown;

/** Lambda's default and largest function timeout: https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html */
const LAMBDA_DEFAULT_TIMEOUT = 3;
const LAMBDA_MAX_TIMEOUT = 900;

/** A function's timeout in seconds from its resolved `timeout` (its own, else the provider's). */
export function functionTimeout(key: string, timeout: unknown): number {
  const seconds = Number(timeout ?? LAMBDA_DEFAULT_TIMEOUT);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > LAMBDA_MAX_TIMEOUT) {
    throw new ServerlessConfigError(`${key}: timeout must be a whole number of seconds from 1 to 900`);
  }
  return seconds;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Serverless's logical id of a function: `track-reclamation` → `TrackDashreclamation`. */
export function normalizedFunctionName(name: string): string {
  const replaced = name.replaceAll('-', 'Dash').replaceAll('_', 'Underscore');
  return replaced.charAt(0).toUpperCase() + replaced.slice(1);
}

const KNOWN_SOURCES = ['sls:', 'self:', 'opt:', 'aws:', 'file(', 'env:'];

class VariableResolver {
  private readonly document: Record<string, unknown>;
  private readonly directory: string;
  private readonly options: ResolveOptions;

  constructor(document: Record<string, unknown>, directory: string, options: ResolveOptions) {
    this.document = document;
    this.directory = directory;
    this.options = options;
  }

  /** `provider.stage` or `provider.region`, resolved (they usually read `${opt:...}` with a default). */
  providerSetting(key: 'stage' | 'region'): string | undefined {
    const provider = this.document.provider;
    const value = isRecord(provider) ? this.resolve(provider[key]) : undefined;
    return value === undefined ? undefined : String(value);
  }

  /** The stage or region: the option given, else serverless.yml's `provider` (its own `${opt:..., default}`). */
  setting(key: 'stage' | 'region'): string {
    const value = this.options[key] ?? this.providerSetting(key);
    if (value === undefined || value === '')
      throw new ServerlessConfigError(`serverless.yml sets no provider.${key} and none was given`);
    return value;
  }

  /** Resolves every `${...}` inside a value (depth-first), leaving CloudFormation intrinsics as they are. */
  resolve(value: Json, depth = 0): Json {
    if (depth > 20) throw new ServerlessConfigError('variables nest too deep (a cycle?)');
    if (typeof value === 'string') return this.resolveString(value, depth);
    if (Array.isArray(value)) return value.map((item) => this.resolve(item, depth));
    if (isRecord(value)) {
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.resolve(item, depth)]));
    }
    return value;
  }

  private resolveString(text: string, depth: number): Json {
    const whole = /^\$\{([^{}]+)\}$/.exec(text);
    if (whole) {
      const value = this.variable(whole[1] ?? '');
      return value === text ? value : this.resolve(value, depth + 1);
    }
    return text.replace(/\$\{([^{}]+)\}/g, (match, inner: string) => {
      const raw = this.variable(inner);
      const value = raw === match ? raw : this.resolve(raw, depth + 1);
      if (typeof value === 'object')
        throw new ServerlessConfigError(`\${${inner}} is not a string inside "${text}"`);
      return String(value);
    });
  }

  /** The content of a `${file(...)}` entry, with its own variables left for later. */
  rawFile(text: string): Json {
    const file = /^\$\{file\(([^)]+)\)\}$/.exec(text.trim());
    return file ? this.fileContent((file[1] ?? '').trim()) : undefined;
  }

  private variable(expression: string): Json {
    const [head = '', ...fallbacks] = splitTopLevel(expression);
    // CloudFormation's own `${AWS::Region}` and `${Resource.Attr}` (in Fn::Sub) are not serverless variables.
    if (!KNOWN_SOURCES.some((source) => head.trim().startsWith(source))) return `\${${expression}}`;
    const value = this.lookup(head.trim());
    if (value !== undefined) return value;
    for (const fallback of fallbacks) {
      const candidate = fallback.trim();
      const quoted = /^['"](.*)['"]$/.exec(candidate);
      if (quoted) return quoted[1];
      if (/^-?\d+(\.\d+)?$/.test(candidate)) return Number(candidate);
      const resolved = this.lookup(candidate);
      if (resolved !== undefined) return resolved;
    }
    throw new ServerlessConfigError(`cannot resolve \${${expression}}`);
  }

  private lookup(reference: string): Json {
    if (reference === 'opt:stage') return this.options.stage;
    if (reference === 'opt:region') return this.options.region;
    if (reference.startsWith('opt:')) return undefined;
    if (reference === 'sls:stage') return this.setting('stage');
    if (reference === 'aws:region') return this.setting('region');
    if (reference.startsWith('self:')) {
      let value: Json = this.document;
      for (const key of reference.slice('self:'.length).split('.')) {
        // Only a variable standing for a whole subtree (`derived: ${file(...)}`) needs resolving on the way.
        if (typeof value === 'string') value = this.resolve(value);
        if (!isRecord(value)) return undefined;
        value = value[key];
      }
      return value;
    }
    const file = /^file\(([^)]+)\)(?::(.+))?$/.exec(reference);
    if (file) {
      const written = (file[1] ?? '').trim();
      let content = this.fileContent(written);
      for (const key of file[2]?.split('.') ?? []) content = isRecord(content) ? content[key] : undefined;
      return content;
    }
    if (reference.startsWith('env:')) return process.env[reference.slice('env:'.length)];
    return undefined;
  }

  private fileContent(written: string): Json {
    const supplied = this.options.files ?? {};
    for (const [key, value] of Object.entries(supplied)) {
      if (normalize(key) === normalize(written)) return value;
    }
    const path = resolve(this.directory, written);
    if (!existsSync(path)) return undefined;
    return parseYaml(readFileSync(path, 'utf8'));
  }
}

/** Splits `a, 'b, c', d` at the commas that are outside quotes and parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let current = '';
  for (const char of text) {
    if (quote) {
      if (char === quote) quote = undefined;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '(') {
      depth++;
    } else if (char === ')') {
      depth--;
    } else if (char === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    current += char;
  }
  parts.push(current);
  return parts;
}

const asStringList = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

/** A function's deployed name: its own `name`, else osls's `<service>-<stage>-<key>`. */
export function deployedFunctionName(service: string, stage: string, key: string, name?: unknown): string {
  return name === undefined ? `${service}-${stage}-${key}` : String(name);
}

export function readServerlessTriggers(path: string, options: ResolveOptions = {}): ServerlessTriggers {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error: unknown) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ServerlessConfigError(`cannot read ${path}: ${reason}`, { cause: error });
  }
  if (!isRecord(document)) throw new ServerlessConfigError(`${path} is not a YAML mapping`);
  const resolver = new VariableResolver(document, dirname(path), options);
  const provider = resolver.resolve(document.provider ?? {});
  const stage = resolver.setting('stage');
  const region = resolver.setting('region');
  const service = String(resolver.resolve(document.service));
  const providerEnvironment =
    isRecord(provider) && isRecord(provider.environment) ? provider.environment : {};

  const functions = isRecord(document.functions) ? document.functions : {};
  const functionNames: Record<string, string> = {};
  const reservedConcurrency: Record<string, number> = {};
  const timeoutSeconds: Record<string, number> = {};
  const providerTimeout = isRecord(provider) ? provider.timeout : undefined;
  const environment: Record<string, Record<string, string>> = {};
  const logicalIds = new Map<string, string>();
  const schedules: SchedulerSchedule[] = [];
  const rules: EventRule[] = [];

  for (const [key, rawDefinition] of Object.entries(functions)) {
    const definition = isRecord(rawDefinition) ? rawDefinition : {};
    const deployedName = deployedFunctionName(
      service,
      stage,
      key,
      definition.name === undefined ? undefined : resolver.resolve(definition.name),
    );
    functionNames[key] = deployedName;
    if (definition.reservedConcurrency !== undefined) {
      const reserved = Number(resolver.resolve(definition.reservedConcurrency));
      if (!Number.isInteger(reserved) || reserved < 0) {
        throw new ServerlessConfigError(`${key}: reservedConcurrency must be a whole number ≥ 0`);
      }
      reservedConcurrency[key] = reserved;
    }
    timeoutSeconds[key] = functionTimeout(key, resolver.resolve(definition.timeout ?? providerTimeout));
    logicalIds.set(`${normalizedFunctionName(key)}LambdaFunction`, key);
    const ownEnvironment = isRecord(definition.environment) ? resolver.resolve(definition.environment) : {};
    environment[key] = Object.fromEntries(
      Object.entries({ ...providerEnvironment, ...(isRecord(ownEnvironment) ? ownEnvironment : {}) }).map(
        ([name, value]) => [name, String(value)],
      ),
    );

    // `events` may itself be a variable (reclaim-on-schedule's come from the build's derived file).
    const listedEvents =
      typeof definition.events === 'string' ? resolver.resolve(definition.events) : definition.events;
    const events = Array.isArray(listedEvents) ? listedEvents : [];
    let scheduleIndex = 0;
    for (const rawEvent of events) {
      if (!isRecord(rawEvent)) continue;
      if (rawEvent.schedule !== undefined) {
        const schedule = resolver.resolve(rawEvent.schedule);
        const spec: Record<string, unknown> = isRecord(schedule) ? schedule : { rate: schedule };
        const enabled = spec.enabled === undefined ? true : Boolean(spec.enabled);
        for (const expression of asStringList(spec.rate)) {
          scheduleIndex++;
          const name =
            spec.name === undefined ? `${deployedName}-schedule-${scheduleIndex}` : `${String(spec.name)}`;
          if (spec.method === 'scheduler') {
            schedules.push({
              functionName: key,
              name,
              expression,
              timeZone: spec.timezone === undefined ? 'UTC' : String(spec.timezone),
              enabled,
              ...(spec.input === undefined ? {} : { input: spec.input }),
              ...(spec.description === undefined ? {} : { description: String(spec.description) }),
            });
          } else {
            rules.push({
              functionName: key,
              ruleName: name,
              eventBusName: 'default',
              initialState: enabled ? 'ENABLED' : 'DISABLED',
              scheduleExpression: expression,
              ...(spec.input === undefined ? {} : { input: spec.input }),
              ...(spec.description === undefined ? {} : { description: String(spec.description) }),
            });
          }
        }
      }
      if (rawEvent.eventBridge !== undefined) {
        const bridge = resolver.resolve(rawEvent.eventBridge);
        if (!isRecord(bridge)) continue;
        rules.push({
          functionName: key,
          ruleName:
            bridge.name === undefined ? `${deployedName}-rule-${rules.length + 1}` : String(bridge.name),
          eventBusName: bridge.eventBus === undefined ? 'default' : String(bridge.eventBus),
          initialState: bridge.enabled === false ? 'DISABLED' : 'ENABLED',
          ...(bridge.schedule === undefined ? {} : { scheduleExpression: String(bridge.schedule) }),
          ...(isRecord(bridge.pattern) ? { eventPattern: bridge.pattern } : {}),
          ...(bridge.input === undefined ? {} : { input: bridge.input }),
        });
      }
    }
  }

  const resourceBlocks = Array.isArray(document.resources) ? document.resources : [document.resources];
  for (const rawBlock of resourceBlocks) {
    const block = resolveResourceBlock(resolver, rawBlock);
    const resources = isRecord(block) && isRecord(block.Resources) ? block.Resources : {};
    for (const resource of Object.values(resources)) {
      if (!isRecord(resource) || resource.Type !== 'AWS::Events::Rule' || !isRecord(resource.Properties))
        continue;
      const properties = resolver.resolve(resource.Properties);
      if (!isRecord(properties)) continue;
      for (const target of Array.isArray(properties.Targets) ? properties.Targets : []) {
        const functionKey = targetFunction(target, logicalIds);
        if (functionKey === undefined) continue;
        rules.push({
          functionName: functionKey,
          ruleName: String(properties.Name),
          eventBusName: properties.EventBusName === undefined ? 'default' : String(properties.EventBusName),
          initialState: properties.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
          ...(properties.ScheduleExpression === undefined
            ? {}
            : { scheduleExpression: String(properties.ScheduleExpression) }),
          ...(isRecord(properties.EventPattern) ? { eventPattern: properties.EventPattern } : {}),
          ...(properties.Description === undefined ? {} : { description: String(properties.Description) }),
        });
      }
    }
  }
  return {
    service,
    stage,
    region,
    functionNames,
    reservedConcurrency,
    timeoutSeconds,
    environment,
    schedules,
    rules,
  };
}

/** serverless.yml's functions and CloudFormation resources with its variables resolved (not CloudFormation's). */
export interface ServerlessDefinitions {
  service: string;
  stage: string;
  region: string;
  /** Each function's definition by serverless.yml key. */
  functions: Record<string, Record<string, unknown>>;
  /** Every `resources` block's `Resources`, merged, by logical id. */
  resources: Record<string, Record<string, unknown>>;
  /** `provider` as written, resolved. */
  provider: Record<string, unknown>;
}

/**
 * Resolves the definitions the IAM roles need (sandbox/function-roles.ts), with the same variable
 * resolution as the triggers. A resource whose variables cannot be resolved is left out: only what the
 * roles reference must resolve, and a missing reference shows up there.
 */
export function readServerlessDefinitions(path: string, options: ResolveOptions = {}): ServerlessDefinitions {
  const document = parseYaml(readFileSync(path, 'utf8')) as unknown;
  if (!isRecord(document)) throw new ServerlessConfigError(`${path} is not a YAML mapping`);
  const resolver = new VariableResolver(document, dirname(path), options);
  const provider = resolver.resolve(document.provider ?? {});
  const functions: Record<string, Record<string, unknown>> = {};
  for (const [key, definition] of Object.entries(isRecord(document.functions) ? document.functions : {})) {
    // Field by field, as resources are: a field made of the build's derived values (memorySize) is left
    // out when the caller supplies none, and the names, roles and environments still resolve.
    const resolved: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(isRecord(definition) ? { ...definition, events: [] } : {})) {
      try {
        resolved[field] = resolver.resolve(value as Json);
      } catch (error: unknown) {
        if (!(error instanceof ServerlessConfigError)) throw error;
      }
    }
    functions[key] = resolved;
  }
  const resources: Record<string, Record<string, unknown>> = {};
  const blocks = Array.isArray(document.resources) ? document.resources : [document.resources];
  for (const rawBlock of blocks) {
    const block = resolveResourceBlock(resolver, rawBlock);
    for (const [logicalId, resource] of Object.entries(
      isRecord(block) && isRecord(block.Resources) ? block.Resources : {},
    )) {
      try {
        const resolved = resolver.resolve(resource);
        if (isRecord(resolved)) resources[logicalId] = resolved;
      } catch (error: unknown) {
        if (!(error instanceof ServerlessConfigError)) throw error;
      }
    }
  }
  return {
    service: String(resolver.resolve(document.service)),
    stage: resolver.setting('stage'),
    region: resolver.setting('region'),
    functions,
    resources,
    provider: isRecord(provider) ? provider : {},
  };
}

/**
 * A `resources` entry: a mapping, `${file(...)}` of one (only its rules' variables get resolved), or another
 * variable standing for a whole block (the build's derived grants, `${self:custom.derived.spokeAccessResources}`),
 * left out when the caller supplies no derived values.
 */
function resolveResourceBlock(resolver: VariableResolver, block: unknown): unknown {
  if (typeof block !== 'string') return block;
  const file = resolver.rawFile(block);
  if (file !== undefined) return file;
  try {
    return resolver.resolve(block);
  } catch (error: unknown) {
    if (error instanceof ServerlessConfigError) return undefined;
    throw error;
  }
}

function targetFunction(target: unknown, logicalIds: ReadonlyMap<string, string>): string | undefined {
  if (!isRecord(target)) return undefined;
  const arn = target.Arn;
  if (isRecord(arn) && Array.isArray(arn['Fn::GetAtt'])) return logicalIds.get(String(arn['Fn::GetAtt'][0]));
  if (isRecord(arn) && typeof arn.Ref === 'string') return logicalIds.get(arn.Ref);
  return undefined;
}
