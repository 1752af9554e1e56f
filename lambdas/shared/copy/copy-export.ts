/**
 * The copy step: LinkedIn's finished export → a verified object at its deterministic S3 key.
 *
 * 1. GET the job for a fresh `downloadUrl`/`expireAt` (the URL never enters state-machine state).
 * 2. URL guard: with less than `urlMinRemainingMs` left on the URL, do not start; wait for it to
 *    lapse if that fits, then GET the job again (LinkedIn mints a fresh URL only after expiry).
 * 3. Stream download → {@link CsvVerifyingStream} → multipart upload straight at the FINAL key,
 *    with the export's metadata and LinkedIn's claims (rows = rowCount, bytes = Content-Length).
 *    The stream verifies bytes, CSV rows and shape before it ends; a file that is not what was
 *    promised errors the stream, the upload is aborted and the object never exists
 *    ("controlled completion", see s3-publish.ts). Memory stays at about `queueSize × partSize`.
 * 4. Once S3 has completed the object: tag it `sha256=<hex>`, then write the manifest beside it.
 *
 * Faults: a 403/410 from the download (at the start, or on the retry after a dropped connection,
 * i.e. the URL expired under us) → GET the job again, bounded by `maxUrlRefreshes`, then
 * `DownloadUrlExpired`. A dropped connection (or a body that ends short of its Content-Length) is
 * retried from byte 0 at most `maxDroppedConnectionRetries` times, then `TruncatedDownload`. One
 * deadline, set `safetyMarginMs` before the Lambda's time runs out, aborts download and upload
 * together and fails with `CopyDeadlineExceeded`, which the state machine retries (with a fresh
 * URL). The margin must cover the multipart abort, or the completion, tag and manifest.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { pipeline } from 'node:stream/promises';
import { ERROR_NAMES, NamedError } from '../error-names';
import type { ExportType } from '../linkedin/export-types';
import type { ExportJob } from '../linkedin/schemas';
import { exportObjectKeys, s3Uri } from '../workflow/keys';
import type { ExportResult, ExportWindow } from '../workflow/state';
import { CsvVerifyingStream, ShortBodyError } from './csv-rows';
import { networkErrorCode, openDownload, type OpenedDownload } from './download';
import {
  assertPartSizeFits,
  buildManifest,
  formatS3Checksum,
  maxUploadBytes,
  objectMetadata,
  putManifest,
  streamToObject,
  tagSha256,
  type CopyLogger,
  type ExportClaims,
  type UploadedObject,
  type VerifiedExport,
} from './s3-publish';

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
  /** GET of the job (the LinkedIn client). */
  getJob: (jobId: number, contract: string) => Promise<ExportJob>;
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
  now: () => number;
  onProgress?: (progress: { bytes: number; total: number }) => void;
  logger?: CopyLogger;
}

/** What landed: the result fields the state carries, plus what only the handler needs. */
export type CopyOutcome = Pick<ExportResult, 'rowCount' | 'bytes' | 'sha256' | 's3Uri' | 'manifestUri' | 'empty'> & {
  /** S3's own checksum of the object (`CRC32:base64`, …), when `checksumFromS3` and S3 returned one. */
  s3Checksum?: string;
  seconds: number;
};

/** A job that has everything the copy needs. */
interface CompletedJob {
  id: number;
  downloadUrl: string;
  expireAt: number;
  rowCount: number;
}

type AttemptResult =
  | { kind: 'copied'; outcome: Omit<CopyOutcome, 'seconds'> }
  | { kind: 'expired'; status: number }
  | { kind: 'dropped'; reason: string };

/**
 * Copies one COMPLETED export job's CSV into S3, verified. See the module comment.
 *
 * @throws NamedError `LinkedInProtocolError` (the job is not COMPLETED or lacks downloadUrl,
 *   expireAt or rowCount), `DownloadUrlExpired`, `DownloadHostNotAllowed`, `TooManyRedirects`,
 *   `DownloadFailed`, `ContentLengthMismatch`, `TruncatedDownload`, `RowCountMismatch`, `MalformedCsv`,
 *   `CopyDeadlineExceeded`; LinkedIn client errors from `getJob` and S3 errors pass through.
 *   Every named error leaves the final key as it was (absent, or the earlier export untouched)
 *   and no multipart upload open. Only an S3 error from the tag or the manifest, after S3 has
 *   completed the verified object, leaves that object without its tag or new manifest until the
 *   step's retry writes the window again.
 */
export const copyExport = async (request: CopyRequest, deps: CopyDeps): Promise<CopyOutcome> => {
  assertPartSizeFits(deps.partSizeBytes);
  const started = deps.now();
  const deadline = startDeadline(request.jobId, deps);
  try {
    const outcome = await copyWithRefreshes(request, deps, deadline.signal);
    return { ...outcome, seconds: (deps.now() - started) / 1000 };
  } catch (error) {
    if (deadline.signal.aborted) throw deadline.error(error);
    throw error;
  } finally {
    deadline.clear();
  }
};

const copyWithRefreshes = async (request: CopyRequest, deps: CopyDeps, signal: AbortSignal): Promise<Omit<CopyOutcome, 'seconds'>> => {
  const log = deps.logger;
  const maxDropRetries = deps.maxDroppedConnectionRetries ?? 1;
  let refreshes = 0;
  let dropRetries = 0;
  const refresh = async (why: string): Promise<CompletedJob> => {
    if (refreshes >= deps.maxUrlRefreshes) {
      throw new NamedError(
        ERROR_NAMES.urlExpired,
        `No usable download URL for job ${request.jobId} after ${refreshes} refresh(es): ${why}`,
      );
    }
    refreshes += 1;
    log?.info('Getting a fresh download URL', { jobId: request.jobId, reason: why, refresh: refreshes });
    return getCompletedJob(request, deps, signal);
  };

  let job = await getCompletedJob(request, deps, signal);
  for (;;) {
    throwIfAborted(signal);
    const urlLifeMs = job.expireAt - deps.now();
    if (urlLifeMs < deps.urlMinRemainingMs) {
      const why = `the download URL for job ${job.id} ${urlLifeMs > 0 ? `expires in ${Math.ceil(urlLifeMs / 1000)} s` : 'has expired'}, under the ${Math.round(deps.urlMinRemainingMs / 1000)} s minimum`;
      if (urlLifeMs > 0) await waitForExpiry(urlLifeMs, deps, signal, why);
      job = await refresh(why);
      continue;
    }

    const result = await copyOnce(job, request, deps, signal);
    if (result.kind === 'copied') return result.outcome;
    if (result.kind === 'expired') {
      job = await refresh(`the download URL for job ${job.id} answered HTTP ${result.status} (expired)`);
      // A URL that expires mid-download shows up as a dropped connection first; a fresh URL gets
      // a fresh allowance, so the refresh limit (not the drop limit) decides when to give up.
      dropRetries = 0;
      continue;
    }
    if (dropRetries >= maxDropRetries) {
      throw new NamedError(
        ERROR_NAMES.truncated,
        `The download for job ${job.id} ended early ${dropRetries + 1} time(s): ${result.reason}`,
      );
    }
    dropRetries += 1;
    log?.warn('The download connection dropped; retrying from the start', { jobId: job.id, reason: result.reason });
  }
};

/**
 * LinkedIn only mints a new URL once the old one has expired, so a GET now would return the same
 * short-lived URL. Waiting for it to lapse is cheaper than failing the step, if time allows.
 */
const waitForExpiry = async (urlLifeMs: number, deps: CopyDeps, signal: AbortSignal, why: string): Promise<void> => {
  const waitMs = urlLifeMs + 1_000;
  const timeLeftMs = deps.remainingTimeMs() - deps.safetyMarginMs;
  if (waitMs >= timeLeftMs) {
    throw new NamedError(ERROR_NAMES.urlExpired, `${why}, and waiting for a fresh one does not fit in this run`);
  }
  deps.logger?.info('Waiting for the download URL to lapse before getting a fresh one', { waitMs });
  await sleep(waitMs, signal);
};

/** GET the job and insist on what the copy needs. */
const getCompletedJob = async (request: CopyRequest, deps: CopyDeps, signal: AbortSignal): Promise<CompletedJob> => {
  throwIfAborted(signal);
  const job = await untilAborted(deps.getJob(request.jobId, request.contract), signal);
  const missing = (['downloadUrl', 'expireAt', 'rowCount'] as const).filter((field) => job[field] === undefined || job[field] === null);
  if (job.id !== request.jobId || job.status !== 'COMPLETED' || missing.length > 0 || !job.downloadUrl) {
    const problem =
      job.id !== request.jobId
        ? `LinkedIn returned job ${job.id} when asked for job ${request.jobId}`
        : job.status !== 'COMPLETED'
          ? `job ${job.id} is ${job.status}, not COMPLETED`
          : `COMPLETED job ${job.id} has no ${missing.length > 0 ? missing.join(', ') : 'downloadUrl'}`;
    throw new NamedError(ERROR_NAMES.protocol, `Cannot copy: ${problem}`);
  }
  return { id: job.id, downloadUrl: job.downloadUrl, expireAt: job.expireAt!, rowCount: job.rowCount! };
};

/** One download → verified upload at the final key → tag → manifest pass. */
const copyOnce = async (job: CompletedJob, request: CopyRequest, deps: CopyDeps, deadline: AbortSignal): Promise<AttemptResult> => {
  // Per attempt: the deadline stops it, and so does a failed upload (the download is then unwanted).
  const attempt = new AbortController();
  const stop = (): void => attempt.abort(deadline.reason);
  deadline.addEventListener('abort', stop, { once: true });
  try {
    const opened = await openDownload(job.downloadUrl, {
      jobId: job.id,
      allowedHosts: deps.allowedHosts,
      allowHttpLoopback: deps.allowHttpLoopback,
      signal: attempt.signal,
      ...(deps.downloadAuthorization ? { authorization: deps.downloadAuthorization } : {}),
    });
    if (opened.kind === 'expired') return opened;
    const capacity = maxUploadBytes(deps.partSizeBytes);
    if (opened.contentLength > capacity) {
      opened.body.destroy();
      throw new NamedError(
        ERROR_NAMES.downloadFailed,
        `The download for job ${job.id} announces ${opened.contentLength} bytes, more than the ${capacity} one upload of ` +
          `${deps.partSizeBytes}-byte parts can carry (LinkedIn caps exports at 3 GB; is the Content-Length wrong?)`,
      );
    }
    return await streamVerifyLand(job, opened, request, deps, attempt);
  } finally {
    deadline.removeEventListener('abort', stop);
    attempt.abort();
  }
};

const streamVerifyLand = async (
  job: CompletedJob,
  opened: OpenedDownload,
  request: CopyRequest,
  deps: CopyDeps,
  attempt: AbortController,
): Promise<AttemptResult> => {
  const { contentLength, contentEncoding } = opened;
  const { csvKey, manifestKey } = exportObjectKeys(deps.keyPrefix, request.exportType, request.contract, request.window);
  const claims: ExportClaims = {
    exportType: request.exportType,
    contract: request.contract,
    window: request.window,
    jobId: job.id,
    jobIds: request.jobIds.includes(job.id) ? request.jobIds : [...request.jobIds, job.id],
    rows: job.rowCount,
    bytes: contentLength,
  };
  const verifier = new CsvVerifyingStream({
    expectedBytes: contentLength,
    expectedDataRows: job.rowCount,
    describe: `The download for job ${job.id}${contentEncoding ? ` (Content-Encoding ${contentEncoding})` : ''}`,
    subject: `Job ${job.id}`,
  });
  let sourceError: unknown;
  let verifierError: unknown;
  opened.body.on('error', (error) => (sourceError ??= error));
  verifier.on('error', (error) => (verifierError ??= error));
  // Errors are read from the two variables above; the rejection itself carries nothing more.
  const piped = pipeline(opened.body, verifier).catch(() => undefined);

  let uploaded: UploadedObject;
  try {
    uploaded = await streamToObject({
      s3: deps.s3,
      bucket: deps.bucket,
      key: csvKey,
      body: verifier,
      metadata: objectMetadata(claims),
      partSizeBytes: deps.partSizeBytes,
      queueSize: deps.queueSize,
      ...(deps.onProgress ? { onProgress: (bytes: number) => deps.onProgress?.({ bytes, total: contentLength }) } : {}),
    });
    await piped;
  } catch (uploadError) {
    // Here the upload has been aborted (lib-storage settles only after that): nothing at csvKey.
    // Read before aborting below: that abort errors the body too, and is not a network fault.
    const deadlineReached = attempt.signal.aborted && isAbortReason(attempt.signal.reason);
    const networkError = sourceError;
    attempt.abort(); // if S3 failed first, stop reading the download
    verifier.destroy();
    await piped;
    if (deadlineReached) throw uploadError; // mapped to CopyDeadlineExceeded by copyExport
    if (verifierError instanceof ShortBodyError) {
      if (contentEncoding) {
        throw new NamedError(
          ERROR_NAMES.contentLength,
          `The download for job ${job.id} was sent with Content-Encoding ${contentEncoding}: ` +
            `${verifierError.received} decoded bytes against a Content-Length of ${contentLength}`,
        );
      }
      return { kind: 'dropped', reason: `the body ended after ${verifierError.received} of ${contentLength} bytes` };
    }
    if (verifierError instanceof NamedError) throw verifierError;
    if (networkError !== undefined) {
      return {
        kind: 'dropped',
        reason: `connection lost (${networkErrorCode(networkError)}) after ${verifier.bytesSeen} of ${contentLength} bytes`,
      };
    }
    throw uploadError;
  }

  // The object exists, complete and verified: the stream only ends when bytes and rows matched.
  const facts: VerifiedExport = { ...claims, sha256: verifier.result().sha256 };
  const { s3Checksum: _notAsked, ...withoutChecksum } = uploaded;
  const landed: UploadedObject = deps.checksumFromS3 ? uploaded : withoutChecksum;
  await tagSha256(deps.s3, deps.bucket, csvKey, facts.sha256);
  const objectUri = s3Uri(deps.bucket, csvKey);
  await putManifest(deps.s3, deps.bucket, manifestKey, buildManifest(facts, objectUri, deps.now(), landed));
  deps.logger?.info('Export copied and verified', {
    jobId: job.id,
    rows: facts.rows,
    bytes: facts.bytes,
    sha256: facts.sha256,
    object: objectUri,
  });
  return {
    kind: 'copied',
    outcome: {
      rowCount: facts.rows,
      bytes: facts.bytes,
      sha256: facts.sha256,
      s3Uri: objectUri,
      manifestUri: s3Uri(deps.bucket, manifestKey),
      empty: facts.rows === 0,
      ...(landed.s3Checksum ? { s3Checksum: formatS3Checksum(landed.s3Checksum) } : {}),
    },
  };
};

/** The reason the deadline aborts with; lets the attempt tell "out of time" from "upload failed". */
class DeadlineReached extends Error {
  override readonly name = 'DeadlineReached';
}
const isAbortReason = (reason: unknown): boolean => reason instanceof DeadlineReached;

/** One AbortController for the whole copy, firing `safetyMarginMs` before the Lambda's end. */
const startDeadline = (jobId: number, deps: CopyDeps) => {
  const controller = new AbortController();
  const budgetMs = deps.remainingTimeMs() - deps.safetyMarginMs;
  const error = (cause?: unknown) =>
    new NamedError(
      ERROR_NAMES.copyDeadline,
      `Stopped copying job ${jobId} ${Math.round(deps.safetyMarginMs / 1000)} s before the Lambda's time limit; ` +
        'the state machine retries with a fresh download URL',
      cause === undefined ? undefined : { cause },
    );
  let timer: NodeJS.Timeout | undefined;
  if (budgetMs <= 0) controller.abort(new DeadlineReached());
  else timer = setTimeout(() => controller.abort(new DeadlineReached()), budgetMs);
  return { signal: controller.signal, error, clear: () => clearTimeout(timer) };
};

const throwIfAborted = (signal: AbortSignal): void => {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
};

/** Races a promise that takes no signal (the LinkedIn GET) against the deadline. */
const untilAborted = <T>(promise: Promise<T>, signal: AbortSignal): Promise<T> => {
  throwIfAborted(signal);
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
};

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
