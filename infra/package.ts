/**
 * `npm run package -- [--config <file>] [--stage dev] [--region us-east-1]`: builds the bundles and
 * dist/infra/derived.json for that config (infra/build.ts), then runs `osls package`, offline. The config
 * decides the template: its markets' heartbeat schedules, its alarms, its regions.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandLine, runCommand } from '#cli/usage.ts';
import { EXAMPLE_CONFIG_FILE } from '#shared/config/example-fleet.ts';
import { buildAll } from './build.ts';
import { hubRolePrefix, SPOKE_TEMPLATE_OUTPUT, spokeTemplate } from './spoke/spoke-template.ts';

const USAGE = `usage: npm run package -- [--config <file>] [--stage dev] [--region us-east-1]

  Builds the bundles and dist/infra/derived.json for the config (npm run build), then runs osls package,
  offline: the CloudFormation template lands in .serverless/. npx osls deploy deploys it.`;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseCommandLine({
    args: [...argv],
    options: {
      config: { type: 'string' },
      stage: { type: 'string', default: 'dev' },
      region: { type: 'string', default: 'us-east-1' },
    },
  });
  const built = await buildAll({ configFile: values.config });
  console.log(`built ${built.length} function(s) for ${values.config ?? EXAMPLE_CONFIG_FILE}`);
  const osls = path.join(REPO_ROOT, 'node_modules/osls/bin/serverless.js');
  const result = spawnSync(
    process.execPath,
    [osls, 'package', '--stage', values.stage, '--region', values.region],
    { cwd: REPO_ROOT, stdio: 'inherit' },
  );
  if (result.status !== 0) return result.status ?? 1;
  // The spoke role each owner account deploys (a StackSet), trusting the roles of the hub just packaged.
  const spoke = spokeTemplate({ hubRolePrefix: hubRolePrefix(values.stage, values.region) });
  mkdirSync(path.join(REPO_ROOT, '.serverless'), { recursive: true });
  const spokeFile = path.join(REPO_ROOT, '.serverless', SPOKE_TEMPLATE_OUTPUT);
  writeFileSync(spokeFile, `${JSON.stringify(spoke, null, 2)}\n`);
  console.log(`spoke template: ${path.relative(REPO_ROOT, spokeFile)}`);
  return 0;
}

const argv = process.argv.slice(2);
runCommand('package', USAGE, argv, () => main(argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
