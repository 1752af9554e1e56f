/**
 * Claiming a window in the export ledger before any LinkedIn job is made for it (docs/design.md,
 * "Exactly once"). Pure: the claim step reads the ledger, judges which claim owners are alive
 * (Step Functions' DescribeExecution, or the local runner), and this module decides.
 *
 * For the head window of a pair:
 * 1. days already landed are dropped (unless forced); nothing left → `landed`;
 * 2. the first remaining gap is the window to work on; another execution's LIVE claim on any of
 *    its days → `wait` (never a second job for the same days);
 * 3. DEAD claims on its days are taken over: one on exactly this window whose job LinkedIn still
 *    keeps (younger than 7 days) → `resume` that job by id; the others are dropped and their jobs
 *    recorded as orphans;
 * 4. otherwise → `claimed`, and the create step makes the job.
 */
import { LINKEDIN_JOB_RETENTION_MS, type Ledger, type LedgerClaim, MAX_ORPHANS_KEPT, type Orphan } from '../contract/ledger';
import type { ExportWindow } from '../contract/state';
import { intersectDays, sameWindow, sharesDays, subtractDays } from './days';

/**
 * A job this close to LinkedIn's 7-day retention is not resumed: its file may be gone before it is
 * copied. A day is far more than one copy takes.
 */
export const RESUME_MARGIN_MS = 24 * 60 * 60 * 1000;

export interface ClaimRequest {
  /** The pair's head window. */
  window: ExportWindow;
  owner: string;
  /** Local runs: the process that runs the owner. */
  process?: { host: string; pid: number };
  force: boolean;
  now: number;
  /** How long the claim holds where the owner's liveness cannot be asked. */
  leaseMs: number;
}

export type ClaimDecision =
  /** Every day of the window has landed (`skipped` are its days). */
  | { kind: 'landed'; skipped: ExportWindow[] }
  /** Another execution holds some of the gap's days and is alive. */
  | { kind: 'wait'; holder: LedgerClaim; skipped: ExportWindow[]; gaps: ExportWindow[] }
  /** The gap `gaps[0]` is ours; `claim.jobId` is set when a job is resumed. */
  | { kind: 'claimed' | 'resume' | 'own'; claim: LedgerClaim; skipped: ExportWindow[]; gaps: ExportWindow[]; ledger: Ledger };

/** Adds orphans, keeping the latest MAX_ORPHANS_KEPT and counting all. */
export const withOrphans = (ledger: Ledger, orphans: readonly Orphan[]): Pick<Ledger, 'orphans' | 'orphanCount'> => ({
  orphans: [...ledger.orphans, ...orphans].slice(-MAX_ORPHANS_KEPT),
  orphanCount: ledger.orphanCount + orphans.length,
});

const resumable = (claim: LedgerClaim, window: ExportWindow, now: number): boolean =>
  sameWindow(claim, window) &&
  claim.jobId !== undefined &&
  claim.jobCreatedAt !== undefined &&
  now - claim.jobCreatedAt < LINKEDIN_JOB_RETENTION_MS - RESUME_MARGIN_MS;

/**
 * Decides what the pair does with its head window.
 * @param isLive whether a claim's owner still runs (judged by the caller, asynchronously)
 */
export const decideClaim = (ledger: Ledger, request: ClaimRequest, isLive: (claim: LedgerClaim) => boolean): ClaimDecision => {
  const covered = request.force ? [] : ledger.objects;
  const skipped = intersectDays(request.window, covered);
  const gaps = subtractDays(request.window, covered);
  const head = gaps[0];
  if (!head) return { kind: 'landed', skipped };

  const others = ledger.claims.filter((claim) => claim.owner !== request.owner && sharesDays(claim, head));
  const holder = others.find(isLive);
  if (holder) return { kind: 'wait', holder, skipped, gaps };

  const at = new Date(request.now).toISOString();
  const mine = ledger.claims.find((claim) => claim.owner === request.owner && sameWindow(claim, head));
  // Our own claim on this very window (a redriven or retried claim step): keep it, job and all.
  if (mine) {
    const claim = { ...mine, leaseUntil: request.now + request.leaseMs };
    return {
      kind: 'own',
      claim,
      skipped,
      gaps,
      ledger: { ...ledger, claims: ledger.claims.map((c) => (c === mine ? claim : c)) },
    };
  }

  const adopted = others.find((claim) => resumable(claim, head, request.now));
  const dropped = others.filter((claim) => claim !== adopted);
  // A dropped claim's job will never be copied; a create it had in flight may have made one too.
  const orphans: Orphan[] = dropped.flatMap((claim): Orphan[] => [
    ...(claim.jobId !== undefined
      ? [
          {
            startAt: claim.startAt,
            endAt: claim.endAt,
            jobId: claim.jobId,
            owner: claim.owner,
            reason: sameWindow(claim, head) ? ('claimTakenOver' as const) : ('claimDropped' as const),
            at,
          },
        ]
      : []),
    ...(claim.creating !== undefined
      ? [
          {
            startAt: claim.startAt,
            endAt: claim.endAt,
            owner: claim.owner,
            reason: 'unconfirmedCreate' as const,
            at: new Date(claim.creating).toISOString(),
          },
        ]
      : []),
  ]);
  const claim: LedgerClaim = {
    startAt: head.startAt,
    endAt: head.endAt,
    owner: request.owner,
    ...(request.process ? { process: request.process } : {}),
    claimedAt: at,
    leaseUntil: request.now + request.leaseMs,
    jobIds: adopted?.jobIds ?? [],
    ...(adopted?.jobId !== undefined ? { jobId: adopted.jobId } : {}),
    ...(adopted?.jobCreatedAt !== undefined ? { jobCreatedAt: adopted.jobCreatedAt } : {}),
    // A dead owner's create in flight stays in flight: our create step counts it as unconfirmed.
    ...(adopted?.creating !== undefined ? { creating: adopted.creating } : {}),
    unconfirmedCreates: adopted?.unconfirmedCreates ?? 0,
    ...(adopted ? { tookOverFrom: adopted.owner } : {}),
  };
  // Our other claims are done with: a split window is claimed again half by half.
  const kept = ledger.claims.filter((c) => c.owner !== request.owner && !others.includes(c));
  return {
    kind: adopted ? 'resume' : 'claimed',
    claim,
    skipped,
    gaps,
    ledger: {
      ...ledger,
      claims: [...kept, claim].sort((a, b) => a.startAt - b.startAt),
      ...(orphans.length > 0 ? withOrphans(ledger, orphans) : {}),
    },
  };
};

/** The owner's claim on exactly `window`, if it still holds it. */
export const ownClaim = (ledger: Ledger, owner: string, window: ExportWindow): LedgerClaim | undefined =>
  ledger.claims.find((claim) => claim.owner === owner && sameWindow(claim, window));

/** The ledger with `claim` (found by owner and window) replaced by `next`. */
export const replaceClaim = (ledger: Ledger, claim: LedgerClaim, next: LedgerClaim | undefined): Ledger => ({
  ...ledger,
  claims: ledger.claims.flatMap((c) => (c.owner === claim.owner && sameWindow(c, claim) ? (next ? [next] : []) : [c])),
});
