/**
 * What `npx osls print`, `npx osls invoke local` and a deploy need from infra/build.ts, built on first use:
 * a fresh clone has no dist/ yet, and osls cannot resolve serverless.yml without dist/infra/derived.json.
 * The build runs for config/example.json, as `npm run build` does; `npm run package -- --config <file>`
 * builds for another config first, and what it built is used as it is.
 */
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const path = require('node:path');

const SERVICE_DIR = path.resolve(__dirname, '..', '..');
const DIST = path.join(SERVICE_DIR, 'dist');

/** Builds dist/ unless every file asked for is already there; the build's own output goes to stderr. */
function ensureBuilt(files) {
  if (files.every((file) => existsSync(path.join(DIST, file)))) return;
  process.stderr.write('dist/ is missing what osls needs: building it (npm run build)\n');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(SERVICE_DIR, 'infra', 'build.ts')], {
    cwd: SERVICE_DIR,
    stdio: ['ignore', process.stderr, process.stderr],
  });
}

module.exports = { DIST, SERVICE_DIR, ensureBuilt };
