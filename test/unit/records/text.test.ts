import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '#shared/config/schema.ts';
import {
  codePointLength,
  firstCodePoints,
  hasLoneSurrogate,
  loneSurrogatePath,
  withoutLoneSurrogates,
} from '#shared/records/text.ts';
import { exampleConfig } from '../policy/fixtures.ts';

describe('text that goes into tags', () => {
  it('counts and cuts by code point, never splitting a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.nat(50), (text, max) => {
        const cut = firstCodePoints(text, max);

        expect(text.startsWith(cut)).toBe(true);
        expect(codePointLength(cut)).toBe(Math.min(max, codePointLength(text)));
        expect(hasLoneSurrogate(cut)).toBe(false);
      }),
    );
  });

  it('finds lone surrogates, high or low, and replaces them', () => {
    expect(hasLoneSurrogate('ok \u{1F6A8}')).toBe(false);
    expect(hasLoneSurrogate('\ud83d')).toBe(true);
    expect(hasLoneSurrogate('\ude80x')).toBe(true);
    expect(withoutLoneSurrogates('a\ud83db')).toBe('a\ufffdb');
  });

  it('names the path of a lone surrogate in a JSON value, keys included', () => {
    expect(loneSurrogatePath({ a: [{ b: 'fine' }, { c: 'x\ud800' }] })).toBe('a[1].c');
    expect(loneSurrogatePath({ alarms: { 'bad\udc00': {} } })).toBe('alarms.bad\udc00');
    expect(loneSurrogatePath({ a: ['\u{1F6A8}'] })).toBeUndefined();
  });

  it('refuses a config whose names hold a lone surrogate, naming the field', () => {
    const config = structuredClone(exampleConfig()) as { reservations: { $comment?: string }[] };
    const first = config.reservations[0];
    if (first === undefined) throw new Error('no reservation');
    first.$comment = 'trading\ud800';

    expect(() => parseConfig(config)).toThrow(/reservations\[0\]\.\$comment: expected well-formed text/);
  });
});
