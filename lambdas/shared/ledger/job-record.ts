/**
 * Recording a job's creation in the owner's claim (docs/design.md, "Exactly once", "A create whose
 * answer is lost"). LinkedIn has no way to find an export job by contract and window, and its
 * create action takes no idempotency key (docs/linkedin-api.md), so a create whose answer never
 * came back cannot be resolved by asking LinkedIn. The claim therefore records the intent
 * (`creating`) before the POST and the job id after it: an intent still there at the next create
 * means the previous answer was lost (a dropped connection, a timeout, a Lambda that died), and
 * that create is counted and listed as an orphan before another is made, at most
 * MAX_UNCONFIRMED_CREATES times per claim.
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { type Ledger, type LedgerClaim, MAX_UNCONFIRMED_CREATES } from '../contract/ledger';
import type { ExportWindow } from '../contract/state';
import { formatWindow } from '../workflow/windows';
import { ownClaim, replaceClaim, withOrphans } from './claims';

export type IntentOutcome =
  | { kind: 'lost' }
  | { kind: 'recorded'; unconfirmed: number }
  /** The claim names a job the task never heard of: the last create's answer was recorded, then the step died. */
  | { kind: 'known'; jobId: number; createdAt: number };

/**
 * The ledger with the intent to create recorded in `owner`'s claim on `window`; a previous intent
 * still there becomes an unconfirmed create (and an orphan without a job id).
 * @returns undefined ledger with kind `lost` when the claim is gone
 */
export const recordCreateIntent = (
  ledger: Ledger,
  owner: string,
  window: ExportWindow,
  now: number,
  taskJobIds: readonly number[],
): { ledger?: Ledger; result: IntentOutcome } => {
  const claim = ownClaim(ledger, owner, window);
  if (!claim) return { result: { kind: 'lost' } };
  if (claim.jobId !== undefined && claim.jobCreatedAt !== undefined && !taskJobIds.includes(claim.jobId)) {
    return { result: { kind: 'known', jobId: claim.jobId, createdAt: claim.jobCreatedAt } };
  }
  const lostAnswer = claim.creating !== undefined;
  const unconfirmed = claim.unconfirmedCreates + (lostAnswer ? 1 : 0);
  if (unconfirmed > MAX_UNCONFIRMED_CREATES) {
    throw new NamedError(
      ERROR_NAMES.createUnconfirmed,
      `JobCreateUnconfirmed: ${unconfirmed} creates of LinkedIn export jobs for ${formatWindow(window)} lost their answer ` +
        `(the connection dropped or timed out after the request was sent); LinkedIn may hold those jobs, and it offers no way ` +
        `to find them. Stopped rather than create more. docs/operations.md, "JobCreateUnconfirmed".`,
    );
  }
  const next: LedgerClaim = { ...claim, creating: now, unconfirmedCreates: unconfirmed };
  const updated = replaceClaim(ledger, claim, next);
  return {
    ledger: lostAnswer
      ? {
          ...updated,
          ...withOrphans(ledger, [
            {
              startAt: claim.startAt,
              endAt: claim.endAt,
              owner,
              reason: 'unconfirmedCreate',
              at: new Date(claim.creating ?? now).toISOString(),
            },
          ]),
        }
      : updated,
    result: { kind: 'recorded', unconfirmed },
  };
};

/** The created job recorded in the claim (its intent cleared). */
export const recordCreatedJob = (ledger: Ledger, owner: string, window: ExportWindow, jobId: number, now: number): Ledger | undefined => {
  const claim = ownClaim(ledger, owner, window);
  if (!claim) return undefined;
  const { creating: _done, ...rest } = claim;
  return replaceClaim(ledger, claim, { ...rest, jobId, jobCreatedAt: now, jobIds: [...claim.jobIds, jobId] });
};

/** LinkedIn answered the create with an error: no job was made, the intent is cleared. */
export const clearCreateIntent = (ledger: Ledger, owner: string, window: ExportWindow): Ledger | undefined => {
  const claim = ownClaim(ledger, owner, window);
  if (claim?.creating === undefined) return undefined;
  const { creating: _none, ...rest } = claim;
  return replaceClaim(ledger, claim, rest);
};
