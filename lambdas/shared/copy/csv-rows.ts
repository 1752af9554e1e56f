/**
 * Counts the data rows of a CSV as it streams past, and hashes and measures the same bytes,
 * without ever decoding text: the copy sees every byte of files up to 3 GB, so the scan works
 * on raw Buffers with `indexOf` (memchr) and only looks at individual bytes around quotes.
 *
 * What counts as a row (RFC 4180, with the choices LinkedIn's undocumented format forces):
 * - ASSUMPTION: the first record is a header and is NOT a data row. `rowCount` from LinkedIn is
 *   compared with data rows, so a header-only file has 0 data rows and an empty body has 0.
 *   (docs/linkedin-api.md §10.4: a header line is probable, not documented.)
 * - Records end at LF or CR LF outside quotes. The last record may or may not end with one.
 * - A field that starts with `"` is quoted: it may hold commas, CR, LF, and `""` for a quote.
 *   A `"` anywhere else in an unquoted field is an ordinary character (lenient, as most
 *   parsers are), so one stray quote cannot swallow the rest of the file.
 * - A line with nothing on it (only a terminator, e.g. a trailing blank line) is not a record.
 *   LinkedIn's exports have several columns, so a real record is never empty.
 * - A UTF-8 byte order mark at the very start is ignored when deciding where a field starts.
 * - A file that does not end with a line terminator must end with a whole record: its last
 *   record needs the header's number of fields. A body cut inside its last record (e.g. by a
 *   too-small Content-Length, which `fetch` honours silently) keeps the right row count, so
 *   only its shape gives it away. Only the header and that last record are measured: counting
 *   every record's fields would halve the scan speed, and truncation only ever hits the end.
 *   (A cut inside the last *unquoted* field keeps the shape and cannot be told from the data.)
 * - ASSUMPTION, on by default in the copy (`requireFinalLineBreak`, REQUIRE_FINAL_LINE_BREAK): a
 *   non-empty file ends with a line terminator after its last record. RFC 4180 allows either, and
 *   LinkedIn's line endings are undocumented (docs/linkedin-api.md §10.4); common CSV writers and
 *   the simulator end every record with one. It closes the gap above: a body cut short by a
 *   too-small Content-Length ends without its final LF wherever the cut falls, and a cut right
 *   after an LF loses whole rows, which the row count catches. It reads one flag once the stream
 *   has ended, so it costs nothing per byte. A deployment whose files lack the final LF turns it
 *   off and is back to the shape check alone. An empty body passes: it has no rows to lose.
 *
 * Pure: no AWS, no I/O. Bytes are compared, never decoded, so any ASCII-compatible encoding works.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ERROR_NAMES, NamedError } from '../contract/error-names';

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;

/** The counter's verdict once the stream has ended. */
export interface CsvRowTally {
  /** Records, the header included. */
  records: number;
  /** Records after the header: what LinkedIn's `rowCount` counts. */
  dataRows: number;
  /** The input ended inside a quoted field: the file is malformed (or cut short). */
  unterminatedQuote: boolean;
  /** The unterminated last record has a different field count than the header (cut short). */
  ragged?: { record: number; fields: number; expected: number };
  /**
   * The input is not empty and its last byte is not an LF outside quotes: the last record has
   * no line terminator (or the file ends inside quotes, or with half a CR LF).
   */
  missingFinalLineBreak: boolean;
}

/** Records longer than this are not kept for the last-record check (a pathological file). */
const MAX_KEPT_RECORD_BYTES = 1024 * 1024;

/**
 * Incremental, CSV-aware record counter. Feed it chunks in order with {@link push}, then call
 * {@link finish}. Chunk boundaries may fall anywhere, even between the two quotes of `""` or
 * between CR and LF.
 */
export class CsvRowCounter {
  private records = 0;
  private inQuotes = false;
  /** A `"` closed the chunk while quoted: the next byte says whether it was `""` or the close. */
  private quotePending = false;
  /** The current record has at least one byte that is not a line terminator. */
  private recordHasContent = false;
  /** The byte before the current chunk (-1 at the start of the stream). */
  private previousByte = -1;
  /** Bytes seen so far, only needed to recognise a leading byte order mark. */
  private offset = 0;
  private bomMatched = 0;
  private finished = false;
  /** Where the current record starts in the chunk being scanned (-1: in an earlier chunk). */
  private recordStart = 0;
  /** Bytes of the header record, then of the record in progress at the end of the last chunk. */
  private header: Buffer | undefined;
  private tail: Buffer | undefined = Buffer.alloc(0);
  private ragged: CsvRowTally['ragged'];

  /** Scans one chunk. */
  push(chunk: Uint8Array): void {
    if (this.finished) throw new Error('CsvRowCounter: push after finish');
    const n = chunk.length;
    if (n === 0) return;
    this.trackBom(chunk);
    let i = 0;
    if (this.quotePending) {
      this.quotePending = false;
      if (chunk[0] === QUOTE)
        i = 1; // `""`: an escaped quote, still inside the field
      else this.inQuotes = false;
    }
    while (i < n) {
      i = this.inQuotes ? this.scanQuoted(chunk, i) : this.scanUnquoted(chunk, i);
    }
    this.keepTail(chunk);
    this.previousByte = chunk[n - 1]!;
    this.offset += n;
  }

  /** Keeps a copy of the record still in progress (once per chunk, never per row). */
  private keepTail(chunk: Uint8Array): void {
    const piece = this.recordStart === -1 ? chunk : chunk.subarray(this.recordStart);
    if (this.tail !== undefined) {
      this.tail =
        this.recordStart === -1 && this.tail.length + piece.length <= MAX_KEPT_RECORD_BYTES
          ? Buffer.concat([this.tail, piece])
          : this.recordStart === -1
            ? undefined // too long to keep: the shape check is skipped for it
            : Buffer.from(piece);
    } else if (this.recordStart !== -1) {
      this.tail = Buffer.from(piece);
    }
    this.recordStart = -1;
  }

  /** A record ended at `lf` in `chunk`; the first one (the header) is kept for its shape. */
  private endRecord(chunk: Uint8Array, lf: number): void {
    if (this.records === 0) {
      const start = this.recordStart === -1 ? chunk.subarray(0, lf) : chunk.subarray(this.recordStart, lf);
      this.header = Buffer.concat([this.recordStart === -1 ? (this.tail ?? Buffer.alloc(0)) : Buffer.alloc(0), start]);
    }
    this.records += 1;
  }

  /** Ends the stream and returns the tally. */
  finish(): CsvRowTally {
    if (!this.finished) {
      this.finished = true;
      if (this.quotePending) this.inQuotes = false; // a closing quote at the very end
      if (this.recordHasContent) {
        // The last record has no terminator: it must still be whole (same shape as the header).
        if (this.records > 0 && !this.inQuotes && this.header && this.tail) {
          const expected = countFields(this.header);
          const fields = countFields(this.tail);
          if (fields !== expected) this.ragged = { record: this.records + 1, fields, expected };
        }
        this.records += 1;
      }
    }
    return {
      records: this.records,
      dataRows: Math.max(0, this.records - 1),
      unterminatedQuote: this.inQuotes,
      ...(this.ragged && { ragged: this.ragged }),
      missingFinalLineBreak: this.offset > 0 && (this.inQuotes || this.previousByte !== LF),
    };
  }

  /** Inside a quoted field: only a quote can change state; newlines are data. */
  private scanQuoted(chunk: Uint8Array, from: number): number {
    const q = chunk.indexOf(QUOTE, from);
    if (q === -1) return chunk.length;
    if (q + 1 === chunk.length) {
      this.quotePending = true;
      return chunk.length;
    }
    if (chunk[q + 1] === QUOTE) return q + 2;
    this.inQuotes = false;
    return q + 1;
  }

  /**
   * Outside quotes: count terminators up to the next quote with memchr-speed `indexOf`, then
   * decide whether that quote opens a quoted field.
   */
  private scanUnquoted(chunk: Uint8Array, from: number): number {
    const q = chunk.indexOf(QUOTE, from);
    const end = q === -1 ? chunk.length : q;
    let lineStart = from;
    for (let lf = chunk.indexOf(LF, lineStart); lf !== -1 && lf < end; lf = chunk.indexOf(LF, lineStart)) {
      if (this.recordHasContent || hasContent(chunk, lineStart, lf)) this.endRecord(chunk, lf);
      this.recordHasContent = false;
      lineStart = lf + 1;
      this.recordStart = lineStart;
    }
    if (hasContent(chunk, lineStart, end)) this.recordHasContent = true;
    if (q === -1) return chunk.length;

    this.recordHasContent = true;
    const before = q > 0 ? chunk[q - 1]! : this.previousByte;
    if (this.isFieldStart(before, q)) this.inQuotes = true;
    return q + 1;
  }

  /** A quote opens a quoted field only as the first byte of a field. */
  private isFieldStart(before: number, indexInChunk: number): boolean {
    if (before === -1 || before === COMMA || before === LF) return true;
    // `"` right after a leading byte order mark is the first field of the file.
    return this.bomMatched === UTF8_BOM.length && this.offset + indexInChunk === UTF8_BOM.length;
  }

  private trackBom(chunk: Uint8Array): void {
    for (let j = 0; this.offset + j < UTF8_BOM.length && j < chunk.length; j++) {
      if (this.bomMatched !== this.offset + j || chunk[j] !== UTF8_BOM[this.offset + j]) return;
      this.bomMatched += 1;
    }
  }
}

/** True when `chunk[from, to)` holds a byte other than CR (a CR alone is half a terminator). */
const hasContent = (chunk: Uint8Array, from: number, to: number): boolean => {
  for (let j = from; j < to; j++) if (chunk[j] !== CR) return true;
  return false;
};

/** Fields of one whole record (quote-aware; a trailing CR is not part of the last field). */
const countFields = (record: Uint8Array): number => {
  let fields = 1;
  let quoted = false;
  for (let j = 0; j < record.length; j++) {
    const byte = record[j];
    if (byte === QUOTE)
      quoted = !quoted; // `""` toggles twice: still inside
    else if (byte === COMMA && !quoted) fields += 1;
  }
  return fields;
};

/** Counts the data rows of a whole CSV held in memory (tests, small files). */
export const countCsvDataRows = (body: Uint8Array): CsvRowTally => {
  const counter = new CsvRowCounter();
  counter.push(body);
  return counter.finish();
};

/** What {@link CsvVerifyingStream} measured once its input ended. */
export interface StreamTally extends CsvRowTally {
  bytes: number;
  /** Hex SHA-256 of every byte that passed. */
  sha256: string;
}

/** What the file must be; each check is skipped when its expectation is absent. */
export interface StreamExpectations {
  /** Exactly this many bytes (the download's Content-Length): more fail at once, fewer at the end. */
  expectedBytes?: number;
  /** Exactly this many data rows, the header excluded (LinkedIn's rowCount). */
  expectedDataRows?: number;
  /**
   * A non-empty file must end with a line terminator (ASSUMPTION about LinkedIn's files, see the
   * module comment): without it, a Content-Length shorter than the file goes unnoticed whenever
   * the cut falls inside the last unquoted field. @default false
   */
  requireFinalLineBreak?: boolean;
  /** The download in byte messages, e.g. `The download for job 42`. @default 'The download' */
  describe?: string;
  /** The file in content messages, e.g. `Job 42`. @default 'The file' */
  subject?: string;
}

/**
 * The body ended before the announced number of bytes: a dropped connection that looked like a
 * clean end. Named `TruncatedDownload`; a caller may retry the download.
 */
export class ShortBodyError extends NamedError {
  constructor(
    readonly received: number,
    readonly expected: number,
    describe: string,
  ) {
    super(ERROR_NAMES.truncated, `${describe} ended after ${received} of ${expected} bytes`);
  }
}

/**
 * The body has every byte its Content-Length announced, but stops without the line break that
 * ends every file (ASSUMPTION, `requireFinalLineBreak`): the Content-Length was smaller than the
 * file and the HTTP client stopped reading there. Named `TruncatedDownload`: the state machine
 * retries with a fresh URL. Not a {@link ShortBodyError}, which the copy retries on the same URL:
 * the same URL would announce the same length again.
 */
export class MissingFinalLineBreakError extends NamedError {
  constructor(
    readonly received: number,
    describe: string,
  ) {
    super(
      ERROR_NAMES.truncated,
      `${describe} ended after ${received} bytes, as its Content-Length announced, but without a line break after ` +
        'its last record: the file was most likely longer than announced and cut short. LinkedIn files are assumed ' +
        'to end with one (requireFinalLineBreak in cdk.json, REQUIRE_FINAL_LINE_BREAK; turn it off if they do not)',
    );
  }
}

/**
 * The verdict on a finished tally, in the order a reader would want the reason: too few bytes,
 * then the wrong number of rows, then a body that stops without its final line break (when
 * required: a cut, named `TruncatedDownload` like a short body), then a cut inside the last record.
 * @returns the error to fail the stream with, or undefined when the file is what was promised.
 */
export const verdictOf = (tally: StreamTally, wanted: StreamExpectations): NamedError | undefined => {
  const describe = wanted.describe ?? 'The download';
  const subject = wanted.subject ?? 'The file';
  if (wanted.expectedBytes !== undefined && tally.bytes < wanted.expectedBytes) {
    return new ShortBodyError(tally.bytes, wanted.expectedBytes, describe);
  }
  if (wanted.expectedDataRows !== undefined && tally.dataRows !== wanted.expectedDataRows) {
    return new NamedError(
      ERROR_NAMES.rowCount,
      `${subject}: LinkedIn reported ${wanted.expectedDataRows} data rows, the file has ${tally.dataRows} ` +
        `(CSV-aware count, header row excluded${tally.unterminatedQuote ? '; the file ends inside a quoted field' : ''})`,
    );
  }
  // The right number of rows is not enough: a body cut inside its last record (a too-small
  // Content-Length, which fetch honours silently) still counts that record.
  if (wanted.requireFinalLineBreak && tally.missingFinalLineBreak) return new MissingFinalLineBreakError(tally.bytes, describe);
  if (tally.unterminatedQuote) {
    return new NamedError(ERROR_NAMES.malformedCsv, `${subject}: the file ends inside a quoted field (cut short or corrupt)`);
  }
  if (tally.ragged) {
    const { record, fields, expected } = tally.ragged;
    return new NamedError(
      ERROR_NAMES.malformedCsv,
      `${subject}: record ${record} has ${fields} field(s), the header has ${expected} (cut short or corrupt)`,
    );
  }
  return undefined;
};

/**
 * A pass-through that counts bytes and CSV records and SHA-256-hashes the bytes as they flow
 * from the download to the upload, and verifies them BEFORE its readable side ends: the upload
 * reading it completes the object only after 'end' (s3-publish.ts), so a file that is not what
 * was promised must turn into an 'error' instead.
 *
 * - more bytes than `expectedBytes`: `ContentLengthMismatch` the moment they arrive, before the
 *   surplus is uploaded;
 * - at the end ({@link verdictOf}): fewer bytes ({@link ShortBodyError}, `TruncatedDownload`),
 *   a different data-row count (`RowCountMismatch`), no final line break when one is required
 *   ({@link MissingFinalLineBreakError}, `TruncatedDownload`), a file ending inside quotes or
 *   with a ragged unterminated last record (`MalformedCsv`).
 */
export class CsvVerifyingStream extends Transform {
  private readonly counter = new CsvRowCounter();
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private tally: StreamTally | undefined;

  constructor(private readonly expectations: StreamExpectations = {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const { expectedBytes } = this.expectations;
    if (expectedBytes !== undefined && this.bytes > expectedBytes) {
      callback(
        new NamedError(
          ERROR_NAMES.contentLength,
          `${this.expectations.describe ?? 'The download'} sent more than the ${expectedBytes} bytes its Content-Length announced`,
        ),
      );
      return;
    }
    this.counter.push(chunk);
    this.hash.update(chunk);
    callback(null, chunk);
  }

  /** Runs once the input has ended and before 'end': an error here means the reader never sees 'end'. */
  override _flush(callback: TransformCallback): void {
    this.tally = { ...this.counter.finish(), bytes: this.bytes, sha256: this.hash.digest('hex') };
    callback(verdictOf(this.tally, this.expectations) ?? null);
  }

  /** The tally, available once the input has ended (also after a failed verdict). */
  result(): StreamTally {
    if (!this.tally) throw new Error('CsvVerifyingStream: result() before the input ended');
    return this.tally;
  }

  /** Bytes seen so far (progress reporting). */
  get bytesSeen(): number {
    return this.bytes;
  }
}
