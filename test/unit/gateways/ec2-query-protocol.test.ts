/**
 * The fast XML parser against the SDK's own `XmlShapeDeserializer.parseXml`, on generated documents: the same
 * value inside its subset, the SDK's own answer (value or error) through the fallback outside it.
 * Seeds follow test/fuzz: fixed under CI, random and printed locally; replay one with
 * `FUZZ_SEED=<seed> npx vitest run test/unit/gateways/ec2-query-protocol.test.ts`.
 */
import { XmlShapeDeserializer } from '@aws-sdk/core/protocols';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FastXmlShapeDeserializer, parseAwsQueryXml } from '#shared/gateways/ec2-query-protocol.ts';
import { fuzzParameters } from '../../fuzz/support.ts';

const SETTINGS = {
  timestampFormat: { useTrait: true, default: 5 as const },
  httpBindings: false,
  xmlNamespace: 'http://ec2.amazonaws.com/doc/2016-11-15',
  serviceNamespace: 'com.amazonaws.ec2',
};

/** The SDK's `parseXml` is protected: these subclasses only make it callable. */
class SdkParser extends XmlShapeDeserializer {
  parse(xml: string): unknown {
    return this.parseXml(xml);
  }
}
class FastParser extends FastXmlShapeDeserializer {
  parse(xml: string): unknown {
    return this.parseXml(xml);
  }
}
const sdk = new SdkParser(SETTINGS);
const fast = new FastParser(SETTINGS);

type Outcome = { value: unknown } | { error: string };

function outcomeOf(parse: () => unknown): Outcome {
  try {
    return { value: parse() };
  } catch (error: unknown) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

/** The fast parser answers `xml` as the SDK's parser does: the same value, or an error with the same text. */
function expectTheSdksOutcome(xml: string): void {
  expect(
    outcomeOf(() => fast.parse(xml)),
    xml,
  ).toEqual(outcomeOf(() => sdk.parse(xml)));
}

// Names repeat among siblings (so arrays form), and include every character class the fast parser reads.
const ELEMENT_NAMES = ['item', 'key', 'value', 'tagSet', 'Response', 'a', 'x:y', 'n-1', 'n.2', '_u', 'B9'];
/** Names an object inherits: the SDK handles them its own (odd) way, so the fast parser must hand them over. */
const INHERITED_NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];
const ATTRIBUTE_NAMES = ['xmlns', 'xmlns:xsi', 'id', 'a', 'item', 'value', '__proto__', 'constructor'];

const TEXT_PIECES = [
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#x41;',
  '&#65;',
  '&#0;',
  '&#x1F600;',
  '&foo;',
  '&constructor;',
  '&',
  '&amp',
  '>',
  ' ',
  '\n',
  '\t',
  '\r\n',
  '\r',
  '\u00a0',
  'é',
  '日本',
  '🦄',
  'cr-0123456789abcdef0',
  'odcr-reclaimer:managed',
];
const textPiece = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TEXT_PIECES) },
  {
    weight: 1,
    arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }).map((text) => text.replace(/</g, '')),
  },
);
const text = fc.oneof(
  fc.array(textPiece, { maxLength: 6 }).map((pieces) => pieces.join('')),
  // Blank runs with and without a newline: the SDK drops only those holding one.
  fc.constantFrom('', ' ', '  ', '\n', '\n    ', '\t\n', ' \u00a0\n', '\r\n  '),
);
const blanks = fc.constantFrom('', ' ', '  ', '\n', '\t');
const someBlanks = fc.constantFrom(' ', '  ', '\n  ', '\t');

const attribute = fc
  .record({
    name: fc.constantFrom(...ATTRIBUTE_NAMES),
    value: fc.array(fc.oneof(textPiece, fc.constantFrom('<', "'", '"')), { maxLength: 4 }),
    doubleQuoted: fc.boolean(),
    before: someBlanks,
    around: blanks,
  })
  .map(({ name, value, doubleQuoted, before, around }) => {
    const quote = doubleQuoted ? '"' : "'";
    const content = value.join('').replaceAll(quote, '');
    return `${before}${name}${around}=${around}${quote}${content}${quote}`;
  });
const attributes = fc.array(attribute, { maxLength: 3 }).map((list) => list.join(''));

/** Markup outside the fast parser's subset, which it hands to the SDK. */
const EXOTIC = [
  '<!-- a comment -->',
  '<!---->',
  '<![CDATA[ x < y && z ]]>',
  '<![CDATA[]]>',
  '<?pi inside?>',
  '<a b></a>',
];

function elementArbitrary(options: { names: readonly string[]; exotic: boolean }): fc.Arbitrary<string> {
  const { element } = fc.letrec<{ element: string; content: string }>((tie) => ({
    element: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc
        .record({ name: fc.constantFrom(...options.names), attributes, blank: blanks })
        .map(({ name, attributes, blank }) => `<${name}${attributes}${blank}/>`),
      fc
        .record({
          name: fc.constantFrom(...options.names),
          attributes,
          blank: blanks,
          content: fc.array(tie('content'), { maxLength: 5 }),
          closingBlank: blanks,
        })
        .map(
          ({ name, attributes, blank, content, closingBlank }) =>
            `<${name}${attributes}${blank}>${content.join('')}</${name}${closingBlank}>`,
        ),
    ),
    content: options.exotic
      ? fc.oneof(text, tie('element'), fc.constantFrom(...EXOTIC))
      : fc.oneof(text, tie('element')),
  }));
  return element;
}

const DECLARATIONS = ['', '<?xml version="1.0" encoding="UTF-8"?>\n', '<?xml version="1.0"?>', '\n  '];

function documentArbitrary(options: { names: readonly string[]; exotic: boolean }): fc.Arbitrary<string> {
  return fc
    .record({
      declaration: fc.constantFrom(...DECLARATIONS),
      root: elementArbitrary(options),
      trailing: fc.constantFrom('', '\n', '\n\n  '),
    })
    .map(({ declaration, root, trailing }) => `${declaration}${root}${trailing}`);
}

const subsetDocument = documentArbitrary({ names: ELEMENT_NAMES, exotic: false });

describe('parseAwsQueryXml', () => {
  it('reads every document of its subset, to the value the SDK parser gives', () => {
    fc.assert(
      fc.property(subsetDocument, (xml) => {
        const parsed = parseAwsQueryXml(xml);

        expect(parsed, xml).toBeDefined();
        expect(parsed, xml).toEqual(sdk.parse(xml));
      }),
      fuzzParameters(1500),
    );
  });

  it('hands comments, CDATA, DOCTYPE, processing instructions and inherited names to the SDK', () => {
    const exoticDocument = fc.oneof(
      documentArbitrary({ names: ELEMENT_NAMES, exotic: true }).filter((xml) =>
        EXOTIC.some((markup) => xml.includes(markup)),
      ),
      documentArbitrary({ names: ELEMENT_NAMES, exotic: false }).map(
        (xml) => `<!DOCTYPE Response [<!ENTITY x "y">]>\n${xml}`,
      ),
      documentArbitrary({ names: ELEMENT_NAMES, exotic: false }).map((xml) => `<!-- first -->${xml}`),
      documentArbitrary({ names: [...ELEMENT_NAMES, ...INHERITED_NAMES], exotic: false }).filter((xml) =>
        INHERITED_NAMES.some((name) => xml.includes(`<${name}`)),
      ),
    );
    fc.assert(
      fc.property(exoticDocument, (xml) => {
        expect(parseAwsQueryXml(xml), xml).toBeUndefined();
        expectTheSdksOutcome(xml);
      }),
      fuzzParameters(500),
    );
  });

  it('answers malformed input as the SDK does: its value or its error', () => {
    const damaged = fc
      .record({
        xml: subsetDocument,
        at: fc.nat(),
        damage: fc.constantFrom('truncate', 'delete', 'insert'),
        inserted: fc.constantFrom('<', '>', '/', '=', '"', "'", '&', '</x>', '<x>', '?', '!', ' '),
      })
      .map(({ xml, at, damage, inserted }) => {
        const position = at % (xml.length + 1);
        if (damage === 'truncate') return xml.slice(0, position);
        if (damage === 'delete') return xml.slice(0, position) + xml.slice(position + 1);
        return xml.slice(0, position) + inserted + xml.slice(position);
      });
    const junk = fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('', ' ', '<', '<a', '<a>', '<a></b>', '</a>', '<a/', '<a x=1/>', 'text', '\ufeff<a/>'),
    );
    fc.assert(fc.property(fc.oneof(damaged, junk), expectTheSdksOutcome), fuzzParameters(1500));
  });

  it('leaves documents nested deeper than it reads to the SDK', () => {
    const depth = 150;
    const xml = `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;

    expect(parseAwsQueryXml(xml)).toBeUndefined();
    expect(fast.parse(xml)).toEqual(sdk.parse(xml));
  });

  it('keeps an attribute named __proto__ an own property, never the prototype', () => {
    const parsed = parseAwsQueryXml('<r><item __proto__="x" id="1"/></r>');

    expect(parsed).toEqual(sdk.parse('<r><item __proto__="x" id="1"/></r>'));
    expect(Object.getPrototypeOf(Object(parsed).item)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(Object(parsed).item, '__proto__')?.value).toBe('x');
  });
});
