/**
 * osls plugin for `npx osls invoke local -f <function> --data '...'`: every function ships a prebuilt
 * artifact (dist/<function>.zip) whose handler is `handler.mjs` at the zip's root, which osls's own
 * invoke local cannot load from the repository. This plugin builds dist/ when it is missing, unpacks the
 * function's artifact into .serverless/invoke-local/<function>/ and points invoke local there, so what
 * runs locally is exactly what deploys. The handler reads its bundled config.json from there too.
 */
const { mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const path = require('node:path');
const { inflateRawSync } = require('node:zlib');
const { SERVICE_DIR, ensureBuilt } = require('./build-once.cjs');

/** The files of a zip (stored or deflated entries, as infra/build.ts writes them). */
function unzip(buffer) {
  const endOffset = buffer.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (endOffset < 0) throw new Error('not a zip file');
  const count = buffer.readUInt16LE(endOffset + 10);
  let offset = buffer.readUInt32LE(endOffset + 16);
  const files = [];
  for (let index = 0; index < count; index += 1) {
    const method = buffer.readUInt16LE(offset + 10);
    const compressedSize = buffer.readUInt32LE(offset + 20);
    const nameLength = buffer.readUInt16LE(offset + 28);
    const extraLength = buffer.readUInt16LE(offset + 30);
    const commentLength = buffer.readUInt16LE(offset + 32);
    const localOffset = buffer.readUInt32LE(offset + 42);
    const name = buffer.toString('utf8', offset + 46, offset + 46 + nameLength);
    const dataStart =
      localOffset + 30 + buffer.readUInt16LE(localOffset + 26) + buffer.readUInt16LE(localOffset + 28);
    const raw = buffer.subarray(dataStart, dataStart + compressedSize);
    if (method !== 0 && method !== 8) throw new Error(`${name}: unsupported zip method ${method}`);
    files.push({ name, data: method === 8 ? inflateRawSync(raw) : raw });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

class InvokeLocalPrebuilt {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = { 'before:invoke:local:invoke': () => this.unpack() };
  }

  unpack() {
    const name = this.options.function;
    const artifact = this.serverless.service.getFunction(name).package?.artifact;
    if (typeof artifact !== 'string') return;
    ensureBuilt([path.relative('dist', artifact)]);
    const relativeDir = path.join('.serverless', 'invoke-local', name);
    const directory = path.join(SERVICE_DIR, relativeDir);
    rmSync(directory, { recursive: true, force: true });
    mkdirSync(directory, { recursive: true });
    for (const file of unzip(readFileSync(path.join(SERVICE_DIR, artifact)))) {
      mkdirSync(path.dirname(path.join(directory, file.name)), { recursive: true });
      writeFileSync(path.join(directory, file.name), file.data);
    }
    // osls require()s `<dir>/handler` then `<dir>/handler.cjs`; the bundle is ESM, so a CommonJS door to it.
    writeFileSync(
      path.join(directory, 'handler.cjs'),
      "exports.handler = async (event, context) => (await import('./handler.mjs')).handler(event, context);\n",
    );
    this.options.extraServicePath = relativeDir;
    // The SDK's notice that Node 20 loses support in 2027, as the project's own entry points turn it off.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
    // Lambda runs in the unpacked artifact, where ODCR_CONFIG_FILE=config.json is the bundled config.
    const configFile = process.env.ODCR_CONFIG_FILE;
    if (configFile !== undefined && !path.isAbsolute(configFile))
      process.env.ODCR_CONFIG_FILE = path.join(directory, configFile);
  }
}

module.exports = InvokeLocalPrebuilt;
