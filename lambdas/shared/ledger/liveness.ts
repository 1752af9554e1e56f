/**
 * Whether a claim's owner still runs. Deployed, Step Functions knows: DescribeExecution of the
 * owner's ARN (RUNNING, or anything else). The local runner knows its own executions, and a
 * claim from another local process names that process, which is gone or not. Where neither can
 * answer, the claim's lease decides.
 */
import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LedgerClaim } from '../contract/ledger';

export type OwnerState = 'running' | 'ended' | 'unknown';

/** Answers for one claim's owner. */
export type OwnerCheck = (claim: LedgerClaim) => Promise<OwnerState>;

/** Live: running, or unknown with its lease not yet run out. */
export const isClaimLive = (claim: LedgerClaim, state: OwnerState, now: number): boolean =>
  state === 'running' || (state === 'unknown' && now < claim.leaseUntil);

/**
 * Step Functions' answer. A denied or failed call is `unknown` (the lease decides), never `ended`:
 * taking over a live claim would make a second job.
 */
export const stepFunctionsOwnerCheck =
  (sfn: SFNClient, onError?: (owner: string, error: unknown) => void): OwnerCheck =>
  async (claim) => {
    try {
      const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn: claim.owner }));
      return status === 'RUNNING' ? 'running' : 'ended';
    } catch (error) {
      if ((error as Error).name === 'ExecutionDoesNotExist') return 'ended';
      onError?.(claim.owner, error);
      return 'unknown';
    }
  };

/** Whether process `pid` of this host exists (signal 0 checks without signalling). */
const processExists = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * The local runner's answer: an owner of this process runs if the runner says so; one of another
 * process of this host runs while that process exists; anything else is `unknown`.
 */
export const localOwnerCheck =
  (self: { host: string; pid: number }, isRunningHere: (owner: string) => boolean): OwnerCheck =>
  async (claim) => {
    if (!claim.process || claim.process.host !== self.host) return 'unknown';
    if (claim.process.pid === self.pid) return isRunningHere(claim.owner) ? 'running' : 'ended';
    return processExists(claim.process.pid) ? 'running' : 'ended';
  };
