/**
 * The copy step: LinkedIn's finished export → a verified object at its deterministic S3 key.
 *
 * 0. Abort the multipart uploads an earlier, killed copy left open at the final key
 *    (stale-uploads.ts), once per copy.
 * 1. GET the job for a fresh `downloadUrl`/`expireAt` (the URL never enters state-machine state).
 * 2. URL guard: with less than `urlMinRemainingMs` left on the URL, do not start; wait for it to
 *    lapse if that fits, then GET the job again (refresh-policy.ts).
 * 3. Stream download → verifier → multipart upload straight at the FINAL key, with the export's
 *    metadata and LinkedIn's claims (rows = rowCount, bytes = Content-Length). A file that is not
 *    what was promised never becomes an object (pipeline.ts).
 * 4. Once S3 has completed the object: tag the version it completed `sha256=<hex>`, then write the
 *    manifest beside it, naming that version and ETag.
 *
 * Faults: an expired URL is refreshed and a dropped connection re-downloaded, each within its own
 * bound (refresh-policy.ts). One deadline, set `safetyMarginMs` before the Lambda's time runs out,
 * cancels the job GET, the download and the upload together and fails with
 * `CopyDeadlineExceeded`, which the state machine retries (with a fresh URL). The margin must
 * cover the multipart abort, or the completion, tag and manifest.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { ExportType } from '../contract/export-types';
import type { ExportJob } from '../linkedin/schemas';
import { exportObjectKeys, s3Uri, type ExportObjectKeys } from '../workflow/keys';
import type { ExportResult, ExportWindow } from '../contract/state';
import { sleep } from '../sleep';
import { childController, copyBudgetMs, deadlineExceeded, startDeadline, throwIfAborted, untilAborted } from './abort';
import { toCompletedJob, type CompletedJob } from './completed-job';
import { openDownload } from './download';
import { refuseOversize, streamVerified } from './pipeline';
import { afterSetback, expiryWait, NOTHING_SPENT, shortLivedUrl, type Setback, type ShortLivedUrl } from './refresh-policy';
import {
  assertPartSizeFits,
  buildManifest,
  formatS3Checksum,
  objectMetadata,
  putManifest,
  tagSha256,
  type CopyLogger,
  type ExportClaims,
  type UploadedObject,
  type VerifiedExport,
} from './s3-publish';
import { abortStaleUploads } from './stale-uploads';

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
  /**
   * ASSUMPTION: LinkedIn's files end with a line break, so a body without one was cut short by a
   * too-small Content-Length (`TruncatedDownload`; csv-rows.ts). @default true
   */
  requireFinalLineBreak?: boolean;
  now: () => number;
  onProgress?: (progress: { bytes: number; total: number }) => void;
  logger?: CopyLogger;
}

/** What landed: the result fields the state carries, plus what only the handler needs. */
export type CopyOutcome = Pick<ExportResult, 'rowCount' | 'bytes' | 'sha256' | 's3Uri' | 'manifestUri' | 'empty'> & {
  /** The object's key (`s3Uri` without the bucket). */
  csvKey: string;
  /** The manifest's key (`manifestUri` without the bucket). */
  manifestKey: string;
  /** The ETag the upload completed with (the ledger records it). */
  etag?: string;
  /** The version the upload completed, in a versioned bucket (the ledger records it). */
  versionId?: string;
  /** S3's own checksum of the object (`CRC32:base64`, …), when `checksumFromS3` and S3 returned one. */
  s3Checksum?: string;
  /** Multipart uploads an earlier, killed copy had left open at the key, aborted before this one. */
  staleUploadsAborted: number;
  seconds: number;
};

type Landed = Omit<CopyOutcome, 'seconds' | 'staleUploadsAborted'>;

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
    const keys = exportObjectKeys(deps.keyPrefix, request.exportType, request.contract, request.window);
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
  keys: ExportObjectKeys,
  deps: CopyDeps,
  signal: AbortSignal,
): Promise<{ landed: Landed; staleUploadsAborted: number }> => {
  const limits = { maxUrlRefreshes: deps.maxUrlRefreshes, maxDroppedConnectionRetries: deps.maxDroppedConnectionRetries ?? 1 };
  let tally = NOTHING_SPENT;
  let job = await getCompletedJob(request, deps, signal);
  // Once, once the job is known to be copyable and before the first attempt (an attempt's own failed
  // upload is aborted by lib-storage): the open uploads a killed copy left at the key.
  const staleUploadsAborted = await untilAborted(abortStaleUploads(deps.s3, deps.bucket, keys.csvKey, deps.logger), signal);
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

/** One download → verified upload at the final key → tag → manifest pass. */
const copyOnce = async (
  job: CompletedJob,
  request: CopyRequest,
  { csvKey, manifestKey }: ExportObjectKeys,
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

    const claims = claimsOf(request, job, opened.contentLength);
    const streamed = await streamVerified(
      opened,
      { jobId: job.id, rowCount: job.rowCount, requireFinalLineBreak: deps.requireFinalLineBreak ?? true },
      {
        s3: deps.s3,
        bucket: deps.bucket,
        key: csvKey,
        metadata: objectMetadata(claims),
        partSizeBytes: deps.partSizeBytes,
        queueSize: deps.queueSize,
        ...(deps.onProgress ? { onProgress: deps.onProgress } : {}),
      },
      attempt,
    );
    if (streamed.kind === 'dropped') return streamed;
    const facts: VerifiedExport = { ...claims, sha256: streamed.sha256 };
    return { kind: 'copied', landed: await describeLanded(facts, { csvKey, manifestKey }, streamed.uploaded, deps) };
  } finally {
    release();
  }
};

/**
 * The object exists, complete and verified: give the version the upload completed its `sha256`
 * tag, then the manifest beside it (the SHA-256 is known only after the last byte, too late for
 * the object's metadata).
 */
const describeLanded = async (
  facts: VerifiedExport,
  { csvKey, manifestKey }: { csvKey: string; manifestKey: string },
  completed: UploadedObject,
  deps: CopyDeps,
): Promise<Landed> => {
  const { s3Checksum: _notAsked, ...withoutChecksum } = completed;
  const uploaded: UploadedObject = deps.checksumFromS3 ? completed : withoutChecksum;
  await tagSha256(deps.s3, deps.bucket, csvKey, facts.sha256, uploaded.versionId);
  const objectUri = s3Uri(deps.bucket, csvKey);
  await putManifest(deps.s3, deps.bucket, manifestKey, buildManifest(facts, objectUri, deps.now(), uploaded));
  deps.logger?.info('Export copied and verified', {
    jobId: facts.jobId,
    rows: facts.rows,
    bytes: facts.bytes,
    sha256: facts.sha256,
    object: objectUri,
  });
  return landedOf(facts, { csvKey, manifestKey }, deps.bucket, uploaded);
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

const landedOf = (facts: VerifiedExport, { csvKey, manifestKey }: ExportObjectKeys, bucket: string, uploaded: UploadedObject): Landed => ({
  rowCount: facts.rows,
  bytes: facts.bytes,
  sha256: facts.sha256,
  s3Uri: s3Uri(bucket, csvKey),
  manifestUri: s3Uri(bucket, manifestKey),
  csvKey,
  manifestKey,
  empty: facts.rows === 0,
  ...(uploaded.etag ? { etag: uploaded.etag } : {}),
  ...(uploaded.versionId ? { versionId: uploaded.versionId } : {}),
  ...(uploaded.s3Checksum ? { s3Checksum: formatS3Checksum(uploaded.s3Checksum) } : {}),
});
