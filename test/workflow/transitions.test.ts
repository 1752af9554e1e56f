import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import { KNOWN_JOB_STATUSES } from '../../lambdas/shared/linkedin/status';
import type { PollPolicy } from '../../lambdas/shared/workflow/backoff';
import type { ExportResult, ExportTask, ExportWindow } from '../../lambdas/shared/contract/state';
import { formatDuration } from '../../lambdas/shared/workflow/duration';
import { MAX_RESULTS_IN_TASK } from '../../lambdas/shared/contract/quotas';
import { afterCopied, afterJobChecked, afterJobCreated, plannedTask } from '../../lambdas/shared/workflow/transitions';

const day = (text: string): number => Date.parse(`${text}T00:00:00Z`);
const w = (startAt: string, endAt: string): ExportWindow => ({ startAt: day(startAt), endAt: day(endAt) });
const CONTRACT = 'urn:li:contract:123456';
const T0 = Date.parse('2026-11-28T06:00:00Z');
const HIGHEST = () => 0.999_999_999;
const LOWEST = () => 0;

const policy: PollPolicy = {
  initialSeconds: 30,
  maxSeconds: 600,
  jobDeadlineSeconds: 3600,
  maxPolls: 10,
  maxRecreates: 2,
  recreateBaseSeconds: 60,
  dataDelayWaitSeconds: 10_800,
  maxDataDelayRetries: 2,
};

const planned = (pending: ExportWindow[] = [w('2026-11-01', '2026-11-08')]): ExportTask => ({
  exportType: 'activity',
  contract: CONTRACT,
  reason: 'planned',
  pending,
  results: [],
  landed: { objects: 0, rows: 0, bytes: 0 },
  steps: 0,
  jobIds: [],
  retries: { recreate: 0, dataDelay: 0 },
  next: 'create',
  waitSeconds: 0,
});

/** A task whose job 42 was created at T0 and checked `polls` times. */
const polling = (polls = 0, overrides: Partial<ExportTask> = {}): ExportTask => ({
  ...planned(),
  job: { id: 42, createdAt: T0, polls, status: 'PROCESSING', waitedSeconds: 0 },
  jobIds: [42],
  next: 'poll',
  ...overrides,
});

const result = (window: ExportWindow, rowCount = 10): ExportResult => ({
  exportType: 'activity',
  contract: CONTRACT,
  ...window,
  jobIds: [42],
  rowCount,
  bytes: 1234,
  sha256: 'a'.repeat(64),
  s3Uri: 's3://bucket/key.csv',
  manifestUri: 's3://bucket/key.manifest.json',
  objects: 1,
  empty: rowCount === 0,
});

/** The NamedError a transition throws. */
const thrown = (run: () => unknown): NamedError => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(NamedError);
    return error as NamedError;
  }
  throw new Error('no error thrown');
};

const WHAT = `activity export of ${CONTRACT} for 2026-11-01 to 2026-11-08 (end exclusive)`;

/** The state machine handed a task a handler cannot work on: Lambdas and state machine disagree. */
const wiringError = (what: string) =>
  new NamedError(
    'WorkflowWiringError',
    `The state machine handed the activity export of ${CONTRACT} ${what}; are the Lambdas and the state machine from the same deployment?`,
  );

describe('afterJobCreated', () => {
  it('records the job and goes straight to the first check (poll first, then wait)', () => {
    expect(afterJobCreated(planned(), 42, T0)).toEqual({
      ...planned(),
      steps: 1,
      job: { id: 42, createdAt: T0, polls: 0, status: 'ENQUEUED', waitedSeconds: 0 },
      jobIds: [42],
      next: 'poll',
      reason: 'created',
      waitSeconds: 0,
    });
  });

  it("appends a re-created job to the window's job ids and replaces the old job", () => {
    const task = { ...planned(), jobIds: [41], retries: { recreate: 1, dataDelay: 0 }, waitSeconds: 90 };
    const next = afterJobCreated(task, 42, T0 + 1000);
    expect(next.jobIds).toEqual([41, 42]);
    expect(next.job).toEqual({ id: 42, createdAt: T0 + 1000, polls: 0, status: 'ENQUEUED', waitedSeconds: 0 });
    expect(next.retries).toEqual({ recreate: 1, dataDelay: 0 });
    expect(next.waitSeconds).toBe(0);
  });

  it('does not modify its input', () => {
    const task = planned();
    const copy = structuredClone(task);
    afterJobCreated(task, 42, T0);
    expect(task).toEqual(copy);
  });

  it('refuses a task with no pending window (a wiring bug)', () => {
    expect(() => afterJobCreated(planned([]), 42, T0)).toThrow(wiringError('with no pending window'));
  });
});

describe('afterJobChecked: running', () => {
  it.each(['ENQUEUED', 'PROCESSING'])('%s: counts the check and waits the backoff', (status) => {
    const next = afterJobChecked(polling(0), { status }, T0 + 2000, policy, HIGHEST);
    expect(next).toEqual({
      ...polling(0),
      steps: 1,
      job: { id: 42, createdAt: T0, polls: 1, status, waitedSeconds: 30 },
      next: 'poll',
      reason: 'running',
      waitSeconds: 30,
    });
  });

  it('backs off exponentially and adds up the waits', () => {
    let task = polling(0);
    const waits: number[] = [];
    let now = T0;
    for (let i = 0; i < 6; i += 1) {
      task = afterJobChecked(task, { status: 'PROCESSING' }, now, { ...policy, jobDeadlineSeconds: 86_400 }, HIGHEST);
      waits.push(task.waitSeconds);
      now += task.waitSeconds * 1000;
    }
    expect(waits).toEqual([30, 60, 120, 240, 480, 600]);
    expect(task.job).toMatchObject({ polls: 6, waitedSeconds: 1530 });
  });

  it('uses the jitter source', () => {
    expect(afterJobChecked(polling(2), { status: 'PROCESSING' }, T0, policy, LOWEST).waitSeconds).toBe(60);
    expect(afterJobChecked(polling(2), { status: 'PROCESSING' }, T0, policy, HIGHEST).waitSeconds).toBe(120);
  });

  it('clips the last wait so the next check happens at the deadline', () => {
    const now = T0 + (policy.jobDeadlineSeconds - 100) * 1000;
    const next = afterJobChecked(polling(5), { status: 'PROCESSING' }, now, policy, HIGHEST);
    expect(next.waitSeconds).toBe(100);
    expect(next.next).toBe('poll');
  });

  it('fails with PollDeadlineExceeded once the deadline has passed', () => {
    const now = T0 + (policy.jobDeadlineSeconds + 5) * 1000;
    const error = thrown(() => afterJobChecked(polling(5), { status: 'PROCESSING' }, now, policy, HIGHEST));
    expect(error.name).toBe(ERROR_NAMES.pollDeadline);
    expect(error.message).toBe(
      `LinkedIn job 42 (${WHAT}) is still PROCESSING after 6 checks over 1 h 00 min and its deadline ` +
        '(1 h 00 min after creation) has passed. Run the window again later; a re-run overwrites, never duplicates.',
    );
  });

  it('fails with PollDeadlineExceeded when the poll cap is reached', () => {
    const error = thrown(() => afterJobChecked(polling(policy.maxPolls - 1), { status: 'ENQUEUED' }, T0 + 125_000, policy, HIGHEST));
    expect(error.name).toBe(ERROR_NAMES.pollDeadline);
    expect(error.message).toBe(
      `LinkedIn job 42 (${WHAT}) is still ENQUEUED after 10 checks over 2 min 05 s and the limit of 10 checks is reached. ` +
        'Run the window again later; a re-run overwrites, never duplicates.',
    );
  });

  it('allows the check before the cap', () => {
    const next = afterJobChecked(polling(policy.maxPolls - 2), { status: 'PROCESSING' }, T0, policy, HIGHEST);
    expect(next.job!.polls).toBe(policy.maxPolls - 1);
    expect(next.next).toBe('poll');
  });

  it('a job that completes after its deadline is still copied', () => {
    const now = T0 + (policy.jobDeadlineSeconds + 60) * 1000;
    expect(afterJobChecked(polling(9), { status: 'COMPLETED', rowCount: 5 }, now, policy).next).toBe('copy');
  });
});

describe('afterJobChecked: completed', () => {
  it.each([
    ['with rows', 1500],
    ['empty (rowCount 0)', 0],
    ['without a rowCount (the copy refuses to guess)', undefined],
    ['with a null rowCount', null],
  ])('COMPLETED %s: copy at once', (_case, rowCount) => {
    const next = afterJobChecked(polling(3), { status: 'COMPLETED', rowCount }, T0 + 60_000, policy);
    expect(next).toEqual({
      ...polling(3),
      steps: 1,
      job: { id: 42, createdAt: T0, polls: 4, status: 'COMPLETED', waitedSeconds: 0 },
      next: 'copy',
      reason: 'completed',
      waitSeconds: 0,
    });
  });
});

describe('afterJobChecked: file too large', () => {
  const TOO_LARGE = { status: 'FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR' };

  it('replaces the window by its halves and starts over with fresh counters', () => {
    const task = polling(4, {
      pending: [w('2026-11-01', '2026-11-08'), w('2026-11-08', '2026-11-10')],
      jobIds: [40, 42],
      retries: { recreate: 1, dataDelay: 1 },
    });
    const next = afterJobChecked(task, TOO_LARGE, T0, policy);
    expect(next).toEqual({
      ...planned(),
      steps: 1,
      pending: [w('2026-11-01', '2026-11-05'), w('2026-11-05', '2026-11-08'), w('2026-11-08', '2026-11-10')],
      // Each half is claimed in the export ledger before a job is created for it.
      next: 'claim',
      reason: 'split',
      waitSeconds: 0,
    });
    expect(next).not.toHaveProperty('job');
  });

  it('keeps the results of earlier windows', () => {
    const earlier = result(w('2026-10-31', '2026-11-01'));
    const next = afterJobChecked(polling(1, { results: [earlier] }), TOO_LARGE, T0, policy);
    expect(next.results).toEqual([earlier]);
  });

  it('fails with WindowTooLarge for a single day', () => {
    const task = polling(2, { pending: [w('2026-11-01', '2026-11-02')] });
    const error = thrown(() => afterJobChecked(task, TOO_LARGE, T0, policy));
    expect(error.name).toBe(ERROR_NAMES.windowTooLarge);
    expect(error.message).toBe(
      `LinkedIn job 42 (activity export of ${CONTRACT} for 2026-11-01 to 2026-11-02 (end exclusive)) failed with ` +
        "FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR: the file of a single day exceeds LinkedIn's export size limit and a day cannot be split further.",
    );
  });
});

describe('afterJobChecked: data delay', () => {
  const DELAYED = { status: 'FAILED_DUE_TO_DATA_DELAY' };

  it.each([
    [0, 1],
    [1, 2],
  ])('retry %i → %i: re-create after the data-delay wait, keeping the job ids', (before, after) => {
    const task = polling(3, { retries: { recreate: 1, dataDelay: before } });
    const next = afterJobChecked(task, DELAYED, T0, policy, LOWEST);
    const { job: _job, ...rest } = task;
    expect(next).toEqual({
      ...rest,
      steps: 1,
      retries: { recreate: 1, dataDelay: after },
      next: 'create',
      reason: 'dataDelay',
      waitSeconds: 10_800,
    });
    expect(next).not.toHaveProperty('job');
  });

  it('adds up to 10 % jitter to the wait', () => {
    expect(afterJobChecked(polling(1), DELAYED, T0, policy, HIGHEST).waitSeconds).toBe(10_800 + 1080);
  });

  it('fails with DataDelayExceeded after maxDataDelayRetries', () => {
    const task = polling(1, { jobIds: [40, 41, 42], retries: { recreate: 0, dataDelay: policy.maxDataDelayRetries } });
    const error = thrown(() => afterJobChecked(task, DELAYED, T0, policy));
    expect(error.name).toBe(ERROR_NAMES.dataDelayed);
    expect(error.message).toBe(
      `LinkedIn reported FAILED_DUE_TO_DATA_DELAY for the ${WHAT} 3 times (jobs 40, 41, 42); gave up after 2 retries. ` +
        "The data is not refreshed yet: run the window again after LinkedIn's next daily refresh.",
    );
  });

  it('with no retries allowed, the first DATA_DELAY fails', () => {
    const error = thrown(() => afterJobChecked(polling(1), DELAYED, T0, { ...policy, maxDataDelayRetries: 0 }));
    expect(error.name).toBe(ERROR_NAMES.dataDelayed);
    expect(error.message).toContain('1 times (job 42); gave up after 0 retries');
  });
});

describe('afterJobChecked: LinkedIn-side failure', () => {
  it.each(['FAILED_DUE_TO_TIMED_OUT', 'FAILED_DUE_TO_INTERNAL_ERROR'])('%s: re-create with backoff', (status) => {
    const first = afterJobChecked(polling(2), { status }, T0, policy, HIGHEST);
    expect(first).toMatchObject({
      retries: { recreate: 1, dataDelay: 0 },
      jobIds: [42],
      next: 'create',
      reason: 'recreate',
      waitSeconds: 60,
    });
    expect(first).not.toHaveProperty('job');

    const second = afterJobChecked(
      polling(2, { jobIds: [41, 42], retries: { recreate: 1, dataDelay: 0 } }),
      { status },
      T0,
      policy,
      HIGHEST,
    );
    expect(second).toMatchObject({ retries: { recreate: 2, dataDelay: 0 }, jobIds: [41, 42], next: 'create', waitSeconds: 120 });
  });

  it.each(['FAILED_DUE_TO_TIMED_OUT', 'FAILED_DUE_TO_INTERNAL_ERROR'])(
    '%s after maxRecreates: ExportJobFailed naming the status, the window and every job',
    (status) => {
      const task = polling(2, { jobIds: [40, 41, 42], retries: { recreate: policy.maxRecreates, dataDelay: 0 } });
      const error = thrown(() => afterJobChecked(task, { status }, T0, policy));
      expect(error.name).toBe(ERROR_NAMES.jobFailed);
      expect(error.message).toBe(
        `LinkedIn job 42 (${WHAT}) failed with ${status}; 3 job(s) created for this window (jobs 40, 41, 42) ` +
          'and gave up after 2 re-creations.',
      );
    },
  );

  it('the two retry counters are independent', () => {
    const task = polling(1, { retries: { recreate: 0, dataDelay: policy.maxDataDelayRetries } });
    expect(afterJobChecked(task, { status: 'FAILED_DUE_TO_TIMED_OUT' }, T0, policy).retries).toEqual({
      recreate: 1,
      dataDelay: policy.maxDataDelayRetries,
    });
  });
});

describe('afterJobChecked: unknown status', () => {
  it.each(['CANCELLED', 'completed', '', 'FAILED_DUE_TO_SOMETHING_NEW'])('%p fails at once with UnknownJobStatus', (status) => {
    const error = thrown(() => afterJobChecked(polling(1), { status }, T0, policy));
    expect(error.name).toBe(ERROR_NAMES.unknownStatus);
    expect(error.message).toBe(
      `LinkedIn job 42 (${WHAT}) reported the unknown status ${JSON.stringify(status)}; stopped rather than guess what it means. ` +
        "Check LinkedIn's API changes and update the status map.",
    );
  });

  it('even on the first check and with retries left', () => {
    expect(thrown(() => afterJobChecked(polling(0), { status: 'PAUSED' }, T0, policy)).name).toBe(ERROR_NAMES.unknownStatus);
  });
});

describe('afterJobChecked: every known status has a route', () => {
  const routeOf = (status: string): string => {
    const task = polling(1, { pending: [w('2026-11-01', '2026-11-03')] });
    try {
      const next = afterJobChecked(task, { status, rowCount: 1 }, T0, policy, LOWEST);
      return `${next.next}${next.waitSeconds > 0 ? ' after a wait' : ''}`;
    } catch (error) {
      return (error as Error).name;
    }
  };

  it('maps statuses to distinct outcomes: empty, timed out and failed are never confused', () => {
    expect(Object.fromEntries(KNOWN_JOB_STATUSES.map((status) => [status, routeOf(status)]))).toEqual({
      ENQUEUED: 'poll after a wait',
      PROCESSING: 'poll after a wait',
      COMPLETED: 'copy',
      FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR: 'claim',
      FAILED_DUE_TO_TIMED_OUT: 'create after a wait',
      FAILED_DUE_TO_DATA_DELAY: 'create after a wait',
      FAILED_DUE_TO_INTERNAL_ERROR: 'create after a wait',
    });
  });

  it('refuses a check without a recorded job (a wiring bug)', () => {
    expect(() => afterJobChecked(planned(), { status: 'COMPLETED' }, T0, policy)).toThrow(wiringError('with no LinkedIn job'));
  });
});

describe('afterCopied', () => {
  it('records the result and moves on to the next window with fresh counters', () => {
    const task = polling(3, {
      pending: [w('2026-11-01', '2026-11-05'), w('2026-11-05', '2026-11-08')],
      jobIds: [41, 42],
      retries: { recreate: 1, dataDelay: 1 },
      next: 'copy',
    });
    const landed = result(w('2026-11-01', '2026-11-05'));
    const next = afterCopied(task, landed);
    expect(next).toEqual({
      ...planned([w('2026-11-05', '2026-11-08')]),
      steps: 1,
      results: [landed],
      landed: { objects: 1, rows: 10, bytes: 1234 },
      // The next window is claimed in the export ledger before a job is created for it.
      next: 'claim',
      reason: 'copied',
      waitSeconds: 0,
    });
    expect(next).not.toHaveProperty('job');
  });

  it('finishes after the last window, results in order', () => {
    const earlier = result(w('2026-10-25', '2026-11-01'));
    const last = result(w('2026-11-01', '2026-11-08'), 0);
    const next = afterCopied(
      polling(1, { results: [earlier], landed: { objects: 1, rows: 10, bytes: 1234 }, steps: 7, next: 'copy' }),
      last,
    );
    expect(next).toMatchObject({
      pending: [],
      results: [earlier, last],
      landed: { objects: 2, rows: 10, bytes: 2468 },
      steps: 8,
      jobIds: [],
      next: 'done',
      reason: 'copied',
      waitSeconds: 0,
    });
  });

  it('refuses a task with no pending window (a wiring bug)', () => {
    expect(() => afterCopied(planned([]), result(w('2026-11-01', '2026-11-08')))).toThrow(wiringError('with no pending window'));
  });
});

describe('steps: every transition counts one Task step', () => {
  const running = { status: 'PROCESSING' };
  it.each<[string, () => ExportTask]>([
    ['afterJobCreated', () => afterJobCreated(polling(0, { steps: 4, job: undefined, next: 'create' }), 42, T0)],
    ['afterJobChecked: running', () => afterJobChecked(polling(0, { steps: 4 }), running, T0, policy, LOWEST)],
    ['afterJobChecked: completed', () => afterJobChecked(polling(0, { steps: 4 }), { status: 'COMPLETED', rowCount: 1 }, T0, policy)],
    [
      'afterJobChecked: split',
      () => afterJobChecked(polling(0, { steps: 4 }), { status: 'FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR' }, T0, policy),
    ],
    ['afterJobChecked: data delay', () => afterJobChecked(polling(0, { steps: 4 }), { status: 'FAILED_DUE_TO_DATA_DELAY' }, T0, policy)],
    ['afterJobChecked: recreate', () => afterJobChecked(polling(0, { steps: 4 }), { status: 'FAILED_DUE_TO_TIMED_OUT' }, T0, policy)],
    ['afterCopied', () => afterCopied(polling(0, { steps: 4, next: 'copy' }), result(w('2026-11-01', '2026-11-08')))],
  ])('%s: 4 → 5', (_case, run) => {
    expect(run().steps).toBe(5);
  });

  it('a planned task starts at 0 steps with nothing landed', () => {
    expect(plannedTask('seat', CONTRACT, [w('2026-11-01', '2026-11-02')])).toMatchObject({
      steps: 0,
      results: [],
      landed: { objects: 0, rows: 0, bytes: 0 },
    });
  });
});

describe('plannedTask', () => {
  it('starts by claiming its first window in the export ledger', () => {
    expect(plannedTask('seat', CONTRACT, [w('2026-11-01', '2026-11-02')])).toMatchObject({
      next: 'claim',
      reason: 'planned',
      waitSeconds: 0,
    });
  });

  it('is forced only when asked, and otherwise has no force field', () => {
    const windows = [w('2026-11-01', '2026-11-02')];
    expect(plannedTask('seat', CONTRACT, windows, { force: true })).toEqual({ ...plannedTask('seat', CONTRACT, windows), force: true });
    expect(plannedTask('seat', CONTRACT, windows, { force: false })).not.toHaveProperty('force');
    expect(plannedTask('seat', CONTRACT, windows)).not.toHaveProperty('force');
  });
});

describe('afterCopied: results are capped, landed counts everything', () => {
  it(`keeps the first ${MAX_RESULTS_IN_TASK} results and counts every object, row and byte in landed`, () => {
    const total = MAX_RESULTS_IN_TASK + 7;
    const windows = Array.from({ length: total }, (_, i) => ({
      startAt: day('2026-01-01') + i * 86_400_000,
      endAt: day('2026-01-02') + i * 86_400_000,
    }));
    let task = planned(windows);
    const copied: ExportResult[] = [];
    for (const window of windows) {
      const landed = { ...result(window, 3), bytes: 100 };
      copied.push(landed);
      task = afterCopied({ ...task, next: 'copy' }, landed);
    }
    expect(task.next).toBe('done');
    expect(task.results).toHaveLength(MAX_RESULTS_IN_TASK);
    expect(task.results).toEqual(copied.slice(0, MAX_RESULTS_IN_TASK));
    expect(task.landed).toEqual({ objects: total, rows: 3 * total, bytes: 100 * total });
    expect(task.steps).toBe(total);
  });
});

describe('a whole item, end to end through the transitions', () => {
  it('split, data delay, re-creation and copies in sequence', () => {
    let now = T0;
    let nextId = 100;
    let task = planned([w('2026-11-01', '2026-11-03')]);
    const create = () => {
      now += task.waitSeconds * 1000;
      task = afterJobCreated(task, nextId++, now);
    };
    const check = (status: string, rowCount?: number) => {
      task = afterJobChecked(task, { status, rowCount }, now, policy, LOWEST);
    };
    const copy = (rowCount: number) => {
      task = afterCopied(task, { ...result(task.pending[0]!, rowCount), jobIds: task.jobIds });
    };

    create();
    check('PROCESSING');
    now += task.waitSeconds * 1000;
    check('FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR');
    expect(task.pending).toEqual([w('2026-11-01', '2026-11-02'), w('2026-11-02', '2026-11-03')]);

    create();
    check('FAILED_DUE_TO_DATA_DELAY');
    create();
    check('FAILED_DUE_TO_INTERNAL_ERROR');
    create();
    check('COMPLETED', 7);
    expect(task.next).toBe('copy');
    copy(7);

    create();
    check('COMPLETED', 0);
    copy(0);

    expect(task.next).toBe('done');
    // 5 creates, 6 checks, 2 copies: every Task step counts.
    expect(task.steps).toBe(13);
    expect(task.landed).toEqual({ objects: 2, rows: 7, bytes: 2468 });
    expect(task.results.map((r) => [r.startAt, r.endAt, r.jobIds, r.rowCount, r.empty])).toEqual([
      [day('2026-11-01'), day('2026-11-02'), [101, 102, 103], 7, false],
      [day('2026-11-02'), day('2026-11-03'), [104], 0, true],
    ]);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [45.4, '45 s'],
    [125, '2 min 05 s'],
    [3600, '1 h 00 min'],
    [43_500, '12 h 05 min'],
    [-3, '0 s'],
  ])('%p s reads %p', (seconds, text) => expect(formatDuration(seconds)).toBe(text));
});
