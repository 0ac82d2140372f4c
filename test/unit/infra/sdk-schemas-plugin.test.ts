import { describe, expect, it } from 'vitest';
import { inlineSchemaKeys } from '#infra/sdk-schemas-plugin.ts';

describe('inlineSchemaKeys', () => {
  it("writes each computed key that names one of the module's string constants as that string", () => {
    const source = [
      'const _xN = "xmlName";',
      'const _m = "min";',
      'export var Count$ = [3, n0, _C, 0, [_M], [[1, { [_xN]: _m }]]];',
    ].join('\n');
    expect(inlineSchemaKeys(source)).toContain('[[1, { "xmlName": _m }]]');
  });

  it('leaves a computed key alone when its name is not a string constant of the module', () => {
    const source = 'const _a = "a";\nexport var X$ = [{ [_other]: 1 }, { [_a]: 2 }];';
    expect(inlineSchemaKeys(source)).toBe('const _a = "a";\nexport var X$ = [{ [_other]: 1 }, { "a": 2 }];');
  });
});
