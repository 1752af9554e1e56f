/**
 * The deployed stack's command line (`npm run cli`): start an export, backfill a long range, and
 * read an execution's status, through the Step Functions API. Every request gets a deterministic
 * execution name, so repeating a command never starts a duplicate export.
 */
import { MAX_JOB_DAYS } from '../../lambdas/shared/contract/linkedin-limits';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  StartExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { ExportResult } from '../../lambdas/shared/contract/state';
import { cutIntoJobWindows } from '../../lambdas/shared/workflow/windows';
import { formatUtcDay, parseUtcDay } from '../../lambdas/shared/contract/utc-day';
import { buildExecutionInput, executionNameFor, type ExportRequest } from './request';

/** `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME` + name → that execution's ARN. */
export const executionArnOf = (stateMachineArn: string, name: string): string => {
  const match = /^(arn:[^:]+:states:[^:]*:[^:]*):stateMachine:([^:]+)$/.exec(stateMachineArn);
  if (!match) throw new RangeError(`Not a state machine ARN: ${stateMachineArn}`);
  return `${match[1]}:execution:${match[2]}:${name}`;
};

const TERMINAL: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

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
  const pollMs = options.pollMs ?? 30_000;
  const maxAttempts = options.maxAttempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));

  const untilDone = async (executionArn: string): Promise<string> => {
    for (;;) {
      const status = (await describe(sfn, executionArn))?.status ?? 'UNKNOWN';
      if (TERMINAL.has(status) || status === 'UNKNOWN') return status;
      await sleep(pollMs);
    }
  };

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
  exports?: Array<Pick<ExportResult, 'exportType' | 'contract' | 'startAt' | 'endAt' | 's3Uri' | 'rowCount' | 'bytes' | 'empty'>>;
  error?: string;
  cause?: string;
}

/**
 * `cli status`: the execution's state, current step, and result or error.
 *
 * @param execution an execution ARN, or a name under `stateMachineArn`
 */
export const executionStatus = async (sfn: SFNClient, execution: string, stateMachineArn?: string): Promise<ExecutionReport> => {
  let executionArn = execution;
  if (!execution.startsWith('arn:')) {
    if (!stateMachineArn) throw new RangeError('an execution name needs the state machine (--state-machine-arn or the stack outputs)');
    executionArn = executionArnOf(stateMachineArn, execution);
  }
  const described = await describe(sfn, executionArn);
  if (!described) throw Object.assign(new Error(`No execution ${executionArn}`), { name: 'ExecutionDoesNotExist' });

  const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100 }));
  const entered = history.events?.find((event) => event.stateEnteredEventDetails?.name);
  const report: ExecutionReport = {
    name: described.name ?? executionArn.split(':').pop() ?? '',
    executionArn,
    status: described.status ?? 'UNKNOWN',
    ...(described.startDate && { startDate: described.startDate }),
    ...(described.stopDate && { stopDate: described.stopDate }),
    ...(entered?.stateEnteredEventDetails?.name && { currentStep: entered.stateEnteredEventDetails.name }),
  };
  if (described.status === 'SUCCEEDED' && described.output) {
    const output = JSON.parse(described.output) as { exports?: ExportResult[] };
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
  }
  if (described.error !== undefined) report.error = described.error;
  if (described.cause !== undefined) report.cause = described.cause;
  return report;
};
