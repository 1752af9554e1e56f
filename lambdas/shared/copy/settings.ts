/**
 * The copy's tunables as the runtime configuration (environment) states them, in the units
 * {@link copyExport} takes. Kept apart from the handler so the mapping is tested once.
 */
import type { RuntimeConfig } from '../config';
import type { CopyDeps } from './copy-export';

const MiB = 1024 * 1024;

export type CopySettings = Pick<
  CopyDeps,
  | 'keyPrefix'
  | 'checksumFromS3'
  | 'allowedHosts'
  | 'allowHttpLoopback'
  | 'safetyMarginMs'
  | 'urlMinRemainingMs'
  | 'maxUrlRefreshes'
  | 'partSizeBytes'
  | 'queueSize'
> & { bucket: string };

/**
 * Maps RuntimeConfig to copy settings. S3's own checksum of the completed object is recorded
 * only for real S3 (no `S3_ENDPOINT`): s3rver and other stand-ins compute none worth keeping.
 */
export const copySettingsFromConfig = (config: RuntimeConfig): CopySettings => ({
  bucket: config.BUCKET_NAME,
  keyPrefix: config.KEY_PREFIX,
  checksumFromS3: config.S3_ENDPOINT === undefined,
  allowedHosts: config.ALLOWED_DOWNLOAD_HOSTS,
  allowHttpLoopback: config.ALLOW_HTTP_LOOPBACK,
  safetyMarginMs: config.COPY_SAFETY_MARGIN_SECONDS * 1000,
  urlMinRemainingMs: config.URL_MIN_REMAINING_SECONDS * 1000,
  maxUrlRefreshes: config.MAX_URL_REFRESHES,
  partSizeBytes: config.PART_SIZE_MB * MiB,
  queueSize: config.UPLOAD_QUEUE_SIZE,
});
