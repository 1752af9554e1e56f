/**
 * The copy's tunables as the runtime configuration states them, in the units {@link copyExport}
 * takes. Kept apart from the handler so the mapping is tested once.
 */
import type { HandlerConfig } from '../contract/runtime-config';
import type { CopyDeps } from './copy-export';

const MiB = 1024 * 1024;

/** What depends on where the copy runs, not on the configuration. */
export type CopyTarget = Pick<CopyDeps, 'checksumFromS3' | 'allowHttpLoopback'>;

export type CopySettings = Pick<
  CopyDeps,
  | 'keyPrefix'
  | 'allowedHosts'
  | 'safetyMarginMs'
  | 'urlMinRemainingMs'
  | 'maxUrlRefreshes'
  | 'partSizeBytes'
  | 'queueSize'
  | 'requireFinalLineBreak'
  | 'expectedColumns'
> &
  CopyTarget & { bucket: string };

export const copySettingsFromConfig = (config: HandlerConfig, target: CopyTarget): CopySettings => ({
  bucket: config.BUCKET_NAME,
  keyPrefix: config.KEY_PREFIX,
  allowedHosts: config.ALLOWED_DOWNLOAD_HOSTS,
  safetyMarginMs: config.COPY_SAFETY_MARGIN_SECONDS * 1000,
  urlMinRemainingMs: config.URL_MIN_REMAINING_SECONDS * 1000,
  maxUrlRefreshes: config.MAX_URL_REFRESHES,
  partSizeBytes: config.PART_SIZE_MB * MiB,
  queueSize: config.UPLOAD_QUEUE_SIZE,
  requireFinalLineBreak: config.REQUIRE_FINAL_LINE_BREAK,
  expectedColumns: config.EXPECTED_COLUMNS,
  ...target,
});
