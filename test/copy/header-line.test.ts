/**
 * Reading a download's header before anything is published (lambdas/shared/copy/header-line.ts):
 * the names wherever the chunks break, and a body stream that replays every byte, so the copy's
 * byte count and SHA-256 are the whole file's.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { CsvVerifyingStream } from '../../lambdas/shared/copy/csv-rows';
import { MAX_HEADER_BYTES, parseHeaderRecord, readHeaderLine } from '../../lambdas/shared/copy/header-line';
import { csvChunks } from '../../local/simulator/csv-stream';
import { rejectionOf } from '../helpers/rejection';

/** A body delivered in chunks of `size` bytes (the last one shorter). */
const chunked = (bytes: Buffer, size: number): Readable => {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return Readable.from(chunks, { objectMode: false });
};

const collect = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

const FILE = Buffer.from(
  'activityId,"activity, Type","say ""hi""","multi\r\nline",createdAt\r\n' +
    'a1,SAVED_LEAD,x,y,11-30-2026 10:00:00\r\na2,"q,""r""",x,y,11-30-2026 10:00:01\r\n',
);
const NAMES = ['activityId', 'activity, Type', 'say "hi"', 'multi\r\nline', 'createdAt'];
const HEADER_BYTES = FILE.indexOf('\r\na1') + 2;

describe('readHeaderLine', () => {
  it.each([1, 2, 3, 7, 16, 64, 1024])('reads quoted names and replays every byte with chunks of %i bytes', async (size) => {
    const header = await readHeaderLine(chunked(FILE, size));
    expect(header).toMatchObject({ names: NAMES, bom: false, headerBytes: HEADER_BYTES, terminated: true });
    const replayed = await collect(header.body);
    expect(replayed.equals(FILE)).toBe(true);
    expect(createHash('sha256').update(replayed).digest('hex')).toBe(createHash('sha256').update(FILE).digest('hex'));
  });

  it("hands the copy's verifier the whole file: the same bytes, rows and SHA-256 as without it", async () => {
    const spec = {
      contract: 'urn:li:contract:123456',
      exportType: 'seat' as const,
      startAt: Date.UTC(2026, 0, 1),
      endAt: Date.UTC(2026, 0, 3),
      seed: 1,
      rows: 500,
      quirks: true,
      lineEnding: '\r\n' as const,
      headerChange: { append: 'seat, "region"' },
    };
    const file = Buffer.concat([...csvChunks(spec, 1000)]);
    const verify = async (body: Readable) => {
      const verifier = new CsvVerifyingStream({ expectedBytes: file.length, expectedDataRows: 500, requireFinalLineBreak: true });
      await collect(body.pipe(verifier));
      return verifier.result();
    };
    const header = await readHeaderLine(chunked(file, 97));
    expect(header.names).toEqual([...columnNames('seat'), 'seat, "region"']);
    expect(await verify(header.body)).toEqual(await verify(chunked(file, 97)));
  });

  it('reads a header ended by LF alone', async () => {
    const header = await readHeaderLine(chunked(Buffer.from('seatId,seatHolderName\n1,Jane\n'), 5));
    expect(header).toMatchObject({ names: ['seatId', 'seatHolderName'], headerBytes: 22, terminated: true });
  });

  it('leaves a UTF-8 byte order mark out of the first name, and replays it', async () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('"seat Id",名前\n1,李雷\n')]);
    for (const size of [1, 2, 4, 100]) {
      const header = await readHeaderLine(chunked(file, size));
      expect(header).toMatchObject({ names: ['seat Id', '名前'], bom: true, headerBytes: file.indexOf('\n') + 1 });
      expect((await collect(header.body)).equals(file)).toBe(true);
    }
  });

  it('keeps bytes that only start like a byte order mark in the first name', async () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from('x,y\n')]);
    const header = await readHeaderLine(chunked(file, 1));
    expect(header.bom).toBe(false);
    expect(Buffer.from(header.names[0]!, 'utf8').length).toBeGreaterThan(1);
    expect(header.names[1]).toBe('y');
  });

  it('gives no names for an empty body, and an empty replay', async () => {
    const header = await readHeaderLine(Readable.from([], { objectMode: false }));
    expect(header).toMatchObject({ names: [], bom: false, headerBytes: 0, terminated: false });
    expect((await collect(header.body)).length).toBe(0);
  });

  it('reads a header-only file without a final line break', async () => {
    const header = await readHeaderLine(chunked(Buffer.from('a,"b"'), 2));
    expect(header).toMatchObject({ names: ['a', 'b'], headerBytes: 5, terminated: false });
    expect((await collect(header.body)).toString()).toBe('a,"b"');
  });

  it('skips blank lines before the header, as the row counter does', async () => {
    const file = Buffer.from('\r\n\na,b\n1,2\n');
    const header = await readHeaderLine(chunked(file, 3));
    expect(header).toMatchObject({ names: ['a', 'b'], headerBytes: 7 });
    expect((await collect(header.body)).equals(file)).toBe(true);
  });

  it('reads the fields csv-rows.ts reads: a quote inside an unquoted field is a character, empty names stay', () => {
    expect(parseHeaderRecord('a"b,,"c""d",')).toEqual(['a"b', '', 'c"d', '']);
  });

  it('fails MalformedCsv and destroys the source when no header record ends within the cap', async () => {
    const source = chunked(Buffer.alloc(MAX_HEADER_BYTES + 10, 'a'), 4096);
    const error = await rejectionOf(readHeaderLine(source));
    expect(error).toBeInstanceOf(NamedError);
    expect(error).toMatchObject({ name: ERROR_NAMES.malformedCsv });
    expect((error as Error).message).toContain(`within the first ${MAX_HEADER_BYTES} bytes`);
    expect(source.destroyed).toBe(true);
  });

  it('counts a quoted line break against the cap, and says the quote is open', async () => {
    const error = await rejectionOf(readHeaderLine(chunked(Buffer.from('a,"b\nc\nd\ne'), 2), { maxBytes: 8, subject: 'Job 7' }));
    expect((error as Error).message).toMatch(
      /^Job 7: no end of the header record within the first 8 bytes.*quoted header field is still open/,
    );
  });

  it('takes a header that ends exactly at the cap', async () => {
    const header = await readHeaderLine(chunked(Buffer.from('abc,de\nrow'), 3), { maxBytes: 7 });
    expect(header.names).toEqual(['abc', 'de']);
    await collect(header.body);
  });

  it('fails MalformedCsv when the body ends inside a quoted header field', async () => {
    const error = await rejectionOf(readHeaderLine(chunked(Buffer.from('a,"b'), 2)));
    expect(error).toMatchObject({ name: ERROR_NAMES.malformedCsv });
  });

  it("rejects with the source's own error while the header is read", async () => {
    const source = new PassThrough();
    const reading = readHeaderLine(source);
    source.write('a,b');
    const dropped = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    source.destroy(dropped);
    expect(await rejectionOf(reading)).toBe(dropped);
  });

  it("passes the source's later error on through the replayed body", async () => {
    const source = new PassThrough();
    source.write('a,b\n1,2\n');
    const header = await readHeaderLine(source);
    const dropped = new Error('connection lost');
    setImmediate(() => source.destroy(dropped));
    expect(await rejectionOf(collect(header.body))).toBe(dropped);
  });

  it('destroys the source when the replayed body is destroyed', async () => {
    const source = new PassThrough();
    source.write('a,b\n1,2\n');
    const header = await readHeaderLine(source);
    header.body.destroy();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.destroyed).toBe(true);
  });
});
