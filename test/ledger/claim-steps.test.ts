/**
 * The claim step's pure transitions (lambdas/shared/workflow/claim-steps.ts): waiting for a live
 * holder (doubling waits, ClaimHeld past twice the job deadline), and what a claimed head window
 * becomes (a create, or a resumed job).
 */
import { NamedError } from '../../lambdas/shared/contract/error-names';
import type { LedgerClaim } from '../../lambdas/shared/contract/ledger';
import { type ExportTask, exportTaskSchema, type LedgerNotes } from '../../lambdas/shared/contract/state';
import {
  afterClaimed,
  allLanded,
  claimWaitSeconds,
  NO_LEDGER_NOTES,
  skipLandedWindow,
  waitForHolder,
  withSkipped,
} from '../../lambdas/shared/workflow/claim-steps';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { CONTRACT, claimOf, NOW, OTHER, w } from './fixtures';

const POLICY = { initial: 10, max: 60, deadline: 100 };

/** A task at the claim step for 11-01..11-08 then 11-08..11-15, after `steps` steps. */
const claimingTask = (over: Partial<ExportTask> = {}): ExportTask =>
  exportTaskSchema.parse({
    ...plannedTask('activity', CONTRACT, [w('2026-11-01', '2026-11-08'), w('2026-11-08', '2026-11-15')]),
    steps: 3,
    ...over,
  });

const notes = (over: Partial<LedgerNotes> = {}): LedgerNotes => ({ ...NO_LEDGER_NOTES, ...over });

const holder: LedgerClaim = claimOf('2026-11-01', '2026-11-08', {
  owner: OTHER,
  claimedAt: '2026-12-01T10:00:00.000Z',
  jobId: 6_000_000_042,
  jobIds: [6_000_000_042],
  jobCreatedAt: NOW,
});

describe('claimWaitSeconds', () => {
  it('doubles from the initial wait up to the maximum', () => {
    const waits = [0, 1, 2, 3, 4, 5].map((n) => claimWaitSeconds(n, POLICY));

    expect(waits).toEqual([10, 20, 40, 60, 60, 60]);
  });

  it('stops once the waits so far add up to twice the job deadline', () => {
    // Prepare: 10 + 20 + 40 + 60 + 60 = 190 < 200 after 5 waits; + 60 = 250 after 6.
    // Act / Assess
    expect(claimWaitSeconds(5, POLICY)).toBe(60);
    expect(claimWaitSeconds(6, POLICY)).toBeUndefined();
    expect(claimWaitSeconds(20, POLICY)).toBeUndefined();
  });

  it('stops exactly at twice the deadline', () => {
    const flat = { initial: 10, max: 10, deadline: 50 };

    expect(claimWaitSeconds(9, flat)).toBe(10);
    expect(claimWaitSeconds(10, flat)).toBeUndefined();
  });
});

describe('waitForHolder', () => {
  it('counts a wait, keeps the gaps and the skipped days, and claims again after the wait', () => {
    // Prepare: 11-01..11-02 landed; the gap 11-02..11-08 is held.
    const task = claimingTask();

    // Act
    const next = waitForHolder(task, holder, [w('2026-11-01', '2026-11-02')], [w('2026-11-02', '2026-11-08')], POLICY);

    // Assess
    expect(exportTaskSchema.parse(next)).toEqual({
      ...task,
      steps: 4,
      pending: [w('2026-11-02', '2026-11-08'), w('2026-11-08', '2026-11-15')],
      ledger: notes({ skipped: [w('2026-11-01', '2026-11-02')], skippedDays: 1, claimWaits: 1 }),
      next: 'claim',
      reason: 'claimHeld',
      waitSeconds: 10,
    });
  });

  it('waits longer each time', () => {
    const task = claimingTask({ ledger: notes({ claimWaits: 2, skippedDays: 3, skipped: [w('2026-10-01', '2026-10-04')] }) });

    const next = waitForHolder(task, holder, [], [w('2026-11-01', '2026-11-08')], POLICY);

    expect(next.waitSeconds).toBe(40);
    expect(next.ledger).toEqual(notes({ claimWaits: 3, skippedDays: 3, skipped: [w('2026-10-01', '2026-10-04')] }));
  });

  it('throws ClaimHeld past twice the deadline, naming the holder, its job and the window', () => {
    // Prepare: six waits done (250 s).
    const task = claimingTask({ ledger: notes({ claimWaits: 6 }) });

    // Act
    let thrown: unknown;
    try {
      waitForHolder(task, holder, [], [w('2026-11-02', '2026-11-08')], POLICY);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(thrown).toBeInstanceOf(NamedError);
    expect((thrown as Error).name).toBe('ClaimHeld');
    expect((thrown as Error).message).toBe(
      `ClaimHeld: the activity export of ${CONTRACT} for 2026-11-02 to 2026-11-08 (end exclusive) is claimed by ` +
        `${OTHER} (since 2026-12-01T10:00:00.000Z, LinkedIn job 6000000042), which still runs; ` +
        'waited 6 times (at least 3 min 20 s) for it. Nothing was created twice. ' +
        'Check that execution, then run the window again. docs/operations.md, "ClaimHeld".',
    );
  });

  it('names no job when the holder has none yet', () => {
    const task = claimingTask({ ledger: notes({ claimWaits: 6 }) });
    const jobless = claimOf('2026-11-01', '2026-11-08', { owner: OTHER, claimedAt: '2026-12-01T10:00:00.000Z' });

    expect(() => waitForHolder(task, jobless, [], [w('2026-11-01', '2026-11-08')], POLICY)).toThrow(
      `claimed by ${OTHER} (since 2026-12-01T10:00:00.000Z), which still runs`,
    );
  });
});

describe('afterClaimed', () => {
  it('creates a job for a fresh claim: no job, no job ids, counters reset', () => {
    // Prepare: a task that carried a job and retries from before (a redrive).
    const task = claimingTask({
      job: { id: 6_000_000_001, createdAt: NOW - 1_000, polls: 4, status: 'FAILED', waitedSeconds: 30 },
      jobIds: [6_000_000_001],
      retries: { recreate: 2, dataDelay: 1 },
      waitSeconds: 20,
    });
    const claim = claimOf('2026-11-01', '2026-11-03');

    // Act
    const next = afterClaimed(
      task,
      claim,
      [w('2026-11-03', '2026-11-05')],
      [w('2026-11-01', '2026-11-03'), w('2026-11-05', '2026-11-08')],
      false,
    );

    // Assess
    const expected = { ...task, job: undefined };
    delete expected.job;
    expect(exportTaskSchema.parse(next)).toEqual({
      ...expected,
      steps: 4,
      pending: [w('2026-11-01', '2026-11-03'), w('2026-11-05', '2026-11-08'), w('2026-11-08', '2026-11-15')],
      ledger: notes({ skipped: [w('2026-11-03', '2026-11-05')], skippedDays: 2 }),
      jobIds: [],
      retries: { recreate: 0, dataDelay: 0 },
      next: 'create',
      reason: 'claimed',
      waitSeconds: 0,
    });
    expect(next).not.toHaveProperty('job');
  });

  it('creates when the claim has a job id but no creation time', () => {
    const next = afterClaimed(
      claimingTask(),
      claimOf('2026-11-01', '2026-11-08', { jobId: 5, jobIds: [5] }),
      [],
      [w('2026-11-01', '2026-11-08')],
      true,
    );

    expect(next).toMatchObject({ next: 'create', reason: 'claimed', jobIds: [] });
  });

  it('resumes a dead owner’s job: the job set with the claim’s creation time, its ids carried and listed as resumed', () => {
    // Prepare
    const task = claimingTask({ ledger: notes({ resumedJobIds: [6_000_000_010] }) });
    const claim = claimOf('2026-11-01', '2026-11-08', {
      jobId: 6_000_000_042,
      jobIds: [6_000_000_041, 6_000_000_042],
      jobCreatedAt: NOW - 3_600_000,
      tookOverFrom: OTHER,
    });

    // Act
    const next = afterClaimed(task, claim, [], [w('2026-11-01', '2026-11-08')], true);

    // Assess
    expect(exportTaskSchema.parse(next)).toEqual({
      ...task,
      steps: 4,
      job: { id: 6_000_000_042, createdAt: NOW - 3_600_000, polls: 0, status: 'RESUMED', waitedSeconds: 0 },
      jobIds: [6_000_000_041, 6_000_000_042],
      ledger: notes({ resumedJobIds: [6_000_000_010, 6_000_000_042] }),
      next: 'poll',
      reason: 'resumed',
      waitSeconds: 0,
    });
  });

  it('checks its own claim’s job again without listing it as resumed', () => {
    const claim = claimOf('2026-11-01', '2026-11-08', { jobId: 6_000_000_043, jobIds: [6_000_000_043], jobCreatedAt: NOW });

    const next = afterClaimed(claimingTask(), claim, [], [w('2026-11-01', '2026-11-08')], false);

    expect(next).toMatchObject({ next: 'poll', reason: 'resumed', jobIds: [6_000_000_043], job: { id: 6_000_000_043, createdAt: NOW } });
    expect(next.ledger?.resumedJobIds).toEqual([]);
  });

  it('lists at most 20 resumed jobs', () => {
    const many = Array.from({ length: 20 }, (_, i) => i + 1);
    const claim = claimOf('2026-11-01', '2026-11-08', { jobId: 99, jobIds: [99], jobCreatedAt: NOW });

    const next = afterClaimed(claimingTask({ ledger: notes({ resumedJobIds: many }) }), claim, [], [w('2026-11-01', '2026-11-08')], true);

    expect(next.ledger?.resumedJobIds).toEqual(many);
  });
});

describe('skipped days', () => {
  it('withSkipped merges the windows and counts every day', () => {
    const before = notes({ skipped: [w('2026-11-01', '2026-11-03')], skippedDays: 2 });

    const after = withSkipped(before, [w('2026-11-03', '2026-11-04'), w('2026-11-10', '2026-11-12')]);

    expect(after).toEqual(notes({ skipped: [w('2026-11-01', '2026-11-04'), w('2026-11-10', '2026-11-12')], skippedDays: 5 }));
    expect(withSkipped(before, [])).toBe(before);
  });

  it('skipLandedWindow drops the head window and notes its days', () => {
    const next = skipLandedWindow(claimingTask(), [w('2026-11-01', '2026-11-08')]);

    expect(next.pending).toEqual([w('2026-11-08', '2026-11-15')]);
    expect(next.ledger).toEqual(notes({ skipped: [w('2026-11-01', '2026-11-08')], skippedDays: 7 }));
    expect(next.steps).toBe(3);
  });

  it('allLanded ends the pair with nothing pending', () => {
    const task = claimingTask({
      pending: [],
      job: { id: 1, createdAt: NOW, polls: 1, status: 'SUCCEEDED', waitedSeconds: 5 },
      jobIds: [1],
    });

    const next = allLanded(task);

    expect(exportTaskSchema.parse(next)).toMatchObject({
      steps: 4,
      pending: [],
      jobIds: [],
      next: 'done',
      reason: 'alreadyLanded',
      waitSeconds: 0,
    });
    expect(next).not.toHaveProperty('job');
  });
});
