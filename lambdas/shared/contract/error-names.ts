/**
 * Every error name a Lambda of this product can throw on purpose. Step Functions matches
 * Retry/Catch on `error.name`, so these strings are an interface between the handlers and
 * the state machine: change one here and both sides follow.
 */
export const ERROR_NAMES = {
  // The execution input (console or schedule) is unusable. No LinkedIn call was made.
  invalidInput: 'InvalidInput',
  // Lambda environment / deployment configuration is unusable.
  config: 'ConfigError',
  // The state machine handed a handler state it cannot use (Lambdas and state machine from
  // different deployments, or a hand-edited redrive).
  wiring: 'WorkflowWiringError',

  // LinkedIn API (lambdas/shared/linkedin/errors.ts)
  throttled: 'LinkedInThrottled', // 429
  unavailable: 'LinkedInUnavailable', // 5xx, network error, timeout
  auth: 'LinkedInAuthError', // 401: token missing, invalid or expired
  forbidden: 'LinkedInForbidden', // 403: no reporting access on the contract
  badRequest: 'LinkedInBadRequest', // 400
  notFound: 'LinkedInNotFound', // 404
  protocol: 'LinkedInProtocolError', // malformed or schema-violating body

  // Job lifecycle (check-job)
  unknownStatus: 'UnknownJobStatus', // a status this product does not know: fail at once
  windowTooLarge: 'WindowTooLarge', // a one-day window still exceeds LinkedIn's file size limit
  jobFailed: 'ExportJobFailed', // TIMED_OUT / INTERNAL_ERROR after every re-creation
  dataDelayed: 'DataDelayExceeded', // DATA_DELAY after every retry
  pollDeadline: 'PollDeadlineExceeded', // the job did not finish within the per-job deadline or poll cap

  // Copy to S3 (lambdas/shared/copy)
  truncated: 'TruncatedDownload', // fewer bytes than Content-Length, or the connection dropped
  contentLength: 'ContentLengthMismatch', // more bytes than Content-Length, or no usable header
  rowCount: 'RowCountMismatch', // CSV data rows differ from the job's rowCount
  malformedCsv: 'MalformedCsv', // a record's field count differs from the header's, or the file ends inside quotes
  urlExpired: 'DownloadUrlExpired', // no usable download URL after the bounded refreshes
  hostNotAllowed: 'DownloadHostNotAllowed', // downloadUrl (or a redirect) outside the allowlist / not https
  tooManyRedirects: 'TooManyRedirects',
  downloadFailed: 'DownloadFailed', // any other unexpected HTTP answer from the download URL
  copyDeadline: 'CopyDeadlineExceeded', // stopped before the Lambda's time ran out; retried with a fresh URL
  schemaDrift: 'SchemaDrift', // the header is not the expected columns (one missing, renamed or moved): quarantined, nothing published

  // Export ledger (lambdas/shared/ledger; docs/design.md, "Exactly once")
  ledgerCorrupt: 'LedgerCorrupt', // a ledger object the product did not write: nothing exported for the pair until fixed or forced
  ledgerContention: 'LedgerContention', // lost the conditional write too often in a row: retried by the state machine
  claimHeld: 'ClaimHeld', // another live execution kept its claim on these days past the wait deadline
  claimLost: 'ClaimLost', // this execution's claim was taken over (it looked dead): it must not create, copy or land
  createUnconfirmed: 'JobCreateUnconfirmed', // too many creates whose answer was lost: stopped rather than make more jobs
} as const;

export type ErrorName = (typeof ERROR_NAMES)[keyof typeof ERROR_NAMES];

/** Base for every named error: `name` is what Step Functions sees as the Error. */
export class NamedError extends Error {
  constructor(
    override readonly name: ErrorName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
