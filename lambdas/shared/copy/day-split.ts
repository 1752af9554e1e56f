/**
 * Splits one verified multi-day file into one file per UTC day (contract/layout.ts: a table's `dt`
 * partition holds only its day's rows, so `WHERE dt BETWEEN …` is exact for every reader). Each
 * day's file is the source's header record followed by that day's records, byte for byte as
 * LinkedIn wrote them, in file order; a day without rows gets the header alone, so every day of the
 * window has its object.
 *
 * The day of a record is its day column (export-schemas.ts DAY_COLUMN: `createdAt`, or
 * `snapshotDate` for seats) read as a UTC day. A record whose day is unreadable or outside the
 * window fails the copy (`MalformedCsv`): putting it in some other day's object would make `dt` lie.
 *
 * The parts are spooled to local disk, not to memory: a 90-day window of a large contract holds up
 * to LinkedIn's 3 GB cap, and rows are not known to come sorted by day, so every day stays open
 * until the last byte. Records are split with the same RFC 4180 rules as csv-rows.ts (quoted fields
 * may hold line breaks; blank lines are not records).
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { DAY_COLUMN, dayOfField } from '../contract/export-schemas';
import type { ExportType } from '../contract/export-types';
import { daysOf } from '../contract/layout';
import { DAY_MS } from '../contract/linkedin-limits';
import { formatUtcDay } from '../contract/utc-day';
import type { ExportWindow } from '../contract/state';

/** One day's file, complete. */
export interface DayPart {
  /** UTC midnight of the day. */
  day: number;
  /** The spooled file. */
  path: string;
  /** Data rows (the header excluded). */
  rows: number;
  bytes: number;
  /** Hex SHA-256 of the part's bytes. */
  sha256: string;
}

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const COMMA = 0x2c;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
/** Bytes a day gathers before they are written to its file. */
const FLUSH_BYTES = 256 * 1024;

enum Field {
  Start,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: `""` (an escaped quote) or the field's end. */
  QuoteInQuoted,
}

/** The fields of one record (its line terminator excluded), RFC 4180 with csv-rows.ts's leniency. */
export const parseRecord = (record: Buffer): string[] => {
  const text = (record.subarray(0, BOM.length).equals(BOM) ? record.subarray(BOM.length) : record).toString('utf8');
  const fields: string[] = [];
  let value = '';
  let state = Field.Start;
  for (const char of text) {
    if (state === Field.Quoted) {
      if (char === '"') state = Field.QuoteInQuoted;
      else value += char;
    } else if (state === Field.QuoteInQuoted && char === '"') {
      value += '"';
      state = Field.Quoted;
    } else if (char === ',') {
      fields.push(value);
      value = '';
      state = Field.Start;
    } else if (state === Field.Start && char === '"') {
      state = Field.Quoted;
    } else {
      value += char;
      state = Field.Unquoted;
    }
  }
  fields.push(value);
  return fields;
};

interface OpenDay {
  day: number;
  path: string;
  /** Opened at the first flush: the routing of records stays synchronous. */
  file?: FileHandle;
  hash: Hash;
  pending: Buffer[];
  pendingBytes: number;
  rows: number;
  bytes: number;
}

export interface DaySplitterOptions {
  exportType: ExportType;
  window: ExportWindow;
  /** An empty directory the parts are written to (the caller removes it). */
  directory: string;
  /** The file in messages, e.g. `Job 42`. */
  subject: string;
}

/**
 * The text of field `index` of the record `buf[start, end)` (its terminator excluded). Records
 * without a quote, nearly all of them, are cut at commas in place: no copy, no decoding of the rest.
 */
const fieldAt = (buf: Buffer, start: number, end: number, index: number, quoted: boolean): string => {
  if (quoted) return parseRecord(buf.subarray(start, end))[index] ?? '';
  let from = start;
  for (let field = 0; field < index; field++) {
    const comma = buf.indexOf(COMMA, from);
    if (comma === -1 || comma >= end) return '';
    from = comma + 1;
  }
  const comma = buf.indexOf(COMMA, from);
  return buf.toString('utf8', from, comma === -1 || comma > end ? end : comma);
};

/** Consecutive records of one day in one buffer: written as one slice, not one per record. */
interface Run {
  buf: Buffer;
  day: OpenDay;
  start: number;
  end: number;
}

/**
 * A Writable that takes the verified bytes of a file and writes each record to its day's file.
 * Records are routed synchronously as each chunk is scanned; a day's file is written once it has
 * gathered {@link FLUSH_BYTES}. {@link parts} once it has finished.
 */
export class DaySplitter extends Writable {
  private state = Field.Start;
  /** The record being scanned has a quote somewhere (then its fields are parsed in full). */
  private recordHasQuote = false;
  /** The last byte of the previous chunk: whether a quote at a chunk's start opens a field. */
  private lastByte = LF;
  private record: Buffer[] = [];
  private run: Run | undefined;
  private seen = 0;
  private records = 0;
  private header: Buffer | undefined;
  private dayColumn = -1;
  private days: OpenDay[] | undefined;
  /** UTC midnights of the day-column texts seen, by their date part (a file has a few distinct days). */
  private readonly dayCache = new Map<string, number>();
  private done: DayPart[] | undefined;

  constructor(private readonly options: DaySplitterOptions) {
    super();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    try {
      this.consume(chunk);
    } catch (error) {
      callback(error as Error);
      return;
    }
    const full = (this.days ?? []).filter((d) => d.pendingBytes >= FLUSH_BYTES);
    if (full.length === 0) {
      callback();
      return;
    }
    Promise.all(full.map(flush)).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.finish().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    const open = this.days ?? [];
    this.days = undefined;
    Promise.allSettled(open.map((d) => d.file?.close())).then(() => callback(error));
  }

  /** The day files, oldest first, once the stream has finished. */
  parts(): DayPart[] {
    if (!this.done) throw new Error('DaySplitter: parts() before the stream finished');
    return this.done;
  }

  /**
   * Scans with `indexOf` (memchr) for line feeds and quotes, as csv-rows.ts does, instead of
   * visiting every byte: nearly every record has no quote, and costs one search.
   */
  private consume(chunk: Buffer): void {
    let start = 0;
    let i = 0;
    if (this.seen < BOM.length) {
      while (i < chunk.length && this.seen + i < BOM.length && chunk[i] === BOM[this.seen + i]) i++;
    }
    while (i < chunk.length) {
      if (this.state === Field.Quoted) {
        const quote = chunk.indexOf(QUOTE, i);
        if (quote === -1) {
          i = chunk.length;
          break;
        }
        this.state = Field.QuoteInQuoted;
        i = quote + 1;
        continue;
      }
      if (this.state === Field.QuoteInQuoted) {
        if (chunk[i] === QUOTE) {
          this.state = Field.Quoted;
          i += 1;
          continue;
        }
        this.state = Field.Unquoted;
      }
      const lf = chunk.indexOf(LF, i);
      const quote = chunk.indexOf(QUOTE, i);
      if (quote !== -1 && (lf === -1 || quote < lf)) {
        this.recordHasQuote = true;
        // A quote opens a quoted field only where a field starts (csv-rows.ts's leniency).
        const before = quote > 0 ? chunk[quote - 1] : this.lastByte;
        const atFieldStart = quote === i ? this.state === Field.Start || before === COMMA : before === COMMA;
        this.state = atFieldStart ? Field.Quoted : Field.Unquoted;
        i = quote + 1;
        continue;
      }
      if (lf === -1) {
        this.state = chunk[chunk.length - 1] === COMMA ? Field.Start : Field.Unquoted;
        i = chunk.length;
        break;
      }
      if (this.record.length === 0) this.endRecord(chunk, start, lf + 1);
      else {
        // A record that began in an earlier chunk: the one copy.
        const record = Buffer.concat([...this.record, chunk.subarray(start, lf + 1)]);
        this.record = [];
        this.endRecord(record, 0, record.length);
      }
      start = lf + 1;
      i = lf + 1;
      this.state = Field.Start;
      this.recordHasQuote = false;
    }
    this.closeRun();
    if (start < chunk.length) this.record.push(Buffer.from(chunk.subarray(start)));
    if (chunk.length > 0) this.lastByte = chunk[chunk.length - 1] as number;
    this.seen += chunk.length;
  }

  /** The record `buf[start, end)`, its terminator included. */
  private endRecord(buf: Buffer, start: number, end: number): void {
    let contentEnd = end;
    if (contentEnd > start && buf[contentEnd - 1] === LF) contentEnd -= 1;
    if (contentEnd > start && buf[contentEnd - 1] === CR) contentEnd -= 1;
    const blank = contentEnd === start || (contentEnd - start === BOM.length && buf.subarray(start, contentEnd).equals(BOM));
    if (blank) {
      // A blank line is not a record, and is not written to any day.
      this.closeRun();
      return;
    }
    this.records += 1;
    if (!this.header) {
      this.openDays(Buffer.from(buf.subarray(start, end)), parseRecord(buf.subarray(start, contentEnd)));
      return;
    }
    const value = fieldAt(buf, start, contentEnd, this.dayColumn, this.recordHasQuote);
    const day = this.dayOf(value);
    const { window } = this.options;
    if (day === undefined || day < window.startAt || day >= window.endAt) {
      throw new NamedError(
        ERROR_NAMES.malformedCsv,
        `${this.options.subject}: record ${this.records} has ${DAY_COLUMN[this.options.exportType]} ${JSON.stringify(value.slice(0, 40))}, ` +
          `${day === undefined ? 'which is not a day' : `a day outside the window ${formatUtcDay(window.startAt)}..${formatUtcDay(window.endAt - 1)}`}: ` +
          'it cannot be put in a day partition (docs/design.md, "Layout")',
      );
    }
    const target = this.days?.[(day - window.startAt) / DAY_MS];
    if (!target) throw new Error(`DaySplitter: no file for ${formatUtcDay(day)}`);
    target.rows += 1;
    const run = this.run;
    if (run && run.day === target && run.buf === buf && run.end === start) run.end = end;
    else {
      this.closeRun();
      this.run = { buf, day: target, start, end };
    }
  }

  private closeRun(): void {
    const run = this.run;
    if (!run) return;
    this.run = undefined;
    append(run.day, run.buf.subarray(run.start, run.end));
  }

  /** The day of a day-column text: the whole text is checked, the date part's day remembered. */
  private dayOf(value: string): number | undefined {
    const datePart = value.slice(0, 10);
    const known = this.dayCache.get(datePart);
    if (known !== undefined && DAY_TEXT[this.options.exportType].test(value)) return known;
    const day = dayOfField(value, this.options.exportType);
    if (day !== undefined) this.dayCache.set(datePart, day);
    return day;
  }

  private openDays(headerRecord: Buffer, names: string[]): void {
    this.header = headerRecord;
    const column = DAY_COLUMN[this.options.exportType];
    this.dayColumn = names.indexOf(column);
    if (this.dayColumn < 0) {
      throw new NamedError(
        ERROR_NAMES.malformedCsv,
        `${this.options.subject}: the header has no ${column} column, so its rows cannot be put in day partitions (header: ${names.join(',').slice(0, 200)})`,
      );
    }
    this.days = this.dayFiles();
    for (const day of this.days) append(day, headerRecord);
  }

  private dayFiles(): OpenDay[] {
    return daysOf(this.options.window).map((day) => ({
      day,
      path: path.join(this.options.directory, `${formatUtcDay(day)}.csv`),
      hash: createHash('sha256'),
      pending: [],
      pendingBytes: 0,
      rows: 0,
      bytes: 0,
    }));
  }

  private async finish(): Promise<void> {
    // A last record without a line terminator (when the copy allows one) is still a record.
    if (this.record.length > 0) {
      const record = Buffer.concat(this.record);
      this.record = [];
      this.endRecord(record, 0, record.length);
      this.closeRun();
    }
    // An empty file (no header): every day is an empty file too.
    const days = this.days ?? this.dayFiles();
    this.days = days;
    for (const day of days) {
      await flush(day);
      day.file ??= await open(day.path, 'w');
      await day.file.close();
    }
    this.days = undefined;
    this.done = days.map((d) => ({ day: d.day, path: d.path, rows: d.rows, bytes: d.bytes, sha256: d.hash.digest('hex') }));
  }
}

/** A whole day-column text: a timestamp (`MM-DD-YYYY HH:MM:SS`) or, for seats, a date; its date part is checked apart. */
const DAY_TEXT: Readonly<Record<ExportType, RegExp>> = {
  activity: /^\d{2}-\d{2}-\d{4} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/,
  activityOutcome: /^\d{2}-\d{2}-\d{4} ([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/,
  seat: /^\d{2}-\d{2}-\d{4}$/,
};

const append = (day: OpenDay, bytes: Buffer): void => {
  day.bytes += bytes.length;
  day.pending.push(bytes);
  day.pendingBytes += bytes.length;
};

const flush = async (day: OpenDay): Promise<void> => {
  if (day.pendingBytes === 0) return;
  const data = Buffer.concat(day.pending);
  day.pending = [];
  day.pendingBytes = 0;
  day.hash.update(data);
  day.file ??= await open(day.path, 'w');
  await day.file.write(data);
};
