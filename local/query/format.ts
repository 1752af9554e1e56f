/**
 * How `npm run query` prints a result: an aligned text table for people, `--json` and `--csv`
 * for programs. Pure functions of a result, so each format is tested without a database.
 *
 * Values keep DuckDB's own text where a person reads them (timestamps `2026-11-01 00:00:00`,
 * the form Athena's console shows too). In JSON, what a program needs: BIGINT counts as numbers
 * while they are exact in a double (2^53), else as strings; timestamps in ISO 8601.
 */
import {
  DuckDBTimestampTZValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
  type DuckDBValueConverter,
  type Json,
} from '@duckdb/node-api';
import type { QueryResult } from './session';

const WHOLE = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
]);
const NUMERIC = new Set([...WHOLE, DuckDBTypeId.FLOAT, DuckDBTypeId.DOUBLE, DuckDBTypeId.DECIMAL]);
const NAIVE_TIMESTAMPS = new Set([DuckDBTypeId.TIMESTAMP, DuckDBTypeId.TIMESTAMP_S, DuckDBTypeId.TIMESTAMP_MS, DuckDBTypeId.TIMESTAMP_NS]);

/** `41.850` → `41.85`, `7.0` → `7`: a decimal's text without the zeros its scale pads it with. */
const trimDecimal = (text: string): string => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);

/** The ISO 8601 form of a TIMESTAMP WITH TIME ZONE (its micros count from the epoch in UTC). */
const isoInstant = (value: DuckDBTimestampTZValue): string => {
  if (!value.isFinite) return value.toString();
  const micros = value.micros;
  const millis = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const iso = new Date(Number(millis)).toISOString();
  const sub = Number(((micros % 1000n) + 1000n) % 1000n);
  return sub === 0 ? iso : iso.replace('Z', `${String(sub).padStart(3, '0')}Z`);
};

/**
 * DuckDB's JSON conversion, except: whole numbers as JSON numbers while exact (else strings, as
 * DuckDB gives them), decimals likewise, and timestamps as ISO 8601. A TIMESTAMP has no zone
 * (`2026-11-01T00:00:00`; every time the exports hold is UTC); a TIMESTAMPTZ is an instant (`…Z`).
 */
export const jsonConverter: DuckDBValueConverter<Json> = (value, type, self) => {
  if (value === null) return null;
  if (WHOLE.has(type.typeId)) {
    const n = typeof value === 'bigint' ? value : BigInt(value as number);
    return n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(n) : n.toString();
  }
  if (type.typeId === DuckDBTypeId.DECIMAL) {
    const text = trimDecimal(String(value));
    return Number.isFinite(Number(text)) && String(Number(text)) === text ? Number(text) : text;
  }
  if (NAIVE_TIMESTAMPS.has(type.typeId)) {
    const text = String(value);
    return /^-?\d+-\d\d-\d\d \d/.test(text) ? text.replace(' ', 'T') : text;
  }
  if (type.typeId === DuckDBTypeId.TIMESTAMP_TZ && value instanceof DuckDBTimestampTZValue) return isoInstant(value);
  return JsonDuckDBValueConverter(value, type, self);
};

/** A value as text: DuckDB's own form (the JSON conversion's, with nested values as JSON); null as null. */
const textOf = (value: DuckDBValue, type: DuckDBType): string | null => {
  const json = JsonDuckDBValueConverter(value, type, JsonDuckDBValueConverter);
  if (json === null) return null;
  return typeof json === 'string' ? json : typeof json === 'object' ? JSON.stringify(json) : String(json);
};

/** `--json`: an array with one object per row, keys in column order. */
export const jsonRows = (result: QueryResult): Array<Record<string, Json>> =>
  result.rows.map((row) =>
    Object.fromEntries(result.columns.map((column, i) => [column.name, jsonConverter(row[i]!, column.type, jsonConverter)])),
  );

export const formatJson = (result: QueryResult): string => JSON.stringify(jsonRows(result), null, 2);

/** One CSV field (RFC 4180): quoted when it holds a comma, a quote or a line break. */
export const csvField = (text: string): string => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

/** `--csv`: a header line, then one line per row; NULL is an empty field. */
export const formatCsv = (result: QueryResult): string =>
  [
    result.columns.map((column) => csvField(column.name)).join(','),
    ...result.rows.map((row) => row.map((value, i) => csvField(textOf(value, result.columns[i]!.type) ?? '')).join(',')),
  ].join('\n');

/** A cell of the text table: one line (control characters escaped), NULL spelled out. */
const cellText = (value: DuckDBValue, type: DuckDBType): string => {
  const text = textOf(value, type);
  if (text === null) return 'NULL';
  return text.replace(/[\r\n\t\\]/g, (c) => ({ '\r': '\\r', '\n': '\\n', '\t': '\\t', '\\': '\\\\' })[c] ?? c);
};

/** Width in characters (code points, so `Zoë Ångström` lines up; wide CJK glyphs are off by their extra width). */
const width = (text: string): number => [...text].length;

/**
 * An aligned table: a header, a rule, the rows; numbers right-aligned. Text cannot scroll, so at
 * most `maxRows` rows are shown, then how many more there are.
 */
export const formatTable = (result: QueryResult, maxRows = Number.POSITIVE_INFINITY): string => {
  const shown = result.rows.slice(0, maxRows);
  const header = result.columns.map((column) => column.name);
  const cells = shown.map((row) => row.map((value, i) => cellText(value, result.columns[i]!.type)));
  const widths = header.map((name, i) => Math.max(width(name), ...cells.map((row) => width(row[i]!))));
  const right = result.columns.map((column) => NUMERIC.has(column.type.typeId));
  const pad = (text: string, i: number) => {
    const fill = ' '.repeat(widths[i]! - width(text));
    return right[i] ? fill + text : text + fill;
  };
  const line = (row: string[]) => row.map(pad).join('  ').trimEnd();
  const lines = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)];
  const more = result.rows.length - shown.length;
  lines.push(
    more > 0
      ? `(${result.rows.length} rows, the first ${shown.length} shown; --csv or --json print them all)`
      : `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`,
  );
  return lines.join('\n');
};

/** What the console says about one typed view when no SQL is given. */
export interface ViewSummary {
  view: string;
  raw: string;
  exportType: string;
  rows: number;
  contracts: number;
  /** The first and last `dt`, or null without rows. */
  firstDay: string | null;
  lastDay: string | null;
  columns: Array<{ name: string; type: string }>;
  sample: QueryResult;
}

export interface Overview {
  source: string;
  views: ViewSummary[];
  /** Keys under a table folder that are not day objects. */
  ignored: string[];
}

export const overviewText = (overview: Overview): string => {
  const lines = [`Data: ${overview.source}`];
  for (const view of overview.views) {
    // Both days inclusive, spelled out: elsewhere `a..b` is end-exclusive (the keys, the ledger view).
    const days =
      view.firstDay === null
        ? ''
        : view.firstDay === view.lastDay
          ? `, dt ${view.firstDay}`
          : `, first dt ${view.firstDay}, last ${view.lastDay}`;
    lines.push(
      '',
      `${view.view}: ${view.rows} row(s), ${view.contracts} contract(s)${days}  (${view.exportType}; text as landed: ${view.raw})`,
      ...view.columns.map((column) => `  ${column.name.padEnd(Math.max(...view.columns.map((c) => c.name.length)))}  ${column.type}`),
    );
    if (view.rows > 0)
      lines.push(
        '',
        ...formatTable(view.sample)
          .split('\n')
          .map((line) => `  ${line}`),
      );
  }
  lines.push('', 'Query with: npm run query -- "select activityType, count(*) from activity group by 1"');
  return lines.join('\n');
};

export const overviewJson = (overview: Overview): string =>
  JSON.stringify(
    {
      source: overview.source,
      views: overview.views.map(({ sample, ...view }) => ({ ...view, sample: jsonRows(sample) })),
      ignored: overview.ignored,
    },
    null,
    2,
  );
