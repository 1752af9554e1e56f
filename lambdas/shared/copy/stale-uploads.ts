/**
 * Open multipart uploads a killed copy left at its own final key. A copy that dies between
 * CreateMultipartUpload and Complete/Abort (a Lambda timeout, an out-of-memory kill) leaves its
 * parts stored and billed until the bucket's lifecycle rule removes them days later.
 *
 * Why aborting them is safe: only the holder of the ledger claim on a window copies to that
 * window's key (docs/design.md, "Exactly once"), and the holder aborts before it starts its own
 * upload, so an upload already open at the key belongs to an earlier copy that can no longer
 * finish. Even if one were still running (a retry overlapping a dying invocation), aborting its
 * upload only makes its completion fail: a multipart upload never lands partial bytes.
 */
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type MultipartUpload, type S3Client } from '@aws-sdk/client-s3';
import type { CopyLogger } from './s3-publish';

const isGone = (error: unknown): boolean => {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchUpload' || $metadata?.httpStatusCode === 404;
};

/**
 * The open uploads of exactly `key`, at most `limit`, and whether more remain. ListMultipartUploads
 * matches a prefix, so it also returns longer keys that start with `key`: those are skipped. S3
 * lists by key, then by initiation, so a page that ends on another key has no more of `key`'s after it.
 */
const openUploadsOf = async (
  s3: S3Client,
  bucket: string,
  key: string,
  limit: number,
): Promise<{ uploads: MultipartUpload[]; more: boolean }> => {
  const uploads: MultipartUpload[] = [];
  let markers: { KeyMarker?: string; UploadIdMarker?: string } = {};
  for (;;) {
    const page = await s3.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key, ...markers }));
    const listed = page.Uploads ?? [];
    for (const upload of listed) {
      if (upload.Key !== key || !upload.UploadId) continue;
      if (uploads.length === limit) return { uploads, more: true };
      uploads.push(upload);
    }
    if (!page.IsTruncated || listed.at(-1)?.Key !== key) return { uploads, more: false };
    markers = {
      ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}),
      ...(page.NextUploadIdMarker ? { UploadIdMarker: page.NextUploadIdMarker } : {}),
    };
  }
};

/**
 * Aborts the multipart uploads open at exactly `key` (see the module comment for why this is safe),
 * at most `max` per call so one call stays bounded in time; the next copy of the window aborts the
 * rest. An upload already gone (NoSuchUpload) is not counted.
 * @returns how many uploads this call aborted
 */
export const abortStaleUploads = async (s3: S3Client, bucket: string, key: string, logger?: CopyLogger, max = 100): Promise<number> => {
  const { uploads, more } = await openUploadsOf(s3, bucket, key, max);
  let aborted = 0;
  for (const upload of uploads) {
    try {
      await s3.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: upload.UploadId }));
    } catch (error) {
      if (isGone(error)) continue;
      throw error;
    }
    aborted += 1;
    logger?.info('Aborted a multipart upload an earlier copy left open at this key', {
      key,
      uploadId: upload.UploadId,
      ...(upload.Initiated ? { initiated: upload.Initiated.toISOString() } : {}),
    });
  }
  if (more) {
    logger?.warn('More multipart uploads are open at this key than one copy aborts; the next copy aborts more', {
      key,
      aborted,
      max,
    });
  }
  return aborted;
};
