/**
 * The closed map from LinkedIn's job status to what this product does about it
 * (docs/design.md, "Status map"). One pure predicate, exhaustive by construction: adding a status
 * to KNOWN_JOB_STATUSES without a branch here is a compile error.
 */
export const KNOWN_JOB_STATUSES = [
  'ENQUEUED',
  'PROCESSING',
  'COMPLETED',
  'FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR',
  'FAILED_DUE_TO_TIMED_OUT',
  'FAILED_DUE_TO_DATA_DELAY',
  'FAILED_DUE_TO_INTERNAL_ERROR',
] as const;
export type KnownJobStatus = (typeof KNOWN_JOB_STATUSES)[number];

export type JobOutcome =
  | { kind: 'running' } // keep polling
  | { kind: 'ready'; rowCount: number | null } // copy the CSV (null: LinkedIn gave no count; the copy refuses to guess)
  | { kind: 'readyEmpty' } // COMPLETED with rowCount 0: copy the header-only file, flag it empty
  | { kind: 'split' } // too large: export the window in halves
  | { kind: 'retryLater' } // data not refreshed yet: try again hours later
  | { kind: 'retry' } // LinkedIn-side failure: re-create the job with backoff
  | { kind: 'unknown'; status: string }; // fail at once

export const isKnownJobStatus = (status: string): status is KnownJobStatus => (KNOWN_JOB_STATUSES as readonly string[]).includes(status);

const assertNever = (value: never): never => {
  throw new Error(`Unhandled job status ${String(value)}`);
};

/**
 * @param status the raw status string LinkedIn returned (it may add values: breaking-change policy)
 * @param rowCount the job's rowCount, absent or null until COMPLETED
 */
export const classifyJobStatus = (status: string, rowCount?: number | null): JobOutcome => {
  if (!isKnownJobStatus(status)) return { kind: 'unknown', status };
  switch (status) {
    case 'ENQUEUED':
    case 'PROCESSING':
      return { kind: 'running' };
    case 'COMPLETED':
      // Absent is not zero: only an explicit 0 means "empty", so a missing count is never
      // mistaken for an empty export.
      return rowCount === 0 ? { kind: 'readyEmpty' } : { kind: 'ready', rowCount: rowCount ?? null };
    case 'FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR':
      return { kind: 'split' };
    case 'FAILED_DUE_TO_DATA_DELAY':
      return { kind: 'retryLater' };
    case 'FAILED_DUE_TO_TIMED_OUT':
    case 'FAILED_DUE_TO_INTERNAL_ERROR':
      return { kind: 'retry' };
    default:
      return assertNever(status);
  }
};
