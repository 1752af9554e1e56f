/**
 * The columns of each export type's CSV, with their types (docs/linkedin-api.md §10): one
 * definition for everything that reads or writes the files, so the simulator's files, the checks
 * on a download's header and the tables built over the data cannot drift apart. Only the activity
 * columns are documented by LinkedIn; the outcome and seat columns are assumptions, marked so.
 */
import { EXPORT_TYPES, type ExportType } from './export-types';

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
  /**
   * Documented by LinkedIn, assumed until a real file shows it (§10), or only named by the
   * deployment's configuration (`expectedColumns`, read as a nullable string).
   */
  readonly source: 'documented' | 'assumed' | 'configured';
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

/**
 * The deployment's own expected columns of some export types (cdk.json `expectedColumns`, the
 * Lambdas' EXPECTED_COLUMNS): the header a file must start with, in file order. A type left out
 * keeps its built-in columns ({@link EXPORT_COLUMNS}).
 */
export type ExpectedColumnsOverride = Partial<Record<ExportType, readonly string[]>>;

/** Glue's limit on a column name. */
export const MAX_COLUMN_NAME_CHARS = 255;

/** What a configurable column name may be, for messages. */
export const COLUMN_NAME_RULE =
  `1 to ${MAX_COLUMN_NAME_CHARS} characters, without control characters, commas, double quotes or backticks, ` +
  'and without spaces at either end';

/**
 * Whether a name can be a column of the tables: Glue's length limit, nothing that breaks a Hive
 * column list (`,`), a quoted identifier (`"`, `` ` ``) or a one-line message, and no leading or
 * trailing spaces (a header's stray space would otherwise become part of the name unnoticed).
 */
export const isSaneColumnName = (name: unknown): name is string =>
  typeof name === 'string' &&
  name.length > 0 &&
  name.length <= MAX_COLUMN_NAME_CHARS &&
  name === name.trim() &&
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it rejects
  !/[\u0000-\u001f\u007f,"`]/.test(name);

/** One problem of a configured column list; `index` points at the offending name, if one does. */
export interface ColumnListProblem {
  index?: number;
  message: string;
}

/**
 * What is wrong with a configured list of an export type's columns: not a non-empty list, a name
 * that is not {@link isSaneColumnName}, a name listed twice (compared ignoring case: Athena and
 * Glue lower-case column names), or no day column ({@link DAY_COLUMN}: the copy splits each file
 * into days by it, so a header without it cannot be accepted by configuration alone).
 * @returns the problems, in list order; empty when the list can be used
 */
export const columnListProblems = (exportType: ExportType, names: unknown): ColumnListProblem[] => {
  if (!Array.isArray(names) || names.length === 0) return [{ message: 'expected a non-empty list of column names' }];
  const problems: ColumnListProblem[] = [];
  const seen = new Map<string, number>();
  names.forEach((name: unknown, index) => {
    if (!isSaneColumnName(name)) {
      problems.push({ index, message: `expected a column name of ${COLUMN_NAME_RULE}` });
      return;
    }
    const folded = name.toLowerCase();
    const first = seen.get(folded);
    if (first === undefined) seen.set(folded, index);
    else
      problems.push({
        index,
        message:
          name === names[first]
            ? `${JSON.stringify(name)} is listed twice`
            : `${JSON.stringify(name)} repeats ${JSON.stringify(names[first])} (column names are compared ignoring case, as Athena does)`,
      });
  });
  const day = DAY_COLUMN[exportType];
  if (!names.includes(day)) {
    problems.push({ message: `must include ${JSON.stringify(day)}: the copy splits each ${exportType} file into days by that column` });
  }
  return problems;
};

/**
 * Every problem of a whole override, each prefixed with where it is (`seat[2]: …`, `seat: …`, or
 * an unknown export type).
 */
export const expectedColumnsProblems = (value: unknown): string[] => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return ['expected an object of export type → list of column names, e.g. {"seat": ["seatId", …]}'];
  }
  return Object.entries(value).flatMap(([key, names]) => {
    if (!(EXPORT_TYPES as readonly string[]).includes(key)) {
      return [`unknown export type ${JSON.stringify(key)} (expected ${EXPORT_TYPES.join(', ')})`];
    }
    return columnListProblems(key as ExportType, names).map((problem) =>
      problem.index === undefined
        ? `${key}: ${problem.message}`
        : `${key}[${problem.index}]: ${problem.message}, got ${JSON.stringify((names as unknown[])[problem.index]) ?? 'nothing'}`,
    );
  });
};

/**
 * The columns a file of `exportType` is expected to start with: the deployment's list when it
 * has one for the type, else the built-in {@link EXPORT_COLUMNS}. A configured name the type
 * already knows keeps its type and source; any other is a nullable `string`, source `configured`.
 * Used by the copy's header check, the Glue tables and the local SQL console alike.
 * @throws RangeError when the override's list for the type has problems ({@link columnListProblems}):
 *   configuration is validated where it is read, so this is a wiring mistake
 */
export const expectedColumnsOf = (exportType: ExportType, override?: ExpectedColumnsOverride): ExportColumn[] => {
  const names = override?.[exportType];
  if (names === undefined) return [...EXPORT_COLUMNS[exportType]];
  const problems = columnListProblems(exportType, names);
  if (problems.length > 0) {
    throw new RangeError(`expected columns of ${exportType}: ${problems.map((problem) => problem.message).join('; ')}`);
  }
  const known = new Map(EXPORT_COLUMNS[exportType].map((c) => [c.name, c]));
  return names.map((name) => known.get(name) ?? column(name, 'string', 'configured', true));
};
