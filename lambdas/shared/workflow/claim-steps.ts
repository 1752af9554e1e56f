/**
 * The pure transitions of the claim step (docs/design.md, "Exactly once"): what a pair's task
 * becomes once the export ledger has said what to do with its head window (ledger/claims.ts).
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import type { LedgerClaim } from '../contract/ledger';
import { MAX_RESULTS_IN_TASK } from '../contract/quotas';
import type { ExportTask, ExportWindow, LedgerNotes } from '../contract/state';
import { countDays, mergeWindows } from '../ledger/days';
import { formatDuration } from './duration';
import { formatWindow } from './windows';

export const NO_LEDGER_NOTES: LedgerNotes = {
  skipped: [],
  skippedDays: 0,
  resumedJobIds: [],
  superseded: [],
  supersededCount: 0,
  unconfirmedCreates: 0,
  claimWaits: 0,
};

export const notesOf = (task: ExportTask): LedgerNotes => task.ledger ?? NO_LEDGER_NOTES;

const firstFew = <T>(items: readonly T[]): T[] => items.slice(0, MAX_RESULTS_IN_TASK);

/** The notes with more days skipped as already landed. */
export const withSkipped = (notes: LedgerNotes, skipped: readonly ExportWindow[]): LedgerNotes =>
  skipped.length === 0
    ? notes
    : { ...notes, skipped: firstFew(mergeWindows([...notes.skipped, ...skipped])), skippedDays: notes.skippedDays + countDays(skipped) };

/** The head window had landed entirely: drop it (the claim step goes on with the next one). */
export const skipLandedWindow = (task: ExportTask, skipped: readonly ExportWindow[]): ExportTask => ({
  ...task,
  pending: task.pending.slice(1),
  ledger: withSkipped(notesOf(task), skipped),
});

/** Nothing left to export: every pending day had landed. */
export const allLanded = (task: ExportTask): ExportTask => {
  const { job: _job, ...rest } = task;
  return { ...rest, steps: task.steps + 1, pending: [], jobIds: [], next: 'done', reason: 'alreadyLanded', waitSeconds: 0 };
};

/** The head window replaced by its gaps (the days not landed). */
const withGaps = (task: ExportTask, gaps: readonly ExportWindow[]): ExportWindow[] => [...gaps, ...task.pending.slice(1)];

/**
 * The wait before claiming again, while another execution holds the days: doubling from `initial`
 * to `max`. The holder needs at most its job's deadline and a copy, so waiting stops (ClaimHeld)
 * once the waits add up to twice the job deadline.
 */
export const claimWaitSeconds = (waits: number, policy: { initial: number; max: number; deadline: number }): number | undefined => {
  let total = 0;
  for (let i = 0; i < waits; i++) total += Math.min(policy.max, policy.initial * 2 ** i);
  if (total >= 2 * policy.deadline) return undefined;
  return Math.min(policy.max, policy.initial * 2 ** waits);
};

/** Another live execution holds some of the head window's days: claim again after a wait. */
export const waitForHolder = (
  task: ExportTask,
  holder: LedgerClaim,
  skipped: readonly ExportWindow[],
  gaps: readonly ExportWindow[],
  policy: { initial: number; max: number; deadline: number },
): ExportTask => {
  const notes = withSkipped(notesOf(task), skipped);
  const wait = claimWaitSeconds(notes.claimWaits, policy);
  const window = gaps[0] as ExportWindow;
  if (wait === undefined) {
    throw new NamedError(
      ERROR_NAMES.claimHeld,
      `ClaimHeld: the ${task.exportType} export of ${task.contract} for ${formatWindow(window)} is claimed by ` +
        `${holder.owner} (since ${holder.claimedAt}${holder.jobId === undefined ? '' : `, LinkedIn job ${holder.jobId}`}), which still runs; ` +
        `waited ${notes.claimWaits} times (at least ${formatDuration(2 * policy.deadline)}) for it. Nothing was created twice. ` +
        'Check that execution, then run the window again. docs/operations.md, "ClaimHeld".',
    );
  }
  return {
    ...task,
    steps: task.steps + 1,
    pending: withGaps(task, gaps),
    ledger: { ...notes, claimWaits: notes.claimWaits + 1 },
    next: 'claim',
    reason: 'claimHeld',
    waitSeconds: wait,
  };
};

/** The head gap is claimed: create its job, or check the job a dead owner (or we) already made. */
export const afterClaimed = (
  task: ExportTask,
  claim: LedgerClaim,
  skipped: readonly ExportWindow[],
  gaps: readonly ExportWindow[],
  resumedFromOther: boolean,
): ExportTask => {
  const { job: _job, ...rest } = task;
  const notes = withSkipped(notesOf(task), skipped);
  const base: ExportTask = { ...rest, steps: task.steps + 1, pending: withGaps(task, gaps), ledger: notes, waitSeconds: 0 };
  if (claim.jobId === undefined || claim.jobCreatedAt === undefined) {
    return { ...base, jobIds: [], retries: { recreate: 0, dataDelay: 0 }, next: 'create', reason: 'claimed' };
  }
  return {
    ...base,
    job: { id: claim.jobId, createdAt: claim.jobCreatedAt, polls: 0, status: 'RESUMED', waitedSeconds: 0 },
    jobIds: claim.jobIds,
    ledger: resumedFromOther ? { ...notes, resumedJobIds: firstFew([...notes.resumedJobIds, claim.jobId]) } : notes,
    next: 'poll',
    reason: 'resumed',
  };
};
