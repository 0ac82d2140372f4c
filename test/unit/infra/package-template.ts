import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
): Promise<PackagedService> {
  const serviceDir = mkdtempSync(path.join(tmpdir(), 'odcr-package-'));
  cpSync(path.join(REPO_ROOT, 'serverless.yml'), path.join(serviceDir, 'serverless.yml'));
  for (const folder of ['iam', 'alarms', 'dashboard', 'schedules']) {
    cpSync(path.join(REPO_ROOT, 'infra', folder), path.join(serviceDir, 'infra', folder), {
      recursive: true,
      filter: (source) => !source.endsWith('.ts'),
    });
  }
  const built = await buildAll({
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
