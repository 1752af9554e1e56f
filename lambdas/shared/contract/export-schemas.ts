/**
 * The columns of each export type's CSV, with their types (docs/linkedin-api.md §10): one
 * definition for everything that reads or writes the files, so the simulator's files, the checks
 * on a download's header and the tables built over the data cannot drift apart. Only the activity
 * columns are documented by LinkedIn; the outcome and seat columns are assumptions, marked so.
 */
import type { ExportType } from './export-types';

/**
 * How a column's text reads: `string` as is; `bigint` and `integer` as whole numbers; `decimal` with
 * a fraction; `timestamp` as `MM-DD-YYYY HH:MM:SS` in UTC and `date` as `MM-DD-YYYY` (LinkedIn's
 * month-first form, §10.1).
 */
export type ColumnType = 'string' | 'bigint' | 'integer' | 'decimal' | 'timestamp' | 'date';

export interface ExportColumn {
  readonly name: string;
  readonly type: ColumnType;
  /** The field may be empty. */
  readonly nullable: boolean;
  /** Documented by LinkedIn, or assumed until a real file shows it (§10). */
  readonly source: 'documented' | 'assumed';
}

const column = (name: string, type: ColumnType, source: ExportColumn['source'], nullable = false): ExportColumn => ({
  name,
  type,
  nullable,
  source,
});

/** The columns of each export type, in file order. */
export const EXPORT_COLUMNS: Readonly<Record<ExportType, readonly ExportColumn[]>> = {
  // §10.1: documented names and types; the order is the documentation's table order.
  activity: [
    column('activityId', 'string', 'documented'),
    column('activityType', 'string', 'documented'),
    column('createdAt', 'timestamp', 'documented'),
    column('seatId', 'bigint', 'documented'),
    column('memberIdentityKey', 'string', 'documented', true),
  ],
  // §10.2: ASSUMED, the activity columns with the outcome in place of the type.
  activityOutcome: [
    column('activityId', 'string', 'assumed'),
    column('activityOutcome', 'string', 'assumed'),
    column('createdAt', 'timestamp', 'assumed'),
    column('seatId', 'bigint', 'assumed'),
    column('memberIdentityKey', 'string', 'assumed', true),
  ],
  // §10.3: ASSUMED, from the overview's words (holder name, seat status, SSI, total connections)
  // and a third party's (leads saved); one row per seat and day.
  seat: [
    column('seatId', 'bigint', 'assumed'),
    column('seatHolderName', 'string', 'assumed'),
    column('seatStatus', 'string', 'assumed'),
    column('snapshotDate', 'date', 'assumed'),
    column('socialSellingIndex', 'decimal', 'assumed'),
    column('totalConnections', 'integer', 'assumed'),
    column('totalLeadsSaved', 'integer', 'assumed'),
  ],
};

/** The column names of an export type, in file order: its header. */
export const columnNames = (exportType: ExportType): string[] => EXPORT_COLUMNS[exportType].map((c) => c.name);

const TIMESTAMP = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;
const DATE = /^(\d{2})-(\d{2})-(\d{4})$/;

/** A real calendar day and, for a timestamp, a real time of day. */
const validStamp = (match: RegExpExecArray | null): boolean => {
  if (!match) return false;
  const [, mm, dd, yyyy, hh = '00', mi = '00', ss = '00'] = match;
  const ms = Date.UTC(Number(yyyy), Number(mm) - 1, Number(dd), Number(hh), Number(mi), Number(ss));
  const date = new Date(ms);
  return (
    date.getUTCFullYear() === Number(yyyy) &&
    date.getUTCMonth() === Number(mm) - 1 &&
    date.getUTCDate() === Number(dd) &&
    date.getUTCHours() === Number(hh) &&
    date.getUTCMinutes() === Number(mi) &&
    date.getUTCSeconds() === Number(ss)
  );
};

/** Whether a field's text reads as the column's type (an empty field only where it may be empty). */
export const fieldFits = (value: string, col: ExportColumn): boolean => {
  if (value === '') return col.nullable || col.type === 'string';
  switch (col.type) {
    case 'string':
      return true;
    case 'bigint':
    case 'integer':
      return /^-?\d+$/.test(value) && (col.type === 'bigint' || Math.abs(Number(value)) <= 2 ** 31 - 1);
    case 'decimal':
      return /^-?\d+(\.\d+)?$/.test(value);
    case 'timestamp':
      return validStamp(TIMESTAMP.exec(value));
    case 'date':
      return validStamp(DATE.exec(value));
  }
};

/**
 * The column that says which UTC day a row belongs to: the copy splits a multi-day file into one
 * object per day by it (contract/layout.ts), so a table's `dt` partition holds only its day's rows.
 */
export const DAY_COLUMN: Readonly<Record<ExportType, string>> = {
  activity: 'createdAt',
  activityOutcome: 'createdAt',
  seat: 'snapshotDate',
};

/**
 * The UTC midnight of a day column's text (`MM-DD-YYYY…`), or undefined when it does not read as
 * the column's type.
 */
export const dayOfField = (value: string, exportType: ExportType): number | undefined => {
  const col = EXPORT_COLUMNS[exportType].find((c) => c.name === DAY_COLUMN[exportType]);
  if (!col || value === '' || !fieldFits(value, col)) return undefined;
  const [mm, dd, yyyy] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  return Date.UTC(yyyy, mm - 1, dd);
};
