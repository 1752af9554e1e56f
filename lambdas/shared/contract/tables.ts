/**
 * The query layer's names and types, for Athena (infra/tables.ts) and the local SQL console
 * (local/query/) alike, so a query written against one runs against the other.
 *
 * Per export type there is a raw table over the CSV objects (every column text, as the files hold
 * it, plus the `contract` and `dt` partitions) and a typed view over it with the same column names:
 * counts as numbers, `createdAt` as a timestamp, dates as dates (export-schemas.ts). The view is
 * what users query; the raw table is there for reading a file exactly as LinkedIn wrote it.
 */
import { EXPORT_COLUMNS, type ColumnType, type ExportColumn } from './export-schemas';
import { EXPORT_TYPES, type ExportType } from './export-types';
import { PARTITION_KEYS } from './layout';

export type SqlDialect = 'athena' | 'duckdb';

/** `activityOutcome` → `activity_outcome`: SQL engines fold names to lower case. */
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The typed view users query: `activity`, `activity_outcome`, `seat`. */
export const viewName = (exportType: ExportType): string => snake(exportType);

/** The raw table under the view: `activity_raw`, … */
export const rawTableName = (exportType: ExportType): string => `${snake(exportType)}_raw`;

/** The SQL type each column type reads as, per engine. */
export const SQL_TYPES: Readonly<Record<ColumnType, Readonly<Record<SqlDialect, string>>>> = {
  string: { athena: 'varchar', duckdb: 'VARCHAR' },
  bigint: { athena: 'bigint', duckdb: 'BIGINT' },
  integer: { athena: 'integer', duckdb: 'INTEGER' },
  decimal: { athena: 'double', duckdb: 'DOUBLE' },
  timestamp: { athena: 'timestamp', duckdb: 'TIMESTAMP' },
  date: { athena: 'date', duckdb: 'DATE' },
};

/** The partition columns, text in both engines (`dt` compares as `YYYY-MM-DD` text). */
export const PARTITION_COLUMNS: readonly { name: (typeof PARTITION_KEYS)[number]; type: 'string' }[] = PARTITION_KEYS.map((name) => ({
  name,
  type: 'string',
}));

const quote = (identifier: string): string => `"${identifier.replace(/"/g, '""')}"`;

/**
 * How a raw column is named in the raw table: Glue stores names in lower case, DuckDB keeps the
 * header's spelling.
 */
export const rawColumnName = (name: string, dialect: SqlDialect): string => (dialect === 'athena' ? name.toLowerCase() : name);

/**
 * The expression that reads one raw text column as its type. An empty field is NULL; any other
 * text that does not read as the type fails the query (a wrong file must be seen, not averaged in).
 * Timestamps are LinkedIn's `MM-DD-YYYY HH:MM:SS` in UTC (docs/linkedin-api.md §10.1).
 */
export const typedExpression = (col: Pick<ExportColumn, 'name' | 'type'>, dialect: SqlDialect): string => {
  const raw = quote(rawColumnName(col.name, dialect));
  const text = `NULLIF(${raw}, '')`;
  switch (col.type) {
    case 'string':
      return raw;
    case 'bigint':
    case 'integer':
    case 'decimal':
      return `CAST(${text} AS ${SQL_TYPES[col.type][dialect]})`;
    case 'timestamp':
      return dialect === 'athena' ? `date_parse(${text}, '%m-%d-%Y %H:%i:%s')` : `strptime(${text}, '%m-%d-%Y %H:%M:%S')`;
    case 'date':
      return dialect === 'athena' ? `CAST(date_parse(${text}, '%m-%d-%Y') AS date)` : `CAST(strptime(${text}, '%m-%d-%Y') AS DATE)`;
  }
};

/**
 * The view's SELECT over `from` (the raw table, or a DuckDB relation): typed columns, then the
 * partitions. `columns` is the type's file columns: the built-in ones, or a deployment's
 * `expectedColumns` (export-schemas.ts expectedColumnsOf).
 */
export const viewSelect = (
  exportType: ExportType,
  dialect: SqlDialect,
  from: string,
  columns: readonly ExportColumn[] = EXPORT_COLUMNS[exportType],
): string => {
  const typed = columns.map((col) => `${typedExpression(col, dialect)} AS ${quote(col.name)}`);
  const partitions = PARTITION_COLUMNS.map((p) => quote(p.name));
  return `SELECT ${[...typed, ...partitions].join(', ')} FROM ${from}`;
};

/** The view's columns and their SQL types, in order (Athena's view definition lists them). */
export const viewColumns = (
  exportType: ExportType,
  dialect: SqlDialect,
  columns: readonly ExportColumn[] = EXPORT_COLUMNS[exportType],
): { name: string; type: string }[] => [
  ...columns.map((col) => ({ name: col.name, type: SQL_TYPES[col.type][dialect] })),
  ...PARTITION_COLUMNS.map((p) => ({ name: p.name, type: SQL_TYPES[p.type][dialect] })),
];

/** Every export type's view and raw table names. */
export const TABLE_NAMES = EXPORT_TYPES.map((exportType) => ({ exportType, view: viewName(exportType), raw: rawTableName(exportType) }));
