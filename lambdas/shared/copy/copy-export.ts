/**
 * The copy step: LinkedIn's finished export → a verified object at its deterministic S3 key.
 *
 * 0. Abort the multipart uploads an earlier, killed copy left open at the final key
 *    (stale-uploads.ts), once per copy.
 * 1. GET the job for a fresh `downloadUrl`/`expireAt` (the URL never enters state-machine state).
 * 2. URL guard: with less than `urlMinRemainingMs` left on the URL, do not start; wait for it to
 *    lapse if that fits, then GET the job again (refresh-policy.ts).
 * 3. One day: stream download → verifier → multipart upload straight at the day's FINAL key
 *    (contract/layout.ts), with the export's metadata and LinkedIn's claims (rows = rowCount,
 *    bytes = Content-Length). A file that is not what was promised never becomes an object
 *    (pipeline.ts). Several days: stream download → verifier → one local file per day
 *    (day-split.ts); only once the whole file is verified, upload each day to its key.
 * 4. Once S3 has completed the objects: tag each version it completed `sha256=<hex>`, then write
 *    the window's manifest under `<prefix>manifests/`, naming every day's version and ETag.
 *
 * Faults: an expired URL is refreshed and a dropped connection re-downloaded, each within its own
 * bound (refresh-policy.ts). One deadline, set `safetyMarginMs` before the Lambda's time runs out,
 * cancels the job GET, the download and the upload together and fails with
 * `CopyDeadlineExceeded`, which the state machine retries (with a fresh URL). The margin must
 * cover the multipart abort, or the completion, tag and manifest.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { ExportType } from '../contract/export-types';
import { dayObjectKey, daysOf, manifestKey as manifestKeyOf, quarantineKey } from '../contract/layout';
import type { ExportJob } from '../linkedin/schemas';
import { s3Uri } from '../workflow/keys';
import type { ExportResult, ExportWindow } from '../contract/state';
import { sleep } from '../sleep';
import { childController, copyBudgetMs, deadlineExceeded, startDeadline, throwIfAborted, untilAborted } from './abort';
import { toCompletedJob, type CompletedJob } from './completed-job';
import { networkErrorCode, openDownload, type OpenedDownload } from './download';
import { refuseOversize, spoolVerified, streamVerified, type Promised } from './pipeline';
import { NamedError } from '../contract/error-names';
import { type ExpectedColumnsOverride, expectedColumnsOf } from '../contract/export-schemas';
import { readHeaderLine, type HeaderLine } from './header-line';
import { compareHeader, schemaDriftError, type HeaderComparison, type HeaderDrift } from './schema-drift';
import { afterSetback, expiryWait, NOTHING_SPENT, shortLivedUrl, type Setback, type ShortLivedUrl } from './refresh-policy';
import {
  assertPartSizeFits,
  buildManifest,
  formatS3Checksum,
  objectMetadata,
  putManifest,
  streamToObject,
  tagSha256,
  type CopyLogger,
  type ExportClaims,
  type LandedDayObject,
  type VerifiedExport,
} from './s3-publish';
import { abortStaleUploads } from './stale-uploads';
import type { DayPart } from './day-split';

export type { CopyLogger } from './s3-publish';

/** Which export to copy. Nothing secret: this comes from state-machine state. */
export interface CopyRequest {
  exportType: ExportType;
  contract: string;
  window: ExportWindow;
  /** The COMPLETED job whose file is copied. */
  jobId: number;
  /** Every job created for this window (re-creations included), for the manifest. */
  jobIds: number[];
}

export interface CopyDeps {
  /**
   * GET of the job (the LinkedIn client). `signal` is the copy's deadline: a GET still in flight
   * when it fires must be cancelled, not left running into the Lambda's last seconds.
   */
  getJob: (jobId: number, contract: string, options?: { signal?: AbortSignal }) => Promise<ExportJob>;
  s3: S3Client;
  bucket: string;
  keyPrefix: string;
  /** Record the checksum S3 computed for the completed object (real S3; s3rver has none). */
  checksumFromS3: boolean;
  allowedHosts: string[];
  allowHttpLoopback: boolean;
  /** `Authorization` value for the download, sent only to *.linkedin.com over https. */
  downloadAuthorization?: () => Promise<string | undefined>;
  /** The Lambda's `context.getRemainingTimeInMillis`. */
  remainingTimeMs: () => number;
  safetyMarginMs: number;
  urlMinRemainingMs: number;
  maxUrlRefreshes: number;
  /** Retries of a download whose connection dropped mid-way. @default 1 */
  maxDroppedConnectionRetries?: number;
  partSizeBytes: number;
  queueSize: number;
  /** The columns each export type's file must start with (EXPECTED_COLUMNS). @default the built-in columns */
  expectedColumns?: ExpectedColumnsOverride;
  /**
   * ASSUMPTION: LinkedIn's files end with a line break, so a body without one was cut short by a
   * too-small Content-Length (`TruncatedDownload`; csv-rows.ts). @default true
   */
  requireFinalLineBreak?: boolean;
  now: () => number;
  onProgress?: (progress: { bytes: number; total: number }) => void;
  logger?: CopyLogger;
}

/** One day's object, as the ledger records it. */
export interface LandedDay {
  /** UTC midnight of the day. */
  day: number;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  /** The ETag the upload completed with. */
  etag?: string;
  /** The version the upload completed, in a versioned bucket. */
  versionId?: string;
  /** S3's own checksum of the object (`CRC32:base64`, …), when `checksumFromS3` and S3 returned one. */
  s3Checksum?: string;
}

/**
 * What landed: the result fields the state carries (LinkedIn's file: its rows, bytes and SHA-256;
 * `s3Uri` is the first day's object), plus what only the handler needs.
 */
export type CopyOutcome = Pick<ExportResult, 'rowCount' | 'bytes' | 'sha256' | 's3Uri' | 'manifestUri' | 'empty'> & {
  /** The manifest's key (`manifestUri` without the bucket). */
  manifestKey: string;
  /** Every day's object, oldest first. */
  days: LandedDay[];
  /** The file's header as observed (empty for an empty file). */
  header: string[];
  /** Columns after the expected ones (schema drift that still lands: the tables ignore them). */
  extraColumns: string[];
  /** Multipart uploads an earlier, killed copy had left open at the keys, aborted before this one. */
  staleUploadsAborted: number;
  seconds: number;
};

type Landed = Omit<CopyOutcome, 'seconds' | 'staleUploadsAborted'>;

/** The keys one window lands at: a day object per day, one manifest. */
interface WindowKeys {
  days: { day: number; key: string }[];
  manifestKey: string;
}

/** The keys of a window's day objects and its manifest (contract/layout.ts). */
export const windowKeys = (prefix: string, exportType: ExportType, contract: string, window: ExportWindow): WindowKeys => ({
  days: daysOf(window).map((day) => ({ day, key: dayObjectKey(prefix, exportType, contract, day) })),
  manifestKey: manifestKeyOf(prefix, exportType, contract, window),
});

/**
 * Copies one COMPLETED export job's CSV into S3, verified. See the module comment.
 *
 * @throws NamedError `LinkedInProtocolError` (the job is not COMPLETED or lacks downloadUrl,
 *   expireAt or rowCount), `DownloadUrlExpired`, `DownloadHostNotAllowed`, `TooManyRedirects`,
 *   `DownloadFailed`, `ContentLengthMismatch`, `TruncatedDownload`, `RowCountMismatch`, `MalformedCsv`,
 *   `CopyDeadlineExceeded`; LinkedIn client errors from `getJob` and S3 errors (the stale uploads'
 *   listing and aborts included) pass through.
 *   Every named error leaves the final key as it was (absent, or the earlier export untouched)
 *   and no multipart upload open. Only an S3 error from the tag or the manifest, after S3 has
 *   completed the verified object, leaves that object without its tag or new manifest until the
 *   step's retry writes the window again.
 */
export const copyExport = async (request: CopyRequest, deps: CopyDeps): Promise<CopyOutcome> => {
  assertPartSizeFits(deps.partSizeBytes);
  const started = deps.now();
  const deadline = startDeadline(copyBudgetMs(deps.remainingTimeMs(), deps.safetyMarginMs));
  try {
    const keys = windowKeys(deps.keyPrefix, request.exportType, request.contract, request.window);
    const { landed, staleUploadsAborted } = await copyWithRetries(request, keys, deps, deadline.signal);
    return { ...landed, staleUploadsAborted, seconds: (deps.now() - started) / 1000 };
  } catch (error) {
    // Whatever the deadline interrupted fails with its own error; the state machine needs one name.
    if (deadline.signal.aborted) throw deadlineExceeded(request.jobId, deps.safetyMarginMs, error);
    throw error;
  } finally {
    deadline.clear();
  }
};

const copyWithRetries = async (
  request: CopyRequest,
  keys: WindowKeys,
  deps: CopyDeps,
  signal: AbortSignal,
): Promise<{ landed: Landed; staleUploadsAborted: number }> => {
  const limits = { maxUrlRefreshes: deps.maxUrlRefreshes, maxDroppedConnectionRetries: deps.maxDroppedConnectionRetries ?? 1 };
  let tally = NOTHING_SPENT;
  let job = await getCompletedJob(request, deps, signal);
  // Once, once the job is known to be copyable and before the first attempt (an attempt's own failed
  // upload is aborted by lib-storage): the open uploads a killed copy left at the keys.
  let staleUploadsAborted = 0;
  for (const { key } of keys.days)
    staleUploadsAborted += await untilAborted(abortStaleUploads(deps.s3, deps.bucket, key, deps.logger), signal);
  for (;;) {
    throwIfAborted(signal);
    let setback: Setback;
    const shortLived = shortLivedUrl(job, deps.now(), deps.urlMinRemainingMs);
    if (shortLived) {
      if (shortLived.urlLifeMs > 0) await waitForExpiry(shortLived, deps, signal);
      setback = { kind: 'short-lived', why: shortLived.why };
    } else {
      const attempt = await copyOnce(job, request, keys, deps, signal);
      if (attempt.kind === 'copied') return { landed: attempt.landed, staleUploadsAborted };
      setback = attempt;
    }

    const next = afterSetback(setback, tally, limits, request.jobId);
    if (next.kind === 'give-up') throw next.error;
    tally = next.tally;
    if (next.kind === 'refresh') {
      deps.logger?.info('Getting a fresh download URL', { jobId: request.jobId, reason: next.why, refresh: tally.refreshes });
      job = await getCompletedJob(request, deps, signal);
    } else {
      deps.logger?.warn('The download connection dropped; retrying from the start', { jobId: job.id, reason: next.reason });
    }
  }
};

/** The job GET, cancelled with the copy. */
const getCompletedJob = async (request: CopyRequest, deps: CopyDeps, signal: AbortSignal): Promise<CompletedJob> => {
  throwIfAborted(signal);
  const job = await untilAborted(deps.getJob(request.jobId, request.contract, { signal }), signal);
  return toCompletedJob(job, request.jobId);
};

const waitForExpiry = async (url: ShortLivedUrl, deps: CopyDeps, signal: AbortSignal): Promise<void> => {
  const plan = expiryWait(url, copyBudgetMs(deps.remainingTimeMs(), deps.safetyMarginMs));
  if (plan.kind === 'give-up') throw plan.error;
  deps.logger?.info('Waiting for the download URL to lapse before getting a fresh one', { waitMs: plan.waitMs });
  await sleep(plan.waitMs, signal);
};

type Attempt = { kind: 'copied'; landed: Landed } | Extract<Setback, { kind: 'expired' | 'dropped' }>;

/** One download → verified day objects → tags → manifest pass. */
const copyOnce = async (
  job: CompletedJob,
  request: CopyRequest,
  keys: WindowKeys,
  deps: CopyDeps,
  deadline: AbortSignal,
): Promise<Attempt> => {
  // Per attempt: the deadline stops it, and so does a failed upload (the download is then unwanted).
  const { controller: attempt, release } = childController(deadline);
  try {
    const opened = await openDownload(job.downloadUrl, {
      jobId: job.id,
      allowedHosts: deps.allowedHosts,
      allowHttpLoopback: deps.allowHttpLoopback,
      signal: attempt.signal,
      ...(deps.downloadAuthorization ? { authorization: deps.downloadAuthorization } : {}),
    });
    if (opened.kind === 'expired') return opened;
    refuseOversize(opened, deps.partSizeBytes, job.id);

    // The header decides where the file may go, before any byte is published (schema-drift.ts).
    let header: HeaderLine;
    try {
      header = await readHeaderLine(opened.body, { subject: `Job ${job.id}` });
    } catch (error) {
      if (error instanceof NamedError || deadline.aborted) throw error;
      return { kind: 'dropped', reason: `connection lost (${networkErrorCode(error)}) while reading the header` };
    }
    const download: OpenedDownload = { ...opened, body: header.body };
    const claims = claimsOf(request, job, opened.contentLength);
    const promised = { jobId: job.id, rowCount: job.rowCount, requireFinalLineBreak: deps.requireFinalLineBreak ?? true };
    const expected = expectedColumnsOf(request.exportType, deps.expectedColumns).map((c) => c.name);
    const verdict: HeaderComparison = header.names.length === 0 ? { kind: 'same' } : compareHeader(header.names, expected);
    if (verdict.kind === 'drift') return await quarantine(download, promised, claims, header.names, verdict, deps, attempt);
    const columns = { header: header.names, extraColumns: verdict.kind === 'appended' ? verdict.extra : [] };

    const [only] = keys.days;
    if (keys.days.length === 1 && only) {
      const streamed = await streamVerified(
        download,
        promised,
        {
          s3: deps.s3,
          bucket: deps.bucket,
          key: only.key,
          metadata: objectMetadata(claims, { day: only.day, rows: claims.rows, bytes: claims.bytes }),
          partSizeBytes: deps.partSizeBytes,
          queueSize: deps.queueSize,
          ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
        },
        attempt,
      );
      if (streamed.kind === 'dropped') return streamed;
      const facts: VerifiedExport = { ...claims, sha256: streamed.sha256 };
      const day = { ...only, rows: claims.rows, bytes: claims.bytes, sha256: streamed.sha256, uploaded: streamed.uploaded };
      return { kind: 'copied', landed: await describeLanded(facts, [day], keys.manifestKey, columns, deps) };
    }

    const directory = await mkdtemp(path.join(tmpdir(), 'salesnav-days-'));
    try {
      const spooled = await spoolVerified(
        download,
        promised,
        { exportType: request.exportType, window: request.window, directory, subject: `Job ${job.id}` },
        attempt,
      );
      if (spooled.kind === 'dropped') return spooled;
      const facts: VerifiedExport = { ...claims, sha256: spooled.sha256 };
      const days = await uploadDays(spooled.parts, claims, keys, deps, attempt.signal);
      return { kind: 'copied', landed: await describeLanded(facts, days, keys.manifestKey, columns, deps) };
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  } finally {
    release();
  }
};

/**
 * Uploads the verified day files, one after the other (each is a multipart upload of its own with
 * `queueSize` parts in flight). The deadline stops the current one by erroring its body, which
 * aborts its multipart upload (s3-publish.ts); days already completed stay, verified, and the
 * ledger records none of them until every day and the manifest are in place.
 */
const uploadDays = async (
  parts: readonly DayPart[],
  claims: ExportClaims,
  keys: WindowKeys,
  deps: CopyDeps,
  signal: AbortSignal,
): Promise<LandedDayObject[]> => {
  const total = parts.reduce((sum, p) => sum + p.bytes, 0);
  let done = 0;
  const landed: LandedDayObject[] = [];
  for (const part of parts) {
    throwIfAborted(signal);
    const key = keys.days.find((d) => d.day === part.day)?.key;
    if (!key) throw new Error(`No key for the day ${new Date(part.day).toISOString()}`);
    const body = createReadStream(part.path);
    const stop = () => body.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    signal.addEventListener('abort', stop, { once: true });
    try {
      const before = done;
      const onProgress = deps.onProgress;
      const uploaded = await streamToObject({
        s3: deps.s3,
        bucket: deps.bucket,
        key,
        body,
        metadata: objectMetadata(claims, part),
        partSizeBytes: deps.partSizeBytes,
        queueSize: deps.queueSize,
        ...(onProgress ? { onProgress: (bytes: number) => onProgress({ bytes: before + bytes, total }) } : {}),
      });
      landed.push({ day: part.day, key, rows: part.rows, bytes: part.bytes, sha256: part.sha256, uploaded });
      done += part.bytes;
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
  return landed;
};

/**
 * The objects exist, complete and verified: give each version the upload completed its `sha256`
 * tag, then write the window's manifest (the SHA-256 is known only after the last byte, too late
 * for the object's metadata).
 */
const describeLanded = async (
  facts: VerifiedExport,
  completed: readonly LandedDayObject[],
  manifestKey: string,
  columns: { header: string[]; extraColumns: string[] },
  deps: CopyDeps,
): Promise<Landed> => {
  const days: LandedDayObject[] = completed.map((d) => {
    const { s3Checksum: _notAsked, ...withoutChecksum } = d.uploaded;
    return { ...d, uploaded: deps.checksumFromS3 ? d.uploaded : withoutChecksum };
  });
  for (const day of days) await tagSha256(deps.s3, deps.bucket, day.key, day.sha256, day.uploaded.versionId);
  await putManifest(deps.s3, deps.bucket, manifestKey, buildManifest(facts, deps.bucket, days, deps.now(), columns));
  const first = days[0];
  if (!first) throw new Error('A window without days');
  deps.logger?.info('Export copied and verified', {
    jobId: facts.jobId,
    rows: facts.rows,
    bytes: facts.bytes,
    sha256: facts.sha256,
    objects: days.length,
    object: s3Uri(deps.bucket, first.key),
  });
  return {
    rowCount: facts.rows,
    bytes: facts.bytes,
    sha256: facts.sha256,
    s3Uri: s3Uri(deps.bucket, first.key),
    manifestUri: s3Uri(deps.bucket, manifestKey),
    manifestKey,
    empty: facts.rows === 0,
    ...columns,
    days: days.map((d) => ({
      day: d.day,
      key: d.key,
      rows: d.rows,
      bytes: d.bytes,
      sha256: d.sha256,
      ...(d.uploaded.etag ? { etag: d.uploaded.etag } : {}),
      ...(d.uploaded.versionId ? { versionId: d.uploaded.versionId } : {}),
      ...(d.uploaded.s3Checksum ? { s3Checksum: formatS3Checksum(d.uploaded.s3Checksum) } : {}),
    })),
  };
};

/**
 * A header that is not the expected columns (nor those with new ones appended): the file must not
 * reach a table. It is kept whole and verified under `<prefix>quarantine/` (contract/layout.ts), so
 * nothing is lost, and the pair fails with `SchemaDrift`, naming the differences and the setting
 * that would accept the header.
 */
const quarantine = async (
  download: OpenedDownload,
  promised: Promised,
  claims: ExportClaims,
  observed: string[],
  drift: HeaderDrift,
  deps: CopyDeps,
  attempt: AbortController,
): Promise<Attempt> => {
  const key = quarantineKey(deps.keyPrefix, claims.exportType, claims.contract, claims.window, deps.now());
  const streamed = await streamVerified(
    download,
    promised,
    {
      s3: deps.s3,
      bucket: deps.bucket,
      key,
      metadata: {
        ...objectMetadata(claims, { day: claims.window.startAt, rows: claims.rows, bytes: claims.bytes }),
        'schema-drift': 'true',
      },
      partSizeBytes: deps.partSizeBytes,
      queueSize: deps.queueSize,
    },
    attempt,
  );
  if (streamed.kind === 'dropped') return streamed;
  const keptAt = s3Uri(deps.bucket, key);
  deps.logger?.warn('The file does not have the expected columns: kept in quarantine, not published', { object: keptAt, header: observed });
  throw schemaDriftError(
    { exportType: claims.exportType, contract: claims.contract, window: claims.window, jobId: claims.jobId },
    observed,
    drift,
    keptAt,
  );
};

/** What is known before the first byte: the request's ids and window, and LinkedIn's two claims. */
const claimsOf = (request: CopyRequest, job: CompletedJob, contentLength: number): ExportClaims => ({
  exportType: request.exportType,
  contract: request.contract,
  window: request.window,
  jobId: job.id,
  jobIds: request.jobIds.includes(job.id) ? request.jobIds : [...request.jobIds, job.id],
  rows: job.rowCount,
  bytes: contentLength,
});
