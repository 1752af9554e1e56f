/**
 * The layout of the export bucket, in one place (docs/design.md, "Layout"): the copy, the ledger,
 * IAM, the Glue tables and the local SQL console all derive their keys and locations from here.
 *
 * Data, one table location per export type, Hive-style, one object per UTC day:
 *
 *     <prefix><exportType>/contract=<id>/dt=<YYYY-MM-DD>/<YYYY-MM-DD>_<YYYY-MM-DD>.csv
 *
 * `dt` is the day every row of the object belongs to, and the file name is that day and the next
 * (end-exclusive, the execution input's convention). A multi-day window is split into one object
 * per day by the copy, so `WHERE dt BETWEEN …` is exact for any reader that knows Hive partitions.
 *
 * Athena reads every object under a table's location as data, so nothing else ever goes there:
 * manifests, the ledger, run files, quarantined files and superseded objects live in sibling
 * folders under the same prefix.
 */
import { CONTRACT_URN, type ExportType } from './export-types';
import { DAY_MS } from './linkedin-limits';
import { formatUtcDay } from './utc-day';

/** The folder of every run's files, under the key prefix. */
export const RUNS_FOLDER = 'runs/';

/** The ResultWriter prefix under the key prefix (S3 adds `/<map run id>/…`). */
export const MAP_RESULTS_FOLDER = `${RUNS_FOLDER}map-results`;

/** The export ledger: one object per (export type, contract). */
export const LEDGER_FOLDER = 'ledger/';

/** Objects (and their manifests) a forced export replaced, kept recoverable outside the data location. */
export const SUPERSEDED_FOLDER = 'superseded/';

/** One manifest per landed window: LinkedIn's file, its SHA-256, and the day objects it became. */
export const MANIFESTS_FOLDER = 'manifests/';

/** Files whose header did not match the expected columns: verified and kept, never published. */
export const QUARANTINE_FOLDER = 'quarantine/';

/** Every folder beside the data, so a check can prove no table location holds one of them. */
export const SIBLING_FOLDERS = [RUNS_FOLDER, LEDGER_FOLDER, SUPERSEDED_FOLDER, MANIFESTS_FOLDER, QUARANTINE_FOLDER] as const;

/** The Hive partition keys of every table, in path order. */
export const PARTITION_KEYS = ['contract', 'dt'] as const;

/** A table location's partition path, as Athena's `storage.location.template` writes it. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: Athena's placeholders, filled in by Athena, not by JavaScript
export const PARTITION_TEMPLATE = 'contract=${contract}/dt=${dt}/';

/**
 * `''` stays `''` (objects at the bucket root); anything else gets exactly one trailing
 * slash and loses leading ones (a key starting with `/` shows up as an empty-named folder).
 */
export const normalizePrefix = (prefix: string): string => {
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? '' : `${trimmed}/`;
};

/** The digits of `urn:li:contract:123456`: short, and safe in a key. */
export const contractNumericId = (contract: string): string => {
  if (!CONTRACT_URN.test(contract)) throw new RangeError(`Not a contract URN: ${JSON.stringify(contract)}`);
  return contract.slice(contract.lastIndexOf(':') + 1);
};

/** The location of one export type's table: `<prefix><exportType>/`. */
export const tableFolder = (prefix: string, exportType: ExportType): string => `${normalizePrefix(prefix)}${exportType}/`;

/** The folder of one pair's day objects: `<prefix><type>/contract=<id>/`. */
export const pairDataPrefix = (prefix: string, exportType: ExportType, contract: string): string =>
  `${tableFolder(prefix, exportType)}contract=${contractNumericId(contract)}/`;

const assertMidnight = (dayStart: number): void => {
  if (!Number.isSafeInteger(dayStart) || dayStart % DAY_MS !== 0) throw new RangeError(`Not a UTC midnight: ${dayStart}`);
};

/**
 * The key of one day's object: `<prefix><type>/contract=<id>/dt=2026-11-03/2026-11-03_2026-11-04.csv`.
 * The same day always has the same key, whatever window exported it, so exporting a day again
 * replaces its object instead of adding a second copy of its rows.
 */
export const dayObjectKey = (prefix: string, exportType: ExportType, contract: string, dayStart: number): string => {
  assertMidnight(dayStart);
  const day = formatUtcDay(dayStart);
  return `${pairDataPrefix(prefix, exportType, contract)}dt=${day}/${day}_${formatUtcDay(dayStart + DAY_MS)}.csv`;
};

/** `2026-11-01_2026-11-08`: a window's days, end-exclusive. */
const windowName = (window: { startAt: number; endAt: number }): string => {
  assertMidnight(window.startAt);
  assertMidnight(window.endAt);
  if (window.endAt <= window.startAt) throw new RangeError(`Empty window: ${window.startAt}..${window.endAt}`);
  return `${formatUtcDay(window.startAt)}_${formatUtcDay(window.endAt)}`;
};

/** The folder of one pair's manifests: `<prefix>manifests/<type>/contract=<id>/`. */
export const pairManifestPrefix = (prefix: string, exportType: ExportType, contract: string): string =>
  `${normalizePrefix(prefix)}${MANIFESTS_FOLDER}${exportType}/contract=${contractNumericId(contract)}/`;

/** The suffix of every manifest key. */
export const MANIFEST_SUFFIX = '.manifest.json';

/** The manifest of one landed window: `<prefix>manifests/<type>/contract=<id>/<start>_<end>.manifest.json`. */
export const manifestKey = (prefix: string, exportType: ExportType, contract: string, window: { startAt: number; endAt: number }): string =>
  `${pairManifestPrefix(prefix, exportType, contract)}${windowName(window)}${MANIFEST_SUFFIX}`;

/**
 * Where a file whose header did not match goes, whole and verified, with the time it came, so a
 * second attempt never overwrites the first:
 * `<prefix>quarantine/<type>/contract=<id>/<start>_<end>.csv@2026-11-30T10-00-00.000Z`.
 */
export const quarantineKey = (
  prefix: string,
  exportType: ExportType,
  contract: string,
  window: { startAt: number; endAt: number },
  at: number,
): string =>
  `${normalizePrefix(prefix)}${QUARANTINE_FOLDER}${exportType}/contract=${contractNumericId(contract)}/${windowName(window)}.csv@${new Date(at).toISOString().replace(/:/g, '-')}`;

/** The UTC midnights of a window's days, oldest first. */
export const daysOf = (window: { startAt: number; endAt: number }): number[] => {
  windowName(window);
  const days: number[] = [];
  for (let day = window.startAt; day < window.endAt; day += DAY_MS) days.push(day);
  return days;
};
