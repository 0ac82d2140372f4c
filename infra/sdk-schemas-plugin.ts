/**
 * An esbuild plugin that lets the bundler drop the AWS SDK schemas a function never uses.
 *
 * Why: each SDK client declares the schema of every operation and shape of its service in one module
 * (`dist-es/schemas/schemas_0.js`), and those declarations use computed keys such as `{ [_xN]: _m }`, where
 * `_xN` is a string constant of the same module. esbuild cannot prove a computed key free of side effects, so
 * it keeps every declaration: the EC2 client alone brought half a megabyte of schemas for its five commands.
 * Replacing each such key with the string it names makes the declarations pure, and tree-shaking keeps only
 * the schemas the imported commands reach. Nothing else in the file changes.
 */
import { readFile } from 'node:fs/promises';
import type { Plugin } from 'esbuild';

const SCHEMA_MODULE = /[\\/]@aws-sdk[\\/]client-[^\\/]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/;
const STRING_CONSTANT = /^const (_\w+) = ("[^"\\\n]*");$/gm;
const COMPUTED_KEY = /\[(_\w+)\]:/g;

/** The module's text with every computed key that names one of its string constants written as that string. */
export function inlineSchemaKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) {
    if (name !== undefined && literal !== undefined) constants.set(name, literal);
  }
  return source.replace(COMPUTED_KEY, (key, name: string) => {
    const literal = constants.get(name);
    return literal === undefined ? key : `${literal}:`;
  });
}

export const sdkSchemasPlugin: Plugin = {
  name: 'sdk-schemas-pure-keys',
  setup(build) {
    build.onLoad({ filter: SCHEMA_MODULE }, async (args) => ({
      contents: inlineSchemaKeys(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
