/**
 * Text that must survive being written as a tag. EC2 counts a tag value in Unicode characters (code points),
 * not UTF-16 units, and a lone surrogate is not a character at all: the SDK cannot even encode it for the
 * wire, so one lone surrogate in a record fails every write of it. Free text is checked where it enters, and
 * what the service writes itself is cut by code point.
 */

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** Unicode characters (code points) in `text`; a surrogate pair counts once. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

export function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

/** `text` with each lone surrogate replaced by U+FFFD, as a decoder would show it. */
export function withoutLoneSurrogates(text: string): string {
  return text.replace(LONE_SURROGATES, '\ufffd');
}

/** The first `max` code points of `text`: never splits a surrogate pair. */
export function firstCodePoints(text: string, max: number): string {
  let end = 0;
  let count = 0;
  for (const character of text) {
    if (count === max) break;
    end += character.length;
    count++;
  }
  return text.slice(0, end);
}

/**
 * The path of the first string (or object key) in a parsed JSON value that holds a lone surrogate, like
 * `reservations[0].name`; undefined when there is none. For config and scenario files, whose text can reach
 * tags and events.
 */
export function loneSurrogatePath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return hasLoneSurrogate(value) ? path || '(root)' : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = loneSurrogatePath(item, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const child = path === '' ? key : `${path}.${key}`;
      if (hasLoneSurrogate(key)) return child;
      const found = loneSurrogatePath(item, child);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
