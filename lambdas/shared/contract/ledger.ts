/**
 * The export ledger (docs/design.md, "Exactly once"): one JSON object per (export type, contract)
 * in the export bucket, beside the data, that says which days have landed (and in which object
 * version), which were superseded, and which are claimed by a running execution. It is written only
 * with S3 conditional writes (`If-None-Match: *` to create it, `If-Match: <etag>` to update it), so
 * two executions that race for the same days cannot both win: the loser re-reads and follows the
 * winner.
 *
 * The schema is strict and versioned: an object that is not what the product writes (hand-edited,
 * truncated, another version's) is `LedgerCorrupt`, never silently overwritten.
 */
import * as z from 'zod/mini';
import './zod-locale';
import { EXPORT_TYPES } from './export-types';

/** The ledger's schema version; a reader refuses any other. */
export const LEDGER_VERSION = 1;

const epochMs = z.number().check(z.int(), z.nonnegative());
const count = z.number().check(z.int(), z.nonnegative());
const jobId = z.number().check(z.int());
const isoTime = z.iso.datetime({ offset: true });
const sha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

/** One landed, verified object in the data location: days `[startAt, endAt)` (UTC midnights). */
export const ledgerObjectSchema = z.strictObject({
  startAt: epochMs,
  endAt: epochMs,
  /** The CSV's key in the data location. */
  key: z.string(),
  /** Its manifest's key (the manifest names the same version and ETag). */
  manifestKey: z.string(),
  /** The version the upload completed (absent when the bucket is not versioned, e.g. s3rver). */
  versionId: z.optional(z.string()),
  /** The ETag S3 gave that version. */
  etag: z.optional(z.string()),
  sha256,
  rows: count,
  bytes: count,
  /** The LinkedIn job whose file this is. */
  jobId,
  /** The execution that landed it (the claim's owner). */
  landedBy: z.string(),
  landedAt: isoTime,
});
export type LedgerObject = z.infer<typeof ledgerObjectSchema>;

/** An object a forced export replaced: moved out of the data location, still recoverable. */
export const supersededObjectSchema = z.extend(ledgerObjectSchema, {
  supersededAt: isoTime,
  /** The key of the object that replaced it. */
  supersededBy: z.string(),
  /**
   * Where it was moved (under `<prefix>superseded/`), or, when the new object has the same key, a
   * copy of the old version kept there before the overwrite.
   */
  movedTo: z.string(),
  /** Where its manifest was moved. */
  manifestMovedTo: z.string(),
  /** False while the move is still to be done (a crash between the ledger write and the move). */
  moved: z.boolean(),
});
export type SupersededObject = z.infer<typeof supersededObjectSchema>;

/** A running execution's claim on days `[startAt, endAt)`: no one else creates a job for them. */
export const ledgerClaimSchema = z.strictObject({
  startAt: epochMs,
  endAt: epochMs,
  /** The claiming execution's ARN (`$$.Execution.Id` of the pair's first execution). */
  owner: z.string(),
  /** Local runs only: the process that runs the owner, so a later local run can tell it is gone. */
  process: z.optional(z.strictObject({ host: z.string(), pid: count })),
  claimedAt: isoTime,
  /** Where the liveness of the owner cannot be asked (local runs of another host), the claim lapses here. */
  leaseUntil: epochMs,
  /** The LinkedIn job exporting these days, once created (the current one). */
  jobId: z.optional(jobId),
  /** When that job was created (epoch ms): LinkedIn keeps a job's file 7 days. */
  jobCreatedAt: z.optional(epochMs),
  /** Every job created under this claim (re-creations included), oldest first. */
  jobIds: z.array(jobId),
  /** A create in flight since this time: still here at the next create means its answer was lost. */
  creating: z.optional(epochMs),
  /** Creates whose answer was lost: LinkedIn may hold a job for these days that nobody can name. */
  unconfirmedCreates: count,
  /** The dead owner this claim was taken over from. */
  tookOverFrom: z.optional(z.string()),
});
export type LedgerClaim = z.infer<typeof ledgerClaimSchema>;

/**
 * Why a LinkedIn job was left without its file being copied (accounting, never re-used):
 * `unconfirmedCreate` (a create whose answer was lost: LinkedIn may hold a job nobody can name),
 * `claimTakenOver` (a dead owner's job on the same window, too old to resume), `claimDropped` (a dead
 * owner's job on other days, whose claim gave way to a new window).
 */
export const ORPHAN_REASONS = ['unconfirmedCreate', 'claimTakenOver', 'claimDropped'] as const;
export const orphanSchema = z.strictObject({
  startAt: epochMs,
  endAt: epochMs,
  /** Absent for an unconfirmed create: LinkedIn never told us its id. */
  jobId: z.optional(jobId),
  owner: z.string(),
  reason: z.enum(ORPHAN_REASONS),
  at: isoTime,
});
export type Orphan = z.infer<typeof orphanSchema>;

/** The most recent orphans kept in the ledger (the count covers all of them). */
export const MAX_ORPHANS_KEPT = 50;

export const ledgerSchema = z.strictObject({
  ledgerVersion: z.literal(LEDGER_VERSION),
  exportType: z.enum(EXPORT_TYPES),
  contract: z.string(),
  /** Landed objects, by startAt; no two share a day. */
  objects: z.array(ledgerObjectSchema),
  superseded: z.array(supersededObjectSchema),
  /** Live or dead claims; no two share a day. */
  claims: z.array(ledgerClaimSchema),
  /** The latest MAX_ORPHANS_KEPT orphaned or unconfirmed jobs. */
  orphans: z.array(orphanSchema),
  orphanCount: count,
  updatedAt: isoTime,
});
export type Ledger = z.infer<typeof ledgerSchema>;

/** A ledger read from S3 with the ETag to update it with (`If-Match`), or none yet. */
export type StoredLedger = { ledger: Ledger; etag: string } | { ledger: undefined; etag: undefined };

/** Creates lost per claim before the pair stops creating (JobCreateUnconfirmed). */
export const MAX_UNCONFIRMED_CREATES = 2;

/**
 * How long LinkedIn keeps a job and its file (docs/linkedin-api.md, "Download URL TTL"): a dead
 * claim's job younger than this is resumed by id instead of created again.
 */
export const LINKEDIN_JOB_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
