/**
 * Builds the deployable artifacts: one esbuild bundle per function named in serverless.yml, zipped with the
 * policy config into `dist/<function>.zip`, plus `dist/infra/derived.json` (values the template derives from
 * the config: the alarm names, the regions whose capacity reservations IAM lets the functions change, the
 * Scheduler heartbeats of every configured market, and the dashboard body). `npm run package` runs this,
 * then `osls package`.
 *
 *   npm run build -- [--config config/example.json] [--functions-dir functions] [--out dist]
 *
 * Bundles are ESM (`handler.mjs`, plus the files esbuild splits off it): top-level await is available for
 * cold-start config loading, esbuild tree-shakes ESM better and only ESM can load split code on demand. The AWS SDK v3 is bundled, not taken from the runtime: the interruptible-allocation
 * commands are recent and the runtime's copy may predate them; the version we test against is the version
 * that runs; and a tree-shaken client loads faster than the runtime's full copy.
 */

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { parseCommandLine, runCommand } from '#cli/usage.ts';
import { configuredAlarmNames } from '#infra/alarms/configured-alarms.ts';
import { dashboardBody } from '#infra/dashboard/dashboard-body.ts';
import { borrowerRulePrincipals, PRINCIPAL_ACCOUNT_VARIABLE } from '#infra/events/borrower-rules.ts';
import { sharingResources } from '#infra/iam/sharing-policy.ts';
import { DATA_EXPIRY_WARNING_DAYS } from '#shared/calendar/calendar.ts';
import { EXAMPLE_CONFIG_FILE } from '#shared/config/example-fleet.ts';
import { loadConfigFile } from '#shared/config/load-config.ts';
import type { PolicyConfig } from '#shared/config/schema.ts';
import { validatedConfigFileText } from '#shared/config/validated-config.ts';
import { type HeartbeatPlan, heartbeatPlan } from '#shared/schedule/heartbeats.ts';
import { sdkSchemasPlugin } from './sdk-schemas-plugin.ts';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Name of the config file inside each zip; serverless.yml sets `ODCR_CONFIG_FILE` to the same name. */
export const BUNDLED_CONFIG_NAME = 'config.json';
const HANDLER_EXPORT = 'handler.handler';

/** serverless.yml names a function whose handler file is not there (yet), or is wired differently from the build. */
export class FunctionWiringError extends Error {
  override readonly name = 'FunctionWiringError';
}

export interface FunctionSpec {
  name: string;
  entry: string;
  artifact: string;
}

/** Reads the function list from serverless.yml so that the build and the template never disagree. */
export function functionsFromServerlessYml(
  serverlessYml = path.join(REPO_ROOT, 'serverless.yml'),
  functionsDir = path.join(REPO_ROOT, 'functions'),
): FunctionSpec[] {
  const document: unknown = parseYaml(readFileSync(serverlessYml, 'utf8'), { logLevel: 'silent' });
  const functions = isRecord(document) && isRecord(document.functions) ? document.functions : {};
  const problems: string[] = [];
  const specs: FunctionSpec[] = [];
  for (const [name, definition] of Object.entries(functions)) {
    const handler = isRecord(definition) ? definition.handler : undefined;
    const artifact =
      isRecord(definition) && isRecord(definition.package) ? definition.package.artifact : undefined;
    const expectedArtifact = `dist/${name}.zip`;
    if (handler !== HANDLER_EXPORT)
      problems.push(`${name}: handler must be '${HANDLER_EXPORT}', got '${String(handler)}'`);
    if (artifact !== expectedArtifact) {
      problems.push(`${name}: package.artifact must be '${expectedArtifact}', got '${String(artifact)}'`);
    }
    const entry = path.join(functionsDir, name, 'handler.ts');
    if (!existsSync(entry))
      problems.push(`${name}: handler file ${path.relative(REPO_ROOT, entry)} is missing`);
    specs.push({ name, entry, artifact: expectedArtifact });
  }
  if (specs.length === 0) problems.push(`no functions in ${serverlessYml}`);
  if (problems.length > 0) {
    throw new FunctionWiringError(`serverless.yml and the handlers disagree:\n  ${problems.join('\n  ')}`);
  }
  return specs;
}

export interface BundleSize {
  function: string;
  /** Size of the deployable zip. */
  bytes: number;
}

export interface BuiltFunction extends BundleSize {
  /**
   * What a cold start loads before its code first calls import(): handler.mjs and every file it imports
   * statically, minified, before zipping. The files loaded with import() when their code first runs (STS, RAM,
   * the config's schema, the SDK's rarer credential sources) are not counted.
   */
  bundleBytes: number;
}

export interface BuildOptions {
  configFile?: string;
  functionsDir?: string;
  outDir?: string;
  serverlessYml?: string;
}

/** Bundles and zips every function, writes the derived template values; returns each function's sizes. */
export async function buildAll(options: BuildOptions = {}): Promise<BuiltFunction[]> {
  const configFile = path.resolve(REPO_ROOT, options.configFile ?? EXAMPLE_CONFIG_FILE);
  const outDir = path.resolve(REPO_ROOT, options.outDir ?? 'dist');
  const functions = functionsFromServerlessYml(
    options.serverlessYml ? path.resolve(options.serverlessYml) : undefined,
    options.functionsDir ? path.resolve(options.functionsDir) : undefined,
  );
  // Validate with the same loader the functions use at cold start: a bad config fails the build, not the bell.
  const config = loadConfigFile(configFile);
  // Shipped as validated, so that a cold start need not run the schema again (shared/config/validated-config.ts).
  const configText = Buffer.from(validatedConfigFileText(config));

  mkdirSync(path.join(outDir, 'infra'), { recursive: true });
  writeFileSync(
    path.join(outDir, 'infra', 'derived.json'),
    `${JSON.stringify(derivedTemplateValues(config), null, 2)}\n`,
  );
  // infra/osls/build-once.cjs rebuilds a dist/ older than its sources for the config it was built for.
  writeFileSync(
    path.join(outDir, 'infra', BUILT_FROM_FILE),
    `${JSON.stringify({ config: path.relative(REPO_ROOT, configFile) })}\n`,
  );

  return Promise.all(
    functions.map(async (fn): Promise<BuiltFunction> => {
      const { files, bytesLoadedAtStart } = await bundle(fn.entry);
      files.push({ name: BUNDLED_CONFIG_NAME, data: configText });
      const zip = zipFiles(files);
      writeFileSync(path.join(outDir, `${fn.name}.zip`), zip);
      return { function: fn.name, bytes: zip.length, bundleBytes: bytesLoadedAtStart };
    }),
  );
}

/** CloudFormation's deploy region: the regions of a config that lists none (the functions' own region). */
export const DEPLOY_REGION = cfnVariable('AWS::Region');

/**
 * The regions whose capacity reservations the functions may change and tag: the config's `regions`, or the
 * deploy region when it lists none (the same default the functions apply at run time).
 */
export function managedRegions(config: Pick<PolicyConfig, 'regions'>): string[] {
  return config.regions === undefined ? [DEPLOY_REGION] : [...config.regions];
}

/** The alarm name the alarm rule listens for when the config names none: one that no alarm is expected to have. */
export const NO_ALARMS_CONFIGURED = 'odcr-reclaimer:no-alarms-configured';

/**
 * How serverless.yml includes the derived values: `${file(./infra/osls/derived.cjs)}` reads
 * dist/infra/derived.json, building it first on a fresh clone. The sandbox supplies them under this name.
 */
export const DERIVED_VALUES_SOURCE = './infra/osls/derived.cjs';

/** Under dist/infra/: the config the build was made for, so a stale dist/ is rebuilt for that same config. */
export const BUILT_FROM_FILE = 'built-from.json';

/** The function roles that reach the capacity reservations, and so the spokes (infra/iam). */
export const CAPACITY_ROLES = [
  'ReclaimOnScheduleRole',
  'ReclaimOnAlarmRole',
  'ReclaimOnDemandRole',
  'TrackReclamationRole',
] as const;

/**
 * The grant to assume the spoke roles of the config's `accounts` (shared/gateways/accounts.ts), one ARN each, as
 * a policy of its own on the function roles: none at all without spokes, so no role holds a grant its code
 * never uses.
 */
export function spokeAccessResources(config: Pick<PolicyConfig, 'accounts'>): {
  Resources: Record<string, unknown>;
} {
  if (config.accounts.length === 0) return { Resources: {} };
  const roleArns = config.accounts.map((account) => ({
    'Fn::Sub': account.role.startsWith('arn:')
      ? account.role
      : `arn:\${AWS::Partition}:iam::${account.id}:role/${account.role}`,
  }));
  return {
    Resources: {
      SpokeAccessPolicy: {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'assume-spoke-roles',
          Roles: CAPACITY_ROLES.map((role) => ({ Ref: role })),
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Sid: 'AssumeSpokeRoles', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: roleArns },
            ],
          },
        },
      },
    },
  };
}

/**
 * The memory sizing rule, stated once: a function's peak grows with the managed reservations a run holds in
 * memory (snapshots, decisions, records, the Describe pages), so each function gets its measured base plus its
 * measured cost per 1,000 reservations (`npm run bench`, section memory, at 1,000 and 10,000, a line through
 * the two; the bench's processes load TypeScript through tsx, so the bases are above a bundle's), times the
 * headroom, rounded up to a 64 MB step, between Lambda's 128 MB and 10,240 MB.
 */
export const MEMORY_SIZING = {
  headroom: 1.5,
  stepMb: 64,
  minimumMb: 128,
  maximumMb: 10_240,
  perFunction: {
    'reclaim-on-schedule': { baseMb: 270, perThousandMb: 17 },
    'reclaim-on-alarm': { baseMb: 240, perThousandMb: 9 },
    'reclaim-on-demand': { baseMb: 225, perThousandMb: 13 },
    'track-reclamation': { baseMb: 235, perThousandMb: 21 },
  } as Readonly<Record<string, { baseMb: number; perThousandMb: number }>>,
};

/** The fleet the config describes: `managedReservations`, else one reservation per entry. */
export function fleetSize(config: Pick<PolicyConfig, 'managedReservations' | 'reservations'>): number {
  return config.managedReservations ?? config.reservations.length;
}

/** Each function's `memorySize` (MB) for the config's fleet, by MEMORY_SIZING, keyed by function name. */
export function functionMemorySizes(
  config: Pick<PolicyConfig, 'managedReservations' | 'reservations'>,
): Record<string, number> {
  const thousands = fleetSize(config) / 1000;
  const { headroom, stepMb, minimumMb, maximumMb, perFunction } = MEMORY_SIZING;
  return Object.fromEntries(
    Object.entries(perFunction).map(([name, { baseMb, perThousandMb }]) => {
      const wanted = Math.ceil(((baseMb + perThousandMb * thousands) * headroom) / stepMb) * stepMb;
      return [name, Math.min(maximumMb, Math.max(minimumMb, wanted))];
    }),
  );
}

/** Values serverless.yml includes as `${self:custom.derived.<name>}` (see DERIVED_VALUES_SOURCE). */
export function derivedTemplateValues(config: PolicyConfig) {
  const configured = configuredAlarmNames(config);
  // An EventBridge pattern cannot list zero values, nor an IAM statement zero resources: a fleet without alarms
  // gets a rule and a DescribeAlarms grant for one name that no alarm of the service can have, so the alarm
  // function is deployed but never woken and the roles read nothing.
  const alarmNames = configured.length > 0 ? configured : [NO_ALARMS_CONFIGURED];
  const regions = managedRegions(config);
  return {
    alarmNames,
    // The calendar-data alarm's threshold (infra/alarms): the days before the end at which calendarWarnings warns.
    calendarDataWarningDays: DATA_EXPIRY_WARNING_DAYS,
    alarmArns: alarmNames.map((name) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${name}`,
    })),
    regions,
    // The Resource of every EC2 write statement (infra/iam): capacity reservations of exactly these regions.
    capacityReservationArns: regions.map((region) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:ec2:${region}:\${AWS::AccountId}:capacity-reservation/*`,
    })),
    scheduleEvents: scheduleEvents(heartbeatPlan(config)),
    spokeAccessResources: spokeAccessResources(config),
    // The RAM grant of the reconcile roles when the config lends to borrowers (infra/iam/sharing-policy.ts).
    sharingResources: sharingResources(config, regions),

    // Each function's memorySize for the fleet (MEMORY_SIZING), keyed by function name.
    memorySize: functionMemorySizes(config),
    // The event bus policy's statement for borrowers' rules (infra/events/borrower-rules.ts).
    borrowerRulePrincipals: borrowerRulePrincipals(config),
    principalAccountVariable: PRINCIPAL_ACCOUNT_VARIABLE,
    dashboardBody: dashboardBody({
      // Substituted by the template's Fn::Sub variable map (infra/dashboard/dashboard.yml), from serverless.yml.
      namespace: cfnVariable('MetricsNamespace'),
      trackerFunctionName: cfnVariable('TrackerFunctionName'),
      failureQueueName: cfnVariable('FailureQueueName'),
    }),
  };
}

/** The Scheduler's role for every heartbeat: SchedulerInvokeRole of infra/iam/roles.yml. */
const SCHEDULER_ROLE_ARN = { 'Fn::GetAtt': ['SchedulerInvokeRole', 'Arn'] };

export interface SchedulerEvent {
  schedule: {
    method: 'scheduler';
    description: string;
    timezone: string;
    roleArn: typeof SCHEDULER_ROLE_ARN;
    rate: string[];
  };
}

/**
 * reclaim-on-schedule's `events` in serverless.yml: one Scheduler event per market in its zone (osls makes an
 * AWS::Scheduler::Schedule of each expression), then the hourly safety net.
 */
export function scheduleEvents(plan: HeartbeatPlan): SchedulerEvent[] {
  const event = (description: string, timezone: string, rate: string[]): SchedulerEvent => ({
    schedule: { method: 'scheduler', description, timezone, roleArn: SCHEDULER_ROLE_ARN, rate },
  });
  return [
    ...plan.markets.map((market) => event(market.description, market.timeZone, market.expressions)),
    event(plan.safetyNet.description, plan.safetyNet.timeZone, [plan.safetyNet.expression]),
  ];
}

/** Sizes of the zips last built into `outDir`, for `npm run bench`. */
export async function bundleSizes(outDir = path.join(REPO_ROOT, 'dist')): Promise<BundleSize[]> {
  const functions = functionsFromServerlessYml();
  return Promise.all(
    functions.map(async (fn) => ({
      function: fn.name,
      bytes: (await stat(path.join(outDir, `${fn.name}.zip`))).size,
    })),
  );
}

interface ZipEntry {
  name: string;
  data: Buffer;
}

async function bundle(entry: string): Promise<{ files: ZipEntry[]; bytesLoadedAtStart: number }> {
  const result = await build({
    entryPoints: { handler: entry },
    // Not written (write: false): only names the files, which land flat beside handler.mjs in the zip.
    outdir: 'bundle',
    outExtension: { '.js': '.mjs' },
    absWorkingDir: REPO_ROOT,
    bundle: true,
    // The SDK imports what a first invocation seldom needs (the credential chain beyond the environment's
    // keys, the STS and SSO clients behind it, event streams) with import(); split, each becomes a file that
    // Node reads only when the code runs, so a cold start parses and evaluates only the path it takes.
    splitting: true,
    write: false,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    mainFields: ['module', 'main'],
    minify: true,
    sourcemap: 'external',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    metafile: true,
    plugins: [sdkSchemasPlugin],
    // Some CommonJS dependencies call require() for Node built-ins; give the ESM bundle a real one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  });
  const files = result.outputFiles.map((file) => ({
    name: path.basename(file.path),
    data: Buffer.from(file.contents),
  }));
  return { files, bytesLoadedAtStart: bytesLoadedAtStart(result.metafile, 'handler.mjs') };
}

/** The size of `entryName` and of every output it imports statically, directly or through another. */
function bytesLoadedAtStart(metafile: Metafile, entryName: string): number {
  const { outputs } = metafile;
  const loaded = new Set<string>();
  const pending = Object.keys(outputs).filter((output) => path.basename(output) === entryName);
  for (let output = pending.pop(); output !== undefined; output = pending.pop()) {
    if (loaded.has(output)) continue;
    loaded.add(output);
    for (const imported of outputs[output]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) pending.push(imported.path);
    }
  }
  return [...loaded].reduce((bytes, output) => bytes + (outputs[output]?.bytes ?? 0), 0);
}

/**
 * A minimal deterministic zip (deflate, fixed timestamps, 0644), so that an unchanged build gives byte-identical
 * artifacts and CloudFormation sees no spurious code change. Node's zlib does the compression and the CRC.
 */
export function zipFiles(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of [...entries].sort((a, b) => a.name.localeCompare(b.name))) {
    const name = Buffer.from(entry.name, 'utf8');
    const compressed = deflateRawSync(entry.data, { level: 9 });
    const crc = crc32(entry.data);
    const fields = {
      crc,
      compressedBytes: compressed.length,
      bytes: entry.data.length,
      nameBytes: name.length,
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    writeEntryFields(local, 6, fields);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0, so the mode below is honoured
    central.writeUInt16LE(20, 6); // version needed
    writeEntryFields(central, 8, fields);
    central.writeUInt32LE((0o100644 << 16) >>> 0, 38); // regular file, rw-r--r--
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + compressed.length;
  }
  const centralDirectory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDirectory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDirectory, end]);
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = ((1980 - 1980) << 9) | (1 << 5) | 1; // 1980-01-01

/** What a zip says of one file in both its local header and its central directory record. */
interface ZipEntryFields {
  crc: number;
  compressedBytes: number;
  bytes: number;
  nameBytes: number;
}

/**
 * The run of fields the local header (from offset 6) and the central record (from offset 8) share, in the
 * same order: flags (UTF-8 names), method (deflate), time, date, CRC-32, both sizes and the name's length.
 */
function writeEntryFields(header: Buffer, at: number, fields: ZipEntryFields): void {
  header.writeUInt16LE(0x0800, at); // UTF-8 names
  header.writeUInt16LE(8, at + 2); // deflate
  header.writeUInt16LE(DOS_TIME, at + 4);
  header.writeUInt16LE(DOS_DATE, at + 6);
  header.writeUInt32LE(fields.crc, at + 8);
  header.writeUInt32LE(fields.compressedBytes, at + 12);
  header.writeUInt32LE(fields.bytes, at + 16);
  header.writeUInt16LE(fields.nameBytes, at + 20);
}

/** `${name}`: a variable for CloudFormation's Fn::Sub, not a JavaScript template placeholder. */
function cfnVariable(name: string): string {
  return `\${${name}}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export const BUILD_USAGE = `usage: npm run build -- [--config config/example.json] [--functions-dir functions] [--out dist]

  Bundles every function serverless.yml names into dist/<function>.zip with the config inside, and writes
  dist/infra/derived.json (what the template derives from the config). npm run package runs it first.`;

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      config: { type: 'string' },
      'functions-dir': { type: 'string' },
      out: { type: 'string' },
      'serverless-yml': { type: 'string' },
    },
  });
  const started = performance.now();
  const built = await buildAll({
    configFile: values.config,
    functionsDir: values['functions-dir'],
    outDir: values.out,
    serverlessYml: values['serverless-yml'],
  });
  for (const fn of built) {
    console.log(`${fn.function.padEnd(20)} loaded at start ${kib(fn.bundleBytes)}  zip ${kib(fn.bytes)}`);
  }
  console.log(`built ${built.length} function(s) in ${Math.round(performance.now() - started)} ms`);
  return 0;
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1).padStart(8)} KiB`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  runCommand('build', BUILD_USAGE, argv, () => main(argv)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`build: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    },
  );
}
