import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { zipFiles } from '#infra/build.ts';

/** Reads the entries back from the local file headers: name and inflated data. */
function readZip(zip: Buffer): Map<string, Buffer> {
  const entries = new Map<string, Buffer>();
  let offset = 0;
  while (zip.readUInt32LE(offset) === 0x04034b50) {
    const compressedSize = zip.readUInt32LE(offset + 18);
    const nameLength = zip.readUInt16LE(offset + 26);
    const extraLength = zip.readUInt16LE(offset + 28);
    const name = zip.toString('utf8', offset + 30, offset + 30 + nameLength);
    const dataStart = offset + 30 + nameLength + extraLength;
    entries.set(name, inflateRawSync(zip.subarray(dataStart, dataStart + compressedSize)));
    offset = dataStart + compressedSize;
  }
  expect(zip.readUInt32LE(zip.length - 22)).toBe(0x06054b50);
  expect(zip.readUInt16LE(zip.length - 12)).toBe(entries.size);
  return entries;
}

describe('zipFiles', () => {
  const files = [
    { name: 'handler.mjs', data: Buffer.from('export const handler = async () => 42;\n'.repeat(100)) },
    { name: 'config.json', data: Buffer.from('{"reservations":[]}') },
  ];

  it('holds every file with its content', () => {
    const entries = readZip(zipFiles(files));
    expect([...entries.keys()].sort()).toEqual(['config.json', 'handler.mjs']);
    for (const file of files) expect(entries.get(file.name)?.equals(file.data)).toBe(true);
  });

  it('gives byte-identical archives for the same files in any order, so an unchanged build deploys nothing', () => {
    expect(zipFiles(files).equals(zipFiles([...files].reverse()))).toBe(true);
  });
});
