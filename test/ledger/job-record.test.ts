/**
 * Recording a LinkedIn job's creation in the owner's claim (lambdas/shared/ledger/job-record.ts):
 * the intent before the POST, the job id after it, and the accounting of creates whose answer was
 * lost (an orphan without a job id each, at most MAX_UNCONFIRMED_CREATES per claim).
 */
import { NamedError } from '../../lambdas/shared/contract/error-names';
import { ledgerSchema, MAX_UNCONFIRMED_CREATES } from '../../lambdas/shared/contract/ledger';
import { clearCreateIntent, recordCreatedJob, recordCreateIntent } from '../../lambdas/shared/ledger/job-record';
import { claimOf, day, HOUR_MS, ledgerOf, NOW, OTHER, orphanOf, OWNER, w } from './fixtures';

const WINDOW = w('2026-11-01', '2026-11-08');
const EARLIER = NOW - HOUR_MS; // 2026-12-01T11:00:00.000Z

describe('recordCreateIntent', () => {
  it('records the first intent in the claim, with no unconfirmed create and no orphan', () => {
    // Prepare
    const ledger = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08')] });

    // Act
    const { ledger: next, result } = recordCreateIntent(ledger, OWNER, WINDOW, NOW, []);

    // Assess
    expect(result).toEqual({ kind: 'recorded', unconfirmed: 0 });
    expect(ledgerSchema.parse(next).claims).toEqual([claimOf('2026-11-01', '2026-11-08', { creating: NOW, unconfirmedCreates: 0 })]);
    expect(next?.orphans).toEqual([]);
    expect(next?.orphanCount).toBe(0);
    expect(ledger.claims[0]!.creating).toBeUndefined();
  });

  it('counts an intent still there as an unconfirmed create, listed as an orphan without a job id', () => {
    // Prepare: the create sent at 11:00 never got its answer.
    const ledger = ledgerOf({
      claims: [claimOf('2026-11-01', '2026-11-08', { creating: EARLIER })],
      orphans: [orphanOf('2026-10-01', '2026-10-08')],
      orphanCount: 7,
    });

    // Act
    const { ledger: next, result } = recordCreateIntent(ledger, OWNER, WINDOW, NOW, []);

    // Assess: the new intent replaces the old one; the orphan is dated by the lost create.
    expect(result).toEqual({ kind: 'recorded', unconfirmed: 1 });
    const after = ledgerSchema.parse(next);
    expect(after.claims).toEqual([claimOf('2026-11-01', '2026-11-08', { creating: NOW, unconfirmedCreates: 1 })]);
    expect(after.orphans).toEqual([
      orphanOf('2026-10-01', '2026-10-08'),
      { startAt: day('2026-11-01'), endAt: day('2026-11-08'), owner: OWNER, reason: 'unconfirmedCreate', at: '2026-12-01T11:00:00.000Z' },
    ]);
    expect(after.orphans[1]).not.toHaveProperty('jobId');
    expect(after.orphanCount).toBe(8);
  });

  it('allows MAX_UNCONFIRMED_CREATES lost answers, then throws JobCreateUnconfirmed and writes nothing', () => {
    // Prepare: intent, lost, intent, lost, intent, lost.
    let ledger = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08')] });
    const outcomes: unknown[] = [];
    for (let i = 0; i <= MAX_UNCONFIRMED_CREATES; i++) {
      const step = recordCreateIntent(ledger, OWNER, WINDOW, NOW + i, []);
      outcomes.push(step.result);
      ledger = step.ledger!;
    }

    // Act
    let thrown: unknown;
    try {
      recordCreateIntent(ledger, OWNER, WINDOW, NOW + 10, []);
    } catch (error) {
      thrown = error;
    }

    // Assess
    expect(MAX_UNCONFIRMED_CREATES).toBe(2);
    expect(outcomes).toEqual([
      { kind: 'recorded', unconfirmed: 0 },
      { kind: 'recorded', unconfirmed: 1 },
      { kind: 'recorded', unconfirmed: 2 },
    ]);
    expect(ledger.orphanCount).toBe(2);
    expect(thrown).toBeInstanceOf(NamedError);
    expect((thrown as NamedError).name).toBe('JobCreateUnconfirmed');
    expect((thrown as NamedError).message).toContain(
      '3 creates of LinkedIn export jobs for 2026-11-01 to 2026-11-08 (end exclusive) lost their answer',
    );
    expect((thrown as NamedError).message).toContain('docs/operations.md, "JobCreateUnconfirmed"');
  });

  it('does not throw at MAX_UNCONFIRMED_CREATES when the last create was answered', () => {
    const ledger = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08', { unconfirmedCreates: MAX_UNCONFIRMED_CREATES })] });

    const { result } = recordCreateIntent(ledger, OWNER, WINDOW, NOW, []);

    expect(result).toEqual({ kind: 'recorded', unconfirmed: 2 });
  });

  it.each([
    ['there is no claim', []],
    ['only another owner claims the window', [claimOf('2026-11-01', '2026-11-08', { owner: OTHER })]],
    ['our claim is on another window', [claimOf('2026-11-01', '2026-11-15')]],
  ])('is lost, with no ledger, when %s', (_, claims) => {
    const { ledger, result } = recordCreateIntent(ledgerOf({ claims }), OWNER, WINDOW, NOW, []);

    expect(result).toEqual({ kind: 'lost' });
    expect(ledger).toBeUndefined();
  });

  it('is known when the claim names a job the task never heard of (its answer was recorded, then the step died)', () => {
    const ledger = ledgerOf({
      claims: [
        claimOf('2026-11-01', '2026-11-08', { jobId: 6_000_000_002, jobIds: [6_000_000_001, 6_000_000_002], jobCreatedAt: EARLIER }),
      ],
    });

    const { ledger: next, result } = recordCreateIntent(ledger, OWNER, WINDOW, NOW, [6_000_000_001]);

    expect(result).toEqual({ kind: 'known', jobId: 6_000_000_002, createdAt: EARLIER });
    expect(next).toBeUndefined();
  });

  it('records a re-create when the task knows the claim’s job', () => {
    const ledger = ledgerOf({
      claims: [claimOf('2026-11-01', '2026-11-08', { jobId: 6_000_000_002, jobIds: [6_000_000_002], jobCreatedAt: EARLIER })],
    });

    const { ledger: next, result } = recordCreateIntent(ledger, OWNER, WINDOW, NOW, [6_000_000_002]);

    expect(result).toEqual({ kind: 'recorded', unconfirmed: 0 });
    expect(next?.claims[0]).toMatchObject({ jobId: 6_000_000_002, creating: NOW });
  });
});

describe('recordCreatedJob', () => {
  it('records the job and when it was made, clears the intent and appends to jobIds', () => {
    // Prepare: a re-create of job ...001 was in flight, with one earlier lost answer.
    const ledger = ledgerOf({
      claims: [
        claimOf('2026-11-01', '2026-11-08', {
          jobId: 6_000_000_001,
          jobIds: [6_000_000_001],
          jobCreatedAt: EARLIER,
          creating: NOW,
          unconfirmedCreates: 1,
        }),
        claimOf('2026-11-08', '2026-11-15', { owner: OTHER }),
      ],
    });

    // Act
    const next = recordCreatedJob(ledger, OWNER, WINDOW, 6_000_000_002, NOW + 5_000);

    // Assess
    const claim = ledgerSchema.parse(next).claims[0]!;
    expect(claim).toEqual(
      claimOf('2026-11-01', '2026-11-08', {
        jobId: 6_000_000_002,
        jobIds: [6_000_000_001, 6_000_000_002],
        jobCreatedAt: NOW + 5_000,
        unconfirmedCreates: 1,
      }),
    );
    expect(claim).not.toHaveProperty('creating');
    expect(next?.claims[1]).toEqual(claimOf('2026-11-08', '2026-11-15', { owner: OTHER }));
  });

  it('is undefined when the claim is gone', () => {
    expect(
      recordCreatedJob(ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08', { owner: OTHER })] }), OWNER, WINDOW, 1, NOW),
    ).toBeUndefined();
  });

  it('lets the next intent go through without counting a lost answer', () => {
    // Prepare: intent, answer.
    const start = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08')] });
    const intended = recordCreateIntent(start, OWNER, WINDOW, NOW, []).ledger!;
    const created = recordCreatedJob(intended, OWNER, WINDOW, 6_000_000_003, NOW + 1)!;

    // Act: the job failed; the task re-creates.
    const { result } = recordCreateIntent(created, OWNER, WINDOW, NOW + 2, [6_000_000_003]);

    // Assess
    expect(result).toEqual({ kind: 'recorded', unconfirmed: 0 });
  });
});

describe('clearCreateIntent', () => {
  it('removes the intent and keeps everything else', () => {
    const ledger = ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08', { creating: NOW, unconfirmedCreates: 1, jobIds: [4] })] });

    const next = clearCreateIntent(ledger, OWNER, WINDOW);

    expect(ledgerSchema.parse(next).claims).toEqual([claimOf('2026-11-01', '2026-11-08', { unconfirmedCreates: 1, jobIds: [4] })]);
    expect(next?.claims[0]).not.toHaveProperty('creating');
  });

  it('is undefined when there is no intent to clear', () => {
    expect(clearCreateIntent(ledgerOf({ claims: [claimOf('2026-11-01', '2026-11-08')] }), OWNER, WINDOW)).toBeUndefined();
  });

  it('is undefined when the claim is gone', () => {
    expect(clearCreateIntent(ledgerOf(), OWNER, WINDOW)).toBeUndefined();
  });
});
