/**
 * The SDK's EC2 protocol with a faster XML parser, and nothing else changed.
 *
 * Why: most of a sweep over a large fleet is spent in the SDK parsing XML (`@aws-sdk/xml-builder`
 * `parseXML`, then `getValueFromTextNode`), which builds every string one character at a time; scanning with
 * `indexOf`/`slice` builds the same tree several times faster (the bench's scale section shows it).
 *
 * The fast parser handles only what AWS query services send: an XML declaration, elements, attributes, text,
 * the five named entities and numeric character references (decoded exactly as the SDK decodes them), and
 * self-closing tags. On anything else (comments, CDATA, DOCTYPE, processing instructions inside the document,
 * names outside plain ASCII, names an object inherits such as `__proto__` or `constructor`, malformed input)
 * it does not guess: the SDK's own `parseXml` reads the document, so results and parse errors stay the SDK's.
 * Schema reading, errors, metadata and request serialization are the SDK's untouched.
 */
import { AwsEc2QueryProtocol, XmlShapeDeserializer } from '@aws-sdk/core/protocols';

/** What the SDK's `parseXml` answers: text, elements by name, and repeated siblings as arrays. */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

/** `AwsEc2QueryProtocol` whose responses are parsed by `parseAwsQueryXml` (SDK fallback outside its subset). */
export class Ec2QueryProtocol extends AwsEc2QueryProtocol {
  constructor(options: ConstructorParameters<typeof AwsEc2QueryProtocol>[0]) {
    super(options);
    this.deserializer = new FastXmlShapeDeserializer(this.deserializer.settings);
  }
}

/** The SDK's XML shape deserializer with only `parseXml` replaced. */
export class FastXmlShapeDeserializer extends XmlShapeDeserializer {
  // The SDK declares `any`; `unknown` narrows it without changing what callers receive.
  protected override parseXml(xml: string): unknown {
    return parseAwsQueryXml(xml) ?? super.parseXml(xml);
  }
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
/** The SDK parser recurses per level; past this depth it is left to decide (it may overflow the stack). */
const MAX_DEPTH = 100;

/** A plain object like the SDK's table, so that even `&constructor;` decodes to what the SDK gives. */
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** The SDK's entity pattern; `fromCharCode` (not `fromCodePoint`) as the SDK does, astral references included. */
const ENTITY = /&(?:#x([0-9a-fA-F]{1,6})|#(\d{1,7})|([a-zA-Z][a-zA-Z0-9]{0,30}));/g;
const ATTRIBUTE = /([A-Za-z_:][\w:.-]*)[ \t\n]*=[ \t\n]*(?:"([^"]*)"|'([^']*)')/y;

interface OpenElement {
  tag: string;
  /** Where the name starts in the document, to match the closing tag against without reading `tag`. */
  nameStart: number;
  attributes: [string, string][] | undefined;
  children: XmlObject | undefined;
  /** The element's text runs that the SDK keeps, concatenated (a run of blanks holding a newline is dropped). */
  text: string | undefined;
}

/**
 * The value the SDK's `XmlShapeDeserializer.parseXml` gives for `xml` (its parse, the root's `#text` lift and
 * `getValueFromTextNode`), or `undefined` when `xml` is outside the subset this parser reads.
 */
export function parseAwsQueryXml(xml: string): XmlValue | undefined {
  const x = xml.includes('\r') ? xml.replace(/\r\n?/g, '\n') : xml;
  let i = skipBlanks(x, 0);
  while (x.startsWith('<?', i)) {
    const end = x.indexOf('?>', i);
    if (end === -1) return undefined;
    i = skipBlanks(x, end + 2);
  }
  const stack: OpenElement[] = [];
  for (;;) {
    if (x.charCodeAt(i) !== LT) return undefined;
    if (x.charCodeAt(i + 1) === SLASH) {
      const element = stack.pop();
      if (element === undefined) return undefined;
      const end = i + 2 + element.tag.length;
      if (x.charCodeAt(end) === GT && sameName(x, element.nameStart, i + 2, element.tag.length)) i = end + 1;
      else {
        // Blanks around the name, as the SDK trims them; any other difference is its error to raise.
        const close = x.indexOf('>', i + 2);
        if (close === -1 || x.slice(i + 2, close).trim() !== element.tag) return undefined;
        i = close + 1;
      }
      const parent = stack[stack.length - 1];
      if (parent === undefined) return rootValue(element);
      if (!addChild(parent, element.tag, elementValue(element))) return undefined;
    } else {
      const nameEnd = scanName(x, i + 1);
      if (nameEnd === i + 1) return undefined;
      const element: OpenElement = {
        tag: x.slice(i + 1, nameEnd),
        nameStart: i + 1,
        attributes: undefined,
        children: undefined,
        text: undefined,
      };
      if (stack.length === 0 && element.tag in Object.prototype) return undefined;
      let at = skipBlanks(x, nameEnd);
      let selfClosing = false;
      for (;;) {
        const code = x.charCodeAt(at);
        if (code === GT) break;
        if (code === SLASH) {
          if (x.charCodeAt(at + 1) !== GT) return undefined;
          selfClosing = true;
          at++;
          break;
        }
        ATTRIBUTE.lastIndex = at;
        const match = ATTRIBUTE.exec(x);
        if (match === null || match[1] === undefined) return undefined;
        element.attributes ??= [];
        element.attributes.push([match[1], decodeEntities(match[2] ?? match[3] ?? '')]);
        at = skipBlanks(x, ATTRIBUTE.lastIndex);
      }
      i = at + 1;
      const parent = stack[stack.length - 1];
      if (selfClosing) {
        if (parent === undefined) return rootValue(element);
        if (!addChild(parent, element.tag, elementValue(element))) return undefined;
      } else {
        if (stack.length === MAX_DEPTH) return undefined;
        stack.push(element);
      }
    }
    const next = x.indexOf('<', i);
    if (next === -1) return undefined;
    const current = stack[stack.length - 1];
    if (next > i && current !== undefined) addText(current, x, i, next);
    i = next;
  }
}

/** An element as its parent holds it: `getValueFromTextNode` keeps only the text of an element that has some. */
function elementValue(element: OpenElement): XmlValue {
  if (element.children === undefined && element.attributes === undefined) return element.text ?? '';
  if (element.text !== undefined) return element.text;
  return withAttributes(element.children ?? {}, element.attributes);
}

/** The root as `parseXml` answers it: its non-empty text is lifted to a key named after the root. */
function rootValue(root: OpenElement): XmlValue {
  if (root.children === undefined && root.attributes === undefined) return root.text ?? '';
  const value = withAttributes(root.children ?? {}, root.attributes);
  if (root.text) value[root.tag] = root.text;
  else if (root.text !== undefined) value['#text'] = root.text;
  return value;
}

/** Attributes after children, so an attribute wins over a child of the same name as in the SDK. */
function withAttributes(target: XmlObject, attributes: [string, string][] | undefined): XmlObject {
  for (const [name, value] of attributes ?? []) {
    // As the SDK's writeKey: an own `__proto__` property, never the object's prototype.
    if (name === '__proto__') {
      Object.defineProperty(target, name, { value, writable: true, enumerable: true, configurable: true });
    } else target[name] = value;
  }
  return target;
}

/** Repeated siblings become an array. False for a name the object inherits, which the SDK treats its own way. */
function addChild(parent: OpenElement, tag: string, value: XmlValue): boolean {
  parent.children ??= {};
  const children = parent.children;
  const previous = children[tag];
  if (previous === undefined) children[tag] = value;
  else if (!Object.hasOwn(children, tag)) return false;
  else if (Array.isArray(previous)) previous.push(value);
  else children[tag] = [previous, value];
  return true;
}

function addText(element: OpenElement, x: string, start: number, end: number): void {
  const first = x.charCodeAt(start);
  let text: string;
  // Most runs are values starting with a visible ASCII character, which cannot be blank once decoded.
  if (first > 0x20 && first < 0x7f && first !== 0x26) text = decodeEntities(x.slice(start, end));
  else {
    if (isIndentation(x, start, end)) return;
    text = decodeEntities(x.slice(start, end));
    if (text.trim() === '' && text.includes('\n')) return;
  }
  element.text = element.text === undefined ? text : element.text + text;
}

/** Blanks holding a newline, which the SDK drops; checked without slicing since pages are mostly indentation. */
function isIndentation(x: string, start: number, end: number): boolean {
  let newline = false;
  for (let at = start; at < end; at++) {
    const code = x.charCodeAt(at);
    if (code === 0x0a) newline = true;
    else if (code !== 0x20 && code !== 0x09) return false;
  }
  return newline;
}

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY, (_match, hex?: string, decimal?: string, named?: string) => {
    if (hex) return String.fromCharCode(Number.parseInt(hex, 16));
    if (decimal) return String.fromCharCode(Number.parseInt(decimal, 10));
    return NAMED_ENTITIES[named ?? ''] ?? '';
  });
}

function skipBlanks(x: string, start: number): number {
  let at = start;
  for (;;) {
    const code = x.charCodeAt(at);
    if (code !== 0x20 && code !== 0x09 && code !== 0x0a) return at;
    at++;
  }
}

/** Whether the names at `first` and `second` in `x` are the same: comparing within `x` is the fastest way here. */
function sameName(x: string, first: number, second: number, length: number): boolean {
  for (let offset = 0; offset < length; offset++) {
    if (x.charCodeAt(first + offset) !== x.charCodeAt(second + offset)) return false;
  }
  return true;
}

/** ASCII name characters: 1 may start a name (letters, `_`, `:`), 2 only continue one (digits, `-`, `.`). */
const NAME_CHARACTER = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const character = String.fromCharCode(code);
  if (/[A-Za-z_:]/.test(character)) NAME_CHARACTER[code] = 1;
  else if (/[0-9.-]/.test(character)) NAME_CHARACTER[code] = 2;
}

/**
 * End of an ASCII XML name starting at `start` (`start` itself when there is none). The name must end where
 * the SDK's does (blank, `>` or `/`), otherwise the two would read different names.
 */
function scanName(x: string, start: number): number {
  if (NAME_CHARACTER[x.charCodeAt(start)] !== 1) return start;
  let at = start + 1;
  while (NAME_CHARACTER[x.charCodeAt(at)]) at++;
  const end = x.charCodeAt(at);
  return end === GT || end === 0x20 || end === SLASH || end === 0x0a || end === 0x09 ? at : start;
}
