/**
 * What the user sees happen: execution events of aws-local-stepfunctions (and the copy's
 * progress) translated into domain events about exports, jobs and windows. Why a check chose its
 * next step is the `reason` the transition recorded, never guessed from state diffs. Pure:
 * rendering is render.ts's job.
 */
import { STATE_NAMES } from '../../lambdas/shared/contract/names';
import type { ExportResult, ExportTask, ExportWindow, PlanResult, TransitionReason } from '../../lambdas/shared/contract/state';
import type { RunSummary } from '../../lambdas/shared/contract/run-report';
import type { ExecutionEvent } from './local-sfn';

/** Which export an event is about. */
export interface ExportRef {
  exportType: string;
  contract: string;
  window?: ExportWindow;
}

/** What a check of a job decided. */
export type CheckOutcome = 'poll' | 'copy' | 'split' | 'dataDelay' | 'recreate';

export type RunEvent =
  | { kind: 'info'; message: string }
  | { kind: 'planned'; pairs: number; contracts: number; exportTypes: string[]; window: ExportWindow }
  | { kind: 'pairFailed'; export: ExportRef; error: string; cause: string }
  | { kind: 'summarized'; summary: Pick<RunSummary, 'outcome' | 'counts' | 'reportUri'> }
  | { kind: 'jobCreated'; export: ExportRef; jobId: number }
  | {
      kind: 'jobChecked';
      export: ExportRef;
      jobId: number;
      /** LinkedIn's status, when the job is still current (poll, copy). */
      status?: string;
      polls: number;
      /** What happens next, in words: `poll`, `copy`, `split`, `dataDelay`, `recreate`. */
      next: CheckOutcome;
      waitSeconds: number;
      /** Re-creations / data-delay retries so far for this window. */
      attempt: number;
    }
  | { kind: 'copyStarted'; export: ExportRef; jobId?: number }
  | { kind: 'copyProgress'; export: ExportRef; bytes: number; total: number; bytesPerSecond: number }
  | { kind: 'landed'; result: ExportResult }
  | { kind: 'retrying'; state: string; export?: ExportRef; error: string; cause: string; attempt: number }
  | { kind: 'failed'; state: string; export?: ExportRef; error: string; cause: string };

const isTask = (value: unknown): value is ExportTask =>
  value !== null &&
  typeof value === 'object' &&
  'exportType' in value &&
  'pending' in value &&
  Array.isArray((value as ExportTask).pending);

const refOf = (task: ExportTask): ExportRef => ({
  exportType: task.exportType,
  contract: task.contract,
  ...(task.pending[0] && { window: task.pending[0] }),
});

const causeText = (cause: unknown): string =>
  typeof cause === 'string' ? cause : cause instanceof Error ? cause.message : (JSON.stringify(cause) ?? '');

/** What a check decided, in the words progress uses, from the reason the transition recorded. */
const CHECK_OUTCOMES: Partial<Record<TransitionReason, CheckOutcome>> = {
  running: 'poll',
  completed: 'copy',
  split: 'split',
  dataDelay: 'dataDelay',
  recreate: 'recreate',
};

/**
 * The domain event an execution event stands for, if any (most state transitions are plumbing).
 */
export const describeExecutionEvent = (event: ExecutionEvent): RunEvent | undefined => {
  if (event.type === 'StateExited') {
    const { name, input, output } = event.state;
    if (name === STATE_NAMES.plan) {
      // A caught failure leaves the state too, with {Error, Cause} as its output.
      const plan = output as unknown as Partial<PlanResult>;
      if (typeof plan.pairs !== 'number' || !plan.window) return undefined;
      return {
        kind: 'planned',
        pairs: plan.pairs,
        contracts: plan.contracts ?? 0,
        exportTypes: plan.exportTypes ?? [],
        window: plan.window,
      };
    }
    if (name === STATE_NAMES.summarize) {
      const summary = output as unknown as Partial<RunSummary>;
      if (!summary.outcome || !summary.counts || !summary.reportUri) return undefined;
      return { kind: 'summarized', summary: { outcome: summary.outcome, counts: summary.counts, reportUri: summary.reportUri } };
    }
    if (!isTask(input) || !isTask(output)) return undefined;
    if (name === STATE_NAMES.createJob && output.job) return { kind: 'jobCreated', export: refOf(output), jobId: output.job.id };
    if (name === STATE_NAMES.checkJob && input.job) {
      const next = CHECK_OUTCOMES[output.reason];
      if (!next) return undefined;
      return {
        kind: 'jobChecked',
        export: refOf(input),
        jobId: input.job.id,
        ...(output.job && { status: output.job.status }),
        polls: input.job.polls + 1,
        next,
        waitSeconds: output.waitSeconds,
        attempt: Math.max(output.retries.recreate, output.retries.dataDelay),
      };
    }
    if (name === STATE_NAMES.copy) {
      const result = output.results.at(-1);
      return result ? { kind: 'landed', result } : undefined;
    }
    return undefined;
  }
  if (event.type === 'StateEntered' && event.state.name === STATE_NAMES.copy && isTask(event.state.input)) {
    const task = event.state.input;
    return { kind: 'copyStarted', export: refOf(task), ...(task.job && { jobId: task.job.id }) };
  }
  if (event.type === 'StateRetried') {
    const input = event.state.input;
    return {
      kind: 'retrying',
      state: event.state.name,
      ...(isTask(input) && { export: refOf(input) }),
      error: '',
      cause: '',
      attempt: event.retry.attempt,
    };
  }
  if (event.type === 'StateFailed') {
    const input = event.state.input;
    return {
      kind: 'failed',
      state: event.state.name,
      ...(isTask(input) && { export: refOf(input) }),
      error: event.Error,
      cause: causeText(event.Cause),
    };
  }
  return undefined;
};

/**
 * Pairs each StateRetried with the StateFailed just before it for the same state and item, so
 * "retrying" can say why. Feed events in order; returns what to report.
 */
export const createRetryNarrator = () => {
  const lastFailure = new Map<string, { error: string; cause: string }>();
  const key = (state: string, execution: string) => `${execution}:${state}`;
  /** @param execution the execution the event belongs to (pairs run concurrently, each in its own) */
  return (event: ExecutionEvent, described: RunEvent | undefined, execution = ''): RunEvent | undefined => {
    if (described?.kind === 'failed' && event.type === 'StateFailed') {
      lastFailure.set(key(described.state, execution), { error: described.error, cause: described.cause });
      // A failure is only news when nothing retries it; the pair's or the execution's end reports it then.
      return undefined;
    }
    if (described?.kind === 'retrying' && event.type === 'StateRetried') {
      const failure = lastFailure.get(key(described.state, execution));
      return { ...described, error: failure?.error ?? 'Error', cause: failure?.cause ?? '' };
    }
    return described;
  };
};
