/**
 * What `npx osls print`, `npx osls invoke local` and a deploy need from infra/build.ts, built on first use:
 * a fresh clone has no dist/ yet, and osls cannot resolve serverless.yml without dist/infra/derived.json.
 * The build runs for config/example.json, as `npm run build` does; `npm run package -- --config <file>`
 * builds for another config first, and what it built is used as it is until a source changes: a dist/
 * older than its sources (after a pull, say) would resolve a template the code no longer matches, so it
 * is rebuilt for the config it was built for (dist/infra/built-from.json).
 */
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, readFileSync, statSync } = require('node:fs');
const path = require('node:path');

const SERVICE_DIR = path.resolve(__dirname, '..', '..');
const DIST = path.join(SERVICE_DIR, 'dist');
const BUILT_FROM = path.join(DIST, 'infra', 'built-from.json');
const DEFAULT_CONFIG = path.join('config', 'example.json');
/** What a build reads besides its config: the code it bundles, the template, the locked dependencies. */
const SOURCES = ['functions', 'shared', 'infra', 'serverless.yml', 'package-lock.json'];

/** The newest modification time under a file or folder (0 when it does not exist). */
function newestChange(entry) {
  if (!existsSync(entry)) return 0;
  const stats = statSync(entry);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const name of readdirSync(entry)) newest = Math.max(newest, newestChange(path.join(entry, name)));
  return newest;
}

/** The config the present dist/ was built for, or undefined for a dist/ from before builds recorded it. */
function builtFromConfig() {
  if (!existsSync(BUILT_FROM)) return undefined;
  const config = JSON.parse(readFileSync(BUILT_FROM, 'utf8')).config;
  return typeof config === 'string' ? config : undefined;
}

/** Why dist/ must be (re)built for the files asked for, or undefined when it is usable as it is. */
function reasonToBuild(files, config) {
  const missing = files.filter((file) => !existsSync(path.join(DIST, file)));
  if (missing.length > 0) return `dist/ is missing ${missing.map((file) => `dist/${file}`).join(', ')}`;
  const builtAt = Math.min(...files.map((file) => statSync(path.join(DIST, file)).mtimeMs));
  const sources = [...SOURCES, config].map((source) => path.resolve(SERVICE_DIR, source));
  if (sources.some((source) => newestChange(source) > builtAt)) return 'dist/ is older than its sources';
  return undefined;
}

/** Builds dist/ unless every file asked for is there and newer than the sources; build output to stderr. */
function ensureBuilt(files) {
  const config = builtFromConfig() ?? DEFAULT_CONFIG;
  const reason = reasonToBuild(files, config);
  if (reason === undefined) return;
  process.stderr.write(`${reason}: building it for ${config} (npm run build -- --config ${config})\n`);
  execFileSync(
    process.execPath,
    ['--import', 'tsx', path.join(SERVICE_DIR, 'infra', 'build.ts'), '--config', config],
    { cwd: SERVICE_DIR, stdio: ['ignore', process.stderr, process.stderr] },
  );
}

module.exports = { DIST, SERVICE_DIR, ensureBuilt };
