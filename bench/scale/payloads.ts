/**
 * Upper bounds of every payload the workflow passes between states, whatever the number of pairs:
 * each one is an object built with the workflow's own constructors (plannedTask, afterJobCreated,
 * afterJobChecked, afterCopied, planTasks, pairReportOf, summarizeRun, the S3 key functions) at its
 * realistic maximum, measured as JSON.stringify length (the payload quota counts UTF-8 bytes;
 * everything here is ASCII). The history-budget test holds them below STATE_PAYLOAD_TARGET_BYTES
 * and the scale benchmark prints them.
 *
 * What "realistic maximum" assumes: a 63-character bucket (S3's longest name) and the default key
 * prefix; 19-digit contract URNs (the longest CONTRACT_URN accepts); job ids of 16 digits
 * (Number.MAX_SAFE_INTEGER, the most a number in the state keeps exactly); LinkedIn's 3 GB file cap
 * and 100 million rows; 80-character execution and state machine names (Step Functions' longest);
 * an error cause at Step Functions' 32,768-character cap where AWS writes it (a Map's failure, a
 * failed continuation's cause).
 */
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import type { ChildResult, MapRunOutput } from '../../lambdas/shared/contract/map-run';
import { MAX_RESULTS_IN_TASK, PAYLOAD_QUOTA_BYTES, STATE_PAYLOAD_TARGET_BYTES } from '../../lambdas/shared/contract/quotas';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import {
  type ExportResult,
  type ExportTask,
  type ExportWindow,
  exportTaskSchema,
  type PlanEvent,
  type PlanResult,
  type SummarizeEvent,
} from '../../lambdas/shared/contract/state';
import type { PollPolicy } from '../../lambdas/shared/workflow/backoff';
import { planTasks } from '../../lambdas/shared/workflow/input';
import { MAP_RESULTS_FOLDER } from '../../lambdas/shared/contract/layout';
import { normalizePrefix, runKeys, s3Uri } from '../../lambdas/shared/workflow/keys';
import { dayObjectKey, manifestKey } from '../../lambdas/shared/contract/layout';
import { pairReportOf, summarizeRun } from '../../lambdas/shared/workflow/summarize';
import { afterCopied, afterJobChecked, afterJobCreated, plannedTask } from '../../lambdas/shared/workflow/transitions';
import { cutIntoJobWindows, halveWindow, latestAllowedEndAt, startOfUtcDay } from '../../lambdas/shared/workflow/windows';
import { defaultPollPolicy } from '../polling/model';

/** S3's longest bucket name (63 characters). */
export const LONGEST_BUCKET = 'partner-analytics-linkedin-sales-navigator-exports-eu-west-3-p1';
/** The longest contract URN the contract accepts (19 digits). */
export const LONGEST_CONTRACT = 'urn:li:contract:9223372036854775807';
/** The longest job id a state keeps exactly. */
export const LONGEST_JOB_ID = Number.MAX_SAFE_INTEGER;
/** Step Functions' longest execution and state machine names (80 characters). */
export const LONGEST_NAME = 'x'.repeat(80);
/** Step Functions cuts an error cause at this many characters. ASSUMPTION: the cap applies to the causes AWS writes too. */
export const CAUSE_CAP_CHARS = 32_768;
/** LinkedIn's export file cap and a row count beyond what fits in it. */
const MAX_FILE_BYTES = 3_000_000_000;
const MAX_ROWS = 100_000_000;
const SHA256 = 'f'.repeat(64);
/** The longest export type name. */
const LONGEST_TYPE: ExportType = [...EXPORT_TYPES].sort((a, b) => b.length - a.length)[0]!;

export interface PayloadOptions {
  /** "Now" (epoch ms): the latest day a window may reach. @default Date.now() */
  now?: number;
  /** The earliest day a window may start (EARLIEST_DAY). @default RUNTIME_DEFAULTS.EARLIEST_DAY */
  earliestDay?: number;
  /** The poll policy (MAX_RECREATES, MAX_DATA_DELAY_RETRIES). @default the deployment defaults */
  policy?: PollPolicy;
  /** @default LONGEST_BUCKET */
  bucket?: string;
  /** @default RUNTIME_DEFAULTS.KEY_PREFIX */
  keyPrefix?: string;
}

const resolved = (options: PayloadOptions) => ({
  now: options.now ?? Date.now(),
  earliestDay: options.earliestDay ?? RUNTIME_DEFAULTS.EARLIEST_DAY,
  policy: options.policy ?? defaultPollPolicy(),
  bucket: options.bucket ?? LONGEST_BUCKET,
  keyPrefix: options.keyPrefix ?? RUNTIME_DEFAULTS.KEY_PREFIX,
});

/** JSON length of a payload (ASCII: bytes). */
export const jsonBytes = (value: unknown): number => JSON.stringify(value).length;

/** A landed object at its realistic maximum, with the real keys of its window. */
export const maximalResult = (
  window: ExportWindow,
  jobIds: readonly number[],
  options: PayloadOptions = {},
  contract = LONGEST_CONTRACT,
  exportType: ExportType = LONGEST_TYPE,
): ExportResult => {
  const { bucket, keyPrefix } = resolved(options);
  const keys = {
    csvKey: dayObjectKey(keyPrefix, exportType, contract, window.startAt),
    manifestKey: manifestKey(keyPrefix, exportType, contract, window),
  };
  return {
    exportType,
    contract,
    startAt: window.startAt,
    endAt: window.endAt,
    jobIds: [...jobIds],
    rowCount: MAX_ROWS,
    bytes: MAX_FILE_BYTES,
    sha256: SHA256,
    s3Uri: s3Uri(bucket, keys.csvKey),
    manifestUri: s3Uri(bucket, keys.manifestKey),
    objects: Math.round((window.endAt - window.startAt) / 86_400_000),
    empty: false,
  };
};

/** Every window a pair can be asked for: EARLIEST_DAY to the end of today, in 90-day jobs. */
export const longestPlan = (options: PayloadOptions = {}): ExportWindow[] => {
  const { now, earliestDay } = resolved(options);
  return cutIntoJobWindows({ startAt: startOfUtcDay(earliestDay), endAt: latestAllowedEndAt(now) });
};

/** How many times a window of the longest job can be halved before it is one day. */
export const splitDepth = (window: ExportWindow): number => {
  let depth = 0;
  for (let halves = halveWindow(window); halves; halves = halveWindow(halves[0])) depth += 1;
  return depth;
};

/**
 * Spends every re-creation and DATA_DELAY retry of the current window, through the real
 * transitions, and leaves a job of it created: the most job ids a window collects.
 */
const exhaustRetries = (start: ExportTask, policy: PollPolicy, nextJobId: () => number, now: number): ExportTask => {
  let task = afterJobCreated(start, nextJobId(), now);
  const fixed = () => 1;
  for (let i = 0; i < policy.maxRecreates; i++) {
    task = afterJobChecked(task, { status: 'FAILED_DUE_TO_INTERNAL_ERROR' }, now, policy, fixed);
    task = afterJobCreated(task, nextJobId(), now);
  }
  for (let i = 0; i < policy.maxDataDelayRetries; i++) {
    task = afterJobChecked(task, { status: 'FAILED_DUE_TO_DATA_DELAY' }, now, policy, fixed);
    task = afterJobCreated(task, nextJobId(), now);
  }
  return task;
};

export interface LargestTask {
  /** A state the transitions reach: MAX_RESULTS_IN_TASK objects landed, then the next window split to a day, every retry spent, its job running. */
  reachable: ExportTask;
  /** An upper bound: that state with every window of the longest plan still pending as well (not reachable; schema-valid). */
  bound: ExportTask;
  windows: number;
  splitDepth: number;
  jobIdsPerWindow: number;
}

/**
 * The largest ExportTask a child can carry: windows from EARLIEST_DAY to today cut into 90-day
 * jobs, the head split down to a day (each split leaves one more window pending), every window's
 * re-creations and DATA_DELAY retries spent (1 + MAX_RECREATES + MAX_DATA_DELAY_RETRIES job ids),
 * MAX_RESULTS_IN_TASK landed objects at their realistic maximum.
 */
export const largestExportTask = (options: PayloadOptions = {}): LargestTask => {
  const { now, policy } = resolved(options);
  const windows = longestPlan(options);
  if (windows.length <= MAX_RESULTS_IN_TASK) {
    throw new Error(`The longest plan has ${windows.length} windows, not more than MAX_RESULTS_IN_TASK: widen it (earliestDay)`);
  }
  let jobId = LONGEST_JOB_ID - 10_000;
  const nextJobId = () => jobId++;
  let task = plannedTask(LONGEST_TYPE, LONGEST_CONTRACT, windows);
  for (let landed = 0; landed < MAX_RESULTS_IN_TASK; landed++) {
    task = exhaustRetries(task, policy, nextJobId, now);
    task = afterJobChecked(task, { status: 'COMPLETED', rowCount: MAX_ROWS }, now, policy, () => 1);
    task = afterCopied(task, maximalResult(task.pending[0]!, task.jobIds, options));
  }
  const depth = splitDepth(task.pending[0]!);
  for (let i = 0; i < depth; i++) {
    task = afterJobCreated(task, nextJobId(), now);
    task = afterJobChecked(task, { status: 'FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR' }, now, policy, () => 1);
  }
  task = exhaustRetries(task, policy, nextJobId, now);
  const reachable = afterJobChecked(task, { status: 'PROCESSING' }, now, policy, () => 1);
  const splits = reachable.pending.slice(0, depth + 1);
  const bound = exportTaskSchema.parse({ ...reachable, pending: [...splits, ...windows.slice(1)] });
  return {
    reachable: exportTaskSchema.parse(reachable),
    bound,
    windows: windows.length,
    splitDepth: depth,
    jobIdsPerWindow: reachable.jobIds.length,
  };
};

/** One state payload's bound. */
export interface PayloadBound {
  /** Where the payload is (state and direction). */
  state: string;
  /** What it holds, for the table. */
  payload: string;
  bytes: number;
}

const contractUrn = (k: number): string => `urn:li:contract:${(1_000_000_000_000_000_000n + BigInt(k)).toString()}`;

/** The Plan's output at its maximum: longest names, every export type, a 2-year window. */
export const maximalPlanResult = (pairs: number, options: PayloadOptions = {}): PlanResult => {
  const { bucket, keyPrefix, now } = resolved(options);
  const { itemsKey, reportKey, skippedKey } = runKeys(keyPrefix, LONGEST_NAME);
  const endAt = latestAllowedEndAt(now);
  return {
    run: {
      bucket,
      executionName: LONGEST_NAME,
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:${LONGEST_NAME}:${LONGEST_NAME}`,
      itemsKey,
      reportKey,
      skippedKey,
    },
    pairs,
    alreadyLanded: { pairs: 0, days: 0 },
    contracts: Math.ceil(pairs / EXPORT_TYPES.length),
    exportTypes: [...EXPORT_TYPES],
    window: { startAt: endAt - 730 * 86_400_000, endAt },
  };
};

/** The Map state's output on AWS with a ResultWriter (its ARN and the manifest's key). */
export const maximalMapRunOutput = (options: PayloadOptions = {}): MapRunOutput => {
  const { bucket, keyPrefix } = resolved(options);
  const uuid = '01234567-89ab-cdef-0123-456789abcdef';
  return {
    MapRunArn: `arn:aws:states:us-east-1:123456789012:mapRun:${LONGEST_NAME}/${'m'.repeat(40)}:${uuid}`,
    ResultWriterDetails: { Bucket: bucket, Key: `${normalizePrefix(keyPrefix)}${MAP_RESULTS_FOLDER}/${uuid}/manifest.json` },
  };
};

/**
 * The `.sync:2` result of the continuation Task before its OutputPath: DescribeExecution's answer
 * with Input and Output as JSON. ASSUMPTION: the fields of DescribeExecution as documented; the
 * Task's raw result counts against the payload quota before OutputPath narrows it to `Output`.
 */
const continuationResult = (input: ExportTask, output: ExportTask) => ({
  ExecutionArn: `arn:aws:states:us-east-1:123456789012:execution:${LONGEST_NAME}:${LONGEST_NAME}`,
  StateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${LONGEST_NAME}`,
  Name: LONGEST_NAME,
  Status: 'SUCCEEDED',
  StartDate: 1_790_000_000_000,
  StopDate: 1_790_000_000_000,
  Input: input,
  InputDetails: { Included: true },
  Output: output,
  OutputDetails: { Included: true },
  RedriveCount: 0,
  RedriveStatus: 'NOT_REDRIVABLE',
  RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
});

/** A long Lambda error cause, as AWS writes it (JSON with the message); the summary clips it. */
const lambdaCause = (error: string): string =>
  JSON.stringify({
    errorType: error,
    errorMessage: `${error}: ${'a LinkedIn message that goes on and on '.repeat(40)}`,
    trace: ['at handler'],
  });

type Outcome = 'landed' | 'forbidden' | 'jobFailed';

/** One Map Run result entry for a daily pair, through the real constructors. */
const childEntry = (k: number, outcome: Outcome, options: PayloadOptions): ChildResult => {
  const { now, policy } = resolved(options);
  const contract = contractUrn(Math.floor(k / EXPORT_TYPES.length));
  const exportType = EXPORT_TYPES[k % EXPORT_TYPES.length]!;
  const endAt = latestAllowedEndAt(now) - 86_400_000;
  const window = { startAt: endAt - 86_400_000, endAt };
  const [planned] = planTasks({ exportTypes: [exportType], window }, [contract]);
  const input = JSON.stringify(planned);
  const executionArn = `arn:aws:states:us-east-1:123456789012:execution:${LONGEST_NAME}/${'m'.repeat(40)}:${k.toString().padStart(36, '0')}`;
  if (outcome !== 'landed') {
    const error = outcome === 'forbidden' ? 'LinkedInForbidden' : 'ExportJobFailed';
    return { ExecutionArn: executionArn, Input: input, Status: 'FAILED', Error: error, Cause: lambdaCause(error) };
  }
  let task = afterJobCreated(planned!, LONGEST_JOB_ID - k, now);
  task = afterJobChecked(task, { status: 'COMPLETED', rowCount: MAX_ROWS }, now, policy, () => 1);
  task = afterCopied(task, maximalResult(window, task.jobIds, options, contract, exportType));
  return { ExecutionArn: executionArn, Input: input, Output: JSON.stringify(task), Status: 'SUCCEEDED' };
};

/** The run's outcome mixes the summary is measured at: every pair landed, a partial failure, every pair failed. */
export const SUMMARY_MIXES: ReadonlyArray<{ name: string; outcome: (k: number) => Outcome }> = [
  { name: 'all landed', outcome: () => 'landed' },
  { name: '5 % forbidden, 1 % job failed', outcome: (k) => (k % 20 === 0 ? 'forbidden' : k % 100 === 1 ? 'jobFailed' : 'landed') },
  { name: 'all failed, two errors', outcome: (k) => (k % 2 === 0 ? 'forbidden' : 'jobFailed') },
];

/** The Summarize step's output (the execution's output, or its Fail cause) for `pairs` pairs: the largest over the mixes. */
export const largestSummary = (pairs: number, options: PayloadOptions = {}): { mix: string; bytes: number } => {
  const { bucket, keyPrefix } = resolved(options);
  const reportUri = s3Uri(bucket, runKeys(keyPrefix, LONGEST_NAME).reportKey);
  let largest = { mix: '', bytes: 0 };
  for (const mix of SUMMARY_MIXES) {
    const reports = Array.from({ length: pairs }, (_, k) => pairReportOf(childEntry(k, mix.outcome(k), options)));
    const { summary } = summarizeRun({
      executionName: LONGEST_NAME,
      executionArn: `arn:aws:states:us-east-1:123456789012:execution:${LONGEST_NAME}:${LONGEST_NAME}`,
      mapRunArn: maximalMapRunOutput(options).MapRunArn,
      plannedPairs: pairs,
      pairs: reports,
      reportUri,
      createdAt: new Date(0).toISOString(),
    });
    const bytes = jsonBytes(summary);
    if (bytes > largest.bytes) largest = { mix: mix.name, bytes };
  }
  return largest;
};

/**
 * Every state payload's bound for a run of `pairs` pairs. The Plan's and the Map's payloads do not
 * grow with the pairs (the pairs go through S3); the summary is bounded by MAX_SUMMARY_BYTES; a
 * pair's state by MAX_RESULTS_IN_TASK.
 */
export const payloadBounds = (pairs: number, options: PayloadOptions = {}): PayloadBound[] => {
  const { now } = resolved(options);
  const task = largestExportTask(options);
  const planEvent: PlanEvent = {
    input: { scheduledTime: new Date(now).toISOString() },
    executionStartTime: new Date(now).toISOString(),
    executionName: LONGEST_NAME,
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:${LONGEST_NAME}:${LONGEST_NAME}`,
  };
  const plan = maximalPlanResult(pairs, options);
  const mapOutput: SummarizeEvent = { ...plan, mapRun: maximalMapRunOutput(options) };
  const mapFailure: SummarizeEvent = {
    ...plan,
    mapFailure: { Error: 'States.ExceedToleratedFailureThreshold', Cause: 'c'.repeat(CAUSE_CAP_CHARS) },
  };
  const done = { ...task.reachable, pending: [], next: 'done' as const, reason: 'copied' as const, job: undefined, waitSeconds: 0 };
  const summary = largestSummary(pairs, options);
  return [
    { state: 'Plan exports (input)', payload: 'scheduled run: $$.Execution fields + {scheduledTime}', bytes: jsonBytes(planEvent) },
    { state: 'Plan exports (output) = Map input', payload: 'run location and counts (pairs in S3)', bytes: jsonBytes(plan) },
    {
      state: 'a pair: Map item, child input, state, output',
      payload: `ExportTask bound: ${task.windows} windows + ${task.splitDepth} split, ${task.jobIdsPerWindow} job ids, ${MAX_RESULTS_IN_TASK} results`,
      bytes: jsonBytes(task.bound),
    },
    {
      state: 'Continue in a new execution (raw .sync:2 result)',
      payload: 'DescribeExecution: Input (task bound) + Output (done task)',
      bytes: jsonBytes(continuationResult(task.bound, done)),
    },
    {
      state: 'Read continuation failure (output)',
      payload: `the continuation's failure, cause at ${CAUSE_CAP_CHARS} characters`,
      bytes: jsonBytes({ failure: { Error: 'States.TaskFailed', Cause: 'c'.repeat(CAUSE_CAP_CHARS) } }),
    },
    {
      state: 'Export each contract and type (output) = Summarize input',
      payload: 'plan + MapRunArn + ResultWriterDetails',
      bytes: jsonBytes(mapOutput),
    },
    {
      state: 'Summarize run (input, Map failed)',
      payload: `plan + the Map's error, cause at ${CAUSE_CAP_CHARS} characters`,
      bytes: jsonBytes(mapFailure),
    },
    {
      state: 'Summarize run (output) = execution output / Fail cause',
      payload: `RunSummary of ${pairs.toLocaleString('en-US')} pairs (${summary.mix})`,
      bytes: summary.bytes,
    },
  ];
};

/** The largest of the bounds. */
export const largestPayload = (bounds: readonly PayloadBound[]): PayloadBound =>
  bounds.reduce((largest, bound) => (bound.bytes > largest.bytes ? bound : largest));

export { PAYLOAD_QUOTA_BYTES, STATE_PAYLOAD_TARGET_BYTES };
