/**
 * Claiming a pair's head window in the export ledger (lambdas/shared/ledger/claims.ts): landed days
 * are skipped, a live holder is waited for, a dead holder's job is resumed or its claim dropped
 * (its job listed as an orphan), and our own claim is kept or replaced.
 */
import { type Ledger, type LedgerClaim, ledgerSchema, MAX_ORPHANS_KEPT } from '../../lambdas/shared/contract/ledger';
import {
  type ClaimDecision,
  type ClaimRequest,
  decideClaim,
  ownClaim,
  RESUME_MARGIN_MS,
  replaceClaim,
  withOrphans,
} from '../../lambdas/shared/ledger/claims';
import { claimOf, day, HOUR_MS, landed, ledgerOf, NOW, OTHER, orphanOf, OWNER, show, THIRD, w } from './fixtures';

const DAY = 86_400_000;
const LEASE_MS = 2 * HOUR_MS;
const NOW_ISO = '2026-12-01T12:00:00.000Z';

const request = (over: Partial<ClaimRequest> = {}): ClaimRequest => ({
  window: w('2026-11-01', '2026-11-08'),
  owner: OWNER,
  force: false,
  now: NOW,
  leaseMs: LEASE_MS,
  ...over,
});

const allDead = (_claim: LedgerClaim) => false;
const allLive = (_claim: LedgerClaim) => true;

/** The decision's new ledger, checked against the schema (the claim step writes it as is). */
const ledgerAfter = (decision: ClaimDecision): Ledger => {
  if (!('ledger' in decision)) throw new Error(`no ledger in a ${decision.kind} decision`);
  return ledgerSchema.parse(decision.ledger);
};

/** A fresh claim of OWNER as decideClaim makes it at NOW. */
const freshClaim = (from: string, to: string): LedgerClaim => ({
  startAt: day(from),
  endAt: day(to),
  owner: OWNER,
  claimedAt: NOW_ISO,
  leaseUntil: NOW + LEASE_MS,
  jobIds: [],
  unconfirmedCreates: 0,
});

describe('decideClaim: landed days', () => {
  it('claims the whole window when nothing has landed', () => {
    // Prepare
    const ledger = ledgerOf();

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess
    expect(decision.kind).toBe('claimed');
    expect(decision).toMatchObject({ skipped: [], gaps: [w('2026-11-01', '2026-11-08')], claim: freshClaim('2026-11-01', '2026-11-08') });
    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-08')]);
    expect(ledgerAfter(decision).orphans).toEqual([]);
    expect(ledgerAfter(decision).orphanCount).toBe(0);
  });

  it('names the local process in the claim when the request has one', () => {
    const decision = decideClaim(ledgerOf(), request({ process: { host: 'laptop', pid: 4242 } }), allDead);

    expect(decision).toMatchObject({ kind: 'claimed', claim: { process: { host: 'laptop', pid: 4242 } } });
  });

  it('is landed, with every day of the window skipped, when objects cover it', () => {
    // Prepare: two touching objects that stick out on both sides of the window.
    const ledger = ledgerOf({ objects: [landed('2026-10-28', '2026-11-04'), landed('2026-11-04', '2026-11-10')] });

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess: the skipped days are the window's, merged; nothing to write.
    expect(decision).toEqual({ kind: 'landed', skipped: [w('2026-11-01', '2026-11-08')] });
  });

  it('claims the first gap of a partly landed window and reports the skipped days and every gap', () => {
    // Prepare: 11-03..11-05 landed in the middle of 11-01..11-08.
    const ledger = ledgerOf({ objects: [landed('2026-11-03', '2026-11-05')] });

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess
    expect(decision.kind).toBe('claimed');
    if (decision.kind !== 'claimed') return;
    expect(show(decision.skipped)).toEqual(['2026-11-03_2026-11-05']);
    expect(show(decision.gaps)).toEqual(['2026-11-01_2026-11-03', '2026-11-05_2026-11-08']);
    expect(decision.claim).toEqual(freshClaim('2026-11-01', '2026-11-03'));
    expect(ledgerAfter(decision).objects).toEqual([landed('2026-11-03', '2026-11-05')]);
  });

  it('claims the gap after a landed head', () => {
    const ledger = ledgerOf({ objects: [landed('2026-10-25', '2026-11-06')] });

    const decision = decideClaim(ledger, request(), allDead);

    expect(decision).toMatchObject({ kind: 'claimed', skipped: [w('2026-11-01', '2026-11-06')], gaps: [w('2026-11-06', '2026-11-08')] });
  });

  it('ignores landed days when forced: the whole window is claimed and nothing is skipped', () => {
    const ledger = ledgerOf({ objects: [landed('2026-11-01', '2026-11-08')] });

    const decision = decideClaim(ledger, request({ force: true }), allDead);

    expect(decision).toMatchObject({
      kind: 'claimed',
      skipped: [],
      gaps: [w('2026-11-01', '2026-11-08')],
      claim: freshClaim('2026-11-01', '2026-11-08'),
    });
  });
});

describe('decideClaim: another execution’s claim', () => {
  it('waits for a live claim that shares a day with the head gap, and writes nothing', () => {
    // Prepare: OTHER holds 11-07..11-10, one day of our window.
    const holder = claimOf('2026-11-07', '2026-11-10', {
      owner: OTHER,
      jobId: 6_000_000_200,
      jobIds: [6_000_000_200],
      jobCreatedAt: NOW - HOUR_MS,
    });
    const ledger = ledgerOf({ claims: [holder], objects: [landed('2026-11-01', '2026-11-02')] });
    const isLive = jest.fn(allLive);

    // Act
    const decision = decideClaim(ledger, request(), isLive);

    // Assess
    expect(decision).toEqual({ kind: 'wait', holder, skipped: [w('2026-11-01', '2026-11-02')], gaps: [w('2026-11-02', '2026-11-08')] });
    expect(isLive.mock.calls.map(([claim]) => claim)).toEqual([holder]);
  });

  it('does not wait for a live claim that only touches the head gap', () => {
    const neighbour = claimOf('2026-11-08', '2026-11-10', { owner: OTHER });
    const ledger = ledgerOf({ claims: [neighbour] });
    const isLive = jest.fn(allLive);

    const decision = decideClaim(ledger, request(), isLive);

    expect(decision.kind).toBe('claimed');
    expect(isLive).not.toHaveBeenCalled();
    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-08'), neighbour]);
  });

  it('does not wait for a live claim on a later gap: only the head gap is claimed now', () => {
    // Prepare: 11-03..11-05 landed, OTHER holds 11-06..11-08 (in the second gap).
    const later = claimOf('2026-11-06', '2026-11-08', { owner: OTHER });
    const ledger = ledgerOf({ objects: [landed('2026-11-03', '2026-11-05')], claims: [later] });

    const decision = decideClaim(ledger, request(), allLive);

    expect(decision).toMatchObject({ kind: 'claimed', claim: freshClaim('2026-11-01', '2026-11-03') });
    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-03'), later]);
  });

  it('resumes the job of a dead claim on the same window that LinkedIn still keeps', () => {
    // Prepare: OTHER created job ...202 two days ago after ...201 failed; a re-create was in flight.
    const dead = claimOf('2026-11-01', '2026-11-08', {
      owner: OTHER,
      process: { host: 'old-host', pid: 7 },
      claimedAt: '2026-11-29T08:00:00.000Z',
      leaseUntil: NOW - DAY,
      jobId: 6_000_000_202,
      jobIds: [6_000_000_201, 6_000_000_202],
      jobCreatedAt: NOW - 2 * DAY,
      creating: NOW - DAY,
      unconfirmedCreates: 1,
    });
    const ledger = ledgerOf({ claims: [dead], orphanCount: 4 });

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess: the job is carried over, the dead owner named; no orphan, the dead claim is gone.
    const resumed: LedgerClaim = {
      ...freshClaim('2026-11-01', '2026-11-08'),
      jobId: 6_000_000_202,
      jobIds: [6_000_000_201, 6_000_000_202],
      jobCreatedAt: NOW - 2 * DAY,
      creating: NOW - DAY,
      unconfirmedCreates: 1,
      tookOverFrom: OTHER,
    };
    expect(decision).toMatchObject({ kind: 'resume', skipped: [], gaps: [w('2026-11-01', '2026-11-08')] });
    expect(decision.kind === 'resume' && decision.claim).toEqual(resumed);
    expect(ledgerAfter(decision).claims).toEqual([resumed]);
    expect(ledgerAfter(decision).orphans).toEqual([]);
    expect(ledgerAfter(decision).orphanCount).toBe(4);
  });

  it('resumes a job just younger than 6 days, and takes over one exactly 6 days old', () => {
    // Prepare: LinkedIn keeps a job 7 days; the last day is the margin.
    const sixDays = 7 * DAY - RESUME_MARGIN_MS;
    const at = (age: number) =>
      ledgerOf({
        claims: [
          claimOf('2026-11-01', '2026-11-08', { owner: OTHER, jobId: 6_000_000_300, jobIds: [6_000_000_300], jobCreatedAt: NOW - age }),
        ],
      });

    // Act
    const younger = decideClaim(at(sixDays - 1), request(), allDead);
    const sixDaysOld = decideClaim(at(sixDays), request(), allDead);

    // Assess
    expect(sixDays).toBe(6 * DAY);
    expect(younger.kind).toBe('resume');
    expect(sixDaysOld.kind).toBe('claimed');
  });

  it('takes over a dead claim whose job is older than 6 days: a fresh claim, the old job an orphan', () => {
    // Prepare
    const dead = claimOf('2026-11-01', '2026-11-08', {
      owner: OTHER,
      jobId: 6_000_000_400,
      jobIds: [6_000_000_400],
      jobCreatedAt: NOW - 6 * DAY - HOUR_MS,
      unconfirmedCreates: 1,
    });
    const ledger = ledgerOf({ claims: [dead], orphans: [orphanOf('2026-10-01', '2026-10-08')], orphanCount: 1 });

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess: nothing of the dead claim is carried (job, jobIds, counts, tookOverFrom).
    expect(decision).toMatchObject({ kind: 'claimed', claim: freshClaim('2026-11-01', '2026-11-08') });
    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-08')]);
    expect(ledgerAfter(decision).orphans).toEqual([
      orphanOf('2026-10-01', '2026-10-08'),
      { startAt: day('2026-11-01'), endAt: day('2026-11-08'), jobId: 6_000_000_400, owner: OTHER, reason: 'claimTakenOver', at: NOW_ISO },
    ]);
    expect(ledgerAfter(decision).orphanCount).toBe(2);
  });

  it('drops a dead claim on another window that shares days, listing its job as an orphan', () => {
    // Prepare: OTHER claimed 10-28..11-03 and made a job for it (young, but not our window).
    const dead = claimOf('2026-10-28', '2026-11-03', {
      owner: OTHER,
      jobId: 6_000_000_500,
      jobIds: [6_000_000_500],
      jobCreatedAt: NOW - HOUR_MS,
    });
    const ledger = ledgerOf({ claims: [dead] });

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess
    expect(decision).toMatchObject({ kind: 'claimed', claim: freshClaim('2026-11-01', '2026-11-08') });
    const after = ledgerAfter(decision);
    expect(after.claims).toEqual([freshClaim('2026-11-01', '2026-11-08')]);
    // The reason is left out here on purpose: see the report (`claimDropped` exists but is never written).
    expect(after.orphans).toEqual([
      expect.objectContaining({ startAt: day('2026-10-28'), endAt: day('2026-11-03'), jobId: 6_000_000_500, owner: OTHER, at: NOW_ISO }),
    ]);
    expect(after.orphanCount).toBe(1);
  });

  it('drops a dead claim that never made a job without an orphan', () => {
    const dead = claimOf('2026-11-05', '2026-11-12', { owner: OTHER });
    const ledger = ledgerOf({ claims: [dead] });

    const decision = decideClaim(ledger, request(), allDead);

    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-08')]);
    expect(ledgerAfter(decision).orphans).toEqual([]);
    expect(ledgerAfter(decision).orphanCount).toBe(0);
  });

  // A dead claim whose create was in flight (`creating` set, no job id yet) may have made a LinkedIn
  // job nobody can name: dropping the claim keeps that create in the accounting, as recordCreateIntent does.
  it('lists the lost create of a dropped dead claim as an unconfirmed-create orphan', () => {
    // Prepare: OTHER sent the create at 11:00 the day before and died before LinkedIn answered.
    const creatingSince = NOW - DAY - HOUR_MS;
    const dead = claimOf('2026-11-01', '2026-11-08', { owner: OTHER, creating: creatingSince });
    const ledger = ledgerOf({ claims: [dead] });

    // Act
    const decision = decideClaim(ledger, request(), allDead);

    // Assess
    expect(decision.kind).toBe('claimed');
    expect(ledgerAfter(decision).orphans).toEqual([
      { startAt: day('2026-11-01'), endAt: day('2026-11-08'), owner: OTHER, reason: 'unconfirmedCreate', at: '2026-11-30T11:00:00.000Z' },
    ]);
    expect(ledgerAfter(decision).orphanCount).toBe(1);
  });

  it('waits when one overlapping claim is live even if another is dead, and drops nothing', () => {
    const dead = claimOf('2026-11-01', '2026-11-03', {
      owner: OTHER,
      jobId: 6_000_000_600,
      jobIds: [6_000_000_600],
      jobCreatedAt: NOW - HOUR_MS,
    });
    const live = claimOf('2026-11-05', '2026-11-06', { owner: THIRD });
    const ledger = ledgerOf({ claims: [dead, live] });

    const decision = decideClaim(ledger, request(), (claim) => claim.owner === THIRD);

    expect(decision).toEqual({ kind: 'wait', holder: live, skipped: [], gaps: [w('2026-11-01', '2026-11-08')] });
  });

  it('resumes a dead claim and keeps the dead claims that share no day with the head, in order', () => {
    // Prepare: a dead claim on our window with a young job; another dead one holds days after our window.
    const same = claimOf('2026-11-01', '2026-11-08', {
      owner: OTHER,
      jobId: 6_000_000_700,
      jobIds: [6_000_000_700],
      jobCreatedAt: NOW - DAY,
    });
    const later = claimOf('2026-11-20', '2026-11-22', { owner: THIRD });
    const ledger = ledgerOf({ claims: [later, same] });

    const decision = decideClaim(ledger, request(), allDead);

    expect(decision.kind).toBe('resume');
    expect(ledgerAfter(decision).claims.map((c) => [c.owner, ...show([c])])).toEqual([
      [OWNER, '2026-11-01_2026-11-08'],
      [THIRD, '2026-11-20_2026-11-22'],
    ]);
  });
});

describe('decideClaim: our own claims', () => {
  it('keeps our own claim on the same window, job and all, with a renewed lease', () => {
    // Prepare: a retried claim step finds the claim it wrote, with the job made since.
    const mine = claimOf('2026-11-01', '2026-11-08', {
      claimedAt: '2026-12-01T09:00:00.000Z',
      leaseUntil: NOW - HOUR_MS,
      jobId: 6_000_000_800,
      jobIds: [6_000_000_800],
      jobCreatedAt: NOW - 2 * HOUR_MS,
    });
    const other = claimOf('2026-11-20', '2026-11-22', { owner: OTHER });
    const ledger = ledgerOf({ claims: [mine, other] });
    const isLive = jest.fn(allLive);

    // Act
    const decision = decideClaim(ledger, request(), isLive);

    // Assess: the claim is unchanged but for its lease; the other claim is untouched and never asked about.
    const renewed = { ...mine, leaseUntil: NOW + LEASE_MS };
    expect(decision).toMatchObject({ kind: 'own', claim: renewed, skipped: [], gaps: [w('2026-11-01', '2026-11-08')] });
    expect(ledgerAfter(decision).claims).toEqual([renewed, other]);
    expect(isLive).not.toHaveBeenCalled();
  });

  it('replaces our own claim on a bigger window (the window was split) by a claim on the half', () => {
    // Prepare: we claimed 11-01..11-15; LinkedIn refused it as too large and it was halved.
    const bigger = claimOf('2026-11-01', '2026-11-15', { jobId: 6_000_000_900, jobIds: [6_000_000_900], jobCreatedAt: NOW - HOUR_MS });
    const ledger = ledgerOf({ claims: [bigger] });

    // Act
    const decision = decideClaim(ledger, request(), allLive);

    // Assess: our claim is never waited for; the fresh claim has no job; our old job is no orphan.
    expect(decision).toMatchObject({ kind: 'claimed', claim: freshClaim('2026-11-01', '2026-11-08') });
    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-08')]);
    expect(ledgerAfter(decision).orphanCount).toBe(0);
  });

  it('drops our own claims on other windows when it claims a new one', () => {
    const stale = claimOf('2026-10-01', '2026-10-08');
    const ledger = ledgerOf({ claims: [stale] });

    const decision = decideClaim(ledger, request(), allDead);

    expect(ledgerAfter(decision).claims).toEqual([freshClaim('2026-11-01', '2026-11-08')]);
  });
});

describe('orphans kept', () => {
  it('keeps the latest MAX_ORPHANS_KEPT orphans and counts all of them when a claim is taken over', () => {
    // Prepare: the ledger is full (50 kept of 73), each orphan told apart by its job id.
    const kept = Array.from({ length: MAX_ORPHANS_KEPT }, (_, i) => orphanOf('2026-10-01', '2026-10-02', { jobId: 1_000 + i }));
    const dead = claimOf('2026-11-01', '2026-11-08', {
      owner: OTHER,
      jobId: 6_000_001_000,
      jobIds: [6_000_001_000],
      jobCreatedAt: NOW - 8 * DAY,
    });
    const ledger = ledgerOf({ orphans: kept, orphanCount: 73, claims: [dead] });

    // Act
    const after = ledgerAfter(decideClaim(ledger, request(), allDead));

    // Assess: the oldest (1000) is gone, the newest is last.
    expect(MAX_ORPHANS_KEPT).toBe(50);
    expect(after.orphans).toHaveLength(50);
    expect(after.orphans[0]!.jobId).toBe(1_001);
    expect(after.orphans[48]!.jobId).toBe(1_049);
    expect(after.orphans[49]).toMatchObject({ jobId: 6_000_001_000, reason: 'claimTakenOver', at: NOW_ISO });
    expect(after.orphanCount).toBe(74);
  });

  it('withOrphans adds several at once, keeping the latest 50, counting every one', () => {
    const ledger = ledgerOf({
      orphans: Array.from({ length: 48 }, (_, i) => orphanOf('2026-10-01', '2026-10-02', { jobId: i })),
      orphanCount: 48,
    });
    const added = [1, 2, 3, 4].map((i) => orphanOf('2026-11-01', '2026-11-02', { jobId: 100 + i }));

    const { orphans, orphanCount } = withOrphans(ledger, added);

    expect(orphans.map((o) => o.jobId)).toEqual([...Array.from({ length: 46 }, (_, i) => i + 2), 101, 102, 103, 104]);
    expect(orphanCount).toBe(52);
  });

  it('withOrphans of nothing changes nothing', () => {
    const ledger = ledgerOf({ orphans: [orphanOf('2026-10-01', '2026-10-02')], orphanCount: 9 });

    expect(withOrphans(ledger, [])).toEqual({ orphans: [orphanOf('2026-10-01', '2026-10-02')], orphanCount: 9 });
  });
});

describe('ownClaim and replaceClaim', () => {
  const mine = claimOf('2026-11-01', '2026-11-08');
  const theirs = claimOf('2026-11-08', '2026-11-15', { owner: OTHER });
  const ledger = ledgerOf({ claims: [mine, theirs] });

  it('ownClaim finds the owner’s claim on exactly the window', () => {
    expect(ownClaim(ledger, OWNER, w('2026-11-01', '2026-11-08'))).toEqual(mine);
    expect(ownClaim(ledger, OWNER, w('2026-11-01', '2026-11-07'))).toBeUndefined();
    expect(ownClaim(ledger, OWNER, w('2026-11-08', '2026-11-15'))).toBeUndefined();
    expect(ownClaim(ledger, OTHER, w('2026-11-08', '2026-11-15'))).toEqual(theirs);
  });

  it('replaceClaim swaps the claim of that owner and window, or removes it', () => {
    const next = { ...mine, jobId: 5, jobIds: [5] };

    expect(replaceClaim(ledger, mine, next).claims).toEqual([next, theirs]);
    expect(replaceClaim(ledger, mine, undefined).claims).toEqual([theirs]);
    expect(ledger.claims).toEqual([mine, theirs]);
  });
});
