/**
 * Every command of the README's bash blocks, read from README.md itself (never copied here), run as a reader
 * would run them against a local endpoint: each block in one bash with `set -e`, so a command that fails,
 * or no longer exists, fails the test. The endpoint is the test's own (the example fleet on a free port:
 * `4566` in the README becomes that port). Commands that need an AWS account, or are the test run itself,
 * are skipped, each with its reason; long ones run with short flags.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadExampleFleet } from '@odcr-reclaimer/local-aws/example-fleet.ts';
import { type LocalAws, startLocalAws } from '@odcr-reclaimer/local-aws/server.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRATCH = mkdtempSync(path.join(tmpdir(), 'odcr-readme-'));
const FILES_THE_README_WRITES = ['my-fleet.json', 'my-fleet.observation.json'];

/** The installed AWS CLI's `aws --version` line, or undefined when there is none. */
function awsCliVersion(): string | undefined {
  try {
    return execFileSync('aws', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch {
    return undefined;
  }
}

/**
 * Whether that CLI sends every command to AWS_ENDPOINT_URL, as the README's exports expect: v1.29.0 and
 * v2.13.0 added it (https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-endpoints.html); an older
 * one (Debian 12's awscli is 2.9) would call AWS itself.
 */
function readsEndpointFromEnvironment(version: string): boolean {
  const [major, minor] = (/^aws-cli\/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number);
  if (major === undefined || minor === undefined) return false;
  return major > 2 || (major === 2 && minor >= 13) || (major === 1 && minor >= 29);
}

interface Rule {
  match: RegExp;
  skip?: string;
  rewrite?: (command: string) => string;
}

const AWS_CLI = awsCliVersion();
/** The README's commands that need an AWS CLI this machine lacks, and why (none with a recent one). */
function awsCliRules(): Rule[] {
  if (AWS_CLI === undefined)
    return [
      { match: /^aws /, skip: 'the AWS CLI is not installed here (.ci/run installs it where apt can)' },
    ];
  if (readsEndpointFromEnvironment(AWS_CLI)) return [];
  return [
    {
      match: /^aws (?![\s\S]*--endpoint-url)/,
      skip: `${AWS_CLI.split(' ')[0]} ignores AWS_ENDPOINT_URL (v1.29 or v2.13 reads it), so it would call AWS`,
    },
  ];
}
const RULES: Rule[] = [
  { match: /^npm ci\b/, rewrite: () => `npm start -- --days 1 --quiet --report ${SCRATCH}/start.html` },
  { match: /^npm test\b/, skip: 'it is the test suite this test runs in' },
  { match: /^npm run local-aws -- --example &$/, skip: 'the test runs its own endpoint, on a free port' },
  {
    match:
      /^(serverless invoke|aws lambda invoke|npx osls deploy|BUS=|aws events |TOPIC=|aws sns |aws chatbot )/,
    skip: 'needs the stack deployed in an AWS account',
  },
  {
    match: /^aws cloudformation /,
    skip: 'needs an AWS account (the local endpoint has no CloudFormation) and the packaged spoke template',
  },
  {
    match: /^npm run package\b/,
    skip: "packages into the working tree's dist/ and .serverless/; the template tests package a copy",
  },
  ...awsCliRules(),
];

/** The README's ```bash blocks, each as its commands (continuation lines and multi-line quotes joined). */
function readmeBlocks(): string[][] {
  const text = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  return [...text.matchAll(/^```bash\n([\s\S]*?)^```/gm)].map((block) => {
    const commands: string[] = [];
    let pending = '';
    for (const line of (block[1] ?? '').split('\n')) {
      pending = pending === '' ? line : `${pending}\n${line}`;
      const quotes = (pending.match(/'/g) ?? []).length;
      if (pending.endsWith('\\') || quotes % 2 === 1) continue;
      const command = pending.trim();
      pending = '';
      if (command !== '' && !command.startsWith('#')) commands.push(command);
    }
    return commands;
  });
}

interface Planned {
  command: string;
  run?: string;
  skip?: string;
}

function plan(command: string, port: number): Planned {
  const rule = RULES.find((candidate) => candidate.match.test(command));
  if (rule?.skip !== undefined) return { command, skip: rule.skip };
  const rewritten = rule?.rewrite ? rule.rewrite(command) : command;
  return { command, run: rewritten.replace(/\b4566\b/g, String(port)) };
}

let local: LocalAws;
const blocks = readmeBlocks();

beforeAll(async () => {
  // Thursday evening, New York: the example fleet lends 60, of which 30 run borrowers' instances.
  local = await startLocalAws({ port: 0, seed: { ...loadExampleFleet(), now: '2026-03-12T22:00:00Z' } });
});

afterAll(async () => {
  await local?.close();
  rmSync(SCRATCH, { recursive: true, force: true });
  for (const file of FILES_THE_README_WRITES) rmSync(path.join(REPO_ROOT, file), { force: true });
});

function bash(script: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', script],
      {
        cwd: REPO_ROOT,
        timeout: 280_000,
        maxBuffer: 64 * 1024 * 1024,
        env: {
          ...process.env,
          CI: 'true',
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
          AWS_DEFAULT_REGION: 'us-east-1',
          AWS_ENDPOINT_URL: local.url,
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, output: `${stdout}\n${stderr}` });
      },
    );
  });
}

describe("the README's commands", () => {
  it('has command blocks to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(4);
  });

  it.each(blocks.map((commands, index) => [index + 1, commands] as const))(
    'block %i runs as written',
    async (_index, commands) => {
      const planned = commands.map((command) => plan(command, Number(new URL(local.url).port)));
      const runnable = planned.filter((step) => step.run !== undefined);
      for (const step of planned.filter((candidate) => candidate.skip !== undefined)) {
        process.stdout.write(`README command not run: ${step.command.split('\n')[0]} (${step.skip})\n`);
      }
      if (runnable.length === 0) return;
      const script = [
        'set -e',
        ...runnable.flatMap((step) => [`echo ${JSON.stringify(`+ ${step.command}`)} >&2`, step.run ?? '']),
      ].join('\n');
      const result = await bash(script);
      const failedAt = [...result.output.matchAll(/^\+ (.*)$/gm)].at(-1)?.[1];
      expect({
        code: result.code,
        failedAt: result.code === 0 ? undefined : failedAt,
        tail: result.code === 0 ? '' : result.output.slice(-3000),
      }).toEqual({
        code: 0,
        failedAt: undefined,
        tail: '',
      });
    },
    300_000,
  );
});
