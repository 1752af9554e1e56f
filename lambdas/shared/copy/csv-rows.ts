/**
 * Counts the data rows of a CSV as it streams past, and hashes and measures the same bytes,
 * without ever decoding text: the copy sees every byte of files up to 3 GB, so the scan works
 * on raw Buffers with `indexOf` (memchr) and only looks at individual bytes around quotes.
 *
 * What counts as a row (RFC 4180, with the choices LinkedIn's undocumented format forces):
 * - ASSUMPTION: the first record is a header and is NOT a data row. `rowCount` from LinkedIn is
 *   compared with data rows, so a header-only file has 0 data rows and an empty body has 0.
 *   (reference/linkedin-api.md §10.4: "header row present (probable)".)
 * - Records end at LF or CR LF outside quotes. The last record may or may not end with one.
 * - A field that starts with `"` is quoted: it may hold commas, CR, LF, and `""` for a quote.
 *   A `"` anywhere else in an unquoted field is an ordinary character (lenient, as most
 *   parsers are), so one stray quote cannot swallow the rest of the file.
 * - A line with nothing on it (only a terminator, e.g. a trailing blank line) is not a record.
 *   LinkedIn's exports have several columns, so a real record is never empty.
 * - A UTF-8 byte order mark at the very start is ignored when deciding where a field starts.
 * - Every record must have as many fields as the header (RFC 4180 §2.4). A file cut short inside
 *   its last record — e.g. a server whose Content-Length is too small, which `fetch` honours
 *   silently — usually loses a field separator or ends inside quotes, and is caught here even
 *   when its row count still matches. (A cut inside the last *unquoted* field keeps the shape
 *   and cannot be told from the data alone.)
 *
 * Pure: no AWS, no I/O. Bytes are compared, never decoded, so any ASCII-compatible encoding works.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ERROR_NAMES, NamedError } from '../error-names';

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
  /** The first record whose field count differs from the header's (1-based, header = 1). */
  ragged?: { record: number; fields: number; expected: number };
}

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
  /** Field separators seen in the current record (outside quotes). */
  private separators = 0;
  private headerFields = 0;
  private ragged: CsvRowTally['ragged'];
  /** Next LF / comma at or after the last search in the current chunk (-1: none left). */
  private nextLf = -1;
  private nextComma = -1;
  private searchedFrom = { lf: Infinity, comma: Infinity };

  /** Scans one chunk. */
  push(chunk: Uint8Array): void {
    if (this.finished) throw new Error('CsvRowCounter: push after finish');
    const n = chunk.length;
    if (n === 0) return;
    this.trackBom(chunk);
    // New chunk: forget the cached separator positions of the previous one.
    this.searchedFrom = { lf: Infinity, comma: Infinity };
    let i = 0;
    if (this.quotePending) {
      this.quotePending = false;
      if (chunk[0] === QUOTE) i = 1; // `""`: an escaped quote, still inside the field
      else this.inQuotes = false;
    }
    while (i < n) {
      i = this.inQuotes ? this.scanQuoted(chunk, i) : this.scanUnquoted(chunk, i);
    }
    this.previousByte = chunk[n - 1]!;
    this.offset += n;
  }

  /** Ends the stream and returns the tally. */
  finish(): CsvRowTally {
    if (!this.finished) {
      this.finished = true;
      if (this.quotePending) this.inQuotes = false; // a closing quote at the very end
      if (this.recordHasContent) this.endRecord(); // last record without a terminator
    }
    return {
      records: this.records,
      dataRows: Math.max(0, this.records - 1),
      unterminatedQuote: this.inQuotes,
      ...(this.ragged && { ragged: this.ragged }),
    };
  }

  private endRecord(): void {
    const fields = this.separators + 1;
    if (this.records === 0) this.headerFields = fields;
    else if (fields !== this.headerFields && !this.ragged) {
      this.ragged = { record: this.records + 1, fields, expected: this.headerFields };
    }
    this.records += 1;
    this.separators = 0;
  }

  /**
   * Position of the next `byte` at or after `from`, remembering the answer for this chunk so a
   * file with few commas (or many quoted fields) is still scanned once, not once per field.
   */
  private next(chunk: Uint8Array, byte: typeof LF | typeof COMMA, from: number): number {
    const kind = byte === LF ? 'lf' : 'comma';
    const cached = kind === 'lf' ? this.nextLf : this.nextComma;
    if (from >= this.searchedFrom[kind] && (cached === -1 || cached >= from)) return cached;
    const found = chunk.indexOf(byte, from);
    this.searchedFrom[kind] = from;
    if (kind === 'lf') this.nextLf = found;
    else this.nextComma = found;
    return found;
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
    for (;;) {
      const lf = this.next(chunk, LF, lineStart);
      const lineEnd = lf !== -1 && lf < end ? lf : end;
      for (let comma = this.next(chunk, COMMA, lineStart); comma !== -1 && comma < lineEnd; comma = this.next(chunk, COMMA, comma + 1)) {
        this.separators += 1;
      }
      if (lineEnd === end) break;
      if (this.recordHasContent || hasContent(chunk, lineStart, lf)) this.endRecord();
      else this.separators = 0;
      this.recordHasContent = false;
      lineStart = lf + 1;
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

/**
 * A pass-through that counts bytes and CSV records and SHA-256-hashes the bytes as they flow
 * from the download to the upload, so verification costs no second read of the file.
 *
 * With `maxBytes` (the download's Content-Length) it fails with `ContentLengthMismatch` the
 * moment more bytes arrive than were announced, instead of uploading the surplus first.
 */
export class CsvVerifyingStream extends Transform {
  private readonly counter = new CsvRowCounter();
  private readonly hash: Hash = createHash('sha256');
  private bytes = 0;
  private tally: StreamTally | undefined;

  constructor(private readonly options: { maxBytes?: number; describe?: string } = {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    const { maxBytes } = this.options;
    if (maxBytes !== undefined && this.bytes > maxBytes) {
      callback(
        new NamedError(
          ERROR_NAMES.contentLength,
          `${this.options.describe ?? 'The download'} sent more than the ${maxBytes} bytes its Content-Length announced`,
        ),
      );
      return;
    }
    this.counter.push(chunk);
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.tally = { ...this.counter.finish(), bytes: this.bytes, sha256: this.hash.digest('hex') };
    callback();
  }

  /** The tally, available once the stream has flushed (after 'end'/'finish'). */
  result(): StreamTally {
    if (!this.tally) throw new Error('CsvVerifyingStream: result() before the input ended');
    return this.tally;
  }

  /** Bytes seen so far (progress reporting). */
  get bytesSeen(): number {
    return this.bytes;
  }
}
