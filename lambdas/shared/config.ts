/**
 * Runtime configuration of the Lambdas, read from environment variables that the CDK stack
 * (or the local runner) sets. Parsed once per process with zod so a bad deployment fails
 * with a message naming the variable, not with `NaN` somewhere downstream.
 */
import { z } from 'zod';
import { CONTRACT_URN, EXPORT_TYPES } from './linkedin/export-types';
import { ERROR_NAMES, NamedError } from './error-names';

const csv = <T extends string>(schema: z.ZodType<T, string>) =>
  z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part.length > 0),
    )
    .pipe(z.array(schema));

const seconds = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const count = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const runtimeConfigSchema = z.object({
  LINKEDIN_API_URL: z.url().default('https://api.linkedin.com/v2'),
  /** Secrets Manager id/ARN of the LinkedIn access token (deployed). */
  LINKEDIN_TOKEN_SECRET_ID: z.string().min(1).optional(),
  /** The token itself: the local runner only; the stack never sets it. */
  LINKEDIN_ACCESS_TOKEN: z.string().min(1).optional(),
  LINKEDIN_TIMEOUT_MS: count(30_000),

  CONTRACTS: csv(z.string().regex(CONTRACT_URN)).default([]),
  EXPORT_TYPES: csv(z.enum(EXPORT_TYPES)).default([...EXPORT_TYPES]),
  /** Days between the schedule's time and the window's end (LinkedIn refreshes every 24 h). */
  LAG_DAYS: seconds(1),
  /** Days in the window a scheduled or empty-input run exports. */
  WINDOW_DAYS: count(1),

  BUCKET_NAME: z.string().min(3),
  KEY_PREFIX: z.string().default('linkedin-sales-navigator/'),
  /** Local S3 (s3rver) only: path-style requests to this endpoint. */
  S3_ENDPOINT: z.url().optional(),

  ALLOWED_DOWNLOAD_HOSTS: csv(z.string().min(1)).default(['www.linkedin.com', 'api.linkedin.com']),
  /** Local runner only: allow plain http to a loopback host. */
  ALLOW_HTTP_LOOPBACK: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),

  // Poll policy (lambdas/shared/workflow/backoff.ts)
  POLL_INITIAL_SECONDS: count(30),
  POLL_MAX_SECONDS: count(600),
  JOB_DEADLINE_SECONDS: count(12 * 3600),
  MAX_POLLS: count(200),
  // Re-creation after FAILED_DUE_TO_TIMED_OUT / INTERNAL_ERROR
  MAX_RECREATES: seconds(3),
  RECREATE_BASE_SECONDS: count(60),
  // FAILED_DUE_TO_DATA_DELAY: retry hours later, bounded
  DATA_DELAY_WAIT_SECONDS: count(3 * 3600),
  MAX_DATA_DELAY_RETRIES: seconds(4),

  // Copy guard (lambdas/shared/copy)
  URL_MIN_REMAINING_SECONDS: count(300),
  COPY_SAFETY_MARGIN_SECONDS: count(30),
  MAX_URL_REFRESHES: seconds(3),
  // 8 MiB × 4 in flight: ~360 parts for LinkedIn's 3 GB cap, and a peak RSS that stays flat
  // (~200 MiB) from 100 MB to 3 GB in `npm run bench`; 16 MiB parts measured ~40 MiB more.
  PART_SIZE_MB: z.coerce.number().int().min(5).max(512).default(8),
  UPLOAD_QUEUE_SIZE: count(4),
});

export type RuntimeConfig = z.infer<typeof runtimeConfigSchema>;

/** Parses `env`; throws `ConfigError` naming every bad variable. */
export const parseRuntimeConfig = (env: NodeJS.ProcessEnv): RuntimeConfig => {
  const parsed = runtimeConfigSchema.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new NamedError(ERROR_NAMES.config, `Invalid Lambda configuration: ${problems.join('; ')}`);
};

let cached: RuntimeConfig | undefined;
/** The process's configuration, parsed on first use (the local runner sets env before that). */
export const runtimeConfig = (): RuntimeConfig => (cached ??= parseRuntimeConfig(process.env));
/** Tests and the local runner change env between runs. */
export const resetRuntimeConfig = (): void => {
  cached = undefined;
};
