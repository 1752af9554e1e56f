/**
 * The stream plumbing of one attempt: the opened download → {@link CsvVerifyingStream} (bytes,
 * CSV rows, SHA-256) → a multipart upload straight at the final key. The verifier errors instead
 * of ending when the file is not what was promised, so the upload is aborted and the object never
 * exists ("controlled completion", see s3-publish.ts). Memory stays at about `queueSize × partSize`.
 *
 * A failure is read from where it started, not from the upload's rejection, which only says the
 * body errored: the deadline, the verifier (a named verdict, or a body that ended short), the
 * network (a dropped connection), or S3 itself.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { pipeline } from 'node:stream/promises';
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { isDeadlineReached } from './abort';
import { CsvVerifyingStream, ShortBodyError } from './csv-rows';
import { DaySplitter, type DayPart, type DaySplitterOptions } from './day-split';
import { networkErrorCode, type OpenedDownload } from './download';
import { maxUploadBytes, streamToObject, type UploadedObject } from './s3-publish';

/** What the verifier holds the body to: LinkedIn's claims about the job's file. */
export interface Promised {
  jobId: number;
  rowCount: number;
  /** ASSUMPTION (csv-rows.ts): LinkedIn's files end with a line break, so one missing means a cut. */
  requireFinalLineBreak: boolean;
}

/** Where the verified bytes go. */
export interface UploadTarget {
  s3: S3Client;
  bucket: string;
  key: string;
  metadata: Record<string, string>;
  partSizeBytes: number;
  queueSize: number;
  onProgress?: (progress: { bytes: number; total: number }) => void;
}

/** The object exists at the target key, verified; or the connection dropped and nothing does. */
export type Streamed = { kind: 'uploaded'; uploaded: UploadedObject; sha256: string } | { kind: 'dropped'; reason: string };

/**
 * Refuses a body one upload cannot carry before any part is sent: the upload would otherwise
 * fail only once S3's 10,000 parts are spent.
 */
export const oversizeError = (contentLength: number, partSizeBytes: number, jobId: number): NamedError | undefined => {
  const capacity = maxUploadBytes(partSizeBytes);
  if (contentLength <= capacity) return undefined;
  return new NamedError(
    ERROR_NAMES.downloadFailed,
    `The download for job ${jobId} announces ${contentLength} bytes, more than the ${capacity} one upload of ` +
      `${partSizeBytes}-byte parts can carry (LinkedIn caps exports at 3 GB; is the Content-Length wrong?)`,
  );
};

/** @throws NamedError `DownloadFailed`, with the body destroyed, when one upload cannot carry it */
export const refuseOversize = (opened: OpenedDownload, partSizeBytes: number, jobId: number): void => {
  const tooBig = oversizeError(opened.contentLength, partSizeBytes, jobId);
  if (!tooBig) return;
  opened.body.destroy();
  throw tooBig;
};

/** Everything known once a streamed upload has failed. */
export interface StreamFailure {
  jobId: number;
  contentLength: number;
  contentEncoding?: string;
  /** The attempt was stopped by the copy's deadline (read before the attempt aborts itself). */
  deadlineReached: boolean;
  /** The first error of the download body (read before the attempt aborts itself). */
  networkError: unknown;
  /** The first error of the verifier. */
  verifierError: unknown;
  bytesSeen: number;
  /** What the upload rejected with. */
  uploadError: unknown;
}

/**
 * What a failed stream means. The deadline comes first: its abort errors every stream, and the
 * caller maps the upload's error to `CopyDeadlineExceeded`.
 * @returns a drop the caller may retry, or the error to throw
 */
export const explainFailure = (failure: StreamFailure): { kind: 'dropped'; reason: string } | { kind: 'throw'; error: unknown } => {
  const { jobId, contentLength, contentEncoding, verifierError, networkError } = failure;
  if (failure.deadlineReached) return { kind: 'throw', error: failure.uploadError };
  if (verifierError instanceof ShortBodyError) {
    // A server that encoded the body anyway sends fewer bytes than it decodes to: no retry fixes that.
    if (contentEncoding) {
      return {
        kind: 'throw',
        error: new NamedError(
          ERROR_NAMES.contentLength,
          `The download for job ${jobId} was sent with Content-Encoding ${contentEncoding}: ` +
            `${verifierError.received} decoded bytes against a Content-Length of ${contentLength}`,
        ),
      };
    }
    return { kind: 'dropped', reason: `the body ended after ${verifierError.received} of ${contentLength} bytes` };
  }
  if (verifierError instanceof NamedError) return { kind: 'throw', error: verifierError };
  if (networkError !== undefined) {
    return {
      kind: 'dropped',
      reason: `connection lost (${networkErrorCode(networkError)}) after ${failure.bytesSeen} of ${contentLength} bytes`,
    };
  }
  return { kind: 'throw', error: failure.uploadError };
};

const verifierFor = ({ contentLength, contentEncoding }: OpenedDownload, promised: Promised): CsvVerifyingStream =>
  new CsvVerifyingStream({
    expectedBytes: contentLength,
    expectedDataRows: promised.rowCount,
    requireFinalLineBreak: promised.requireFinalLineBreak,
    describe: `The download for job ${promised.jobId}${contentEncoding ? ` (Content-Encoding ${contentEncoding})` : ''}`,
    subject: `Job ${promised.jobId}`,
  });

/** The file is verified and split into day files on local disk; or the connection dropped. */
export type Spooled = { kind: 'spooled'; parts: DayPart[]; sha256: string } | { kind: 'dropped'; reason: string };

/**
 * A multi-day window's path: streams the opened download through the verifier into one local file
 * per day (day-split.ts). Nothing reaches S3 here; the caller uploads the parts only once the whole
 * file has been verified, so a file that is not what was promised never lands any day.
 * @throws the verifier's or the splitter's named verdict, or the deadline's abort
 */
export const spoolVerified = async (
  opened: OpenedDownload,
  promised: Promised,
  split: DaySplitterOptions,
  attempt: AbortController,
): Promise<Spooled> => {
  const verifier = verifierFor(opened, promised);
  const splitter = new DaySplitter(split);
  let sourceError: unknown;
  let verifierError: unknown;
  opened.body.on('error', (error) => (sourceError ??= error));
  verifier.on('error', (error) => (verifierError ??= error));
  try {
    await pipeline(opened.body, verifier, splitter);
  } catch (error) {
    const deadlineReached = attempt.signal.aborted && isDeadlineReached(attempt.signal.reason);
    const networkError = sourceError;
    attempt.abort();
    const explained = explainFailure({
      jobId: promised.jobId,
      contentLength: opened.contentLength,
      ...(opened.contentEncoding ? { contentEncoding: opened.contentEncoding } : {}),
      deadlineReached,
      networkError,
      verifierError,
      bytesSeen: verifier.bytesSeen,
      uploadError: error,
    });
    if (explained.kind === 'dropped') return explained;
    throw explained.error;
  }
  return { kind: 'spooled', parts: splitter.parts(), sha256: verifier.result().sha256 };
};

/**
 * Streams the opened download, verified, into the target key. `attempt` aborts the download; it
 * is aborted here when the upload fails first, so the rest of the body is not read for nothing.
 * @throws the verifier's named verdict, `ContentLengthMismatch` (an encoded body), or the upload's
 *   own error (S3, or the deadline's abort)
 */
export const streamVerified = async (
  opened: OpenedDownload,
  promised: Promised,
  target: UploadTarget,
  attempt: AbortController,
): Promise<Streamed> => {
  const { contentLength, contentEncoding } = opened;
  const verifier = verifierFor(opened, promised);
  let sourceError: unknown;
  let verifierError: unknown;
  opened.body.on('error', (error) => (sourceError ??= error));
  verifier.on('error', (error) => (verifierError ??= error));
  // Errors are read from the two variables above; the rejection itself carries nothing more.
  const piped = pipeline(opened.body, verifier).catch(() => undefined);

  const onProgress = target.onProgress;
  let uploaded: UploadedObject;
  try {
    uploaded = await streamToObject({
      s3: target.s3,
      bucket: target.bucket,
      key: target.key,
      body: verifier,
      metadata: target.metadata,
      partSizeBytes: target.partSizeBytes,
      queueSize: target.queueSize,
      ...(onProgress ? { onProgress: (bytes: number) => onProgress({ bytes, total: contentLength }) } : {}),
    });
    await piped;
  } catch (uploadError) {
    // Here the upload has been aborted (lib-storage settles only after that): nothing at the key.
    // Read before aborting below: that abort errors the body too, and is not a network fault.
    const deadlineReached = attempt.signal.aborted && isDeadlineReached(attempt.signal.reason);
    const networkError = sourceError;
    attempt.abort();
    verifier.destroy();
    await piped;
    const explained = explainFailure({
      jobId: promised.jobId,
      contentLength,
      ...(contentEncoding ? { contentEncoding } : {}),
      deadlineReached,
      networkError,
      verifierError,
      bytesSeen: verifier.bytesSeen,
      uploadError,
    });
    if (explained.kind === 'dropped') return explained;
    throw explained.error;
  }
  // The stream only ends once bytes and rows matched, so the tally is complete and verified.
  return { kind: 'uploaded', uploaded, sha256: verifier.result().sha256 };
};
