/**
 * Landing a window's verified day objects in the export ledger, and superseding what they replace
 * (docs/design.md, "Exactly once"). The ledger write that records the new objects also releases
 * the claim and lists every older object that shares a day with one as superseded (`moved: false`);
 * the moves follow, each idempotent, and a later claim step finishes any that a crash left undone.
 * So the data location never keeps two copies of a day for longer than the moves take, and every
 * superseded object stays recoverable under `<prefix>superseded/`.
 */
import { CopyObjectCommand, DeleteObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { Ledger, LedgerObject, SupersededObject } from '../contract/ledger';
import type { ExportWindow } from '../contract/state';
import { supersededKey } from '../workflow/keys';
import { formatWindow } from '../workflow/windows';
import { sharesDays } from './days';
import { ownClaim } from './claims';

/** The claim step, create step or copy step of `owner` found its claim gone: taken over while it looked dead. */
export const claimLost = (owner: string | undefined, window: ExportWindow, ledgerUri: string, holder?: string): NamedError =>
  new NamedError(
    ERROR_NAMES.claimLost,
    `ClaimLost: ${owner ? `execution ${owner} no longer holds its claim` : 'the task was never claimed (it names no owner), so it holds no claim'} on ${formatWindow(window)} in ${ledgerUri}` +
      `${holder ? ` (now held by ${holder})` : ''}; it stopped without creating, copying or landing anything, ` +
      'so the days are not exported twice. docs/operations.md, "ClaimLost".',
  );

/**
 * The ledger once `objects` (a window's day objects) landed for `owner`'s claim on `window`: the
 * objects added, every older object sharing a day with one of them superseded, the claim released.
 * @returns undefined when the owner's claim is gone (the caller fails with ClaimLost)
 */
export const landObjects = (
  ledger: Ledger,
  owner: string,
  window: ExportWindow,
  objects: readonly LedgerObject[],
  prefix: string,
): { ledger: Ledger; superseded: SupersededObject[] } | undefined => {
  const claim = ownClaim(ledger, owner, window);
  if (!claim) return undefined;
  const superseded: SupersededObject[] = [];
  const older: LedgerObject[] = [];
  for (const old of ledger.objects) {
    const by = objects.find((o) => sharesDays(o, old));
    if (!by) continue;
    older.push(old);
    superseded.push(supersede(old, by, prefix));
  }
  return {
    ledger: {
      ...ledger,
      objects: [...ledger.objects.filter((o) => !older.includes(o)), ...objects].sort((a, b) => a.startAt - b.startAt),
      superseded: [...ledger.superseded, ...superseded],
      claims: ledger.claims.filter((c) => c !== claim),
    },
    superseded,
  };
};

/**
 * Where an older object goes when `by` replaces it. Its `landedAt` names the copy, so every
 * retry computes the same key. An object at the same key as `by` was already copied there before
 * the upload overwrote it ({@link preserveBeforeOverwrite}): nothing is left to move.
 */
const supersede = (old: LedgerObject, by: LedgerObject, prefix: string): SupersededObject => ({
  ...old,
  supersededAt: by.landedAt,
  supersededBy: by.key,
  movedTo: supersededKey(prefix, old.key, old.landedAt),
  manifestMovedTo: supersededKey(prefix, old.manifestKey, old.landedAt),
  moved: old.key === by.key,
});

/** Marks the given moves done. */
export const markMoved = (ledger: Ledger, done: readonly SupersededObject[]): Ledger | undefined => {
  const keys = new Set(done.map((d) => d.movedTo));
  if (!ledger.superseded.some((s) => !s.moved && keys.has(s.movedTo))) return undefined;
  return { ...ledger, superseded: ledger.superseded.map((s) => (keys.has(s.movedTo) ? { ...s, moved: true } : s)) };
};

const isMissing = (error: unknown): boolean => {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NotFound' || name === 'NoSuchKey' || $metadata?.httpStatusCode === 404;
};

/** Copies `key` (the given version, if known) to `to`; false when the source is gone. */
const copyAside = async (s3: S3Client, bucket: string, key: string, to: string, versionId?: string): Promise<boolean> => {
  const source = `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}${versionId ? `?versionId=${encodeURIComponent(versionId)}` : ''}`;
  try {
    await s3.send(
      new CopyObjectCommand({ Bucket: bucket, Key: to, CopySource: source, MetadataDirective: 'COPY', TaggingDirective: 'COPY' }),
    );
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
};

/**
 * Deletes `key` only while it is still the object the ledger recorded (ETag), so a newer object
 * landed there meanwhile is never removed. A versioned bucket keeps the deleted version as a
 * noncurrent one as well.
 */
const deleteIfStill = async (s3: S3Client, bucket: string, key: string, etag: string | undefined): Promise<void> => {
  let current: string | undefined;
  try {
    current = (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ETag;
  } catch (error) {
    if (isMissing(error)) return;
    throw error;
  }
  if (etag !== undefined && current !== etag) return;
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, ...(current ? { IfMatch: current } : {}) }));
};

/**
 * Moves superseded objects out of the data location and keeps a copy of their manifests beside
 * them. The manifest itself stays: it lives outside the tables (contract/layout.ts) and may still
 * describe other days of its window. Idempotent: a source already gone counts as moved (a retry
 * after a crash between copy and delete).
 * @returns the entries now moved
 */
export const moveSuperseded = async (s3: S3Client, bucket: string, entries: readonly SupersededObject[]): Promise<SupersededObject[]> => {
  const done: SupersededObject[] = [];
  for (const entry of entries) {
    if (entry.moved) continue;
    // Delete only what was copied: a source already gone (a retry) has nothing left to delete, and
    // a copy that found nothing must never be followed by a delete of whatever is there.
    if (await copyAside(s3, bucket, entry.key, entry.movedTo, entry.versionId)) await deleteIfStill(s3, bucket, entry.key, entry.etag);
    await copyAside(s3, bucket, entry.manifestKey, entry.manifestMovedTo);
    done.push(entry);
  }
  return done;
};

/**
 * Before a forced export overwrites the object at its own key, keeps a copy of the landed one
 * (and its manifest) where {@link landObjects} will record it. Idempotent.
 */
export const preserveBeforeOverwrite = async (
  s3: S3Client,
  bucket: string,
  prefix: string,
  ledger: Ledger,
  key: string,
): Promise<LedgerObject | undefined> => {
  const old = ledger.objects.find((o) => o.key === key);
  if (!old) return undefined;
  await copyAside(s3, bucket, old.key, supersededKey(prefix, old.key, old.landedAt), old.versionId);
  await copyAside(s3, bucket, old.manifestKey, supersededKey(prefix, old.manifestKey, old.landedAt));
  return old;
};
