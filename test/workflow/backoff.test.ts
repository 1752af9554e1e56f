import { handlerConfig } from '../helpers/runtime-config';
import {
  boundedPollWait,
  dataDelayWaitSeconds,
  nextPollWaitSeconds,
  pollPolicyFromConfig,
  recreateWaitSeconds,
  type PollPolicy,
} from '../../lambdas/shared/workflow/backoff';
import { simulatePolling } from '../../bench/polling/simulate';

const policy: PollPolicy = {
  initialSeconds: 30,
  maxSeconds: 600,
  jobDeadlineSeconds: 12 * 3600,
  maxPolls: 200,
  maxRecreates: 3,
  recreateBaseSeconds: 60,
  dataDelayWaitSeconds: 3 * 3600,
  maxDataDelayRetries: 4,
};

const fixed = (value: number) => () => value;
const LOWEST = fixed(0);
const HIGHEST = fixed(0.999_999_999);
/** A deterministic stand-in for Math.random (LCG), for property-style loops. */
const seeded = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};

describe('pollPolicyFromConfig', () => {
  it('maps the runtime configuration, defaults included', () => {
    expect(pollPolicyFromConfig(handlerConfig())).toEqual(policy);
  });

  it('takes every value from its variable', () => {
    const config = handlerConfig({
      BUCKET_NAME: 'exports',
      POLL_INITIAL_SECONDS: '5',
      POLL_MAX_SECONDS: '60',
      JOB_DEADLINE_SECONDS: '3600',
      MAX_POLLS: '10',
      MAX_RECREATES: '0',
      RECREATE_BASE_SECONDS: '7',
      DATA_DELAY_WAIT_SECONDS: '100',
      MAX_DATA_DELAY_RETRIES: '1',
    });
    expect(pollPolicyFromConfig(config)).toEqual({
      initialSeconds: 5,
      maxSeconds: 60,
      jobDeadlineSeconds: 3600,
      maxPolls: 10,
      maxRecreates: 0,
      recreateBaseSeconds: 7,
      dataDelayWaitSeconds: 100,
      maxDataDelayRetries: 1,
    });
  });
});

describe('nextPollWaitSeconds (capped exponential, equal jitter)', () => {
  it.each([
    // polls, lowest draw, highest draw: the ceiling doubles from 30 s and stops at the 600 s cap
    [1, 15, 30],
    [2, 30, 60],
    [3, 60, 120],
    [4, 120, 240],
    [5, 240, 480],
    [6, 300, 600],
    [7, 300, 600],
    [50, 300, 600],
    [10_000, 300, 600],
  ])('after check %i the wait lies in [%i, %i]', (polls, low, high) => {
    expect(nextPollWaitSeconds(polls, policy, LOWEST)).toBe(low);
    expect(nextPollWaitSeconds(polls, policy, HIGHEST)).toBe(high);
    expect(nextPollWaitSeconds(polls, policy, fixed(0.5))).toBeGreaterThanOrEqual(low);
    expect(nextPollWaitSeconds(polls, policy, fixed(0.5))).toBeLessThanOrEqual(high);
  });

  it.each([0, 0.25, 0.5, 0.75, 0.999])('never decreases and never exceeds the cap with random fixed at %p', (r) => {
    const waits = Array.from({ length: 40 }, (_, i) => nextPollWaitSeconds(i + 1, policy, fixed(r)));
    waits.forEach((wait, i) => {
      expect(Number.isInteger(wait)).toBe(true);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(policy.maxSeconds);
      if (i > 0) expect(wait).toBeGreaterThanOrEqual(waits[i - 1]!);
    });
    expect(waits.at(-1)).toBeGreaterThanOrEqual(policy.maxSeconds / 2);
  });

  it('is an integer of at least 1 second for any draw and odd bases', () => {
    const random = seeded(42);
    const odd: PollPolicy = { ...policy, initialSeconds: 1, maxSeconds: 7 };
    for (let i = 0; i < 500; i += 1) {
      const polls = 1 + (i % 12);
      const wait = nextPollWaitSeconds(polls, odd, random);
      expect(Number.isInteger(wait)).toBe(true);
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(7);
    }
  });

  it('uses the whole jitter range', () => {
    const random = seeded(7);
    const seen = new Set(Array.from({ length: 400 }, () => nextPollWaitSeconds(1, { ...policy, initialSeconds: 10 }, random)));
    expect([...seen].sort((a, b) => a - b)).toEqual([5, 6, 7, 8, 9, 10]);
  });

  it('stays within bounds for a random source that misbehaves (returns 1 or below 0)', () => {
    expect(nextPollWaitSeconds(1, policy, fixed(1))).toBe(30);
    expect(nextPollWaitSeconds(1, policy, fixed(-3))).toBe(15);
  });

  it('defaults to Math.random', () => {
    const wait = nextPollWaitSeconds(1, policy);
    expect(wait).toBeGreaterThanOrEqual(15);
    expect(wait).toBeLessThanOrEqual(30);
  });
});

describe('recreateWaitSeconds', () => {
  it.each([
    [1, 30, 60],
    [2, 60, 120],
    [3, 120, 240],
    [4, 240, 480],
    [5, 300, 600], // capped at maxSeconds
    [40, 300, 600],
  ])('before re-creation %i the wait lies in [%i, %i]', (attempt, low, high) => {
    expect(recreateWaitSeconds(attempt, policy, LOWEST)).toBe(low);
    expect(recreateWaitSeconds(attempt, policy, HIGHEST)).toBe(high);
  });

  it('never goes below its base when the base is above the poll cap', () => {
    const slow = { ...policy, recreateBaseSeconds: 900, maxSeconds: 600 };
    expect(recreateWaitSeconds(1, slow, HIGHEST)).toBe(900);
    expect(recreateWaitSeconds(3, slow, HIGHEST)).toBe(900);
  });
});

describe('dataDelayWaitSeconds', () => {
  it.each([
    [0, 10_800],
    [0.5, 10_800 + 540],
    [0.999_999_999, 10_800 + 1080],
  ])('random %p waits %i s: the configured wait plus up to 10 %', (r, expected) => {
    expect(dataDelayWaitSeconds(policy, fixed(r))).toBe(expected);
  });

  it('is an integer of at least 1 second for tiny configured waits', () => {
    expect(dataDelayWaitSeconds({ ...policy, dataDelayWaitSeconds: 1 }, HIGHEST)).toBe(1);
  });
});

describe('boundedPollWait (the deadline rule)', () => {
  it('is the backoff wait while time and polls are left', () => {
    expect(boundedPollWait(3, 100, policy, HIGHEST)).toBe(120);
  });

  it('is clipped so the next check happens at the deadline, not after it', () => {
    expect(boundedPollWait(20, policy.jobDeadlineSeconds - 45.7, policy, HIGHEST)).toBe(45);
  });

  it.each([
    ['the deadline has passed', 20, policy.jobDeadlineSeconds + 1],
    ['exactly at the deadline', 20, policy.jobDeadlineSeconds],
    ['less than a second is left', 20, policy.jobDeadlineSeconds - 0.5],
    ['the poll cap is reached', policy.maxPolls, 10],
  ])('allows no further check when %s', (_case, polls, elapsed) => {
    expect(boundedPollWait(polls, elapsed, policy, HIGHEST)).toBeUndefined();
  });
});

describe('simulatePolling (for the polling-cost benchmark)', () => {
  it.each([
    // job length s, checks, waits, waited s, detection delay s, with random fixed at the top of
    // the range: waits of 30, 60, 120, 240, 480, then 600 s (checks at 0, 30, 90, 210, 450, 930,
    // 1530, 2130, 2730, …)
    [0, 1, 0, 0, 0],
    [20, 2, 1, 30, 10],
    [5 * 60, 5, 4, 450, 150],
    [30 * 60, 8, 7, 2130, 330],
    [2 * 3600, 17, 16, 7530, 330],
    [6 * 3600, 41, 40, 21_930, 330],
  ])('a %i s job: %i checks, %i waits, %i s waited, seen %i s after completion', (jobSeconds, polls, waits, waited, delay) => {
    expect(simulatePolling(jobSeconds, policy, HIGHEST)).toEqual({
      polls,
      waits,
      waitedSeconds: waited,
      detectionDelaySeconds: delay,
      deadlineExceeded: false,
    });
  });

  it('bounds the completion-to-copy delay by the cap for any jitter', () => {
    const random = seeded(3);
    for (const jobSeconds of [1, 59, 301, 1799, 7201, 21_601]) {
      const cost = simulatePolling(jobSeconds, policy, random);
      expect(cost.deadlineExceeded).toBe(false);
      expect(cost.detectionDelaySeconds).toBeGreaterThanOrEqual(0);
      expect(cost.detectionDelaySeconds).toBeLessThanOrEqual(policy.maxSeconds);
    }
  });

  it('fails a job that outlives the deadline after a final check at the deadline', () => {
    const cost = simulatePolling(13 * 3600, policy, HIGHEST);
    expect(cost.deadlineExceeded).toBe(true);
    expect(cost.waitedSeconds).toBe(policy.jobDeadlineSeconds);
  });

  it('fails a job that outlives the poll cap', () => {
    const cost = simulatePolling(3600, { ...policy, maxPolls: 3 }, HIGHEST);
    expect(cost).toEqual({ polls: 3, waits: 2, waitedSeconds: 90, detectionDelaySeconds: 0, deadlineExceeded: true });
  });
});
