/**
 * Reads every export ledger of the bucket for the freshness Lambda: lists `<prefix>ledger/<type>/`
 * of each export type (side by side: 10,000 contracts are 10 pages per type, not 30 in a row),
 * reads the ledgers a bounded number at a time, and keeps of each only its newest landed day (a ledger
 * grows by one entry per landed day: after a year, 30,000 of them whole are gigabytes; their newest
 * days are a few MB). A ledger that does not parse is counted and named, not fatal: freshness is about every
 * other pair, and the pair's own runs fail with LedgerCorrupt.
 */
import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { EXPORT_TYPES, type ExportType } from '../contract/export-types';
import { ledgerFolder } from '../workflow/keys';
import { newestDayOf, type PairNewestDay } from './freshness';
import { LedgerCorruptError, readLedger } from './store';

/**
 * Ledgers read at once. The SDK's HTTP agent keeps 50 sockets per host, so more would only
 * queue; 32 is the Plan's figure (plan-against-ledger.ts) for the same reads.
 */
export const FRESHNESS_READ_CONCURRENCY = 32;

/** A ledger's name in its type's folder: `contract=<digits>.json`. */
const LEDGER_NAME = /^contract=([0-9]{1,19})\.json$/;

export interface LedgerScan {
  /** Every readable ledger, reduced to its newest landed day. */
  pairs: PairNewestDay[];
  /** Ledgers listed and read. */
  ledgersRead: number;
  /** Ledgers that are not what the product writes (their s3:// URI and the problem, first 20). */
  corrupt: Array<{ uri: string; reason: string }>;
  corruptCount: number;
  /** Keys in an export type's ledger folder that are not a ledger's (first 20): left alone. */
  foreignKeys: string[];
  foreignCount: number;
}

/** Runs `work` over `items`, at most `limit` at a time. */
const forEachLimited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> => {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
};

/** Every key under `prefix` (ListObjectsV2, 1,000 a page). */
const listKeys = async (s3: S3Client, bucket: string, prefix: string): Promise<string[]> => {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of page.Contents ?? []) if (item.Key) keys.push(item.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
};

const SAMPLE = 20;

/**
 * Lists and reads every ledger under `<prefix>ledger/`.
 *
 * @param concurrency ledgers read at once (default {@link FRESHNESS_READ_CONCURRENCY})
 * @throws S3's errors other than a ledger that vanished since the listing (NoSuchKey: skipped)
 */
export const scanLedgers = async (
  at: { s3: S3Client; bucket: string; prefix: string },
  concurrency: number = FRESHNESS_READ_CONCURRENCY,
): Promise<LedgerScan> => {
  const scan: LedgerScan = { pairs: [], ledgersRead: 0, corrupt: [], corruptCount: 0, foreignKeys: [], foreignCount: 0 };
  const ledgers: Array<{ exportType: ExportType; contract: string }> = [];
  const listed = await Promise.all(
    EXPORT_TYPES.map(async (exportType) => {
      const folder = `${ledgerFolder(at.prefix)}${exportType}/`;
      return { exportType, folder, keys: await listKeys(at.s3, at.bucket, folder) };
    }),
  );
  for (const { exportType, folder, keys } of listed) {
    for (const key of keys) {
      const match = LEDGER_NAME.exec(key.slice(folder.length));
      if (!match) {
        scan.foreignCount++;
        if (scan.foreignKeys.length < SAMPLE) scan.foreignKeys.push(key);
        continue;
      }
      ledgers.push({ exportType, contract: `urn:li:contract:${match[1]}` });
    }
  }
  await forEachLimited(ledgers, concurrency, async ({ exportType, contract }) => {
    try {
      const { ledger } = await readLedger({ ...at, exportType, contract });
      // Deleted between the listing and the read: nothing to report for it.
      if (!ledger) return;
      scan.ledgersRead++;
      scan.pairs.push(newestDayOf(ledger));
    } catch (error) {
      if (!(error instanceof LedgerCorruptError)) throw error;
      scan.ledgersRead++;
      scan.corruptCount++;
      if (scan.corrupt.length < SAMPLE) scan.corrupt.push({ uri: error.uri, reason: error.reason });
    }
  });
  return scan;
};
