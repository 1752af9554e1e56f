/**
 * Where exports land in S3. Keys are a pure function of (prefix, export type, contract,
 * window), so running a window again overwrites its object instead of adding a second copy,
 * and a reader can list one export type, or one contract of it, by prefix.
 */
import type { ExportType } from '../contract/export-types';
import { EXECUTION_NAME_PATTERN } from '../contract/names';
import { contractNumericId, LEDGER_FOLDER, normalizePrefix, pairDataPrefix, RUNS_FOLDER, SUPERSEDED_FOLDER } from '../contract/layout';

export { contractNumericId, normalizePrefix, pairDataPrefix };

/** `s3://bucket/key`, as the execution output and the manifest report objects. */
export const s3Uri = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/**
 * Where one execution keeps its run files, beside the exports (never inside an export type's
 * folder): `<prefix>runs/<execution name>/items.json` (the Plan's pairs, read by the Distributed
 * Map's ItemReader), `…/already-landed.json` (the pairs it left out, every day landed) and
 * `…/report.json` (the Summarize step's run report).
 */
export const runKeys = (prefix: string, executionName: string): { itemsKey: string; reportKey: string; skippedKey: string } => {
  if (!EXECUTION_NAME_PATTERN.test(executionName)) throw new RangeError(`Not an execution name: ${JSON.stringify(executionName)}`);
  const base = `${normalizePrefix(prefix)}${RUNS_FOLDER}${executionName}/`;
  return { itemsKey: `${base}items.json`, reportKey: `${base}report.json`, skippedKey: `${base}already-landed.json` };
};

/** The ledger object of one pair: `<prefix>ledger/<type>/contract=<id>.json` (contract/ledger.ts). */
export const ledgerKey = (prefix: string, exportType: ExportType, contract: string): string =>
  `${normalizePrefix(prefix)}${LEDGER_FOLDER}${exportType}/contract=${contractNumericId(contract)}.json`;

/** The folder of every pair's ledger object. */
export const ledgerFolder = (prefix: string): string => `${normalizePrefix(prefix)}${LEDGER_FOLDER}`;

/**
 * Where a superseded object (or manifest) goes: the same path under `<prefix>superseded/`, with
 * the time it was superseded, so superseding the same key twice keeps both.
 * `…/activity/contract=1/2026-11-01_2026-11-03.csv` → `…/superseded/activity/contract=1/2026-11-01_2026-11-03.csv@2026-11-30T10-00-00.000Z`
 */
export const supersededKey = (prefix: string, key: string, supersededAt: string): string => {
  const root = normalizePrefix(prefix);
  if (!key.startsWith(root)) throw new RangeError(`${key} is not under the prefix ${JSON.stringify(root)}`);
  return `${root}${SUPERSEDED_FOLDER}${key.slice(root.length)}@${supersededAt.replace(/:/g, '-')}`;
};
