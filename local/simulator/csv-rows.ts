/**
 * Row models of the three exports. Each model renders row `i` and, separately, computes the
 * byte length of row `i` without rendering it, so the exact Content-Length of a multi-GB file
 * is a cheap arithmetic pass (csv-rows.test.ts proves the two agree).
 *
 * Everything is a pure function of (contract, export type, window, seed, row count): the same
 * inputs give the same bytes, whichever job id or request asked for them.
 *
 * Columns of the activity export are LinkedIn's documented schema (docs/linkedin-api.md
 * §10.1). ASSUMPTION: the activity type strings, every outcome column and every seat column
 * are invented (LinkedIn's schema for them is unconfirmed, §10.2-10.4), as is LF line ending.
 */
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import {
  csvEscape,
  DATE_BYTES,
  STAMP_BYTES,
  UtcStampWriter,
  digitCount,
  hashString,
  mix32,
  putByte,
  putBytes,
  putInt,
  putPadded,
  valuePool,
  type ValuePool,
} from './csv-format';
import { changedColumns, type HeaderChange, rewriteRow } from './header-change';

/** Everything that determines a file's bytes. */
export interface CsvSpec {
  contract: string;
  exportType: ExportType;
  startAt: number;
  endAt: number;
  seed: number;
  /** Data rows (the header is extra). */
  rows: number;
  /** Include values that need quoting: commas, double quotes, embedded newlines. */
  quirks: boolean;
  lineEnding: '\n' | '\r\n';
  /** The header-change fault (header-change.ts): the columns as LinkedIn changed them. */
  headerChange?: HeaderChange;
}

export interface RowModel {
  /** The header line, line ending included, as UTF-8. */
  readonly header: Buffer;
  /** Rows start with the 20-byte activityId (8-byte tag + 12 digits of the row index). */
  readonly hasActivityId: boolean;
  /** The row's time field: a full `createdAt` stamp or a `snapshotDate`. */
  readonly timeField: 'stamp' | 'date';
  /** Byte offset of the time field inside row `i`. */
  timeOffset(i: number): number;
  /** Epoch ms of row `i` (rows spread evenly over the window). */
  time(i: number): number;
  /** Writes row `i` (0-based, line ending included) at `offset`; returns the offset after it. */
  writeRow(i: number, target: Uint8Array, offset: number): number;
  /** UTF-8 byte length of row `i`, computed without rendering it. */
  rowBytes(i: number): number;
}

/** A row never exceeds this many bytes: the chunk writer's headroom. */
export const MAX_ROW_BYTES = 1024;

/**
 * Every column except the row's id and time repeats with this period (picks hash `i % TILE_ROWS`).
 * That lets the stream copy a pre-rendered tile of rows natively and patch only the id and
 * time bytes: a plain JS byte loop is far too slow to render every byte of a multi-GB file.
 * A power of ten, so the id's low digits are the same in every tile.
 */
export const TILE_ROWS = 1000;
export const TILE_DIGITS = 3;

/**
 * Each export type's header, from the product's one definition of the columns (outcome and seat
 * columns are assumptions there, as here); the row renderers below write the columns in this order.
 */
export const CSV_HEADERS: Record<ExportType, readonly string[]> = {
  activity: columnNames('activity'),
  activityOutcome: columnNames('activityOutcome'),
  seat: columnNames('seat'),
};

// ASSUMPTION: the official enum is unconfirmed beyond a "SAVED…" prefix.
const ACTIVITY_TYPES = ['SAVED_LEAD', 'SAVED_ACCOUNT', 'VIEWED_PROFILE', 'PERFORMED_SEARCH', 'SENT_INMAIL', 'UNSAVED_LEAD'];
/** Activities about a lead carry memberIdentityKey; the others leave it empty (docs §10.1). */
const ACTIVITY_HAS_LEAD = [true, false, true, false, true, true];
const OUTCOMES = ['INMAIL_ACCEPTED', 'INMAIL_DECLINED'];
const SEAT_STATUSES = ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE', 'INACTIVE', 'PENDING_INVITATION'];
const SEAT_COUNT = 48;
const ID_DIGITS = 12;
const ACTIVITY_ID_BYTES = 8 + ID_DIGITS;
const SEAT_ID_BYTES = 9;

const PLAIN_NAMES = [
  'Jane Smith',
  'Rahul Mehta',
  'Chen Wei',
  'Olivia Brown',
  'Kwame Mensah',
  'Sofia Rossi',
  'Liam OConnor',
  'Aiko Tanaka',
  'Zoë Ångström',
  '李雷',
  'Mateo García',
  'Fatima Zahra',
];
// Names whose CSV form needs quoting: the realistic worst cases for a row counter.
const QUIRKY_NAMES = ['Doe, John', 'Ana "Ani" López', 'Line\nBreak Müller', 'Smith, "JJ"\r\nJunior'];

const KEY_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const memberKey = (n: number): string => {
  let key = 'ACwAA';
  for (let k = 0, h = mix32(n + 0x5bd1e995); k < 28; k++, h = mix32(h + k)) key += KEY_ALPHABET[h & 63];
  return key;
};
const PLAIN_KEYS = Array.from({ length: 61 }, (_, n) => memberKey(n));
// ASSUMPTION: real keys are opaque tokens; these deliberately stress CSV quoting in the
// activity file too, since the copy step must count rows CSV-aware whatever the export.
const QUIRKY_KEYS = ['ACwAAQ,with-comma', 'ACwAAQ "quoted" key', 'ACwAAQ\nwith-newline'];

const pools = (quirks: boolean) => ({
  names: valuePool(quirks ? [...PLAIN_NAMES, ...QUIRKY_NAMES] : PLAIN_NAMES),
  keys: valuePool(quirks ? [...PLAIN_KEYS, ...QUIRKY_KEYS] : PLAIN_KEYS),
  activityTypes: valuePool(ACTIVITY_TYPES),
  outcomes: valuePool(OUTCOMES),
  seatStatuses: valuePool(SEAT_STATUSES),
});

const pick = (i: number, salt: number, size: number): number => mix32((i % TILE_ROWS) ^ salt) % size;

const COMMA = 44;

// Every byte array the row writers touch is a plain Uint8Array (never a Buffer subclass):
// one element kind keeps V8's property access monomorphic, which doubles generation speed.
const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'ascii'));

interface Context {
  spec: CsvSpec;
  eol: Uint8Array;
  idTag: Uint8Array;
  seatIds: Uint8Array[];
  seatNames: number[];
  time: (i: number) => number;
  salt: (column: number) => number;
  stamps: UtcStampWriter;
}

const context = (spec: CsvSpec, names: ValuePool): Context => {
  const jobSalt = hashString(`${spec.contract}|${spec.exportType}|${spec.startAt}|${spec.endAt}|${spec.seed}`);
  const contractSalt = hashString(`${spec.contract}|${spec.seed}`);
  // Seats belong to the contract, so every export of a contract names the same seats.
  const seatIds = Array.from({ length: SEAT_COUNT }, (_, k) => ascii(String(100_000_000 + (mix32(contractSalt + k) % 900_000_000))));
  const seatNames = Array.from({ length: SEAT_COUNT }, (_, k) => mix32(contractSalt ^ Math.imul(k, 0x9e3779b9)) % names.encoded.length);
  // Rows spread evenly over [startAt, endAt); a float step keeps i * step inside 2^53.
  const step = spec.rows > 0 ? (spec.endAt - spec.startAt) / spec.rows : 0;
  return {
    spec,
    eol: ascii(spec.lineEnding),
    idTag: ascii(jobSalt.toString(16).padStart(8, '0')),
    seatIds,
    seatNames,
    time: (i) => spec.startAt + Math.floor(i * step),
    salt: (column) => mix32(jobSalt + Math.imul(column, 0x9e3779b9)),
    stamps: new UtcStampWriter(),
  };
};

const header = (ctx: Context, exportType: ExportType): Buffer =>
  Buffer.from(CSV_HEADERS[exportType].join(',') + ctx.spec.lineEnding, 'ascii');

const putActivityId = (ctx: Context, target: Uint8Array, offset: number, i: number): number =>
  putPadded(target, putBytes(target, offset, ctx.idTag), i, ID_DIGITS);

/** Offset of the activityId's digits inside a row, and how many of them change per tile. */
export const ACTIVITY_ID_DIGITS_AT = 8;
export const ACTIVITY_ID_TILE_DIGITS = ID_DIGITS - TILE_DIGITS;

const activityModel = (ctx: Context, p: ReturnType<typeof pools>): RowModel => {
  const [typeSalt, keySalt, seatSalt] = [ctx.salt(1), ctx.salt(2), ctx.salt(3)];
  const fixed = ACTIVITY_ID_BYTES + STAMP_BYTES + SEAT_ID_BYTES + 4 + ctx.eol.length;
  const keyIndex = (i: number, type: number): number => (ACTIVITY_HAS_LEAD[type] ? pick(i, keySalt, p.keys.encoded.length) : -1);
  return {
    header: header(ctx, 'activity'),
    hasActivityId: true,
    timeField: 'stamp',
    timeOffset: (i) => ACTIVITY_ID_BYTES + 1 + p.activityTypes.bytes[pick(i, typeSalt, ACTIVITY_TYPES.length)]! + 1,
    time: ctx.time,
    writeRow(i, target, offset) {
      const type = pick(i, typeSalt, ACTIVITY_TYPES.length);
      const key = keyIndex(i, type);
      let at = putByte(target, putActivityId(ctx, target, offset, i), COMMA);
      at = putByte(target, putBytes(target, at, p.activityTypes.encoded[type]!), COMMA);
      at = putByte(target, ctx.stamps.putStamp(target, at, ctx.time(i)), COMMA);
      at = putByte(target, putBytes(target, at, ctx.seatIds[pick(i, seatSalt, SEAT_COUNT)]!), COMMA);
      if (key >= 0) at = putBytes(target, at, p.keys.encoded[key]!);
      return putBytes(target, at, ctx.eol);
    },
    rowBytes(i) {
      const type = pick(i, typeSalt, ACTIVITY_TYPES.length);
      const key = keyIndex(i, type);
      return fixed + p.activityTypes.bytes[type]! + (key < 0 ? 0 : p.keys.bytes[key]!);
    },
  };
};

const outcomeModel = (ctx: Context, p: ReturnType<typeof pools>): RowModel => {
  const [outcomeSalt, keySalt, seatSalt] = [ctx.salt(1), ctx.salt(2), ctx.salt(3)];
  const fixed = ACTIVITY_ID_BYTES + STAMP_BYTES + SEAT_ID_BYTES + 4 + ctx.eol.length;
  return {
    header: header(ctx, 'activityOutcome'),
    hasActivityId: true,
    timeField: 'stamp',
    timeOffset: (i) => ACTIVITY_ID_BYTES + 1 + p.outcomes.bytes[pick(i, outcomeSalt, OUTCOMES.length)]! + 1,
    time: ctx.time,
    writeRow(i, target, offset) {
      let at = putByte(target, putActivityId(ctx, target, offset, i), COMMA);
      at = putByte(target, putBytes(target, at, p.outcomes.encoded[pick(i, outcomeSalt, OUTCOMES.length)]!), COMMA);
      at = putByte(target, ctx.stamps.putStamp(target, at, ctx.time(i)), COMMA);
      at = putByte(target, putBytes(target, at, ctx.seatIds[pick(i, seatSalt, SEAT_COUNT)]!), COMMA);
      at = putBytes(target, at, p.keys.encoded[pick(i, keySalt, p.keys.encoded.length)]!);
      return putBytes(target, at, ctx.eol);
    },
    rowBytes(i) {
      return fixed + p.outcomes.bytes[pick(i, outcomeSalt, OUTCOMES.length)]! + p.keys.bytes[pick(i, keySalt, p.keys.encoded.length)]!;
    },
  };
};

const seatModel = (ctx: Context, p: ReturnType<typeof pools>): RowModel => {
  const [seatSalt, statusSalt, ssiSalt, connectionsSalt, leadsSalt] = [1, 2, 3, 4, 5].map((column) => ctx.salt(column)) as [
    number,
    number,
    number,
    number,
    number,
  ];
  // seatId, snapshotDate, the SSI's "." and two decimals, six commas, the line ending
  const fixed = SEAT_ID_BYTES + DATE_BYTES + 3 + 6 + ctx.eol.length;
  const ssi = (i: number): number => pick(i, ssiSalt, 10_001); // hundredths: 0.00-100.00
  const connections = (i: number): number => pick(i, connectionsSalt, 30_001);
  const leads = (i: number): number => pick(i, leadsSalt, 2_001);
  return {
    header: header(ctx, 'seat'),
    hasActivityId: false,
    timeField: 'date',
    timeOffset: (i) =>
      SEAT_ID_BYTES +
      1 +
      p.names.bytes[ctx.seatNames[pick(i, seatSalt, SEAT_COUNT)]!]! +
      1 +
      p.seatStatuses.bytes[pick(i, statusSalt, SEAT_STATUSES.length)]! +
      1,
    time: ctx.time,
    writeRow(i, target, offset) {
      const seat = pick(i, seatSalt, SEAT_COUNT);
      const score = ssi(i);
      let at = putByte(target, putBytes(target, offset, ctx.seatIds[seat]!), COMMA);
      at = putByte(target, putBytes(target, at, p.names.encoded[ctx.seatNames[seat]!]!), COMMA);
      at = putByte(target, putBytes(target, at, p.seatStatuses.encoded[pick(i, statusSalt, SEAT_STATUSES.length)]!), COMMA);
      at = putByte(target, ctx.stamps.putDate(target, at, ctx.time(i)), COMMA);
      at = putByte(target, putInt(target, at, Math.floor(score / 100)), 46);
      at = putByte(target, putPadded(target, at, score % 100, 2), COMMA);
      at = putByte(target, putInt(target, at, connections(i)), COMMA);
      at = putInt(target, at, leads(i));
      return putBytes(target, at, ctx.eol);
    },
    rowBytes(i) {
      const seat = pick(i, seatSalt, SEAT_COUNT);
      return (
        fixed +
        p.names.bytes[ctx.seatNames[seat]!]! +
        p.seatStatuses.bytes[pick(i, statusSalt, SEAT_STATUSES.length)]! +
        digitCount(Math.floor(ssi(i) / 100)) +
        digitCount(connections(i)) +
        digitCount(leads(i))
      );
    },
  };
};

/**
 * The model with a header change applied to its header and to every row. Its rows are rewritten
 * one by one: csv-stream.ts renders such a file row by row (no tiles, so `timeOffset` is unused).
 */
const changedModel = (base: RowModel, spec: CsvSpec, change: HeaderChange): RowModel => {
  const { names, sources } = changedColumns(CSV_HEADERS[spec.exportType], change);
  const eol = ascii(spec.lineEnding);
  const scratch = new Uint8Array(MAX_ROW_BYTES);
  const rewritten = new Uint8Array(MAX_ROW_BYTES);
  const write = (i: number, target: Uint8Array, offset: number): number =>
    rewriteRow(scratch.subarray(0, base.writeRow(i, scratch, 0)), eol, sources, change, i, target, offset);
  return {
    header: Buffer.from(names.map(csvEscape).join(',') + spec.lineEnding, 'utf8'),
    hasActivityId: base.hasActivityId,
    timeField: base.timeField,
    timeOffset: () => {
      throw new Error('a changed header is rendered row by row, without tiles');
    },
    time: base.time,
    writeRow: write,
    rowBytes: (i) => write(i, rewritten, 0),
  };
};

/** The row model for a file spec. */
export const rowModel = (spec: CsvSpec): RowModel => {
  const p = pools(spec.quirks);
  const ctx = context(spec, p.names);
  const base = (): RowModel => {
    switch (spec.exportType) {
      case 'activity':
        return activityModel(ctx, p);
      case 'activityOutcome':
        return outcomeModel(ctx, p);
      case 'seat':
        return seatModel(ctx, p);
    }
  };
  return spec.headerChange ? changedModel(base(), spec, spec.headerChange) : base();
};

/** Row `i` as a string: for tests and debugging, not for streaming. */
export const renderRow = (model: RowModel, i: number): string => {
  const scratch = new Uint8Array(MAX_ROW_BYTES);
  return Buffer.from(scratch.buffer, 0, model.writeRow(i, scratch, 0)).toString('utf8');
};
