/**
 * Fixtures of the export ledger tests: days written as `YYYY-MM-DD`, and ledger entries built the
 * way the workflow writes them. Every ledger goes through the product's own schema, so a fixture
 * cannot drift from what the ledger may hold.
 */
import {
  type Ledger,
  type LedgerClaim,
  type LedgerObject,
  ledgerSchema,
  type Orphan,
  type SupersededObject,
} from '../../lambdas/shared/contract/ledger';
import type { ExportWindow } from '../../lambdas/shared/contract/state';
import { formatUtcDay, parseUtcDay } from '../../lambdas/shared/contract/utc-day';

export const PREFIX = 'linkedin-sales-navigator/';
export const CONTRACT = 'urn:li:contract:123456';
export const DATA_FOLDER = `${PREFIX}activity/contract=123456/`;
export const OWNER = 'arn:aws:states:eu-west-1:111122223333:execution:LinkedInSalesNavExport:run-2';
export const OTHER = 'arn:aws:states:eu-west-1:111122223333:execution:LinkedInSalesNavExport:run-1';
export const THIRD = 'arn:aws:states:eu-west-1:111122223333:execution:LinkedInSalesNavExport:run-0';
/** "Now" of every test: 2026-12-01 12:00 UTC. */
export const NOW = Date.parse('2026-12-01T12:00:00.000Z');
export const HOUR_MS = 3_600_000;

/** 00:00 UTC of a `YYYY-MM-DD` day. */
export const day = (text: string): number => {
  const ms = parseUtcDay(text);
  if (ms === undefined) throw new RangeError(`not a day: ${text}`);
  return ms;
};

/** The window of days `from` (inclusive) to `to` (exclusive). */
export const w = (from: string, to: string): ExportWindow => ({ startAt: day(from), endAt: day(to) });

/** Windows as `from_to` texts, for readable assertions. */
export const show = (windows: readonly ExportWindow[]): string[] =>
  windows.map((x) => `${formatUtcDay(x.startAt)}_${formatUtcDay(x.endAt)}`);

/** A landed object of the activity export of CONTRACT, at its product key. */
export const landed = (from: string, to: string, extra: Partial<LedgerObject> = {}): LedgerObject => ({
  startAt: day(from),
  endAt: day(to),
  key: `${DATA_FOLDER}${from}_${to}.csv`,
  manifestKey: `${DATA_FOLDER}${from}_${to}.manifest.json`,
  etag: '"0123456789abcdef0123456789abcdef"',
  sha256: 'a'.repeat(64),
  rows: 10,
  bytes: 1_000,
  jobId: 6_000_000_001,
  landedBy: OTHER,
  landedAt: '2026-11-30T10:00:00.000Z',
  ...extra,
});

/** A claim of `owner` (OWNER unless given) on the days `from` to `to`. */
export const claimOf = (from: string, to: string, extra: Partial<LedgerClaim> = {}): LedgerClaim => ({
  startAt: day(from),
  endAt: day(to),
  owner: OWNER,
  claimedAt: '2026-12-01T11:00:00.000Z',
  leaseUntil: NOW + HOUR_MS,
  jobIds: [],
  unconfirmedCreates: 0,
  ...extra,
});

/** An orphan of OTHER's claim on `from` to `to`. */
export const orphanOf = (from: string, to: string, extra: Partial<Orphan> = {}): Orphan => ({
  startAt: day(from),
  endAt: day(to),
  jobId: 6_000_000_100,
  owner: OTHER,
  reason: 'claimTakenOver',
  at: '2026-11-20T00:00:00.000Z',
  ...extra,
});

/** A superseded entry for `old`, replaced by `by`, whose move is done or not. */
export const supersededOf = (old: LedgerObject, by: LedgerObject, moved: boolean): SupersededObject => ({
  ...old,
  supersededAt: by.landedAt,
  supersededBy: by.key,
  movedTo: `${PREFIX}superseded/${old.key.slice(PREFIX.length)}@${old.landedAt.replace(/:/g, '-')}`,
  manifestMovedTo: `${PREFIX}superseded/${old.manifestKey.slice(PREFIX.length)}@${old.landedAt.replace(/:/g, '-')}`,
  moved,
});

/** A ledger of the activity export of CONTRACT, checked against the schema the workflow writes with. */
export const ledgerOf = (over: Partial<Ledger> = {}): Ledger =>
  ledgerSchema.parse({
    ledgerVersion: 1,
    exportType: 'activity',
    contract: CONTRACT,
    objects: [],
    superseded: [],
    claims: [],
    orphans: [],
    orphanCount: 0,
    updatedAt: '2026-12-01T11:30:00.000Z',
    ...over,
  });
