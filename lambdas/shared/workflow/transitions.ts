/**
 * The pure state transitions of one Map item (one contract × export type): the handlers call
 * these with what LinkedIn or S3 answered and return the task they produce; the state machine
 * only routes on `next` and waits `waitSeconds`. Every failure the workflow should stop on is
 * a NamedError whose message names the export type, the contract and the window, so an
 * operator reading the failed execution knows what to re-run.
 */
import type { ExportType } from '../contract/export-types';
import { ERROR_NAMES, NamedError, type ErrorName } from '../contract/error-names';
import { classifyJobStatus } from '../linkedin/status';
import { boundedPollWait, dataDelayWaitSeconds, recreateWaitSeconds, type PollPolicy, type Random } from './backoff';
import type { ExportResult, ExportTask, ExportWindow, JobProgress } from '../contract/state';
import { formatDuration } from './duration';
import { formatWindow, halveWindow } from './windows';
import { MAX_RESULTS_IN_TASK } from '../contract/quotas';

/** What the check step read from LinkedIn: the job's raw status and its rowCount, if any. */
export interface CheckedJob {
  status: string;
  rowCount?: number | null;
}

const NO_RETRIES = { recreate: 0, dataDelay: 0 } as const;

const wiringError = (task: ExportTask, what: string): NamedError =>
  new NamedError(
    ERROR_NAMES.wiring,
    `The state machine handed the ${task.exportType} export of ${task.contract} ${what}; ` +
      'are the Lambdas and the state machine from the same deployment?',
  );

/** The window being worked on; its absence is a wiring bug, not a LinkedIn outcome. */
export const currentWindow = (task: ExportTask): ExportWindow => {
  const window = task.pending[0];
  if (!window) throw wiringError(task, 'with no pending window');
  return window;
};

/** The job of the window being worked on; its absence is a wiring bug too. */
export const currentJob = (task: ExportTask): JobProgress => {
  if (!task.job) throw wiringError(task, 'with no LinkedIn job');
  return task.job;
};

/** `activity export of urn:li:contract:1 for 2026-11-01 to 2026-11-08 (end exclusive)` */
const describeExport = (task: ExportTask, window: ExportWindow): string =>
  `${task.exportType} export of ${task.contract} for ${formatWindow(window)}`;

const jobList = (ids: number[]): string => (ids.length === 1 ? `job ${ids[0]}` : `jobs ${ids.join(', ')}`);

const fail = (name: ErrorName, message: string): never => {
  throw new NamedError(name, message);
};

/** The task without a job: the next step creates one. */
const withoutJob = (task: ExportTask): ExportTask => {
  const { job: _job, ...rest } = task;
  return rest;
};

/**
 * A new export of `windows`, in order: the first step claims the first one in the export ledger
 * (which skips what landed) before any job is created. `force` is set only when asked, so an
 * unforced task has no such field at all (tasks planned before it existed compare equal).
 */
export const plannedTask = (
  exportType: ExportType,
  contract: string,
  windows: readonly ExportWindow[],
  options: { force?: boolean } = {},
): ExportTask => ({
  exportType,
  contract,
  pending: windows.map((window) => ({ ...window })),
  results: [],
  landed: { objects: 0, rows: 0, bytes: 0 },
  steps: 0,
  ...(options.force && { force: true }),
  jobIds: [],
  retries: { ...NO_RETRIES },
  next: 'claim',
  reason: 'planned',
  waitSeconds: 0,
});

/** One more Task step in this execution (the Route state continues the pair in a fresh one at the cap). */
const stepped = (task: ExportTask): Pick<ExportTask, 'steps'> => ({ steps: task.steps + 1 });

/**
 * A LinkedIn job was created for pending[0]: record it and check it at once (poll first,
 * then wait: a job that finishes quickly is copied without an initial wait).
 */
export const afterJobCreated = (task: ExportTask, jobId: number, now: number): ExportTask => {
  currentWindow(task);
  return {
    ...task,
    ...stepped(task),
    job: { id: jobId, createdAt: now, polls: 0, status: 'ENQUEUED', waitedSeconds: 0 },
    jobIds: [...task.jobIds, jobId],
    next: 'poll',
    reason: 'created',
    waitSeconds: 0,
  };
};

/**
 * The job of pending[0] was read from LinkedIn: decide what happens next from its status
 * (status.ts holds the closed status map).
 *
 * - still running: check again after the backoff wait, clipped to the job's deadline;
 *   PollDeadlineExceeded when no check is left (poll cap) or the deadline has passed;
 * - completed (with rows or empty): copy;
 * - file too large: export the two halves of the window instead (WindowTooLarge for one day);
 * - DATA_DELAY: re-create after the data-delay wait (DataDelayExceeded when retries run out);
 * - TIMED_OUT / INTERNAL_ERROR: re-create with backoff (ExportJobFailed when retries run out);
 * - a status this product does not know: UnknownJobStatus at once.
 *
 * @param now epoch ms of the check (the handler's clock), for the deadline
 * @param random the jitter source; tests and the benchmark fix it
 */
export const afterJobChecked = (
  task: ExportTask,
  checked: CheckedJob,
  now: number,
  policy: PollPolicy,
  random: Random = Math.random,
): ExportTask => {
  const window = currentWindow(task);
  const previous = currentJob(task);
  const { steps } = stepped(task);
  const job: JobProgress = { ...previous, polls: previous.polls + 1, status: checked.status };
  const what = describeExport(task, window);
  const outcome = classifyJobStatus(checked.status, checked.rowCount);

  switch (outcome.kind) {
    case 'running': {
      const elapsedSeconds = (now - job.createdAt) / 1000;
      const wait = boundedPollWait(job.polls, elapsedSeconds, policy, random);
      if (wait === undefined) {
        const limit =
          job.polls >= policy.maxPolls
            ? `the limit of ${policy.maxPolls} checks is reached`
            : `its deadline (${formatDuration(policy.jobDeadlineSeconds)} after creation) has passed`;
        return fail(
          ERROR_NAMES.pollDeadline,
          `LinkedIn job ${job.id} (${what}) is still ${job.status} after ${job.polls} checks over ` +
            `${formatDuration(elapsedSeconds)} and ${limit}. ` +
            'Run the window again later; a re-run overwrites, never duplicates.',
        );
      }
      return {
        ...task,
        steps,
        job: { ...job, waitedSeconds: job.waitedSeconds + wait },
        next: 'poll',
        reason: 'running',
        waitSeconds: wait,
      };
    }

    case 'ready':
    case 'readyEmpty':
      return { ...task, steps, job, next: 'copy', reason: 'completed', waitSeconds: 0 };

    case 'split': {
      const halves = halveWindow(window);
      if (!halves) {
        return fail(
          ERROR_NAMES.windowTooLarge,
          `LinkedIn job ${job.id} (${what}) failed with ${job.status}: the file of a single day ` +
            "exceeds LinkedIn's export size limit and a day cannot be split further.",
        );
      }
      return {
        ...withoutJob(task),
        steps,
        pending: [...halves, ...task.pending.slice(1)],
        jobIds: [],
        retries: { ...NO_RETRIES },
        // Each half is claimed on its own (the claim on the whole window is replaced).
        next: 'claim',
        reason: 'split',
        waitSeconds: 0,
      };
    }

    case 'retryLater': {
      const attempt = task.retries.dataDelay + 1;
      if (attempt > policy.maxDataDelayRetries) {
        return fail(
          ERROR_NAMES.dataDelayed,
          `LinkedIn reported ${job.status} for the ${what} ${attempt} times (${jobList(task.jobIds)}); ` +
            `gave up after ${policy.maxDataDelayRetries} retries. The data is not refreshed yet: ` +
            "run the window again after LinkedIn's next daily refresh.",
        );
      }
      return {
        ...withoutJob(task),
        steps,
        retries: { ...task.retries, dataDelay: attempt },
        next: 'create',
        reason: 'dataDelay',
        waitSeconds: dataDelayWaitSeconds(policy, random),
      };
    }

    case 'retry': {
      const attempt = task.retries.recreate + 1;
      if (attempt > policy.maxRecreates) {
        return fail(
          ERROR_NAMES.jobFailed,
          `LinkedIn job ${job.id} (${what}) failed with ${job.status}; ${task.jobIds.length} job(s) ` +
            `created for this window (${jobList(task.jobIds)}) and gave up after ` +
            `${policy.maxRecreates} re-creations.`,
        );
      }
      return {
        ...withoutJob(task),
        steps,
        retries: { ...task.retries, recreate: attempt },
        next: 'create',
        reason: 'recreate',
        waitSeconds: recreateWaitSeconds(attempt, policy, random),
      };
    }

    case 'unknown':
      return fail(
        ERROR_NAMES.unknownStatus,
        `LinkedIn job ${job.id} (${what}) reported the unknown status ${JSON.stringify(outcome.status)}; ` +
          "stopped rather than guess what it means. Check LinkedIn's API changes and update the status map.",
      );
  }
};

/**
 * The CSV of pending[0] landed in S3: record the result and move to the next window, or
 * finish when none is left. The retry counters and job ids belong to the window just done.
 * `results` keeps the first MAX_RESULTS_IN_TASK objects so a long backfill's state stays small;
 * `landed` counts every one.
 */
export const afterCopied = (task: ExportTask, result: ExportResult): ExportTask => {
  currentWindow(task);
  const pending = task.pending.slice(1);
  return {
    ...withoutJob(task),
    ...stepped(task),
    pending,
    results: task.results.length < MAX_RESULTS_IN_TASK ? [...task.results, result] : task.results,
    landed: {
      objects: task.landed.objects + 1,
      rows: task.landed.rows + result.rowCount,
      bytes: task.landed.bytes + result.bytes,
    },
    jobIds: [],
    retries: { ...NO_RETRIES },
    next: pending.length > 0 ? 'claim' : 'done',
    reason: 'copied',
    waitSeconds: 0,
  };
};
