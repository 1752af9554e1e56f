import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse/sync';
import {
  CsvRowCounter,
  CsvVerifyingStream,
  MissingFinalLineBreakError,
  ShortBodyError,
  countCsvDataRows,
  verdictOf,
  type CsvRowTally,
  type StreamExpectations,
} from '../../lambdas/shared/copy/csv-rows';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';

const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

/** Feeds `body` split at every pair of positions (three chunks, empty ones included). */
const countSplitEverywhere = (body: Buffer): Set<number> => {
  const results = new Set<number>();
  for (let a = 0; a <= body.length; a++) {
    for (let b = a; b <= body.length; b++) {
      const counter = new CsvRowCounter();
      counter.push(body.subarray(0, a));
      counter.push(body.subarray(a, b));
      counter.push(body.subarray(b));
      results.add(counter.finish().dataRows);
    }
  }
  return results;
};

const byteAtATime = (body: Buffer) => {
  const counter = new CsvRowCounter();
  for (const byte of body) counter.push(Uint8Array.of(byte));
  return counter.finish();
};

describe('CsvRowCounter', () => {
  const cases: Array<[string, string, number]> = [
    ['empty body', '', 0],
    ['header only, no newline', 'a,b,c', 0],
    ['header only, LF', 'a,b,c\n', 0],
    ['header only, CRLF', 'a,b,c\r\n', 0],
    ['two rows, LF, trailing newline', 'a,b\n1,2\n3,4\n', 2],
    ['two rows, no trailing newline', 'a,b\n1,2\n3,4', 2],
    ['CRLF rows', 'a,b\r\n1,2\r\n3,4\r\n', 2],
    ['trailing blank lines are not rows', 'a,b\n1,2\n\n\r\n', 1],
    ['quoted LF inside a field', 'a,b\n"line1\nline2",x\n3,4\n', 2],
    ['quoted CRLF inside a field', 'a,b\r\n"line1\r\nline2",x\r\n3,4\r\n', 2],
    ['escaped quotes "" inside a quoted field', 'a,b\n"say ""hi""\nthere",x\n', 1],
    ['quoted field of only escaped quotes', 'a,b\n"""",""""""\n', 1],
    ['empty quoted field then newline', 'a,b\n"",\n1,2', 2],
    ['quoted field at end without newline', 'a,b\n1,"x\ny"', 1],
    ['stray quote inside an unquoted field is literal', 'a,b\n5" screen,x\n2,3\n', 2],
    ['stray quote does not swallow newlines', 'a,b\nab"c\nd,e\n', 2],
    ['quoted header', '"a","b"\n"1","2"\n', 1],
    ['byte order mark before a quoted header', '\uFEFF"a\nb",c\n1,2\n', 1],
    ['non-ASCII bytes', 'name,city\nJosé,"Zürich\nCH"\n李,北京\n', 2],
    ['a lone CR is data, not a terminator', 'a,b\n1\r2,3\n', 1],
  ];

  it.each(cases)('%s', (_name, text, expected) => {
    const body = bytes(text);
    expect(countCsvDataRows(body).dataRows).toBe(expected);
    expect(byteAtATime(body).dataRows).toBe(expected);
    expect(countSplitEverywhere(body)).toEqual(new Set([expected]));
  });

  it('agrees with csv-parse on well-formed input with quoted newlines', () => {
    const rows = Array.from({ length: 50 }, (_, i) => [
      `id-${i}`,
      i % 3 === 0 ? `multi\nline ${i}` : `v${i}`,
      i % 5 === 0 ? 'say "x"' : '',
    ]);
    const text =
      'activityId,note,extra\r\n' +
      rows.map((r) => r.map((f) => (/[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : f)).join(',')).join('\r\n') +
      '\r\n';
    const parsed = parse(text, { skip_empty_lines: true }) as string[][];
    expect(countCsvDataRows(bytes(text)).dataRows).toBe(parsed.length - 1);
    expect(countCsvDataRows(bytes(text)).dataRows).toBe(50);
  });

  it('flags a file that ends inside a quoted field', () => {
    const tally = countCsvDataRows(bytes('a,b\n1,"unterminated\n2,3\n'));
    expect(tally.unterminatedQuote).toBe(true);
    expect(tally.records).toBe(2);
  });

  it('refuses input after finish', () => {
    const counter = new CsvRowCounter();
    counter.finish();
    expect(() => counter.push(bytes('x'))).toThrow(/after finish/);
  });
});

describe('CsvVerifyingStream', () => {
  const run = async (chunks: Buffer[], expectations: StreamExpectations = {}) => {
    const verifier = new CsvVerifyingStream(expectations);
    const out: Buffer[] = [];
    let ended = false;
    verifier.on('data', (c: Buffer) => out.push(c));
    verifier.on('end', () => (ended = true));
    const error = await pipeline(Readable.from(chunks), verifier).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { verifier, error, ended, passed: Buffer.concat(out) };
  };

  it('passes bytes through unchanged and reports bytes, rows and SHA-256', async () => {
    const body = bytes('a,b\n"x\ny",1\n2,3\n');
    const { verifier, error, ended, passed } = await run([body.subarray(0, 7), body.subarray(7, 8), body.subarray(8)], {
      expectedBytes: body.length,
      expectedDataRows: 2,
    });
    expect(error).toBeUndefined();
    expect(ended).toBe(true);
    expect(passed.equals(body)).toBe(true);
    expect(verifier.result()).toMatchObject({ bytes: body.length, dataRows: 2, records: 3, unterminatedQuote: false });
    expect(verifier.result().sha256).toBe(createHash('sha256').update(body).digest('hex'));
  });

  it('hashes an empty body', async () => {
    const { verifier, error } = await run([], { expectedBytes: 0, expectedDataRows: 0 });
    expect(error).toBeUndefined();
    expect(verifier.result()).toMatchObject({ bytes: 0, dataRows: 0, sha256: createHash('sha256').digest('hex') });
  });

  it('fails with ContentLengthMismatch as soon as more bytes arrive than announced', async () => {
    const { error, passed } = await run([bytes('a,b\n'), bytes('1,2\n')], { expectedBytes: 5 });
    expect(error).toMatchObject({ name: ERROR_NAMES.contentLength });
    expect(passed.toString()).toBe('a,b\n'); // the surplus chunk never went downstream
  });

  // Each verdict must arrive as an error INSTEAD of 'end': the upload reading the stream
  // completes the object only after 'end'.
  it.each<[string, string[], StreamExpectations, string, RegExp]>([
    ['too few bytes', ['a,b\n', '1,2\n'], { expectedBytes: 10, expectedDataRows: 1 }, ERROR_NAMES.truncated, /ended after 8 of 10 bytes/],
    [
      'another row count',
      ['a,b\n1,2\n3,4\n'],
      { expectedDataRows: 3, subject: 'Job 7' },
      ERROR_NAMES.rowCount,
      /^Job 7: LinkedIn reported 3 data rows, the file has 2 /,
    ],
    ['a file ending inside quotes', ['a,b\n1,"x\n'], { expectedDataRows: 1 }, ERROR_NAMES.malformedCsv, /ends inside a quoted field/],
    [
      'a ragged last record',
      ['a,b,c\n1,2,3\n4,5'],
      { expectedDataRows: 2 },
      ERROR_NAMES.malformedCsv,
      /record 3 has 2 field\(s\), the header has 3/,
    ],
  ])('fails at the end, never ending cleanly, on %s', async (_name, chunks, expectations, name, message) => {
    const { verifier, error, ended } = await run(chunks.map(bytes), expectations);
    expect(error).toMatchObject({ name });
    expect((error as Error).message).toMatch(message);
    expect(ended).toBe(false);
    expect(verifier.result().bytes).toBe(chunks.join('').length);
  });

  it('reports a short body as a ShortBodyError carrying both counts', async () => {
    const { error } = await run([bytes('a\n')], { expectedBytes: 5, describe: 'The download for job 9' });
    expect(error).toBeInstanceOf(ShortBodyError);
    expect(error).toMatchObject({ received: 2, expected: 5, message: 'The download for job 9 ended after 2 of 5 bytes' });
  });

  it('checks bytes before rows, and rows before shape', () => {
    const tally = { ...countCsvDataRows(bytes('a,b\n1,"x')), bytes: 8, sha256: '' };
    expect(verdictOf(tally, { expectedBytes: 9, expectedDataRows: 5 })).toBeInstanceOf(ShortBodyError);
    expect(verdictOf(tally, { expectedBytes: 8, expectedDataRows: 5 })?.name).toBe(ERROR_NAMES.rowCount);
    expect(verdictOf(tally, { expectedBytes: 8, expectedDataRows: 1 })?.name).toBe(ERROR_NAMES.malformedCsv);
    expect(verdictOf({ ...tally, unterminatedQuote: false }, {})).toBeUndefined();
  });

  it('has no result before its input ended', () => {
    expect(() => new CsvVerifyingStream().result()).toThrow(/before the input ended/);
  });
});

describe("CsvRowCounter: an unterminated last record must be whole (header's field count)", () => {
  const byteByByte = (text: string): CsvRowTally => {
    const counter = new CsvRowCounter();
    for (const byte of Buffer.from(text)) counter.push(Uint8Array.of(byte));
    return counter.finish();
  };

  it.each([
    ['whole, no trailing newline', 'a,b,c\n1,"x,y",3\n4,"multi\nline",6', undefined],
    ['whole, with a trailing newline', 'a,b,c\n1,2,3\n', undefined],
    ['whole, empty last field', 'a,b,c\n1,2,', undefined],
    ['whole, quoted header with a comma', '"a,1",b\r\n1,2', undefined],
    ['cut before its last field', 'a,b,c\n1,2,3\n4,5', { record: 3, fields: 2, expected: 3 }],
    ['cut after a quoted field with commas', 'a,b,c\n1,2,3\n4,"x,y"', { record: 3, fields: 2, expected: 3 }],
    ['header only, cut', 'a,b,c', undefined],
  ])('%s', (_name, text, ragged) => {
    for (const tally of [countCsvDataRows(Buffer.from(text)), byteByByte(text)]) {
      expect(tally.ragged).toEqual(ragged);
    }
  });

  it('measures a last record that spans many chunks', () => {
    const long = 'x'.repeat(5000);
    const text = `a,b,c\n1,2,3\n${long},${long}`;
    const counter = new CsvRowCounter();
    const bytes = Buffer.from(text);
    for (let at = 0; at < bytes.length; at += 777) counter.push(bytes.subarray(at, at + 777));
    expect(counter.finish().ragged).toEqual({ record: 3, fields: 2, expected: 3 });
  });
});

describe('a final line break, required: a Content-Length shorter than the file is caught wherever it cuts', () => {
  /** The seat export's shape: the last field is a number, so a cut inside it keeps every field. */
  const file = 'seatId,seatHolderName,totalLeadsSaved\n1,"Doe, John",26341\n2,"Line\nBreak",1990\n';

  it.each([
    ['an LF file', 'a,b\n1,2\n', false],
    ['a CR LF file', 'a,b\r\n1,2\r\n', false],
    ['a header-only file', 'a,b\n', false],
    ['an empty body (no rows to lose)', '', false],
    ['a file whose last record has no line break', 'a,b\n1,2', true],
    ['half a CR LF', 'a,b\r\n1,2\r', true],
    ['a file ending inside quotes, after a quoted LF', 'a,b\n1,"x\n', true],
    ['a file ending on a closing quote', 'a,b\n1,"x"', true],
  ])('%s', (_name, text, missing) => {
    expect(countCsvDataRows(bytes(text)).missingFinalLineBreak).toBe(missing);
    expect(byteAtATime(bytes(text)).missingFinalLineBreak).toBe(missing);
  });

  it('every cut of the last line (what too-small Content-Lengths deliver) fails as TruncatedDownload', () => {
    const body = bytes(file);
    const lastLineStart = body.lastIndexOf(0x0a, body.length - 2) + 1;
    for (let cut = 1; body.length - cut > lastLineStart; cut++) {
      const short = body.subarray(0, body.length - cut);
      const tally = { ...countCsvDataRows(short), bytes: short.length, sha256: '' };
      const wanted = { expectedBytes: short.length, expectedDataRows: 2, requireFinalLineBreak: true, describe: 'The download for job 5' };
      const verdict = verdictOf(tally, wanted);
      expect({ cut, name: verdict?.name }).toEqual({ cut, name: ERROR_NAMES.truncated });
      expect(verdict).toBeInstanceOf(MissingFinalLineBreakError);
      // Without the requirement, cuts inside the last (numeric, unquoted) field pass: the gap it closes.
      if (cut <= 4) expect(verdictOf(tally, { ...wanted, requireFinalLineBreak: false })).toBeUndefined();
    }
  });

  it('a cut right after a line break loses whole rows, which the row count names first', () => {
    const body = bytes(file);
    const short = body.subarray(0, body.indexOf(0x0a, body.indexOf(0x0a) + 1) + 1);
    const tally = { ...countCsvDataRows(short), bytes: short.length, sha256: '' };
    expect(tally.missingFinalLineBreak).toBe(false);
    expect(verdictOf(tally, { expectedDataRows: 2, requireFinalLineBreak: true })?.name).toBe(ERROR_NAMES.rowCount);
  });

  it('fails the stream instead of ending it, naming the cause and the switch', async () => {
    const verifier = new CsvVerifyingStream({
      expectedBytes: 10,
      expectedDataRows: 1,
      requireFinalLineBreak: true,
      describe: 'The download for job 3',
    });
    let ended = false;
    verifier.on('end', () => (ended = true));
    verifier.resume();
    const error = await pipeline(Readable.from([bytes('a,b\n'), bytes('12,199')]), verifier).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ name: ERROR_NAMES.truncated, received: 10 });
    expect((error as Error).message).toMatch(
      /^The download for job 3 ended after 10 bytes, as its Content-Length announced, but without a line break/,
    );
    expect((error as Error).message).toMatch(/REQUIRE_FINAL_LINE_BREAK/);
    expect(ended).toBe(false);
  });

  it('is checked after bytes and rows, and before the shape (a cut, not a malformed file)', () => {
    const tally = { ...countCsvDataRows(bytes('a,b,c\n1,2,3\n4,5')), bytes: 16, sha256: '' };
    expect(verdictOf(tally, { expectedBytes: 17, requireFinalLineBreak: true })).toBeInstanceOf(ShortBodyError);
    expect(verdictOf(tally, { expectedDataRows: 1, requireFinalLineBreak: true })?.name).toBe(ERROR_NAMES.rowCount);
    expect(verdictOf(tally, { expectedDataRows: 2, requireFinalLineBreak: true })).toBeInstanceOf(MissingFinalLineBreakError);
    expect(verdictOf(tally, { expectedDataRows: 2 })?.name).toBe(ERROR_NAMES.malformedCsv);
  });
});
