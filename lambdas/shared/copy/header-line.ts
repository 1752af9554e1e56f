/**
 * Reads a download's header record before anything is published, so the schema-drift guard
 * (schema-drift.ts) can decide where the file goes, and hands back a stream that replays every
 * byte read: what flows downstream is the whole body, from its first byte, so the byte count, the
 * row count and the SHA-256 the copy verifies stay those of LinkedIn's file.
 *
 * The header is the first record, with the RFC 4180 rules of csv-rows.ts: it ends at an LF (or CR
 * LF) outside quotes; a field that starts with `"` is quoted and may hold commas, line breaks and
 * `""`; a `"` elsewhere is an ordinary character; lines with nothing on them before it are not
 * records; a UTF-8 byte order mark at the very start is not part of the first name. At most
 * {@link MAX_HEADER_BYTES} are read looking for its end: a file whose first record is longer is no
 * CSV this product knows (`MalformedCsv`).
 */
import { Readable } from 'node:stream';
import { ERROR_NAMES, NamedError } from '../contract/error-names';

/** Bytes read at most to find the end of the header record (blank lines and a BOM before it included). */
export const MAX_HEADER_BYTES = 64 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export interface HeaderLine {
  /**
   * The header's names, exactly as in the file (a quoted name unquoted, `""` read as `"`), in
   * file order. Empty for an empty body.
   */
  names: string[];
  /** The body starts with a UTF-8 byte order mark. */
  bom: boolean;
  /** Bytes from the body's start to the end of the header record, its line terminator included. */
  headerBytes: number;
  /** The header record ends with a line terminator (false: the body ended first, or is empty). */
  terminated: boolean;
  /** Every byte of the body, from the first: those read here, then the rest as it arrives. */
  body: Readable;
}

export interface ReadHeaderOptions {
  /** @default MAX_HEADER_BYTES */
  maxBytes?: number;
  /** The file in messages, e.g. `Job 42`. @default 'The file' */
  subject?: string;
}

/** Where the scan stands, kept across chunks. */
interface ScanState {
  /** Bytes scanned so far (absolute offset of the next byte). */
  offset: number;
  inQuotes: boolean;
  /** A `"` inside a quoted field was the last byte: `""` or the field's end, decided by the next byte. */
  quoteInQuoted: boolean;
  /** The previous byte ended a field or a line (or there was none): a `"` here opens a quoted field. */
  atFieldStart: boolean;
  /** The current line has a byte other than CR. */
  lineHasContent: boolean;
  /** Absolute offset where the current line (the header, once it has content) starts. */
  lineStart: number;
  /** Leading bytes that matched the UTF-8 byte order mark so far. */
  bomMatched: number;
}

/**
 * Scans `chunk` (which starts at `state.offset`) for the LF that ends the header record.
 * @returns the index in `chunk` of that LF, or -1 when it is not in this chunk
 */
const scan = (state: ScanState, chunk: Uint8Array): number => {
  for (let i = 0; i < chunk.length; i++) {
    const byte = chunk[i]!;
    const at = state.offset + i;
    if (state.quoteInQuoted) {
      state.quoteInQuoted = false;
      if (byte === QUOTE) continue; // `""`: an escaped quote
      state.inQuotes = false;
    }
    if (state.inQuotes) {
      if (byte === QUOTE) state.quoteInQuoted = true;
      continue;
    }
    if (byte === LF) {
      if (state.lineHasContent) return i;
      // A blank line (nothing, or a lone CR) is not a record: the header starts after it.
      state.lineStart = at + 1;
      state.atFieldStart = true;
      continue;
    }
    if (at < UTF8_BOM.length && state.bomMatched === at) {
      if (byte === UTF8_BOM[at]) {
        // Part of a leading byte order mark: neither content nor a field's first byte.
        state.bomMatched += 1;
        state.lineStart = at + 1;
        continue;
      }
      if (at > 0) {
        // Not a BOM after all: its first bytes were the start of the first name.
        state.lineStart = 0;
        state.lineHasContent = true;
        state.atFieldStart = false;
      }
    }
    if (byte !== CR) state.lineHasContent = true;
    if (byte === QUOTE && state.atFieldStart) state.inQuotes = true;
    state.atFieldStart = byte === COMMA;
  }
  return -1;
};

/** The fields of one record's text (its line terminator excluded), RFC 4180 as csv-rows.ts reads it. */
export const parseHeaderRecord = (text: string): string[] => {
  const names: string[] = [];
  let name = '';
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char !== '"') name += char;
      else if (text[i + 1] === '"') {
        name += '"';
        i++;
      } else quoted = false;
      continue;
    }
    if (char === ',') {
      names.push(name);
      name = '';
      fieldStart = true;
      continue;
    }
    if (char === '"' && fieldStart) quoted = true;
    else name += char;
    fieldStart = false;
  }
  names.push(name);
  return names;
};

const toBuffer = (chunk: unknown): Buffer =>
  Buffer.isBuffer(chunk)
    ? chunk
    : chunk instanceof Uint8Array
      ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : Buffer.from(String(chunk));

/**
 * Reads `source` up to the end of its header record and returns the header's names and a stream
 * of the whole body. The returned `body` must be consumed (or destroyed, which destroys `source`);
 * an error of `source` after the header surfaces as an error of `body`.
 * @throws NamedError `MalformedCsv` (with `source` destroyed) when no header record ends within
 *   `maxBytes`, or the body ends inside a quoted header field; and whatever `source` fails with
 *   while the header is read (a dropped connection, an abort)
 */
export const readHeaderLine = async (source: Readable, options: ReadHeaderOptions = {}): Promise<HeaderLine> => {
  const maxBytes = options.maxBytes ?? MAX_HEADER_BYTES;
  const subject = options.subject ?? 'The file';
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  const read: Buffer[] = [];
  const state: ScanState = {
    offset: 0,
    inQuotes: false,
    quoteInQuoted: false,
    atFieldStart: true,
    lineHasContent: false,
    lineStart: 0,
    bomMatched: 0,
  };
  let end = -1; // absolute offset of the LF ending the header, or -1
  let ended = false;

  const fail = async (message: string): Promise<never> => {
    await iterator.return?.();
    source.destroy();
    throw new NamedError(ERROR_NAMES.malformedCsv, `${subject}: ${message}`);
  };

  while (end === -1) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    const chunk = toBuffer(next.value);
    if (chunk.length === 0) continue;
    read.push(chunk);
    const lf = scan(state, chunk);
    if (lf !== -1) end = state.offset + lf;
    state.offset += chunk.length;
    if (end === -1 ? state.offset > maxBytes : end + 1 > maxBytes) {
      await fail(
        `no end of the header record within the first ${maxBytes} bytes: not a CSV file this product reads` +
          `${state.inQuotes ? ' (a quoted header field is still open)' : ''}`,
      );
    }
  }
  if (ended && state.inQuotes && !state.quoteInQuoted) await fail('the file ends inside a quoted field of its header record');

  const all = Buffer.concat(read);
  const bom = state.bomMatched === UTF8_BOM.length;
  const headerBytes = end === -1 ? all.length : end + 1;
  let record = all.subarray(state.lineStart, end === -1 ? all.length : end);
  if (record.length > 0 && record[record.length - 1] === CR) record = record.subarray(0, record.length - 1);
  const names = state.lineHasContent ? parseHeaderRecord(record.toString('utf8')) : [];

  let done = ended;
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* read.splice(0);
      while (!done) {
        const next = await iterator.next();
        if (next.done) done = true;
        else yield toBuffer(next.value);
      }
    } finally {
      // Stopped early (the consumer destroyed `body`): stop reading the source too.
      if (!done) await iterator.return?.();
    }
  }

  const body = Readable.from(replay(), { objectMode: false });
  // Destroyed early: stop the source now, not once its next chunk arrives.
  body.once('close', () => {
    if (!done) source.destroy();
  });
  return { names, bom, headerBytes, terminated: end !== -1, body };
};
