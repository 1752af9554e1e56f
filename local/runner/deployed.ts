/**
 * The deployed stack's command line (`npm run cli`): start an export, backfill a long range,
 * read an execution's status and redrive a failed one, through the Step Functions API. Every
 * request gets a deterministic execution name, so repeating a command never starts a duplicate
 * export.
 */
import { MAX_JOB_DAYS } from '../../lambdas/shared/contract/linkedin-limits';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { reportUriFromCause } from '../../lambdas/shared/contract/run-report';
import { TOLERATED_FAILURE_EXCEEDED } from '../../lambdas/shared/contract/map-run';
import type { ExportResult } from '../../lambdas/shared/contract/state';
import { cutIntoJobWindows } from '../../lambdas/shared/workflow/windows';
import { formatUtcDay, parseUtcDay } from '../../lambdas/shared/contract/utc-day';
import { buildExecutionInput, executionNameFor, type ExportRequest } from './request';

/** `arn:aws:states:REGION:ACCOUNT:execution:NAME:EXECUTION` → that state machine's ARN. */
export const stateMachineArnOf = (executionArn: string): string => {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):execution:([^:]+):[^:]+$/.exec(executionArn);
  if (!match) throw new RangeError(`Not an execution ARN: ${executionArn}`);
  return `${match[1]}:stateMachine:${match[2]}`;
};

/** `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME` + name → that execution's ARN. */
export const executionArnOf = (stateMachineArn: string, name: string): string => {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)$/.exec(stateMachineArn);
  if (!match) throw new RangeError(`Not a state machine ARN: ${stateMachineArn}`);
  return `${match[1]}:execution:${match[2]}:${name}`;
};

const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);
/** The ends RedriveExecution can restart. */
const REDRIVABLE_ENDS: ReadonlySet<string> = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

/** How long after its end Step Functions still redrives an execution. */
export const REDRIVE_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** An execution ARN as given, or a name under `stateMachineArn`. */
export const resolveExecutionArn = (execution: string, stateMachineArn?: string): string => {
  if (execution.startsWith('arn:')) return execution;
  if (!stateMachineArn) throw new RangeError('an execution name needs the state machine (--state-machine-arn or the stack outputs)');
  return executionArnOf(stateMachineArn, execution);
};

const noSuchExecution = (executionArn: string): Error =>
  Object.assign(new Error(`No execution ${executionArn}`), { name: 'ExecutionDoesNotExist' });

export interface StartedExecution {
  name: string;
  executionArn: string;
  status: ExecutionStatus | string;
  /** false when an execution of that name existed already (nothing was started). */
  started: boolean;
  input: Record<string, unknown>;
}

/** DescribeExecution, or undefined when there is no execution of that ARN. */
const describe = async (sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput | undefined> => {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    if (error instanceof ExecutionDoesNotExist || (error as Error).name === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
};

/**
 * Starts `input` under `name`, or reports the execution that already has that name.
 */
export const startOrFind = async (
  sfn: SFNClient,
  stateMachineArn: string,
  input: Record<string, unknown>,
  name: string,
): Promise<StartedExecution> => {
  try {
    const started = await sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    return { name, executionArn: started.executionArn ?? executionArnOf(stateMachineArn, name), status: 'RUNNING', started: true, input };
  } catch (error) {
    if (!(error instanceof ExecutionAlreadyExists || (error as Error).name === 'ExecutionAlreadyExists')) throw error;
    const executionArn = executionArnOf(stateMachineArn, name);
    const existing = await describe(sfn, executionArn);
    return { name, executionArn, status: existing?.status ?? 'UNKNOWN', started: false, input };
  }
};

/**
 * `cli start`: one execution per request, named after the request.
 *
 * @param now for the default window's day (see executionNameFor)
 */
export const startExport = (sfn: SFNClient, stateMachineArn: string, input: Record<string, unknown>, now = Date.now()) =>
  startOrFind(sfn, stateMachineArn, input, executionNameFor(input, now));

/** One backfill chunk: its window and input. */
export interface BackfillChunk {
  from: string;
  to: string;
  input: Record<string, unknown>;
  /** The first attempt's execution name; later attempts add `-r2`, `-r3`, … */
  baseName: string;
}

/**
 * Cuts [from, to) into consecutive windows of at most `chunkDays` days (LinkedIn's limit by default), each the
 * input of one execution.
 *
 * @throws RangeError for a bad day or an empty range
 */
export const planBackfill = (request: ExportRequest & { from: string; to: string }, chunkDays = MAX_JOB_DAYS): BackfillChunk[] => {
  const startAt = parseUtcDay(request.from);
  const endAt = parseUtcDay(request.to);
  if (startAt === undefined || endAt === undefined || startAt >= endAt) {
    throw new RangeError(`backfill needs --from before --to, as YYYY-MM-DD (got ${request.from}, ${request.to})`);
  }
  if (!Number.isInteger(chunkDays) || chunkDays < 1 || chunkDays > MAX_JOB_DAYS)
    throw new RangeError(`--chunk-days must be 1 to ${MAX_JOB_DAYS}, got ${chunkDays}`);
  return cutIntoJobWindows({ startAt, endAt }, chunkDays).map((window) => {
    const from = formatUtcDay(window.startAt);
    const to = formatUtcDay(window.endAt);
    const input = buildExecutionInput({ ...request, from, to });
    return { from, to, input, baseName: executionNameFor(input).slice(0, 74) };
  });
};

/** Attempt `n` of a chunk: the base name, then `-r2`, `-r3`… */
export const attemptName = (baseName: string, attempt: number): string => (attempt === 1 ? baseName : `${baseName}-r${attempt}`);

export interface WaitOptions {
  /** How often the execution is checked. @default 30000 */
  pollMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /**
   * Keep waiting while the execution has been redriven fewer times than this (a redrive just
   * accepted may not show yet).
   */
  minRedriveCount?: number;
  onCheck?: (described: DescribeExecutionCommandOutput) => void;
}

/**
 * Polls DescribeExecution until the execution ends; resolves to its last status (`UNKNOWN`
 * when it does not exist).
 */
export const waitForExecution = async (sfn: SFNClient, executionArn: string, options: WaitOptions = {}): Promise<string> => {
  const pollMs = options.pollMs ?? 30_000;
  const sleep = options.sleep ?? defaultSleep;
  for (;;) {
    const described = await describe(sfn, executionArn);
    if (!described) return 'UNKNOWN';
    options.onCheck?.(described);
    const status = described.status ?? 'UNKNOWN';
    const redriveShown = (described.redriveCount ?? 0) >= (options.minRedriveCount ?? 0);
    if (redriveShown && TERMINAL.has(status)) return status;
    await sleep(pollMs);
  }
};

export interface BackfillOutcome {
  chunk: BackfillChunk;
  name: string;
  executionArn: string;
  status: string;
  /** What this run did for the chunk. */
  action: 'skipped' | 'started' | 'awaited';
}

export interface BackfillOptions {
  /** Executions running at once. @default 2 */
  concurrency?: number;
  /** How often a running execution is checked. @default 30000 */
  pollMs?: number;
  /** Attempts per chunk before giving up on it (failed attempts are kept in history). @default 3 */
  maxAttempts?: number;
  onProgress?: (outcome: BackfillOutcome) => void;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * `cli backfill`: runs every chunk to an end, at most `concurrency` at a time. Resumable: a
 * chunk that already SUCCEEDED is skipped, one still RUNNING is waited for, one that FAILED
 * gets a new attempt under the next name (names are unique for 90 days, so a failed name
 * cannot be reused).
 */
export const runBackfill = async (
  sfn: SFNClient,
  stateMachineArn: string,
  chunks: BackfillChunk[],
  options: BackfillOptions = {},
): Promise<BackfillOutcome[]> => {
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const maxAttempts = options.maxAttempts ?? 3;
  const untilDone = (executionArn: string): Promise<string> =>
    waitForExecution(sfn, executionArn, {
      ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
      ...(options.sleep && { sleep: options.sleep }),
    });

  const runChunk = async (chunk: BackfillChunk): Promise<BackfillOutcome> => {
    let last: BackfillOutcome | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
      const name = attemptName(chunk.baseName, attempt);
      const executionArn = executionArnOf(stateMachineArn, name);
      const existing = await describe(sfn, executionArn);
      let action: BackfillOutcome['action'];
      let status: string;
      if (existing?.status === 'SUCCEEDED') {
        return { chunk, name, executionArn, status: 'SUCCEEDED', action: 'skipped' };
      } else if (existing && TERMINAL.has(existing.status ?? '')) {
        last = { chunk, name, executionArn, status: existing.status ?? 'FAILED', action: 'skipped' };
        continue; // a failed attempt: try the next name
      } else if (existing) {
        action = 'awaited';
        options.onProgress?.({ chunk, name, executionArn, status: existing.status ?? 'RUNNING', action });
        status = await untilDone(executionArn);
      } else {
        const started = await startOrFind(sfn, stateMachineArn, chunk.input, name);
        action = 'started';
        options.onProgress?.({ chunk, name, executionArn: started.executionArn, status: 'RUNNING', action });
        status = await untilDone(started.executionArn);
      }
      last = { chunk, name, executionArn, status, action };
      options.onProgress?.(last);
      if (status === 'SUCCEEDED') return last;
    }
    return last!;
  };

  const outcomes: BackfillOutcome[] = new Array(chunks.length);
  let next = 0;
  const worker = async () => {
    while (next < chunks.length) {
      const index = next++;
      outcomes[index] = await runChunk(chunks[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, chunks.length) }, worker));
  return outcomes;
};

export interface ExecutionReport {
  name: string;
  executionArn: string;
  status: string;
  startDate?: Date;
  stopDate?: Date;
  /** The last state entered (the step it is on, or ended in). */
  currentStep?: string;
  /** Times the execution was redriven, and the last time (only once it was). */
  redriveCount?: number;
  redriveDate?: Date;
  /** Whether `redrive` can restart it now (REDRIVABLE, NOT_REDRIVABLE, …), and why not. */
  redriveStatus?: string;
  redriveStatusReason?: string;
  exports?: Array<Pick<ExportResult, 'exportType' | 'contract' | 'startAt' | 'endAt' | 's3Uri' | 'rowCount' | 'bytes' | 'empty'>>;
  /** Landed objects the output left out of `exports` to stay small (the run report lists them). */
  exportsOmitted?: number;
  /**
   * The run report (`s3://…/runs/<execution name>/report.json`): the output's `reportUri` of a
   * SUCCEEDED run, the `Report:` line of a FAILED run's cause.
   */
  reportUri?: string;
  error?: string;
  cause?: string;
}

/** What a SUCCEEDED execution outputs: a RunSummary, or `{ exports }` from before the Distributed Map. */
interface ExecutionOutputFields {
  exports?: ExportResult[];
  exportsOmitted?: number;
  reportUri?: string;
}

/**
 * `cli status`: the execution's state, current step, and result or error.
 *
 * @param execution an execution ARN, or a name under `stateMachineArn`
 */
export const executionStatus = async (sfn: SFNClient, execution: string, stateMachineArn?: string): Promise<ExecutionReport> => {
  const executionArn = resolveExecutionArn(execution, stateMachineArn);
  const described = await describe(sfn, executionArn);
  if (!described) throw noSuchExecution(executionArn);

  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100 }));
  const entered = history.events?.find((event) => event.stateEnteredEventDetails?.name);
  const report: ExecutionReport = {
    name: described.name ?? executionArn.split(':').pop() ?? '',
    executionArn,
    status: described.status ?? 'UNKNOWN',
    ...(described.startDate && { startDate: described.startDate }),
    ...(described.stopDate && { stopDate: described.stopDate }),
    ...(entered?.stateEnteredEventDetails?.name && { currentStep: entered.stateEnteredEventDetails.name }),
    ...(described.redriveCount ? { redriveCount: described.redriveCount } : {}),
    ...(described.redriveCount && described.redriveDate ? { redriveDate: described.redriveDate } : {}),
    ...(REDRIVABLE_ENDS.has(described.status ?? '') && described.redriveStatus && { redriveStatus: described.redriveStatus }),
    ...(REDRIVABLE_ENDS.has(described.status ?? '') &&
      described.redriveStatusReason && { redriveStatusReason: described.redriveStatusReason }),
  };
  if (described.status === 'SUCCEEDED' && described.output) {
    const output = JSON.parse(described.output) as ExecutionOutputFields;
    report.exports = (output.exports ?? []).map(({ exportType, contract, startAt, endAt, s3Uri, rowCount, bytes, empty }) => ({
      exportType,
      contract,
      startAt,
      endAt,
      s3Uri,
      rowCount,
      bytes,
      empty,
    }));
    if (typeof output.exportsOmitted === 'number' && output.exportsOmitted > 0) report.exportsOmitted = output.exportsOmitted;
    if (typeof output.reportUri === 'string') report.reportUri = output.reportUri;
  }
  if (described.error !== undefined) report.error = described.error;
  if (described.cause !== undefined) report.cause = described.cause;
  if (described.status === 'FAILED') {
    const reportUri = reportUriFromCause(described.cause);
    if (reportUri) report.reportUri = reportUri;
  }
  return report;
};

/** Why `redrive` did not redrive an execution (the error's `name`). */
export type RedriveRefusal = 'ExecutionDoesNotExist' | 'ExecutionStillRunning' | 'ExecutionNotRedrivable' | 'RedriveWindowPassed';

/** `redrive` could not redrive: `name` says why, `message` what to do instead. */
export class RedriveRefused extends Error {
  override readonly name: RedriveRefusal;
  /** The execution's status when refused, if it exists. */
  readonly status: string | undefined;

  constructor(name: RedriveRefusal, message: string, status?: string) {
    super(message);
    this.name = name;
    this.status = status;
  }
}

export interface RedriveResult {
  /**
   * `redrive`: Step Functions RedriveExecution (the run broke outside its pairs: Plan, Map Run,
   * Summarize). `rerun`: the run was summarized and failed on some pairs; a new execution
   * `{"rerunOf": name}` exports exactly those pairs (see {@link rerunExecutionName}).
   */
  kind: 'redrive' | 'rerun';
  /** The execution that runs again: the redriven one, or the rerun. */
  name: string;
  executionArn: string;
  /** For a rerun: the failed execution whose pairs it exports. */
  rerunOf?: string;
  /** false: it had SUCCEEDED, there was nothing to redrive. */
  redriven: boolean;
  /** The status before the redrive. */
  previousStatus: string;
  /** The status after it (RUNNING once redriven). */
  status: string;
  /** Times it has been redriven, this redrive included. */
  redriveCount: number;
  redriveDate?: Date;
  /** The error and cause of the attempt that was redriven. */
  previousError?: string;
  previousCause?: string;
}

const daysAgo = (date: Date, now: number): number => Math.floor((now - date.getTime()) / DAY_MS);

/** The rerun of `name`'s failed pairs: one per failed execution, so asking twice reports the same rerun. */
export const rerunExecutionName = (name: string): string => `${name.slice(0, 74)}-rerun`;

/**
 * `cli redrive`: RedriveExecution for a FAILED, TIMED_OUT or ABORTED execution. Step Functions
 * re-runs only the steps that did not succeed, with the same input and execution ARN: for a
 * distributed run, the failed child executions of the Map Run; the deterministic S3 keys make a
 * pair that runs again overwrite, never duplicate, what it landed before.
 *
 * @param execution an execution ARN, or a name under `stateMachineArn`
 * @param now for the age of the execution in the messages
 * @throws RedriveRefused when there is no such execution, it is still running, or Step Functions
 *   refuses (ExecutionNotRedrivable; RedriveWindowPassed past {@link REDRIVE_WINDOW_DAYS} days)
 */
export const redriveExecution = async (
  sfn: SFNClient,
  execution: string,
  stateMachineArn?: string,
  now: number = Date.now(),
): Promise<RedriveResult> => {
  const executionArn = resolveExecutionArn(execution, stateMachineArn);
  const notFound = () =>
    new RedriveRefused(
      'ExecutionDoesNotExist',
      `No execution ${executionArn}: check the name or ARN, the region (--region) and the state machine (--state-machine-arn)`,
    );
  const described = await describe(sfn, executionArn);
  if (!described) throw notFound();
  const name = described.name ?? executionArn.split(':').pop() ?? '';
  const status = described.status ?? 'UNKNOWN';
  const redriveCount = described.redriveCount ?? 0;
  const base = { name, executionArn, previousStatus: status };

  if (status === 'SUCCEEDED') return { ...base, kind: 'redrive', redriven: false, status, redriveCount };
  if (!REDRIVABLE_ENDS.has(status)) {
    throw new RedriveRefused(
      'ExecutionStillRunning',
      `${name} is ${status}: there is nothing to redrive until it ends (follow it with: npm run cli -- status ${name})`,
      status,
    );
  }

  // A run that reached Summarize ended in its Fail state after the Map Run exited: RedriveExecution
  // would only re-enter that Fail state (Step Functions redrives the states that did not exit).
  // The failed pairs run again as a new execution instead; the report says which they are.
  if (status === 'FAILED' && described.error === TOLERATED_FAILURE_EXCEEDED) {
    throw new RedriveRefused(
      'ExecutionNotRedrivable',
      `${name} stopped at its tolerated failure threshold (toleratedFailurePercentage): its report has no per-pair results to ` +
        'rerun, and a RedriveExecution would only re-enter its Fail state. Fix the cause (often the token), then start the same ' +
        'input again (npm run cli -- start --input …): deterministic keys overwrite what landed, never duplicate it.',
      status,
    );
  }
  if (status === 'FAILED' && reportUriFromCause(described.cause) !== undefined) {
    const rerun = await startOrFind(
      sfn,
      described.stateMachineArn ?? stateMachineArnOf(executionArn),
      { rerunOf: name },
      rerunExecutionName(name),
    );
    return {
      kind: 'rerun',
      name: rerun.name,
      executionArn: rerun.executionArn,
      rerunOf: name,
      redriven: true,
      previousStatus: status,
      status: rerun.status,
      redriveCount: 0,
      ...(described.error !== undefined && { previousError: described.error }),
      ...(described.cause !== undefined && { previousCause: described.cause }),
    };
  }

  let redriveDate: Date | undefined;
  try {
    redriveDate = (await sfn.send(new RedriveExecutionCommand({ executionArn }))).redriveDate;
  } catch (error) {
    const errorName = (error as Error).name;
    if (error instanceof ExecutionDoesNotExist || errorName === 'ExecutionDoesNotExist') throw notFound();
    if (!(error instanceof ExecutionNotRedrivable || errorName === 'ExecutionNotRedrivable')) throw error;
    const awsMessage = (error as Error).message.replace(/\s+/g, ' ').trim();
    const reasons = [awsMessage, described.redriveStatusReason].filter((r): r is string => !!r);
    const stopped = described.stopDate;
    const tooOld =
      (stopped !== undefined && now - stopped.getTime() > REDRIVE_WINDOW_DAYS * DAY_MS) ||
      reasons.some((r) => /redrivable period|redrive period|14 days/i.test(r));
    const aws = `(Step Functions: ${[...new Set(reasons)].join('; ') || 'ExecutionNotRedrivable'})`;
    if (tooOld) {
      throw new RedriveRefused(
        'RedriveWindowPassed',
        `${name} ${status}${stopped ? ` on ${stopped.toISOString()}, ${daysAgo(stopped, now)} days ago` : ''}: Step Functions redrives an ` +
          `execution only within ${REDRIVE_WINDOW_DAYS} days of its end, so it cannot be redriven any more; export its window ` +
          `again as a new execution (npm run cli -- backfill with the same --from, --to, --type and --contract starts a failed ` +
          `window again under a new name) ${aws}`,
        status,
      );
    }
    throw new RedriveRefused('ExecutionNotRedrivable', `${name} (${status}) cannot be redriven ${aws}`, status);
  }

  const after = await describe(sfn, executionArn);
  return {
    ...base,
    kind: 'redrive',
    redriven: true,
    status: after?.status && after.status !== status ? after.status : 'RUNNING',
    redriveCount: Math.max(after?.redriveCount ?? 0, redriveCount + 1),
    ...((redriveDate ?? after?.redriveDate) && { redriveDate: redriveDate ?? after?.redriveDate }),
    ...(described.error !== undefined && { previousError: described.error }),
    ...(described.cause !== undefined && { previousCause: described.cause }),
  };
};
