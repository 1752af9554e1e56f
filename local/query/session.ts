/**
 * The DuckDB side of `npm run query`: an in-memory database whose relations have Athena's names
 * and types (lambdas/shared/contract/tables.ts), so a query written here runs there unchanged.
 *
 * Per export type:
 * - `<view>_raw`: every CSV column as text, as the file holds it, plus the `contract` and `dt`
 *   partitions read off the path (what the raw Glue table is);
 * - `<view>`: the typed view users query, whose SELECT is the contract's own `viewSelect`.
 *
 * Why DuckDB rather than our own CSV reader and a little query language: the point is to run the
 * *same SQL* as Athena (GROUP BY, joins with a CRM extract, window functions, date arithmetic) on
 * the same files, and to read RFC 4180 exactly as the table does (quoted commas, doubled quotes,
 * line breaks inside a field). DuckDB is an embedded SQL engine shipped as npm binaries (no
 * server, no Python), reads CSV with Hive partitions natively, and its errors are precise.
 */
import * as path from 'node:path';
import { DuckDBInstance, type DuckDBType, type DuckDBValue } from '@duckdb/node-api';
import { columnNames, EXPORT_COLUMNS, type ExportColumn } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { PARTITION_KEYS } from '../../lambdas/shared/contract/layout';
import { TABLE_NAMES, rawTableName, viewName, viewSelect } from '../../lambdas/shared/contract/tables';

/** DuckDB refused a statement: its message (`Catalog Error: …`, `Parser Error: …`) is for the user as is. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
}

/** A statement's result: the columns with their DuckDB types, and the rows as DuckDB values. */
export interface QueryResult {
  columns: Array<{ name: string; type: DuckDBType }>;
  rows: DuckDBValue[][];
}

export interface Session {
  query(sql: string): Promise<QueryResult>;
  close(): void;
}

/** A SQL string literal. */
const literal = (text: string): string => `'${text.replace(/'/g, "''")}'`;
/** A SQL identifier. */
const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * read_csv's options, each for a reason:
 * - `all_varchar`: the raw relation is text as the file holds it; types are the view's job, with
 *   the same expressions as Athena's (no sniffed types that differ from file to file);
 * - `quote`/`escape` `"`: RFC 4180 (a quote inside a field is doubled); with `header`, the first
 *   line of every object is its header;
 * - `hive_partitioning` with `hive_types` VARCHAR: `contract` and `dt` come from the path, as text
 *   like Athena's partition columns (DuckDB would otherwise make `dt` a DATE and `contract` a number);
 * - `union_by_name`: a file with columns appended at the end (landed by the drift guard) lines up
 *   with the others by name instead of breaking the relation;
 * - `nullstr` set to a string no export holds: an empty field stays `''` as Athena's CSV SerDe
 *   reads it (the view turns empty numbers and times into NULL, as in Athena); a column a file
 *   lacks is still NULL.
 */
const READ_CSV_OPTIONS = [
  'header = true',
  'all_varchar = true',
  "delim = ','",
  `quote = '"'`,
  `escape = '"'`,
  'hive_partitioning = true',
  `hive_types = {${PARTITION_KEYS.map((key) => `${literal(key)}: 'VARCHAR'`).join(', ')}}`,
  'union_by_name = true',
  // Else the sniffer may take a first data row for the header when the rows have more fields
  // than the header, silently dropping the real header and that row.
  'skip = 0',
  'nullstr = chr(0)',
].join(', ');

/**
 * Keys of `key=value` folders in the path above the table folders. DuckDB reads Hive partitions
 * off every folder of a file's path, so a directory like `/data/env=prod/` would add an `env`
 * column to every raw relation: those are excluded again.
 */
export const ancestorPartitionKeys = (root: string): string[] => {
  const keys = root
    .split(/[\\/]/)
    .map((segment) => /^([^=]+)=/.exec(segment)?.[1])
    .filter((key): key is string => key !== undefined);
  const clash = keys.find((key) => (PARTITION_KEYS as readonly string[]).includes(key));
  if (clash)
    throw new QueryError(`the data's directory ${root} is itself inside a ${clash}= folder: point at the folder holding the table folders`);
  return [...new Set(keys)];
};

/**
 * The raw relation of one export type: read_csv over its day objects, or, with none, an empty
 * relation with the same columns, so a query on a type that has not landed returns no rows
 * instead of failing.
 */
export const rawRelationSql = (
  exportType: ExportType,
  files: readonly string[],
  excluded: readonly string[] = [],
  names: readonly string[] = columnNames(exportType),
): string => {
  if (files.length === 0) {
    const columns = [...names, ...PARTITION_KEYS].map((name) => `CAST(NULL AS VARCHAR) AS ${ident(name)}`);
    return `SELECT ${columns.join(', ')} WHERE false`;
  }
  const exclude = excluded.length ? ` EXCLUDE (${excluded.map(ident).join(', ')})` : '';
  return `SELECT *${exclude} FROM read_csv([${files.map(literal).join(', ')}], ${READ_CSV_OPTIONS})`;
};

/** DuckDB's message, without a "Did you mean" that points at one of its own catalog tables. */
const cleanMessage = (message: string): string => {
  const ours = new Set(TABLE_NAMES.flatMap((t) => [t.view, t.raw]));
  const lines = message.split('\n').filter((line) => {
    const suggestion = /^Did you mean "([^"]+)"\??$/.exec(line.trim());
    return !suggestion || ours.has(suggestion[1]!);
  });
  const text = lines.join('\n').trim();
  if (!/Table with name .* does not exist/.test(text)) return text;
  // The tables there are, before DuckDB's pointer to the spot in the SQL.
  const tables = `Tables: ${TABLE_NAMES.map((t) => t.view).join(', ')} (typed views); ${TABLE_NAMES.map((t) => t.raw).join(', ')} (text as landed)`;
  const at = text.search(/\n\s*LINE \d+:/);
  return at < 0 ? `${text}\n${tables}` : `${text.slice(0, at)}\n${tables}${text.slice(at)}`;
};

/**
 * The gist of a CSV reader error for one file: DuckDB's first lines, without the list of
 * possible fixes (they are about options this console sets on purpose).
 */
const summarizeCsvError = (message: unknown): string => {
  const lines = String(message)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(Invalid Input Error: )?Error when sniffing file/.test(line));
  const end = lines.findIndex((line) => /^(The search space used was|Possible fixes|LINE \d+:)/.test(line));
  return (end < 0 ? lines : lines.slice(0, end)).slice(0, 3).join(' ');
};

/** Runs DuckDB calls with its errors as QueryError: a message for the user, never a stack trace. */
const duck = async <T>(action: () => Promise<T>): Promise<T> => {
  try {
    return await action();
  } catch (error) {
    // The message by duck typing: the native addon's errors need not be this realm's Error (under jest they are not).
    const message = (error as { message?: unknown } | null)?.message;
    throw new QueryError(cleanMessage(typeof message === 'string' ? message : String(error)));
  }
};

/**
 * Opens an in-memory DuckDB with each export type's raw relation and typed view.
 *
 * @param files each export type's day objects (local paths)
 * @param root the folder the files are under (its `key=value` folders are not partitions)
 */
export const openSession = async (
  files: Readonly<Record<ExportType, readonly string[]>>,
  root: string,
  columnsOf: (exportType: ExportType) => readonly ExportColumn[] = (exportType) => EXPORT_COLUMNS[exportType],
): Promise<Session> => {
  const excluded = ancestorPartitionKeys(root);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const close = () => {
    connection.closeSync();
    instance.closeSync();
  };
  /** The columns of a relation, as DuckDB binds it. */
  const boundColumns = async (relation: string): Promise<string[]> =>
    (await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE ${relation})`)).getRows().map((row) => String(row[0]));
  try {
    for (const exportType of EXPORT_TYPES) {
      // Views, not tables: nothing is loaded until a query reads it, and each query reads the
      // files as they are. Creating the raw view reads every file's header (union_by_name).
      const raw = rawTableName(exportType);
      const typeFiles = files[exportType];
      const columns = columnsOf(exportType);
      const expected = columns.map((c) => c.name);
      /** What is wrong with one file on its own, if anything: only looked for once the whole failed. */
      const fileProblem = async (file: string): Promise<string | undefined> => {
        try {
          const found = await boundColumns(rawRelationSql(exportType, [file], excluded, expected));
          const missing = expected.filter((name) => !found.includes(name));
          return missing.length ? `no column ${missing.join(', ')} in its header (${found.join(',')})` : undefined;
        } catch (error) {
          return summarizeCsvError((error as { message?: unknown }).message);
        }
      };
      const badFile = async (): Promise<string | undefined> => {
        for (const file of typeFiles) {
          const problem = await fileProblem(file);
          if (problem)
            return `the ${exportType} object ${path.relative(root, file).split(path.sep).join('/')} does not read as its table: ${problem}`;
        }
        return undefined;
      };
      try {
        await connection.run(`CREATE VIEW ${ident(raw)} AS ${rawRelationSql(exportType, typeFiles, excluded, expected)}`);
      } catch (error) {
        throw new QueryError((await badFile()) ?? cleanMessage(String((error as { message?: unknown }).message ?? error)));
      }
      // Every column of the schema must be there (appended ones may be added): a file without
      // one would otherwise surface as a puzzling binder error in the view.
      const found = await boundColumns(ident(raw));
      if (expected.some((name) => !found.includes(name))) {
        throw new QueryError(
          (await badFile()) ?? `the ${exportType} objects lack column(s) ${expected.filter((n) => !found.includes(n)).join(', ')}`,
        );
      }
      await duck(() =>
        connection.run(`CREATE VIEW ${ident(viewName(exportType))} AS ${viewSelect(exportType, 'duckdb', ident(raw), columns)}`),
      );
    }
  } catch (error) {
    close();
    throw error;
  }
  return {
    query: (sql) =>
      duck(async () => {
        const reader = await connection.runAndReadAll(sql);
        const types = reader.columnTypes();
        return { columns: reader.columnNames().map((name, i) => ({ name, type: types[i]! })), rows: reader.getRows() };
      }),
    close,
  };
};
