/**
 * S3 side of the copy: stream into a staging object, then publish it at the final key only after
 * the caller has verified it.
 *
 * Why staging + server-side copy (and not "complete the multipart upload at the final key"):
 * the row count and SHA-256 are known only once the last byte has gone through, and by then the
 * parts are uploaded. Completing at a STAGING key, verifying, and then `CopyObject` staging →
 * final means the final key only ever receives a verified object in one atomic step (S3 makes an
 * object visible all at once), and the verified facts (rows, bytes, sha256) go into the final
 * object's metadata in that same step (`MetadataDirective: REPLACE`). A single `CopyObject`
 * handles up to 5 GiB, comfortably above LinkedIn's 3 GB export cap; the copy runs inside S3 and
 * costs no Lambda bandwidth. Any failure deletes the staging object and aborts its multipart
 * upload, so nothing is left behind (the bucket's AbortIncompleteMultipartUpload lifecycle rule is
 * only the backstop for a Lambda that is killed outright).
 *
 * Memory: `@aws-sdk/lib-storage` holds about `queueSize × partSize` bytes, whatever the file size.
 * Notes from reference/peers.md §2.1 applied here: lib-storage is pinned with client-s3; parts are
 * never left on error (`leavePartsOnError: false`); the download's Content-Length is NOT passed as
 * `ContentLength` (that hangs uploads bigger than a part) and is only used to verify afterwards.
 */
import {
  AbortMultipartUploadCommand,
  CopyObjectCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { ExportType } from '../linkedin/export-types';
import type { ExportWindow } from '../workflow/state';

/** S3 allows at most this many parts in one multipart upload. */
export const S3_MAX_PARTS = 10_000;
/** S3's minimum part size (every part but the last). */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/** The largest object a single CopyObject can copy. */
export const COPY_OBJECT_MAX_BYTES = 5 * 1024 ** 3;
/** LinkedIn's documented cap on one export file. */
export const LINKEDIN_MAX_EXPORT_BYTES = 3 * 1024 ** 3;

/** Minimal logger: Powertools' Logger fits (its extra arguments are a rest parameter). */
export interface CopyLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
}

/**
 * Checks that a part size can carry the largest export in S3's 10,000 parts and that S3 will
 * accept it. 16 MiB (the default) fits 3 GB in about 190 parts.
 */
export const assertPartSizeFits = (partSizeBytes: number, maxObjectBytes = LINKEDIN_MAX_EXPORT_BYTES): void => {
  if (!Number.isSafeInteger(partSizeBytes) || partSizeBytes < S3_MIN_PART_BYTES) {
    throw new RangeError(`Part size ${partSizeBytes} is below S3's minimum of ${S3_MIN_PART_BYTES} bytes`);
  }
  if (partSizeBytes * S3_MAX_PARTS < maxObjectBytes) {
    throw new RangeError(`Part size ${partSizeBytes} cannot fit ${maxObjectBytes} bytes in ${S3_MAX_PARTS} parts`);
  }
};

export interface StagingUpload {
  s3: S3Client;
  bucket: string;
  key: string;
  body: Readable;
  partSizeBytes: number;
  queueSize: number;
  contentType?: string;
  onProgress?: (loadedBytes: number) => void;
}

/**
 * Streams `body` into `key` (multipart when it is bigger than one part). Resolves when the object
 * exists; rejects when the body errors or S3 fails, after lib-storage has aborted its multipart
 * upload.
 *
 * The upload is stopped by erroring `body` (the caller aborts the download), not by lib-storage's
 * own `abortController`: on that signal `done()` rejects at once while its parts are still being
 * cleaned up in the background, whereas an errored body makes `done()` settle only after every
 * in-flight part has finished and the multipart upload is aborted. The caller can then clean up
 * with nothing racing it.
 */
export const uploadToStaging = async (upload: StagingUpload): Promise<void> => {
  const task = new Upload({
    client: upload.s3,
    params: {
      Bucket: upload.bucket,
      Key: upload.key,
      Body: upload.body,
      ContentType: upload.contentType ?? 'text/csv',
    },
    partSize: upload.partSizeBytes,
    queueSize: upload.queueSize,
    leavePartsOnError: false,
  });
  if (upload.onProgress) {
    const report = upload.onProgress;
    task.on('httpUploadProgress', (progress) => {
      if (typeof progress.loaded === 'number') report(progress.loaded);
    });
  }
  await task.done();
};

/**
 * Removes every trace of a failed attempt: aborts any multipart upload still open for the staging
 * key and deletes the staging object. Staging keys are unique per attempt, so anything under that
 * exact key is ours. Best effort: failures are logged, never thrown over the copy's own error.
 */
export const discardStaging = async (s3: S3Client, bucket: string, key: string, logger?: CopyLogger): Promise<void> => {
  try {
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (let page = 0; page < 100; page++) {
      const listed = await s3.send(
        new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const open of listed.Uploads ?? []) {
        if (open.Key !== key || !open.UploadId) continue;
        await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: open.UploadId }));
      }
      if (!listed.IsTruncated) break;
      keyMarker = listed.NextKeyMarker;
      uploadIdMarker = listed.NextUploadIdMarker;
    }
  } catch (error) {
    logger?.warn('Could not check the staging key for open multipart uploads; the bucket lifecycle rule will remove them', {
      stagingKey: key,
      error: errorSummary(error),
    });
  }
  try {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    logger?.warn('Could not delete the staging object', { stagingKey: key, error: errorSummary(error) });
  }
};

/** The verified facts about one export file. */
export interface VerifiedExport {
  exportType: ExportType;
  contract: string;
  window: ExportWindow;
  jobId: number;
  jobIds: number[];
  rows: number;
  bytes: number;
  sha256: string;
}

/** S3 user metadata of the final object (S3 lower-cases the names; values are ASCII). */
export const objectMetadata = (facts: VerifiedExport): Record<string, string> => ({
  'job-id': String(facts.jobId),
  'job-ids': facts.jobIds.join(','),
  'export-type': facts.exportType,
  contract: facts.contract,
  'window-start': new Date(facts.window.startAt).toISOString(),
  'window-end': new Date(facts.window.endAt).toISOString(),
  rows: String(facts.rows),
  bytes: String(facts.bytes),
  sha256: facts.sha256,
});

/** The manifest object written beside the CSV. */
export interface ExportManifest {
  manifestVersion: 1;
  object: string;
  exportType: ExportType;
  contract: string;
  jobId: number;
  jobIds: number[];
  window: { startAt: string; endAt: string; startAtMs: number; endAtMs: number };
  /** Data rows, the header excluded (the same count as LinkedIn's rowCount). */
  rows: number;
  bytes: number;
  sha256: string;
  /** S3's own checksum of the final object, when the target is real S3 (`ALGORITHM:base64`). */
  s3Checksum?: string;
  empty: boolean;
  copiedAt: string;
}

export const buildManifest = (facts: VerifiedExport, objectUri: string, copiedAt: number, s3Checksum?: string): ExportManifest => ({
  manifestVersion: 1,
  object: objectUri,
  exportType: facts.exportType,
  contract: facts.contract,
  jobId: facts.jobId,
  jobIds: facts.jobIds,
  window: {
    startAt: new Date(facts.window.startAt).toISOString(),
    endAt: new Date(facts.window.endAt).toISOString(),
    startAtMs: facts.window.startAt,
    endAtMs: facts.window.endAt,
  },
  rows: facts.rows,
  bytes: facts.bytes,
  sha256: facts.sha256,
  ...(s3Checksum ? { s3Checksum } : {}),
  empty: facts.rows === 0,
  copiedAt: new Date(copiedAt).toISOString(),
});

export interface PublishRequest {
  s3: S3Client;
  bucket: string;
  stagingKey: string;
  finalKey: string;
  metadata: Record<string, string>;
  /** Ask S3 to compute a SHA-256 of the final object (real S3 only; s3rver ignores checksums). */
  checksumFromS3: boolean;
}

/**
 * Makes a verified staging object visible at its final key in one server-side copy, with the
 * verified metadata. Does not delete the staging object (the caller always does, success or not).
 * @returns S3's own checksum of the final object when asked for and returned.
 */
export const publishStagedObject = async (request: PublishRequest): Promise<{ s3Checksum?: string }> => {
  const copied = await request.s3.send(
    new CopyObjectCommand({
      Bucket: request.bucket,
      Key: request.finalKey,
      CopySource: `${request.bucket}/${encodeKeyForCopySource(request.stagingKey)}`,
      MetadataDirective: 'REPLACE',
      Metadata: request.metadata,
      ContentType: 'text/csv',
      // A copy recomputes the checksum over the whole object, unlike a multipart upload's
      // checksum-of-part-checksums, so S3's value is comparable with our own SHA-256.
      ...(request.checksumFromS3 ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
    }),
  );
  const sha256 = copied.CopyObjectResult?.ChecksumSHA256;
  return sha256 ? { s3Checksum: `SHA256:${sha256}` } : {};
};

/** Writes the manifest JSON (after the CSV, so a manifest never points at a missing object). */
export const putManifest = async (s3: S3Client, bucket: string, key: string, manifest: ExportManifest): Promise<void> => {
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: `${JSON.stringify(manifest, null, 2)}\n`,
      ContentType: 'application/json',
    }),
  );
};

/** CopySource is `bucket/key` with the key URL-encoded segment by segment. */
const encodeKeyForCopySource = (key: string): string => key.split('/').map(encodeURIComponent).join('/');

/** Name and message of an AWS SDK (or any) error, for logs. */
export const errorSummary = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);
