/**
 * Where `npm run query` finds the landed CSVs, and how they become local files DuckDB can read.
 *
 * DuckDB's S3 access is its httpfs extension, which it downloads on first use: not possible on
 * every machine (nor wanted on a laptop behind a proxy), so an S3 source is copied through the
 * S3 API into a temporary directory that mirrors the keys, and DuckDB reads local files only.
 *
 * Only day objects count as data, exactly those the table locations hold
 * (lambdas/shared/contract/layout.ts): `<prefix><type>/contract=<id>/dt=<YYYY-MM-DD>/<name>.csv`.
 * Manifests, the ledger, run files and quarantined or superseded files live in sibling folders
 * and are never listed; anything else under a table folder is reported as ignored, because it is
 * either an older layout or something Athena would read as data and should not be there.
 */
import { closeSync, createWriteStream, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { normalizePrefix, tableFolder } from '../../lambdas/shared/contract/layout';
import { parseUtcDay } from '../../lambdas/shared/contract/utc-day';

/** A mistake in what the user asked for or an S3 answer, said in one line (no stack trace). */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

/** Thrown when not one day object was found: the CLI says "no data landed yet". */
export class NoDataError extends SourceError {}

/** Where the data is. */
export type Source =
  /** The s3rver data directory `npm start` leaves behind (started here, stopped after). */
  | { kind: 'local'; directory: string; bucket: string; prefix: string }
  /** Any S3 API: an endpoint (path-style), or AWS S3 itself when `endpoint` is undefined. */
  | { kind: 's3'; endpoint?: string; bucket: string; prefix: string; region?: string }
  /** A directory holding the layout (e.g. after `aws s3 sync`); `prefix` below it, when given. */
  | { kind: 'dir'; directory: string; prefix?: string };

/** One day object, by its key relative to the prefix. */
export interface DayObject {
  exportType: ExportType;
  /** The partition values, as the path writes them (DuckDB and Athena read them as text). */
  contract: string;
  dt: string;
  /** `<type>/contract=<id>/dt=<day>/<name>.csv` */
  relativeKey: string;
}

/** The landed data as local files, ready for DuckDB. */
export interface LocalData {
  /** Absolute paths of each export type's day objects. */
  files: Record<ExportType, string[]>;
  /** The directory the relative keys are under (DuckDB reads Hive partitions off its path too). */
  root: string;
  /** Where the data came from, for messages: `s3://bucket/prefix/` or a directory. */
  description: string;
  /** Keys (or paths) under a table folder that are not day objects, left out. */
  ignored: string[];
  /** Removes what was downloaded (nothing for a directory source). */
  close(): Promise<void>;
}

// The name is the layout's `<day>_<next day>.csv`, or any other plain name Athena would read as
// well; no path separators or leading dots, so a key can never name a file outside the mirror.
const DAY_OBJECT = /^([A-Za-z]+)\/contract=([0-9]{1,19})\/dt=([0-9]{4}-[0-9]{2}-[0-9]{2})\/([A-Za-z0-9_][A-Za-z0-9_.=-]*\.csv)$/;

/**
 * The day object a key (relative to the prefix) is, or undefined: another folder, an older
 * layout, a file that is not a CSV, a `dt` that is not a calendar day.
 */
export const dayObjectOf = (relativeKey: string): DayObject | undefined => {
  const match = DAY_OBJECT.exec(relativeKey);
  const exportType = EXPORT_TYPES.find((type) => type === match?.[1]);
  if (!match || !exportType || parseUtcDay(match[3]!) === undefined) return undefined;
  return { exportType, contract: match[2]!, dt: match[3]!, relativeKey };
};

const emptyFiles = (): Record<ExportType, string[]> => ({ activity: [], activityOutcome: [], seat: [] });

/** Sorts the keys under the table folders into day objects and the rest. */
export const classifyKeys = (relativeKeys: Iterable<string>): { objects: DayObject[]; ignored: string[] } => {
  const objects: DayObject[] = [];
  const ignored: string[] = [];
  for (const key of relativeKeys) {
    const object = dayObjectOf(key);
    if (object) objects.push(object);
    else ignored.push(key);
  }
  objects.sort((a, b) => (a.relativeKey < b.relativeKey ? -1 : a.relativeKey > b.relativeKey ? 1 : 0));
  return { objects, ignored: ignored.sort() };
};

const filesOf = (root: string, objects: readonly DayObject[]): Record<ExportType, string[]> => {
  const files = emptyFiles();
  for (const object of objects) files[object.exportType].push(path.join(root, ...object.relativeKey.split('/')));
  return files;
};

const LAYOUT_GLOB = '<type>/contract=<id>/dt=<YYYY-MM-DD>/*.csv';

/**
 * For npm start's local S3 the remedy is known; elsewhere, say where it looked. Objects in the
 * table folders that are not day objects (an older layout) are named: that is why nothing was found.
 */
const noData = (where: string, local: boolean, ignored: readonly string[] = []): NoDataError => {
  const other = ignored.length ? `; ${ignored.length} object(s) there in another layout, e.g. ${ignored[0]}` : '';
  return new NoDataError(
    local
      ? `no data landed yet: run npm start (nothing at ${LAYOUT_GLOB} under ${where}${other})`
      : `no data landed yet under ${where} (nothing at ${LAYOUT_GLOB}${other})`,
  );
};

/**
 * Every file under `<root>/<type>/` as a `/`-separated path relative to `root`. Table folders
 * only: a whole `aws s3 sync` of the bucket also holds manifests/, ledger/, runs/, …
 */
const walkTables = (root: string): string[] =>
  EXPORT_TYPES.flatMap((type) => {
    const folder = path.join(root, type);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) return [];
    return readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
  });

const hasTableFolder = (root: string): boolean => EXPORT_TYPES.some((type) => existsSync(path.join(root, type)));

/**
 * A directory source. `--dir` names the folder holding the table folders (after
 * `aws s3 sync s3://bucket/prefix/ DIR`); when it holds none but `DIR/<default prefix>` does
 * (a sync of the whole bucket), that is used, so either sync just works.
 */
export const directoryData = (directory: string, prefix: string | undefined, defaultPrefix: string): LocalData => {
  if (!existsSync(directory) || !statSync(directory).isDirectory()) throw new SourceError(`--dir ${directory}: no such directory`);
  const below = (keyPrefix: string) => path.resolve(directory, ...normalizePrefix(keyPrefix).split('/').filter(Boolean));
  let root = below(prefix ?? '');
  if (prefix === undefined && !hasTableFolder(root) && hasTableFolder(below(defaultPrefix))) root = below(defaultPrefix);
  const { objects, ignored } = classifyKeys(walkTables(root));
  if (objects.length === 0) throw noData(root, false, ignored);
  return { files: filesOf(root, objects), root, description: root, ignored, close: async () => {} };
};

/** What an S3 failure means to the user, in one line. */
export const s3FailureMessage = (error: unknown, where: { endpoint?: string; bucket: string }): string => {
  const e = error as { name?: string; message?: string; code?: string };
  const at = where.endpoint ?? 'AWS S3';
  const message = (e.message ?? String(error)).replace(/\s+/g, ' ').trim();
  const network = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];
  if ((e.code && network.includes(e.code)) || network.some((code) => message.includes(code)) || e.name === 'TimeoutError') {
    return `cannot reach the S3 endpoint ${at}: ${message}`;
  }
  if (e.name === 'NoSuchBucket') return `bucket ${where.bucket} does not exist at ${at}`;
  if (e.name === 'CredentialsProviderError' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch') {
    return `${e.name} at ${at}: ${message} (credentials come from the environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE)`;
  }
  return `${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${message} (bucket ${where.bucket} at ${at})`;
};

/** Objects downloaded at once: enough to hide each request's latency, few enough for a laptop. */
const DOWNLOAD_CONCURRENCY = 8;

/**
 * Lists the table folders of `bucket`/`prefix` and downloads the day objects into a temporary
 * directory that mirrors their keys below the prefix.
 *
 * @param local npm start's local S3 (then "no data landed yet" says to run it)
 */
export const s3Data = async (
  client: S3Client,
  where: { endpoint?: string; bucket: string; prefix: string },
  description: string,
  local = false,
): Promise<LocalData> => {
  const prefix = normalizePrefix(where.prefix);
  const keys: string[] = [];
  try {
    for (const type of EXPORT_TYPES) {
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: where.bucket, Prefix: tableFolder(prefix, type), ContinuationToken: token }),
        );
        for (const { Key } of page.Contents ?? []) if (Key !== undefined) keys.push(Key.slice(prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    }
  } catch (error) {
    throw new SourceError(s3FailureMessage(error, where));
  }
  const { objects, ignored } = classifyKeys(keys);
  if (objects.length === 0) throw noData(description, local, ignored);

  const root = await mkdtemp(path.join(tmpdir(), 'salesnav-query-'));
  const close = () => rm(root, { recursive: true, force: true });
  try {
    let next = 0;
    const worker = async () => {
      while (next < objects.length) {
        const object = objects[next++]!;
        const file = path.join(root, ...object.relativeKey.split('/'));
        await mkdir(path.dirname(file), { recursive: true });
        const answer = await client.send(new GetObjectCommand({ Bucket: where.bucket, Key: `${prefix}${object.relativeKey}` }));
        await pipeline(answer.Body as Readable, createWriteStream(file));
      }
    };
    await Promise.all(Array.from({ length: Math.min(DOWNLOAD_CONCURRENCY, objects.length) }, worker));
  } catch (error) {
    await close();
    throw new SourceError(s3FailureMessage(error, where));
  }
  return {
    files: filesOf(root, objects),
    root,
    description,
    ignored: ignored.map((key) => `${prefix}${key}`),
    close,
  };
};

/** `s3://bucket/prefix/` */
const s3Url = (bucket: string, prefix: string): string => `s3://${bucket}/${normalizePrefix(prefix)}`;

/**
 * Resolves a source into local files.
 *
 * @param s3ClientFor builds the client of an `s3` source (tests point it at s3rver)
 * @param defaultPrefix where a `dir` source looks when its top holds no table folder
 */
export const openSource = async (
  source: Source,
  s3ClientFor: (endpoint: string | undefined, region: string | undefined) => S3Client,
  defaultPrefix: string,
): Promise<LocalData> => {
  switch (source.kind) {
    case 'dir':
      return directoryData(source.directory, source.prefix, defaultPrefix);
    case 's3': {
      const client = s3ClientFor(source.endpoint, source.region);
      try {
        return await s3Data(client, source, `${s3Url(source.bucket, source.prefix)}${source.endpoint ? ` at ${source.endpoint}` : ''}`);
      } finally {
        client.destroy();
      }
    }
    case 'local': {
      const description = `${s3Url(source.bucket, source.prefix)} in npm start's local S3, ${source.directory}`;
      // Checked first: before any run there is no bucket folder, and starting s3rver would create one.
      if (!existsSync(path.join(source.directory, source.bucket))) throw noData(description, true);
      // Loaded here only: s3rver (and its web stack) is of no use to the other sources.
      const [{ startLocalS3 }, { S3RVER_CREDENTIALS, s3ClientConfig }] = await Promise.all([import('../s3'), import('../s3-client')]);
      const local = await startLocalS3({ bucket: source.bucket, directory: source.directory });
      const client = new S3Client({ ...s3ClientConfig(local.endpoint), credentials: S3RVER_CREDENTIALS });
      try {
        return await s3Data(client, { endpoint: local.endpoint, bucket: source.bucket, prefix: source.prefix }, description, true);
      } finally {
        client.destroy();
        await local.close();
      }
    }
  }
};

// --- headers -----------------------------------------------------------------------------------

/** A header longer than this is not an export's: the check reads no further. */
const MAX_HEADER_BYTES = 64 * 1024;

/** The first line of a file (without BOM and line ending), or undefined for an empty file. */
const firstLine = (file: string): string | undefined => {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(MAX_HEADER_BYTES);
    const text = buffer.subarray(0, readSync(fd, buffer, 0, MAX_HEADER_BYTES, 0)).toString('utf8');
    if (text === '') return undefined;
    const end = text.search(/\r?\n/);
    return (end < 0 ? text : text.slice(0, end)).replace(/^\uFEFF/, '');
  } finally {
    closeSync(fd);
  }
};

/** A header's column names (an export's header quotes nothing; a quoted name is unquoted anyway). */
const headerNames = (line: string): string[] => line.split(',').map((name) => name.replace(/^"(.*)"$/, '$1').replace(/""/g, '"'));

/**
 * Why a header does not fit its table, or undefined when it does: the schema's columns, in
 * order, then any appended ones (the copy's drift policy). DuckDB lines columns up by name but
 * Athena's CSV SerDe by position, so a file with a column missing, renamed or moved would read
 * differently in each (or as NULLs): such a file is refused, named, rather than misread.
 */
export const headerProblem = (
  exportType: ExportType,
  line: string | undefined,
  expected: readonly string[] = columnNames(exportType),
): string | undefined => {
  if (line === undefined) return 'the file is empty (not even a header)';
  const found = headerNames(line);
  const differs = expected.findIndex((name, i) => found[i] !== name);
  if (differs < 0) return undefined;
  return `its header is ${found.join(',')}; the ${exportType} table reads ${expected.join(',')} (columns may only be appended at the end)`;
};

/**
 * Refuses the data when one of its files does not have its table's header, naming the file.
 * A zero-byte object (LinkedIn's empty file of a day without rows) holds no rows and no header:
 * it is left out, as Athena reads it as no rows.
 * @param expectedOf the columns each type's files must start with (cdk.json expectedColumns, or the built-in ones)
 * @returns the data without its zero-byte objects
 */
export const checkHeaders = (data: LocalData, expectedOf: (exportType: ExportType) => readonly string[] = columnNames): LocalData => {
  const files = {} as Record<ExportType, string[]>;
  for (const exportType of EXPORT_TYPES) {
    files[exportType] = data.files[exportType].filter((file) => statSync(file).size > 0);
    for (const file of files[exportType]) {
      const problem = headerProblem(exportType, firstLine(file), expectedOf(exportType));
      if (problem) {
        const name = path.relative(data.root, file).split(path.sep).join('/');
        throw new SourceError(`the ${exportType} object ${name} in ${data.description} does not fit its table: ${problem}`);
      }
    }
  }
  return { ...data, files };
};
