/**
 * The names that join the state machine, the handlers and the local runner: every state's name (as
 * the console graph shows it) and which handler module each Task state runs. The deployed stack
 * and the local runner both execute the ASL CDK synthesizes from infra/workflow.ts, and the local
 * runner keys its in-process handlers by these state names.
 */

export const STATE_NAMES = {
  plan: 'Plan exports',
  invalidInput: 'Invalid input',
  misconfigured: 'Misconfigured deployment',
  lambdasMisconfigured: 'Misconfigured Lambdas',
  contractsNotFound: 'Contracts not found',
  exportEach: 'Export each contract and type',
  summarize: 'Summarize run',
  publishFreshness: 'Publish freshness',
  runOutcome: 'Route on run outcome',
  runSucceeded: 'Run succeeded',
  partialFailure: 'Some exports failed',
  everyExportFailed: 'Every export failed',
  resetSteps: 'Reset step count',
  continueAsNew: 'Continue in a new execution',
  checkContinuationFailure: 'Check continuation failure',
  readContinuationFailure: 'Read continuation failure',
  continuationFailed: 'Continuation failed',
  claimWindow: 'Claim export window',
  waitBeforeClaim: 'Wait before claiming',
  createJob: 'Create export job',
  checkJob: 'Check export job',
  route: 'Route on job state',
  waitForJob: 'Wait for export job',
  waitBeforeCreate: 'Wait before creating job',
  copy: 'Copy CSV to S3',
  exportFinished: 'Export finished',
  tokenRejected: 'LinkedIn token rejected',
  noReportingAccess: 'No reporting access',
  jobFailed: 'LinkedIn job failed',
  copyFailed: 'Copy to S3 failed',
  schemaDrifted: 'Columns changed',
  linkedInUnavailable: 'LinkedIn unavailable',
  linkedInRejected: 'LinkedIn rejected the request',
  ledgerRefused: 'Export ledger refused',
  exportFailed: 'Export failed',
} as const;
export type StateName = (typeof STATE_NAMES)[keyof typeof STATE_NAMES];

/** The handler modules of lambdas/ (each file exports `handler`), in workflow order. */
// rotate-token and tokens run outside the workflow: the token secret's rotation and the hourly token schedule (docs/tokens.md).
export const HANDLER_MODULES = [
  'plan',
  'claim-window',
  'create-job',
  'check-job',
  'copy-to-s3',
  'summarize',
  'freshness',
  'rotate-token',
  'tokens',
] as const;
export type HandlerModule = (typeof HANDLER_MODULES)[number];

/** Which handler module each Task state runs. */
export const TASK_HANDLERS = {
  [STATE_NAMES.plan]: 'plan',
  [STATE_NAMES.claimWindow]: 'claim-window',
  [STATE_NAMES.createJob]: 'create-job',
  [STATE_NAMES.checkJob]: 'check-job',
  [STATE_NAMES.copy]: 'copy-to-s3',
  [STATE_NAMES.summarize]: 'summarize',
  [STATE_NAMES.publishFreshness]: 'freshness',
} as const satisfies Record<string, HandlerModule>;
export type TaskStateName = keyof typeof TASK_HANDLERS;
/** The handler modules the workflow's Task states run (the others run on their own schedules). */
export type WorkflowHandlerModule = (typeof TASK_HANDLERS)[TaskStateName];

/** The Powertools service name every function logs and emits metrics under. */
export const SERVICE_NAME = 'linkedin-salesnav-export';
/** CloudWatch namespace of the handlers' metrics (rows, bytes, throughput, polls, wait time). */
export const METRICS_NAMESPACE = 'LinkedInSalesNavExport';

/** Step Functions' rule for execution names (1-80 characters; no whitespace, no / : , ; and friends): one S3 key segment. */
export const EXECUTION_NAME_PATTERN = /^[^\s/"#%\\^|~`$&,;:<>{}[\]?*]{1,80}$/u;
