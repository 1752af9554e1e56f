/**
 * S3 side of the copy: "controlled completion" at the final key. The download streams straight
 * into a multipart upload of the final key, and the object only comes into existence if the
 * stream ends cleanly, which {@link CsvVerifyingStream} allows only once bytes, rows and CSV shape
 * have been verified.
 *
 * Why this is safe: S3 makes an object visible only when CompleteMultipartUpload (or, for a body
 * smaller than one part, PutObject) succeeds, and lib-storage 3.1164 (pinned: re-read this on an upgrade) sends either call only after
 * the body has ENDED: `getChunkStream` (node_modules/@aws-sdk/lib-storage/dist-cjs/index.js)
 * yields the `lastPart` only when `for await` over the body finishes, `__doConcurrentUpload`
 * sends PutObject only for a first part that is also the last, and `__doMultipartUpload` sends
 * CompleteMultipartUpload only after every uploader has drained that generator without error.
 * An error from the verifier's `_flush` (Node emits 'error' instead of 'end') therefore reaches
 * `__doMultipartUpload` as an uploader failure: it aborts the multipart upload
 * (`markUploadAsAborted`, `leavePartsOnError: false`) and `done()` rejects. Nothing ever appears
 * at the final key, and an earlier good object there stays untouched. Every byte is written once;
 * there is no staging object, no server-side copy and no noncurrent staging version.
 *
 * What is known before the first byte goes into the object's metadata: job ids, export type,
 * contract, window, and LinkedIn's two claims, `rows` (rowCount) and `bytes` (Content-Length).
 * The claims are verified before the object can exist, so on an existing object they are facts.
 * The SHA-256 is known only after the last byte, and S3 metadata cannot change without rewriting
 * the object, so it goes into an object TAG (`sha256=<hex>`, PutObjectTagging, no rewrite) and into
 * the window's manifest (under `<prefix>manifests/`), both naming the version the upload completed. What a reader
 * can rely on: an object at the final key is always complete and verified; its `sha256` tag and
 * manifest follow within milliseconds (a reader that needs them waits for the tag, or checks the
 * manifest against a HEAD of the object with {@link manifestVouchesFor}).
 *
 * Memory: `@aws-sdk/lib-storage` holds about `queueSize × partSize` bytes, whatever the file size.
 * Lessons from docs/design.md, "Why it is built this way", applied here: lib-storage is pinned with client-s3; parts are
 * never left on error (`leavePartsOnError: false`); the download's Content-Length is NOT passed as
 * `ContentLength` (that hangs uploads bigger than a part). No explicit `ChecksumAlgorithm` is
 * passed (same section: lib-storage has had multipart bugs with one); the SDK's default CRC32
 * stays, and the checksum S3 returns for the completed object is recorded as evidence.
 */
import { PutObjectCommand, PutObjectTaggingCommand, type CompleteMultipartUploadCommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { ExportType } from '../contract/export-types';
import type { ExportWindow } from '../contract/state';

/** S3 allows at most this many parts in one multipart upload. */
export const S3_MAX_PARTS = 10_000;
/** S3's minimum part size (every part but the last). */
export const S3_MIN_PART_BYTES = 5 * 1024 * 1024;
/** LinkedIn's documented cap on one export file. */
export const LINKEDIN_MAX_EXPORT_BYTES = 3 * 1024 ** 3;
/** The object tag that carries the hex SHA-256 of the object's bytes. */
export const SHA256_TAG = 'sha256';

/** Minimal logger: Powertools' Logger fits (its extra arguments are a rest parameter). */
export interface CopyLogger {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
}

/**
 * Checks that a part size can carry the largest export in S3's 10,000 parts and that S3 will
 * accept it. 8 MiB (the default) fits 3 GB in about 360 parts, well under 10,000.
 */
export const assertPartSizeFits = (partSizeBytes: number, maxObjectBytes = LINKEDIN_MAX_EXPORT_BYTES): void => {
  if (!Number.isSafeInteger(partSizeBytes) || partSizeBytes < S3_MIN_PART_BYTES) {
    throw new RangeError(`Part size ${partSizeBytes} is below S3's minimum of ${S3_MIN_PART_BYTES} bytes`);
  }
  if (partSizeBytes * S3_MAX_PARTS < maxObjectBytes) {
    throw new RangeError(`Part size ${partSizeBytes} cannot fit ${maxObjectBytes} bytes in ${S3_MAX_PARTS} parts`);
  }
};

/** The largest body one multipart upload with this part size can carry (S3's 10,000 parts). */
export const maxUploadBytes = (partSizeBytes: number): number => partSizeBytes * S3_MAX_PARTS;

/** What is known about an export before its first byte: ids, window, and LinkedIn's claims. */
export interface ExportClaims {
  exportType: ExportType;
  contract: string;
  window: ExportWindow;
  jobId: number;
  jobIds: number[];
  /** LinkedIn's rowCount: the data rows the file must have. */
  rows: number;
  /** The download's Content-Length: the bytes the file must have. */
  bytes: number;
}

/** The claims once the stream has proven them, plus the SHA-256 of the bytes. */
export interface VerifiedExport extends ExportClaims {
  sha256: string;
}

/**
 * S3 user metadata of a day's object, set when its upload starts (S3 lower-cases the names;
 * values are ASCII). `rows` and `bytes` are the object's own; on the streamed path they are
 * LinkedIn's claims at that point, and the object only exists if they held, so for a reader they
 * are verified facts. `window-*` and the job ids name the export the day came from.
 */
export const objectMetadata = (claims: ExportClaims, object: { day: number; rows: number; bytes: number }): Record<string, string> => ({
  'job-id': String(claims.jobId),
  'job-ids': claims.jobIds.join(','),
  'export-type': claims.exportType,
  contract: claims.contract,
  day: new Date(object.day).toISOString().slice(0, 10),
  'window-start': new Date(claims.window.startAt).toISOString(),
  'window-end': new Date(claims.window.endAt).toISOString(),
  rows: String(object.rows),
  bytes: String(object.bytes),
});

/** A checksum S3 computed over the stored object. */
export interface S3Checksum {
  algorithm: 'SHA256' | 'CRC64NVME' | 'CRC32C' | 'CRC32' | 'SHA1';
  /** Base64, as S3 returns it (a composite checksum ends in `-<parts>`). */
  value: string;
  /** `FULL_OBJECT` or `COMPOSITE` (a checksum of the parts' checksums), when S3 says. */
  type?: string;
}

/** What lib-storage's `done()` returns: CompleteMultipartUpload's output, or PutObject's plus Location. */
export type CompletedUploadOutput = Partial<
  Pick<
    CompleteMultipartUploadCommandOutput,
    'ETag' | 'VersionId' | 'ChecksumCRC32' | 'ChecksumCRC32C' | 'ChecksumCRC64NVME' | 'ChecksumSHA1' | 'ChecksumSHA256' | 'ChecksumType'
  >
>;

const CHECKSUM_FIELDS = [
  ['SHA256', 'ChecksumSHA256'],
  ['CRC64NVME', 'ChecksumCRC64NVME'],
  ['CRC32C', 'ChecksumCRC32C'],
  ['CRC32', 'ChecksumCRC32'],
  ['SHA1', 'ChecksumSHA1'],
] as const;

/**
 * S3's own checksum of a completed upload, the strongest algorithm first.
 * @returns undefined when S3 returned none (s3rver, or checksums turned off).
 */
export const s3ChecksumOf = (output: CompletedUploadOutput): S3Checksum | undefined => {
  for (const [algorithm, field] of CHECKSUM_FIELDS) {
    const value = output[field];
    if (value) return { algorithm, value, ...(output.ChecksumType ? { type: output.ChecksumType } : {}) };
  }
  return undefined;
};

/** `CRC32:base64` (the manifest's and the outcome's form). */
export const formatS3Checksum = (checksum: S3Checksum): string => `${checksum.algorithm}:${checksum.value}`;

export interface StreamedUpload {
  s3: S3Client;
  bucket: string;
  key: string;
  /** The verifying stream: it must error, not end, when the bytes are not what was promised. */
  body: Readable;
  metadata: Record<string, string>;
  partSizeBytes: number;
  queueSize: number;
  onProgress?: (loadedBytes: number) => void;
}

/** The object as S3 completed it. */
export interface UploadedObject {
  etag?: string;
  versionId?: string;
  s3Checksum?: S3Checksum;
}

/**
 * Streams `body` into `key` (multipart when it is bigger than one part) with the given metadata.
 * Resolves once the object exists; rejects when the body errors or S3 fails, after lib-storage
 * has aborted its multipart upload, in which case nothing was written at `key` (see the module
 * comment for why that holds).
 *
 * The upload is stopped by erroring `body` (the caller aborts the download), not by lib-storage's
 * own `abortController`: on that signal `done()` rejects at once while its parts are still being
 * cleaned up in the background, whereas an errored body makes `done()` settle only after every
 * in-flight part has finished and the multipart upload is aborted.
 */
export const streamToObject = async (upload: StreamedUpload): Promise<UploadedObject> => {
  const task = new Upload({
    client: upload.s3,
    params: {
      Bucket: upload.bucket,
      Key: upload.key,
      Body: upload.body,
      ContentType: 'text/csv',
      Metadata: upload.metadata,
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
  const output: CompletedUploadOutput = await task.done();
  const s3Checksum = s3ChecksumOf(output);
  return {
    ...(output.ETag ? { etag: output.ETag } : {}),
    ...(output.VersionId ? { versionId: output.VersionId } : {}),
    ...(s3Checksum ? { s3Checksum } : {}),
  };
};

/**
 * Tags the version the upload completed with its SHA-256. With `versionId` (a versioned bucket
 * returns one from CompleteMultipartUpload or PutObject) the tag goes to exactly that version, so
 * it can never land on a newer object written at the key meanwhile; that needs
 * `s3:PutObjectVersionTagging`. Without one (an unversioned bucket, s3rver) it tags the current
 * object, which only this window's claim holder writes. Tagging replaces the whole tag set, which
 * on a freshly written version is empty.
 */
export const tagSha256 = async (s3: S3Client, bucket: string, key: string, sha256: string, versionId?: string): Promise<void> => {
  await s3.send(
    new PutObjectTaggingCommand({
      Bucket: bucket,
      Key: key,
      ...(versionId ? { VersionId: versionId } : {}),
      Tagging: { TagSet: [{ Key: SHA256_TAG, Value: sha256 }] },
    }),
  );
};

/** One day's object, as the manifest lists it. */
export interface ManifestObject {
  /** `YYYY-MM-DD`: the object's `dt` partition. */
  day: string;
  /** `s3://bucket/key` of the day's object. */
  object: string;
  /** Data rows, the header excluded. */
  rows: number;
  bytes: number;
  /** Hex SHA-256 of the object's bytes (also its `sha256` tag). */
  sha256: string;
  /** The ETag of the version this entry describes: compare with a HEAD of `object`. */
  etag?: string;
  /** The version the upload completed, in a versioned bucket (see {@link manifestVouchesFor}). */
  versionId?: string;
  /** S3's own checksum of the object, when the target is real S3 (`ALGORITHM:base64`). */
  s3Checksum?: string;
  /** `FULL_OBJECT` or `COMPOSITE` (multipart: a checksum of the parts' checksums). */
  s3ChecksumType?: string;
}

/**
 * One landed window's manifest, under `<prefix>manifests/` (never inside a table location, which
 * Athena would read as data): LinkedIn's file as it was downloaded and verified (`rows`, `bytes`,
 * `sha256`), and the day objects it became, each with its own count, size, SHA-256 and version.
 * A one-day window's object is LinkedIn's file byte for byte; a longer window's day objects each
 * hold the header and that day's records (copy/day-split.ts).
 */
export interface ExportManifest {
  manifestVersion: 2;
  exportType: ExportType;
  contract: string;
  jobId: number;
  jobIds: number[];
  window: { startAt: string; endAt: string; startAtMs: number; endAtMs: number };
  /** LinkedIn's file: data rows (its rowCount), bytes (its Content-Length), SHA-256 of what was downloaded. */
  rows: number;
  bytes: number;
  sha256: string;
  /** The file's header, as observed. */
  header?: string[];
  /** Columns the file has after the expected ones (schema drift that still lands, copy/schema-drift.ts). */
  extraColumns?: string[];
  /** One per day of the window, oldest first. */
  objects: ManifestObject[];
  empty: boolean;
  copiedAt: string;
}

/** One day's object once S3 completed it: what the manifest and the ledger record. */
export interface LandedDayObject {
  /** UTC midnight of the day. */
  day: number;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  uploaded: UploadedObject;
}

/** Builds the manifest of a verified file and the day objects it landed as. */
export const buildManifest = (
  facts: VerifiedExport,
  bucket: string,
  objects: readonly LandedDayObject[],
  copiedAt: number,
  columns: { header?: string[]; extraColumns?: string[] } = {},
): ExportManifest => ({
  manifestVersion: 2,
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
  ...(columns.header ? { header: columns.header } : {}),
  ...(columns.extraColumns && columns.extraColumns.length > 0 ? { extraColumns: columns.extraColumns } : {}),
  objects: objects.map((o) => ({
    day: new Date(o.day).toISOString().slice(0, 10),
    object: `s3://${bucket}/${o.key}`,
    rows: o.rows,
    bytes: o.bytes,
    sha256: o.sha256,
    ...(o.uploaded.etag ? { etag: o.uploaded.etag } : {}),
    ...(o.uploaded.versionId ? { versionId: o.uploaded.versionId } : {}),
    ...(o.uploaded.s3Checksum ? { s3Checksum: formatS3Checksum(o.uploaded.s3Checksum) } : {}),
    ...(o.uploaded.s3Checksum?.type ? { s3ChecksumType: o.uploaded.s3Checksum.type } : {}),
  })),
  empty: facts.rows === 0,
  copiedAt: new Date(copiedAt).toISOString(),
});

const unquoted = (etag: string): string => etag.replace(/^"(.*)"$/, '$1');

/**
 * Whether a manifest's entry describes the object a HEAD of its `object` found, so that its `sha256`,
 * rows and bytes are that object's. The ETags must be equal (quoted or not), and so must the
 * version ids when both sides know one (a versioned bucket). Without an ETag on either side
 * nothing can be told: false. The `sha256` is what a reader gains from a true answer.
 */
export const manifestVouchesFor = (
  manifest: Pick<ManifestObject, 'etag' | 'versionId' | 'sha256'>,
  head: { etag?: string; versionId?: string },
): boolean => {
  if (!manifest.etag || !head.etag || unquoted(manifest.etag) !== unquoted(head.etag)) return false;
  return !(manifest.versionId && head.versionId) || manifest.versionId === head.versionId;
};

/** Writes the manifest JSON (after the objects, so a manifest never points at a missing one). */
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
