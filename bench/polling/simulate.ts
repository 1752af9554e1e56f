/**
 * The polling cost of one job, replayed without a state machine: the benchmark's model of the
 * check → wait loop, built on the workflow's own wait rule so the two cannot drift apart.
 */
import { boundedPollWait, type PollPolicy, type Random } from '../../lambdas/shared/workflow/backoff';

/** What polling costs for one job under a policy (see simulatePolling). */
export interface PollingCost {
  /** GETs of the job, the first one right after creation included. */
  polls: number;
  /** Wait states entered (one per check that found the job still running). */
  waits: number;
  /** Seconds spent in those waits. */
  waitedSeconds: number;
  /** Seconds between the job completing and the check that saw it complete. */
  detectionDelaySeconds: number;
  /** The job ran past the deadline or the poll cap: the workflow would fail it. */
  deadlineExceeded: boolean;
}

/**
 * Replays the check → wait loop for a job that takes `jobSeconds` to complete, with the same
 * wait function and the same deadline rule the workflow uses (transitions.ts): the first check
 * happens at creation, every wait is clipped to the time left before the deadline, and the job
 * fails once a still-running check has no time or polls left. Execution time of the checks
 * themselves is ignored.
 */
export const simulatePolling = (jobSeconds: number, policy: PollPolicy, random: Random = Math.random): PollingCost => {
  let elapsed = 0;
  let polls = 0;
  let waits = 0;
  for (;;) {
    polls += 1;
    if (elapsed >= jobSeconds) {
      return { polls, waits, waitedSeconds: elapsed, detectionDelaySeconds: elapsed - jobSeconds, deadlineExceeded: false };
    }
    const wait = boundedPollWait(polls, elapsed, policy, random);
    if (wait === undefined) {
      return { polls, waits, waitedSeconds: elapsed, detectionDelaySeconds: 0, deadlineExceeded: true };
    }
    waits += 1;
    elapsed += wait;
  }
};
