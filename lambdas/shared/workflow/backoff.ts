/**
 * How long the workflow waits between checks of a LinkedIn export job, before re-creating a
 * failed job, and after DATA_DELAY. Pure: the random source is a parameter so tests and the
 * polling-cost benchmark can fix it. Every wait is an integer number of seconds >= 1 because
 * the state machine's Wait state reads it through `SecondsPath`, which takes integers only.
 */
import type { HandlerConfig } from '../contract/runtime-config';

export interface PollPolicy {
  /** Backoff base: the wait after the first check of a job. */
  initialSeconds: number;
  /** Cap of every poll wait: also the worst delay between a job completing and its copy starting. */
  maxSeconds: number;
  /** A job still running this long after its creation fails with PollDeadlineExceeded. */
  jobDeadlineSeconds: number;
  /** Checks (GETs) of one job before PollDeadlineExceeded. */
  maxPolls: number;
  /** Re-creations of a job for one window after FAILED_DUE_TO_TIMED_OUT / INTERNAL_ERROR. */
  maxRecreates: number;
  /** Backoff base of the wait before a re-creation. */
  recreateBaseSeconds: number;
  /** Wait before re-creating a job after FAILED_DUE_TO_DATA_DELAY (LinkedIn refreshes daily). */
  dataDelayWaitSeconds: number;
  /** Retries of one window after FAILED_DUE_TO_DATA_DELAY before DataDelayExceeded. */
  maxDataDelayRetries: number;
}

/** The poll policy of the deployment (lambdas/shared/contract/runtime-config.ts). */
export const pollPolicyFromConfig = (
  config: Pick<
    HandlerConfig,
    | 'POLL_INITIAL_SECONDS'
    | 'POLL_MAX_SECONDS'
    | 'JOB_DEADLINE_SECONDS'
    | 'MAX_POLLS'
    | 'MAX_RECREATES'
    | 'RECREATE_BASE_SECONDS'
    | 'DATA_DELAY_WAIT_SECONDS'
    | 'MAX_DATA_DELAY_RETRIES'
  >,
): PollPolicy => ({
  initialSeconds: config.POLL_INITIAL_SECONDS,
  maxSeconds: config.POLL_MAX_SECONDS,
  jobDeadlineSeconds: config.JOB_DEADLINE_SECONDS,
  maxPolls: config.MAX_POLLS,
  maxRecreates: config.MAX_RECREATES,
  recreateBaseSeconds: config.RECREATE_BASE_SECONDS,
  dataDelayWaitSeconds: config.DATA_DELAY_WAIT_SECONDS,
  maxDataDelayRetries: config.MAX_DATA_DELAY_RETRIES,
});

/** A random source like Math.random: a number in [0, 1). */
export type Random = () => number;

/** `min(cap, base × 2^(attempt−1))` without overflowing for large attempts. */
const cappedExponential = (attempt: number, baseSeconds: number, capSeconds: number): number => {
  const doublings = Math.max(0, Math.floor(attempt) - 1);
  // 2^31 × any positive base is far above any sensible cap; stop doubling before Infinity.
  if (doublings >= 31) return capSeconds;
  return Math.min(capSeconds, baseSeconds * 2 ** doublings);
};

/**
 * "Equal jitter": an integer in [ceil(ceiling / 2), ceiling]. Half of the backoff is kept, so
 * a job is never re-checked much sooner than the schedule intends (full jitter can draw waits
 * near zero, and each early check is a paid state transition plus a LinkedIn call); the other
 * half is random, so parallel Map items started together spread their calls instead of
 * hitting LinkedIn's per-application limits in step. Never above `ceiling`, never below 1.
 */
const equalJitter = (ceiling: number, random: Random): number => {
  const top = Math.max(1, Math.floor(ceiling));
  const low = Math.ceil(top / 2);
  // Clamp the draw: a custom random source that returns exactly 1 must not exceed the cap.
  const draw = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return Math.max(1, Math.min(top, low + Math.floor(draw * (top - low + 1))));
};

/**
 * Seconds to wait after the `polls`-th check of a job found it still running (polls >= 1;
 * the first check happens right after creation, with no wait). Capped exponential backoff
 * with equal jitter: the ceiling doubles from `initialSeconds` up to `maxSeconds`, the wait
 * lies in [ceiling/2, ceiling]. With a fixed `random` the waits never decrease as polls grow.
 */
export const nextPollWaitSeconds = (polls: number, policy: PollPolicy, random: Random = Math.random): number =>
  equalJitter(cappedExponential(polls, policy.initialSeconds, policy.maxSeconds), random);

/**
 * Seconds to wait before the `attempt`-th re-creation of a job (attempt >= 1) after
 * FAILED_DUE_TO_TIMED_OUT / INTERNAL_ERROR: exponential from `recreateBaseSeconds`, equal
 * jitter, capped like polls at `maxSeconds` (but never below the base itself). The number of
 * attempts is bounded by `maxRecreates`, not here.
 */
export const recreateWaitSeconds = (attempt: number, policy: PollPolicy, random: Random = Math.random): number =>
  equalJitter(cappedExponential(attempt, policy.recreateBaseSeconds, Math.max(policy.maxSeconds, policy.recreateBaseSeconds)), random);

/**
 * Seconds to wait before re-creating a job after FAILED_DUE_TO_DATA_DELAY. LinkedIn refreshes
 * once a day, so backing off exponentially would only overshoot the refresh: the wait is the
 * fixed `dataDelayWaitSeconds` plus up to 10 % random extra, so every pair of a run that hit
 * the delay together does not re-create its job in the same second.
 */
export const dataDelayWaitSeconds = (policy: PollPolicy, random: Random = Math.random): number => {
  const base = Math.max(1, Math.floor(policy.dataDelayWaitSeconds));
  const draw = Math.min(Math.max(random(), 0), 1 - Number.EPSILON);
  return base + Math.floor(draw * Math.floor(base / 10 + 1));
};

/**
 * The wait after the `polls`-th check found the job running `elapsedSeconds` after its
 * creation, clipped so the next check happens no later than the job's deadline; `undefined`
 * when no further check is allowed (poll cap reached or no whole second left before the
 * deadline). The one rule both the workflow (afterJobChecked) and the polling benchmark apply.
 */
export const boundedPollWait = (
  polls: number,
  elapsedSeconds: number,
  policy: PollPolicy,
  random: Random = Math.random,
): number | undefined => {
  if (polls >= policy.maxPolls) return undefined;
  const remaining = Math.floor(policy.jobDeadlineSeconds - elapsedSeconds);
  if (remaining < 1) return undefined;
  return Math.min(nextPollWaitSeconds(polls, policy, random), remaining);
};
