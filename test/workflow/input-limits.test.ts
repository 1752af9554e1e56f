/**
 * The execution input's size and nesting limits: checked without recursion, so an input nested
 * far deeper than any JSON tool's stack still gets a one-line problem instead of a crash.
 */
import { MAX_INPUT_BYTES, MAX_INPUT_DEPTH, inputLimitProblem, inputTextLimitProblem } from '../../lambdas/shared/workflow/input-limits';

/** `levels` arrays, one inside the other. */
const nestedArrays = (levels: number): unknown => {
  let value: unknown = [];
  for (let i = 1; i < levels; i += 1) value = [value];
  return value;
};

/** `levels` objects, one inside the other, under the key `a`. */
const nestedObjects = (levels: number): unknown => {
  let value: unknown = {};
  for (let i = 1; i < levels; i += 1) value = { a: value };
  return value;
};

describe('inputLimitProblem (a parsed input)', () => {
  it('accepts every input shape the Plan takes', () => {
    expect(inputLimitProblem({})).toBeUndefined();
    expect(
      inputLimitProblem({ exportTypes: ['seat'], contracts: ['urn:li:contract:1'], startAt: '2026-11-01', endAt: '2026-11-08' }),
    ).toBeUndefined();
    expect(inputLimitProblem({ scheduledTime: '2026-11-28T06:00:00Z' })).toBeUndefined();
    // Not its business: the Plan's own validation names what is wrong with these.
    expect(inputLimitProblem(null)).toBeUndefined();
    expect(inputLimitProblem('text')).toBeUndefined();
  });

  it(`accepts ${MAX_INPUT_DEPTH} levels of nesting and rejects one more, arrays and objects alike`, () => {
    expect(inputLimitProblem(nestedArrays(MAX_INPUT_DEPTH))).toBeUndefined();
    expect(inputLimitProblem(nestedObjects(MAX_INPUT_DEPTH))).toBeUndefined();
    expect(inputLimitProblem(nestedArrays(MAX_INPUT_DEPTH + 1))).toBe(
      `the input is nested more than ${MAX_INPUT_DEPTH} levels deep (a valid input has at most 2)`,
    );
    expect(inputLimitProblem({ contracts: [nestedObjects(MAX_INPUT_DEPTH)] })).toMatch(/nested more than 64 levels/);
  });

  it('rejects 100,000 levels without overflowing the stack', () => {
    expect(inputLimitProblem(nestedArrays(100_000))).toMatch(/nested more than 64 levels/);
    expect(inputLimitProblem(nestedObjects(100_000))).toMatch(/nested more than 64 levels/);
  });

  it('rejects an input over 256 KiB of UTF-8, counting multi-byte characters as Step Functions does', () => {
    // {"a":"…"} is 8 bytes around the string.
    expect(inputLimitProblem({ a: 'x'.repeat(MAX_INPUT_BYTES - 8) })).toBeUndefined();
    expect(inputLimitProblem({ a: 'x'.repeat(MAX_INPUT_BYTES - 7) })).toBe(
      'the input is 262,145 bytes; Step Functions accepts at most 262,144 (256 KiB of UTF-8)',
    );
    // 'é' is one UTF-16 unit but two UTF-8 bytes.
    expect(inputLimitProblem({ a: 'é'.repeat(MAX_INPUT_BYTES / 2) })).toMatch(/^the input is 262,152 bytes/);
  });
});

describe('inputTextLimitProblem (the JSON text, before parsing)', () => {
  it('accepts ordinary input text', () => {
    expect(inputTextLimitProblem('{"startAt": "2026-11-01", "endAt": "2026-11-08"}')).toBeUndefined();
    expect(inputTextLimitProblem('not json at all')).toBeUndefined();
  });

  it('counts the bytes of the text as given, whitespace included', () => {
    expect(inputTextLimitProblem(`{}${' '.repeat(MAX_INPUT_BYTES - 2)}`)).toBeUndefined();
    expect(inputTextLimitProblem(`{}${' '.repeat(MAX_INPUT_BYTES - 1)}`)).toMatch(/^the input is 262,145 bytes/);
  });

  it('measures nesting outside strings only', () => {
    expect(inputTextLimitProblem('['.repeat(3000) + ']'.repeat(3000))).toMatch(/nested more than 64 levels/);
    expect(inputTextLimitProblem(`{"a": "${'['.repeat(3000)}"}`)).toBeUndefined();
    expect(inputTextLimitProblem(`{"a": "\\"${'{'.repeat(100)}"}`)).toBeUndefined();
    expect(inputTextLimitProblem(`${'{"a":'.repeat(MAX_INPUT_DEPTH)}1${'}'.repeat(MAX_INPUT_DEPTH)}`)).toBeUndefined();
  });
});
