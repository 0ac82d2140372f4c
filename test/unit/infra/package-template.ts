import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BuiltFunction, buildAll } from '#infra/build.ts';

const run = promisify(execFile);
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

export interface PackagedService {
  template: CfnTemplate;
  built: BuiltFunction[];
  /** Cleans the temporary service directory. */
  dispose(): void;
}

/**
 * Runs what `npm run package` runs (the real build of the real handlers, then `osls package`) in a copy of the
 * service definition under a temporary directory, so tests never overwrite `dist/` or `.serverless/` of the
 * working tree that `npm run bench` or a developer may be using.
 */
export async function packageTemplate(
  functionsDir = path.join(REPO_ROOT, 'functions'),
  options: { configFile?: string } = {},
): Promise<PackagedService> {
  const serviceDir = mkdtempSync(path.join(tmpdir(), 'odcr-package-'));
  cpSync(path.join(REPO_ROOT, 'serverless.yml'), path.join(serviceDir, 'serverless.yml'));
  for (const folder of ['iam', 'alarms', 'dashboard', 'schedules', 'osls']) {
    cpSync(path.join(REPO_ROOT, 'infra', folder), path.join(serviceDir, 'infra', folder), {
      recursive: true,
      filter: (source) => !source.endsWith('.ts'),
    });
  }
  const built = await buildAll({
    ...(options.configFile === undefined ? {} : { configFile: options.configFile }),
    functionsDir,
    outDir: path.join(serviceDir, 'dist'),
    serverlessYml: path.join(serviceDir, 'serverless.yml'),
  });
  await run(
    process.execPath,
    [
      path.join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'),
      'package',
      '--stage',
      'dev',
      '--region',
      'us-east-1',
    ],
    { cwd: serviceDir, env: { ...process.env, CI: 'true', AWS_EC2_METADATA_DISABLED: 'true' } },
  );
  const template = JSON.parse(
    readFileSync(path.join(serviceDir, '.serverless', 'cloudformation-template-update-stack.json'), 'utf8'),
  ) as CfnTemplate;
  return { template, built, dispose: () => rmSync(serviceDir, { recursive: true, force: true }) };
}

export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);
}

/** Inputs of the packaged template: a change to any of them packages again. */
const PACKAGE_INPUTS = [
  'serverless.yml',
  'package-lock.json',
  'config',
  'functions',
  'shared',
  'infra/build.ts',
  'infra/iam',
  'infra/alarms',
  'infra/dashboard',
  'infra/schedules',
  'infra/osls',
];
const LOCK_STALE_MS = 5 * 60_000;
const WAIT_MS = 180_000;

function inputsHash(): string {
  const hash = createHash('sha256');
  const visit = (relative: string): void => {
    const absolute = path.join(REPO_ROOT, relative);
    if (!existsSync(absolute)) return;
    if (statSync(absolute).isDirectory()) {
      for (const entry of readdirSync(absolute).sort()) visit(path.join(relative, entry));
      return;
    }
    hash.update(relative).update('\0').update(readFileSync(absolute)).update('\0');
  };
  for (const input of PACKAGE_INPUTS) visit(input);
  return hash.digest('hex').slice(0, 16);
}

/**
 * The packaged template shared by every test file that reviews it: test files run in separate processes, so
 * the first one to take the lock packages (≈10 s on 2 cores) and the others read its result. Keyed by a hash
 * of the inputs, so an edit to serverless.yml, the IAM files or the handlers always packages again.
 */
export async function sharedPackagedTemplate(): Promise<PackagedService> {
  const key = inputsHash();
  const resultFile = path.join(tmpdir(), `odcr-packaged-${key}.json`);
  const lockDir = path.join(tmpdir(), `odcr-packaged-${key}.lock`);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    if (existsSync(resultFile)) {
      const { template, built } = JSON.parse(readFileSync(resultFile, 'utf8')) as {
        template: CfnTemplate;
        built: BuiltFunction[];
      };
      return { template, built, dispose: () => undefined };
    }
    if (takeLock(lockDir)) break;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${resultFile}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  try {
    const packaged = await packageTemplate();
    const temporary = `${resultFile}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify({ template: packaged.template, built: packaged.built }));
    renameSync(temporary, resultFile);
    packaged.dispose();
    return { template: packaged.template, built: packaged.built, dispose: () => undefined };
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/** mkdir is atomic: one process wins; a lock left by a crashed run is taken over after a while. */
function takeLock(lockDir: string): boolean {
  try {
    mkdirSync(lockDir);
    return true;
  } catch (error: unknown) {
    if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS) {
      rmSync(lockDir, { recursive: true, force: true });
    }
    return false;
  }
}
