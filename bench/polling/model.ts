/**
 * Polling cost of one LinkedIn export job, by the project's own policy code (backoff.ts) against
 * the fixed-interval pollers of the peers.
 *
 * How transitions are counted (Standard Step Functions bills per state transition; here, one
 * per state entered, as in the execution's StateEntered events):
 * - project (poll first, then wait; infra/workflow.ts): every check is "Check export job" +
 *   "Route on job state" (2), every check that finds the job running adds "Wait for export job"
 *   (1). polls = waits + 1, so transitions = 2 × polls + waits = 3 × polls − 1.
 * - fixed pollers, shaped like the CDK job-poller example (wait first, then check): every cycle
 *   is Wait + Get Job Status + Choice (3), so transitions = 3 × polls. Airbyte polls every 5 s
 *   in-process; its figure is what that loop would cost as a Step Functions Wait loop.
 * Delay = seconds between the job completing and the check that sees it (the copy starts right
 * after, one Choice later).
 */
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { nextPollWaitSeconds, type PollPolicy, pollPolicyFromConfig, type Random } from '../../lambdas/shared/workflow/backoff';
import { simulatePolling } from './simulate';

/** Job durations of the issue: 5 min, 30 min, 2 h, 6 h. */
export const JOB_SECONDS = [300, 1800, 7200, 21600] as const;
/** Seeds averaged over for the jittered policy. */
export const SEEDS = 1000;

export interface PollerFigures {
  poller: 'project backoff' | 'fixed 30 s (CDK job-poller)' | 'fixed 5 s (Airbyte)';
  /** LinkedIn GETs of the job. Project: at random = 1 (longest waits). */
  calls: number;
  /** Project only: mean and max over seeds. */
  callsMean?: number;
  callsMax?: number;
  transitions: number;
  transitionsMean?: number;
  /** Delay for a job of exactly this length (project: random = 1). */
  delaySeconds: number;
  /** Mean delay (project: over seeds; fixed: interval / 2, completion uniformly within a cycle). */
  delayMeanSeconds: number;
  /** Project only: the largest delay over seeds. */
  delayMaxSeconds?: number;
  /**
   * Worst delay for a job of about this length: the longest wait in progress when it completes
   * (project: the larger of the wait containing the completion at random = 1 and the largest delay
   * over seeds, never above the cap; fixed: the interval).
   */
  delayWorstSeconds: number;
}

export interface PollingRow {
  jobSeconds: number;
  pollers: PollerFigures[];
}

export interface PollingModel {
  policy: PollPolicy;
  rows: PollingRow[];
}

/** The policy a deployment gets with no configuration (lambdas/shared/config.ts defaults). */
export const defaultPollPolicy = (): PollPolicy => pollPolicyFromConfig(RUNTIME_DEFAULTS);

/** mulberry32: a small seeded PRNG, so the averages are reproducible. */
export const seededRandom = (seed: number): Random => {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** Transitions of the project's poll loop for `polls` checks (see the module comment). */
export const projectTransitions = (polls: number): number => 3 * polls - 1;

/** The wait (at random = 1) during which a job of `jobSeconds` completes. */
const waitContaining = (jobSeconds: number, policy: PollPolicy): number => {
  let at = 0;
  for (let polls = 1; polls <= policy.maxPolls; polls++) {
    const wait = nextPollWaitSeconds(polls, policy, () => 1);
    if (at + wait >= jobSeconds) return wait;
    at += wait;
  }
  return policy.maxSeconds;
};

const fixedPoller = (poller: PollerFigures['poller'], interval: number, jobSeconds: number): PollerFigures => {
  const calls = Math.max(1, Math.ceil(jobSeconds / interval));
  return {
    poller,
    calls,
    transitions: 3 * calls,
    delaySeconds: calls * interval - jobSeconds,
    delayMeanSeconds: interval / 2,
    delayWorstSeconds: interval,
  };
};

const projectPoller = (jobSeconds: number, policy: PollPolicy): PollerFigures => {
  const worst = simulatePolling(jobSeconds, policy, () => 1);
  if (worst.deadlineExceeded) throw new Error(`a ${jobSeconds} s job exceeds the default poll deadline`);
  let calls = 0;
  let callsMax = 0;
  let delay = 0;
  let delayMax = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const run = simulatePolling(jobSeconds, policy, seededRandom(seed));
    calls += run.polls;
    callsMax = Math.max(callsMax, run.polls);
    delay += run.detectionDelaySeconds;
    delayMax = Math.max(delayMax, run.detectionDelaySeconds);
  }
  return {
    poller: 'project backoff',
    calls: worst.polls,
    callsMean: calls / SEEDS,
    callsMax,
    transitions: projectTransitions(worst.polls),
    transitionsMean: projectTransitions(calls / SEEDS),
    delaySeconds: worst.detectionDelaySeconds,
    delayMeanSeconds: delay / SEEDS,
    delayMaxSeconds: delayMax,
    // Over jitter, the wait in progress at completion may be drawn differently; both are bounded by the cap.
    delayWorstSeconds: Math.max(waitContaining(jobSeconds, policy), delayMax),
  };
};

/** The whole comparison, for {@link JOB_SECONDS}. */
export const pollingModel = (policy: PollPolicy = defaultPollPolicy()): PollingModel => ({
  policy,
  rows: JOB_SECONDS.map((jobSeconds) => ({
    jobSeconds,
    pollers: [
      projectPoller(jobSeconds, policy),
      fixedPoller('fixed 30 s (CDK job-poller)', 30, jobSeconds),
      fixedPoller('fixed 5 s (Airbyte)', 5, jobSeconds),
    ],
  })),
});
