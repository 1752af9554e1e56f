/**
 * Limits on the execution input's size and nesting, checked before anything walks it.
 *
 * - Size: Step Functions refuses an execution input over 256 KiB of UTF-8; a local run and the
 *   Plan apply the same quota, so an input that works locally also starts on AWS.
 * - Nesting: a valid input is at most 2 levels deep (`{"contracts": [...]}`). Recursive JSON code
 *   (the local engine's clone, JSONPath, schema validation) runs out of stack a few thousand levels
 *   down, and there it throws rather than fails the input, or hangs. 64 levels is 32 times what a
 *   valid input needs and far below where anything breaks, and the message stays one line.
 *
 * Both checks are iterative: no input is deep enough to overflow them.
 */

/** Step Functions' quota on an execution input, in UTF-8 bytes (256 KiB). */
export const MAX_INPUT_BYTES = 256 * 1024;

/** Containers inside containers: `{}` is 1 level, `{"contracts": []}` 2. */
export const MAX_INPUT_DEPTH = 64;

/** What a valid input needs, said in the message so the limit does not look arbitrary. */
const VALID_DEPTH = 2;

const tooDeep = `the input is nested more than ${MAX_INPUT_DEPTH} levels deep (a valid input has at most ${VALID_DEPTH})`;

const bytesProblem = (bytes: number): string | undefined =>
  bytes > MAX_INPUT_BYTES
    ? `the input is ${bytes.toLocaleString('en-US')} bytes; Step Functions accepts at most ${MAX_INPUT_BYTES.toLocaleString('en-US')} (256 KiB of UTF-8)`
    : undefined;

/** True when `value` holds containers more than `MAX_INPUT_DEPTH` deep. */
const deeperThanLimit = (value: unknown): boolean => {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > MAX_INPUT_DEPTH) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') pending.push([child, depth + 1]);
    }
  }
  return false;
};

/**
 * The problem with a parsed execution input's nesting or size, if any. Everything else (its shape,
 * its fields) is the Plan's validation; this only keeps that validation from being handed an input
 * it cannot walk.
 *
 * @returns one line for `Invalid input: …`, or undefined when the input is within both limits
 */
export const inputLimitProblem = (input: unknown): string | undefined => {
  if (deeperThanLimit(input)) return tooDeep;
  const json = JSON.stringify(input);
  return json === undefined ? undefined : bytesProblem(Buffer.byteLength(json, 'utf8'));
};

/**
 * The same limits on input text before it is parsed: its bytes as given (whitespace counts, as in
 * Step Functions), and its nesting measured on the brackets outside strings. Text that is not JSON
 * passes; parsing reports it.
 */
export const inputTextLimitProblem = (text: string): string | undefined => {
  const size = bytesProblem(Buffer.byteLength(text, 'utf8'));
  if (size) return size;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{' || char === '[') {
      depth += 1;
      if (depth > MAX_INPUT_DEPTH) return tooDeep;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
  }
  return undefined;
};
