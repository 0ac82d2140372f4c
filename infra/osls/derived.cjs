/**
 * `${file(./infra/osls/derived.cjs)}` in serverless.yml: the values the template derives from the config
 * (dist/infra/derived.json, written by infra/build.ts), built first when a fresh clone has none.
 */
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { DIST, ensureBuilt } = require('./build-once.cjs');

module.exports = () => {
  ensureBuilt([path.join('infra', 'derived.json')]);
  return JSON.parse(readFileSync(path.join(DIST, 'infra', 'derived.json'), 'utf8'));
};
