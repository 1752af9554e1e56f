/**
 * `npm run query -- "<SQL>"`: a local SQL console over the landed CSVs, with Athena's table and
 * view names and types (session.ts), on DuckDB. Without SQL it shows each view: its rows, its
 * columns and a sample.
 *
 * Every failure (a bad flag, bad SQL, an unknown table, no data, an S3 that does not answer) is
 * one message on stderr and exit status 1: the console is used by people reading its output,
 * never by a supervisor that needs a stack trace.
 */
// First, as the other commands do: the SDK's Node-version notice stays out of the output.
import '../runner/quiet-env';
import { existsSync, readFileSync } from 'node:fs';
import { CONTEXT_KEY } from '../../infra/config';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { type ExpectedColumnsOverride, expectedColumnsOf, expectedColumnsProblems } from '../../lambdas/shared/contract/export-schemas';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { rawTableName, viewName } from '../../lambdas/shared/contract/tables';
import { DEFAULT_BUCKET } from '../runner/defaults';
import { s3ClientConfig } from '../s3-client';
import { formatCsv, formatJson, formatTable, type Overview, overviewJson, overviewText, type ViewSummary } from './format';
import { openSession, QueryError, type Session } from './session';
import { checkHeaders, type LocalData, openSource, type Source, SourceError } from './sources';

/** Where `npm start` keeps its local S3 data (local/s3.ts DEFAULT_S3_DIRECTORY, not imported: that would load s3rver for every source). */
export const LOCAL_S3_DIRECTORY = path.resolve(__dirname, '..', '..', '.local', 's3');

/** Rows the text table shows; --csv and --json print every row. */
export const MAX_TABLE_ROWS = 1000;
/** Rows of each view's sample when no SQL is given. */
export const SAMPLE_ROWS = 3;

const DEFAULT_PREFIX = RUNTIME_DEFAULTS.KEY_PREFIX;

export const QUERY_HELP = `Query the landed exports with SQL, locally (DuckDB), with the table names and types of Athena.

Usage: npm run query -- ["<SQL>"] [options]

  "<SQL>"               one statement, quoted (without it: each view's rows, columns and a sample)

Tables
  activity, activity_outcome, seat      typed views: createdAt TIMESTAMP, seatId BIGINT, …,
                                        then the partitions contract and dt (text, YYYY-MM-DD)
  activity_raw, activity_outcome_raw, seat_raw   every column as text, as the files hold it

Where the data is (default: npm start's local S3 in .local/s3, bucket ${DEFAULT_BUCKET})
  --dir DIR             a directory holding the layout (<type>/contract=<id>/dt=<day>/*.csv),
                        e.g. after aws s3 sync s3://BUCKET/${DEFAULT_PREFIX} DIR (a sync of
                        the whole bucket works too)
  --s3-endpoint URL     an S3-compatible endpoint (path-style), with --bucket
  --bucket NAME         the export bucket; without --s3-endpoint, AWS S3 itself. Credentials
                        from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE)
  --prefix P            the key prefix (default: ${DEFAULT_PREFIX})
  --region R            AWS region (default: env AWS_REGION, else us-east-1)
  The objects are downloaded to a temporary directory for the query and removed after.

Output
  (default)             an aligned table (at most ${MAX_TABLE_ROWS} rows shown)
  --json                an array of objects: numbers as numbers (BIGINT as a string beyond 2^53),
                        timestamps ISO 8601
  --csv                 RFC 4180, a header line first
  Use npm run -s query … to keep npm's own lines out of the output.

Exit status: 0, or 1 with one message on stderr (bad SQL, unknown table, no data, S3 error, bad flag).`;

class UsageError extends Error {}

/** node:util parseArgs' own complaints (unknown option, missing value), which read well as they are. */
const isParseArgsError = (error: unknown): boolean =>
  typeof (error as { code?: unknown } | null)?.code === 'string' && (error as { code: string }).code.startsWith('ERR_PARSE_ARGS');

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export interface QueryArgs {
  sql?: string;
  format: 'table' | 'json' | 'csv';
  source: Source;
  help: boolean;
}

/** The command line, checked: every mistake is a UsageError naming it. */
export const parseQueryArgs = (argv: string[], localS3Directory: string): QueryArgs => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      csv: { type: 'boolean', default: false },
      dir: { type: 'string' },
      's3-endpoint': { type: 'string' },
      bucket: { type: 'string' },
      prefix: { type: 'string' },
      region: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return { help: true, format: 'table', source: { kind: 'dir', directory: '.' } };
  if (positionals.length > 1) {
    // Unquoted SQL arrives in pieces, and the shell has already expanded its * into file names.
    throw new UsageError(`pass the SQL as one quoted argument (got ${positionals.length} arguments): npm run query -- "select …"`);
  }
  const sql = positionals[0];
  if (sql !== undefined && sql.trim() === '') throw new UsageError('the SQL is empty');
  if (values.json && values.csv) throw new UsageError('--json and --csv: choose one');
  if (values.csv && sql === undefined) throw new UsageError('--csv prints a query result: give the SQL (or use --json for the overview)');
  const format = values.json ? 'json' : values.csv ? 'csv' : 'table';

  const endpoint = values['s3-endpoint'];
  if (values.dir !== undefined && (endpoint !== undefined || values.bucket !== undefined)) {
    throw new UsageError('--dir reads a directory: not with --s3-endpoint or --bucket');
  }
  if (values.dir !== undefined && values.region !== undefined) throw new UsageError('--region is for S3, not with --dir');
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new UsageError(`--s3-endpoint ${JSON.stringify(endpoint)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--s3-endpoint must be an http(s) URL');
    if (values.bucket === undefined) throw new UsageError('--s3-endpoint needs --bucket');
  }
  if (values.bucket !== undefined && !BUCKET_NAME.test(values.bucket)) {
    throw new UsageError(`--bucket ${JSON.stringify(values.bucket)} is not a valid S3 bucket name`);
  }
  const prefix = values.prefix ?? DEFAULT_PREFIX;
  let source: Source;
  if (values.dir !== undefined) {
    source = { kind: 'dir', directory: path.resolve(values.dir), ...(values.prefix !== undefined && { prefix: values.prefix }) };
  } else if (values.bucket !== undefined) {
    source = {
      kind: 's3',
      ...(endpoint !== undefined && { endpoint: endpoint.replace(/\/+$/, '') }),
      bucket: values.bucket,
      prefix,
      ...(values.region !== undefined && { region: values.region }),
    };
  } else {
    if (values.region !== undefined) throw new UsageError('--region is for S3: give --bucket too');
    source = { kind: 'local', directory: localS3Directory, bucket: DEFAULT_BUCKET, prefix };
  }
  return { ...(sql !== undefined && { sql }), format, source, help: false };
};

/** The default S3 client: path-style for an endpoint, credentials from the standard chain (the environment first). */
export const defaultS3ClientFor = (endpoint: string | undefined, region: string | undefined): S3Client =>
  new S3Client({ ...s3ClientConfig(endpoint, region), ...(endpoint === undefined && { followRegionRedirects: true }) });

const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/**
 * Each view's summary. Counting every column (not only `count(*)`) makes DuckDB read every value
 * with its type, so a file whose rows do not parse is reported here, by the overview, rather
 * than by a later query.
 */
export const summarize = async (session: Session): Promise<ViewSummary[]> => {
  const views: ViewSummary[] = [];
  for (const exportType of EXPORT_TYPES) {
    const view = viewName(exportType);
    const described = await session.query(`DESCRIBE ${quoted(view)}`);
    const columns = described.rows.map((row) => ({ name: String(row[0]), type: String(row[1]) }));
    const counted = await session.query(
      `SELECT count(*), count(DISTINCT contract), min(dt), max(dt), ${columns.map((c) => `count(${quoted(c.name)})`).join(', ')} FROM ${quoted(view)}`,
    );
    const [rows, contracts, firstDay, lastDay] = counted.rows[0]!;
    const sample = await session.query(`SELECT * FROM ${quoted(view)} ORDER BY dt, contract LIMIT ${SAMPLE_ROWS}`);
    views.push({
      view,
      raw: rawTableName(exportType),
      exportType,
      rows: Number(rows),
      contracts: Number(contracts),
      firstDay: firstDay === null ? null : String(firstDay),
      lastDay: lastDay === null ? null : String(lastDay),
      columns,
      sample,
    });
  }
  return views;
};

/** The project's cdk.json: a deployment's `expectedColumns` are the tables' columns in Athena, so here too. */
export const CDK_JSON = path.resolve(__dirname, '..', '..', 'cdk.json');

/**
 * The `salesNavExport.expectedColumns` of cdk.json (none: the built-in columns).
 * @throws SourceError when the setting is there but not a valid list per type
 */
export const expectedColumnsFromCdkJson = (file: string): ExpectedColumnsOverride | undefined => {
  if (!existsSync(file)) return undefined;
  const context = (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, { expectedColumns?: unknown } | undefined> })
    .context;
  const value = context?.[CONTEXT_KEY]?.expectedColumns;
  if (value === undefined) return undefined;
  const problems = expectedColumnsProblems(value);
  if (problems.length > 0) throw new SourceError(`${file}: "${CONTEXT_KEY}.expectedColumns": ${problems.join('; ')}`);
  return value as ExpectedColumnsOverride;
};

export interface QueryDeps {
  /** The cdk.json whose `expectedColumns` the tables follow. @default the project's */
  cdkJsonPath?: string;
  /** npm start's s3rver data directory (tests use their own). */
  localS3Directory?: string;
  /** Builds the client of `--bucket` (tests point it at s3rver). */
  s3ClientFor?: (endpoint: string | undefined, region: string | undefined) => S3Client;
}

/** Runs the command; returns the exit status (0 ok, 1 anything wrong). */
export const main = async (
  argv: string[],
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream } = { stdout: process.stdout, stderr: process.stderr },
  deps: QueryDeps = {},
): Promise<number> => {
  const fail = (message: string, usage = false) => {
    io.stderr.write(`npm run query: ${message}${usage ? '\nRun npm run query -- --help for the options.' : ''}\n`);
    return 1;
  };
  let args: QueryArgs;
  try {
    args = parseQueryArgs(argv, deps.localS3Directory ?? LOCAL_S3_DIRECTORY);
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error)) return fail((error as Error).message, true);
    throw error;
  }
  if (args.help) {
    io.stdout.write(`${QUERY_HELP}\n`);
    return 0;
  }
  let data: LocalData | undefined;
  let session: Session | undefined;
  try {
    data = await openSource(args.source, deps.s3ClientFor ?? defaultS3ClientFor, DEFAULT_PREFIX);
    if (data.ignored.length > 0) {
      const shown = data.ignored.slice(0, 3).join(', ');
      io.stderr.write(
        `warning: ignored ${data.ignored.length} object(s) under the table folders that are not at <type>/contract=<id>/dt=<YYYY-MM-DD>/<name>.csv: ${shown}${data.ignored.length > 3 ? ', …' : ''}\n`,
      );
    }
    const override = expectedColumnsFromCdkJson(deps.cdkJsonPath ?? CDK_JSON);
    const columnsOf = (exportType: ExportType) => expectedColumnsOf(exportType, override);
    data = checkHeaders(data, (exportType) => columnsOf(exportType).map((c) => c.name));
    session = await openSession(data.files, data.root, columnsOf);
    let text: string;
    if (args.sql === undefined) {
      const overview: Overview = { source: data.description, views: await summarize(session), ignored: data.ignored };
      text = args.format === 'json' ? overviewJson(overview) : overviewText(overview);
    } else {
      const result = await session.query(args.sql);
      text = args.format === 'json' ? formatJson(result) : args.format === 'csv' ? formatCsv(result) : formatTable(result, MAX_TABLE_ROWS);
    }
    io.stdout.write(`${text}\n`);
    return 0;
  } catch (error) {
    if (error instanceof QueryError || error instanceof SourceError) return fail(error.message);
    // Anything else is a bug or the machine (disk full, …): still one line, with its name.
    const e = error as { name?: unknown; message?: unknown } | null;
    return fail(typeof e?.message === 'string' ? `${String(e.name ?? 'Error')}: ${e.message}` : String(error));
  } finally {
    session?.close();
    // A temporary copy that cannot be removed is left to the OS's temp cleanup, not turned into a failure.
    await data?.close().catch(() => undefined);
  }
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    // main answers every failure itself; this only keeps a bug's message to one line too.
    (error: unknown) => {
      process.stderr.write(`npm run query: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
