/**
 * Step Functions' quotas against the workflow as synthesized (docs/design.md, "Partner scale"):
 * the worst-case history of a child execution and of the parent stays below half of 25,000 events
 * whatever the work and the number of pairs, every state payload stays below the product's 64 KiB
 * target at 10, 1,000 and 30,000 pairs, and a pair whose work can outgrow one history continues in a
 * fresh execution. Every figure is read from the synthesized ASL (Retry MaxAttempts included) and
 * built with the workflow's own constructors; nothing here is timed.
 */
import { extractStateMachineAsl, synthesizeTemplate } from '../../infra/asl';
import {
  type BudgetMachine,
  childDefinition,
  childHistoryBudget,
  continuationGuard,
  HALF_HISTORY_QUOTA,
  HISTORY_EVENTS,
  largestSafeStepThreshold,
  retriesOf,
  worstCaseChildEvents,
  worstCaseEventsPerStep,
  worstCaseParentEvents,
} from '../../infra/history-budget';
import { STATE_NAMES } from '../../lambdas/shared/contract/names';
import {
  HISTORY_EVENT_QUOTA,
  MAX_RESULTS_IN_TASK,
  MAX_STEPS_PER_EXECUTION,
  STATE_PAYLOAD_TARGET_BYTES,
} from '../../lambdas/shared/contract/quotas';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { exportTaskSchema } from '../../lambdas/shared/contract/state';
import { pollPolicyFromConfig } from '../../lambdas/shared/workflow/backoff';
import { afterCopied, afterJobChecked, afterJobCreated, plannedTask } from '../../lambdas/shared/workflow/transitions';
import { afterClaimed, allLanded, waitForHolder } from '../../lambdas/shared/workflow/claim-steps';
import type { LedgerClaim } from '../../lambdas/shared/contract/ledger';
import { worstCaseStepsPerPair } from '../../bench/scale/model';
import { jsonBytes, largestExportTask, maximalResult, type PayloadBound, payloadBounds } from '../../bench/scale/payloads';

let asl: Record<string, any>;
let continuation: Record<string, any>;

beforeAll(() => {
  const template = synthesizeTemplate();
  asl = extractStateMachineAsl(template);
  continuation = extractStateMachineAsl(template, 'continuation');
});

const policy = pollPolicyFromConfig(RUNTIME_DEFAULTS);

describe('history events', () => {
  it('a child execution writes less than half the quota at worst, in the Map and in the continuation machine', () => {
    const budget = childHistoryBudget(asl);
    expect(budget.total).toBeLessThan(HISTORY_EVENT_QUOTA / 2);
    expect(worstCaseChildEvents(continuation)).toBeLessThan(HISTORY_EVENT_QUOTA / 2);
  });

  it('the parent writes less than half the quota at worst, whatever the number of pairs', () => {
    // The Distributed Map's own events are constant: the pairs' histories are the children's.
    expect(worstCaseParentEvents(asl)).toBeLessThan(HISTORY_EVENT_QUOTA / 2);
  });

  it('derives a step from the ASL: Route, Wait and the Task with the most retries, every retry spent', () => {
    const child = childDefinition(asl);
    const lambdaTasks = [STATE_NAMES.claimWindow, STATE_NAMES.createJob, STATE_NAMES.checkJob, STATE_NAMES.copy];
    expect(Object.keys(childHistoryBudget(asl).perTask).sort()).toEqual([...lambdaTasks].sort());
    // A step: the Route, the Wait in front of the Task if it has one, the Task with every retry spent.
    const stepEvents = (name: string): number => {
      const waited = Object.values(child.States).some((state) => state.Type === 'Wait' && state.Next === name);
      return (
        HISTORY_EVENTS.choice +
        (waited ? HISTORY_EVENTS.wait : 0) +
        HISTORY_EVENTS.task +
        HISTORY_EVENTS.taskRetry * retriesOf(child.States[name]!)
      );
    };
    for (const name of lambdaTasks) expect(childHistoryBudget(asl).perTask[name]!.stepEvents).toBe(stepEvents(name));
    const expected = Math.max(...lambdaTasks.map(stepEvents));
    expect(worstCaseEventsPerStep(asl)).toBe(expected);
    // Every Task but the copy is waited for; the create carries the most retriers (Lambda service
    // errors, LedgerContention, LinkedIn's transient errors), so its step is the worst.
    expect(lambdaTasks.filter((name) => stepEvents(name) === expected)).toEqual([STATE_NAMES.createJob]);

    // One more attempt on the worst Task's retriers is three more events per step, on another
    // Task's only while it stays below the worst: nothing is hard-coded.
    const bump = (name: string) => {
      const bumped = structuredClone(asl) as { States: Record<string, { ItemProcessor?: BudgetMachine }> };
      const processor = Object.values(bumped.States).find((state) => state.ItemProcessor)!.ItemProcessor!;
      processor.States[name]!.Retry![0]!.MaxAttempts! += 1;
      return worstCaseEventsPerStep(bumped);
    };
    expect(bump(STATE_NAMES.createJob)).toBe(expected + HISTORY_EVENTS.taskRetry);
    expect(bump(STATE_NAMES.checkJob)).toBe(Math.max(expected, stepEvents(STATE_NAMES.checkJob) + HISTORY_EVENTS.taskRetry));
    expect(bump(STATE_NAMES.claimWindow)).toBe(Math.max(expected, stepEvents(STATE_NAMES.claimWindow) + HISTORY_EVENTS.taskRetry));
  });

  it('every Task step adds exactly one to `steps`, so the Route bounds the steps of an execution', () => {
    const now = Date.UTC(2026, 10, 30);
    const window = { startAt: Date.UTC(2026, 10, 1), endAt: Date.UTC(2026, 10, 2) };
    const planned = plannedTask('activity', 'urn:li:contract:123456', [window]);
    // The claim, whatever the ledger says: claimed, a dead owner's job resumed, another's claim
    // waited for, every day landed already.
    const owner = 'arn:aws:states:us-east-1:123456789012:execution:pairs/map:1';
    const claim: LedgerClaim = {
      ...window,
      owner,
      claimedAt: new Date(now).toISOString(),
      leaseUntil: now + RUNTIME_DEFAULTS.CLAIM_LEASE_SECONDS * 1000,
      jobIds: [],
      unconfirmedCreates: 0,
    };
    const claimed = afterClaimed({ ...planned, owner }, claim, [], [window], false);
    expect(claimed).toMatchObject({ steps: planned.steps + 1, next: 'create' });
    const resumed = afterClaimed({ ...planned, owner }, { ...claim, jobId: 7, jobCreatedAt: now, jobIds: [7] }, [], [window], true);
    expect(resumed).toMatchObject({ steps: planned.steps + 1, next: 'poll' });
    const claimPolicy = { initial: policy.initialSeconds, max: policy.maxSeconds, deadline: policy.jobDeadlineSeconds };
    const held = waitForHolder({ ...planned, owner }, { ...claim, owner: `${owner}-other` }, [], [window], claimPolicy);
    expect(held).toMatchObject({ steps: planned.steps + 1, next: 'claim' });
    expect(allLanded({ ...planned, owner, pending: [] }).steps).toBe(planned.steps + 1);

    const created = afterJobCreated(claimed, 1, now);
    expect(created.steps).toBe(claimed.steps + 1);
    for (const status of ['PROCESSING', 'COMPLETED', 'FAILED_DUE_TO_INTERNAL_ERROR', 'FAILED_DUE_TO_DATA_DELAY']) {
      expect(afterJobChecked(created, { status, rowCount: 10 }, now, policy, () => 1).steps).toBe(created.steps + 1);
    }
    const ready = afterJobChecked(created, { status: 'COMPLETED', rowCount: 10 }, now, policy, () => 1);
    expect(afterCopied(ready, maximalResult(window, [1])).steps).toBe(ready.steps + 1);
  });
});

describe('continue-as-new', () => {
  it("a pair's work can outgrow one execution, daily as for a backfill", () => {
    expect(worstCaseStepsPerPair(1, policy)).toBeGreaterThan(MAX_STEPS_PER_EXECUTION);
    expect(worstCaseStepsPerPair(730, policy)).toBeGreaterThan(worstCaseStepsPerPair(1, policy));
  });

  it('so the child and the continuation machine hand the pair on at MAX_STEPS_PER_EXECUTION, to the continuation', () => {
    for (const machine of [asl, continuation]) {
      const guard = continuationGuard(machine);
      expect(guard).toBeDefined();
      expect(guard!.threshold).toBe(MAX_STEPS_PER_EXECUTION);
      expect(guard!.choice).toBe(STATE_NAMES.route);
      expect(guard!.task).toBe(STATE_NAMES.continueAsNew);
      expect(guard!.stateMachineArn).toMatch(/:stateMachine:[^:]+-pair-continuation$/);
    }
    expect(Object.keys(continuation.States).sort()).toEqual(Object.keys(childDefinition(asl).States).sort());
  });

  it('and MAX_STEPS_PER_EXECUTION steps at their worst stay below half the quota', () => {
    const budget = childHistoryBudget(asl);
    expect(MAX_STEPS_PER_EXECUTION * budget.perStep).toBeLessThan(HALF_HISTORY_QUOTA);
    expect(largestSafeStepThreshold(asl)).toBeGreaterThanOrEqual(MAX_STEPS_PER_EXECUTION);
  });
});

describe('timeouts', () => {
  /** The longest a Task state can take: every attempt to its TimeoutSeconds, every retry's longest delay. */
  const taskWorstSeconds = (state: Record<string, any>): number => {
    const attempts = 1 + retriesOf(state as never);
    const delays = (state.Retry ?? []).reduce((sum: number, retrier: Record<string, number>) => {
      let total = 0;
      for (let k = 0; k < (retrier.MaxAttempts ?? 3); k += 1) {
        const delay = (retrier.IntervalSeconds ?? 1) * (retrier.BackoffRate ?? 2) ** k;
        total += Math.min(delay, retrier.MaxDelaySeconds ?? delay);
      }
      return sum + total;
    }, 0);
    return state.TimeoutSeconds * attempts + delays;
  };

  it("the continuation's timeout covers its worst case: every step waits the policy's longest wait and spends every retry", () => {
    const states = childDefinition(asl).States as Record<string, any>;
    // What a Wait can hold before each Task (the Lambdas compute it): a poll, or a re-creation after
    // DATA_DELAY or a failed job; a copy is not waited for.
    const longestCreateWait = Math.max(policy.dataDelayWaitSeconds, policy.recreateBaseSeconds * 2 ** policy.maxRecreates);
    // Before a claim: the wait for another execution's claim, doubling up to the poll's longest.
    const waitBefore: Record<string, number> = {
      [STATE_NAMES.claimWindow]: policy.maxSeconds,
      [STATE_NAMES.createJob]: longestCreateWait,
      [STATE_NAMES.checkJob]: policy.maxSeconds,
      [STATE_NAMES.copy]: 0,
    };
    expect(Object.keys(waitBefore).sort()).toEqual(Object.keys(childHistoryBudget(asl).perTask).sort());
    const worstStep = Math.max(...Object.entries(waitBefore).map(([name, wait]) => wait + taskWorstSeconds(states[name])));
    const worstExecution = MAX_STEPS_PER_EXECUTION * worstStep;
    expect(worstExecution).toBeLessThanOrEqual(continuation.TimeoutSeconds);
    // …and not wildly more: a hung continuation is noticed within days, not a year.
    expect(continuation.TimeoutSeconds).toBeLessThan(2 * worstExecution);
  });
});

describe('state payloads', () => {
  it('the largest task is one the transitions build: every window to today, splits, every retry, MAX_RESULTS_IN_TASK objects', () => {
    const task = largestExportTask({ policy });
    expect(exportTaskSchema.safeParse(task.reachable).success).toBe(true);
    expect(task.reachable.results).toHaveLength(MAX_RESULTS_IN_TASK);
    expect(task.jobIdsPerWindow).toBe(1 + policy.maxRecreates + policy.maxDataDelayRetries);
    expect(task.bound.pending).toHaveLength(task.windows + task.splitDepth);
    expect(task.splitDepth).toBe(7);
  });

  const sizes = [10, 1_000, 30_000];
  const bounds = new Map<number, PayloadBound[]>();
  const boundsAt = (pairs: number): PayloadBound[] => {
    let found = bounds.get(pairs);
    if (!found) {
      found = payloadBounds(pairs, { policy });
      bounds.set(pairs, found);
    }
    return found;
  };

  // Building 30,000 pairs' results three times takes a while under jest: a generous limit, not a timing check.
  it.each(sizes)(
    'every state payload stays below the 64 KiB target at %i pairs',
    (pairs) => {
      const over = boundsAt(pairs)
        .filter((bound) => bound.bytes >= STATE_PAYLOAD_TARGET_BYTES)
        .map((bound) => `${bound.state}: ${bound.bytes} bytes (${bound.payload})`);
      expect(over).toEqual([]);
    },
    180_000,
  );

  it("the export ledger's fields keep a pair's state, the claim's input and the continuation's result below the target", () => {
    // The bench's bound has no ledger fields: add the owner and every note at its most
    // (MAX_RESULTS_IN_TASK windows, job ids and superseded keys, each at its longest; a key is
    // counted as its whole s3:// URI, longer than the key the task keeps).
    const task = largestExportTask({ policy });
    const owner = `arn:aws:states:us-east-1:123456789012:execution:${'x'.repeat(80)}/${'x'.repeat(36)}:${'x'.repeat(36)}`;
    const days = task.bound.pending.slice(0, MAX_RESULTS_IN_TASK);
    const withLedger = exportTaskSchema.parse({
      ...task.bound,
      force: true,
      owner,
      ledger: {
        skipped: days,
        skippedDays: 36_500,
        resumedJobIds: days.map((_, k) => Number.MAX_SAFE_INTEGER - k),
        superseded: days.map((window) => maximalResult(window, [1]).s3Uri),
        supersededCount: 36_500,
        unconfirmedCreates: 99,
        claimWaits: 99,
      },
    });
    const grown = jsonBytes(withLedger) - jsonBytes(task.bound);
    expect(jsonBytes(withLedger)).toBeLessThan(STATE_PAYLOAD_TARGET_BYTES);
    expect(jsonBytes({ task: withLedger, executionArn: owner })).toBeLessThan(STATE_PAYLOAD_TARGET_BYTES);
    // The continuation's raw result holds the task twice (its Input and its Output).
    const continuationBound = boundsAt(10).find((bound) => bound.state.startsWith('Continue in a new execution'))!;
    expect(continuationBound.bytes + 2 * grown).toBeLessThan(STATE_PAYLOAD_TARGET_BYTES);
  });

  it("the Plan's and the Map's payloads do not grow with the pairs", () => {
    const at = (pairs: number, state: string) => boundsAt(pairs).find((bound) => bound.state.startsWith(state))!.bytes;
    for (const state of ['Plan exports (output)', 'Export each contract and type (output)']) {
      expect(at(30_000, state) - at(10, state)).toBeLessThan(16);
    }
  });
});
