/**
 * The scale model: what a run of N contracts × the export types costs in history events, payload,
 * time, state transitions and Lambda, with the distributed design as synthesized and with the old
 * one (one execution, an inline Map) for comparison. Everything the ASL decides is read from it
 * (infra/history-budget.ts); job times come from the polling model (bench/polling/), which replays
 * the workflow's own backoff rule.
 *
 * Assumed (printed with the table):
 * - prices are us-east-1 list prices: Step Functions Standard $0.025 per 1,000 state transitions;
 *   Lambda $0.0000166667 per GB-second (the x86 price; the functions run on arm64, listed at
 *   $0.0000133334, so the figure is an upper bound) and $0.20 per million requests. The free tier,
 *   S3 requests, CloudWatch Logs (the state machines log at level ALL) and X-Ray are left out;
 * - a state transition is one state entered (the polling model's count), plus one per child
 *   execution the Distributed Map starts (AWS bills that) and none for Choice-free retries;
 * - every LinkedIn job takes `jobSeconds` (the issue's 2 h) whatever the load, LinkedIn runs the
 *   pairs' jobs in parallel (one job per (contract, action) at a time is its rule, and the pairs
 *   are independent), and the run is waves of MaxConcurrency pairs;
 * - a create or check call bills `lambdaCallSeconds`; a copy bills a fixed second plus the
 *   window's data at the copy's measured throughput (README, "Performance": ~60 MB/s);
 * - the old design's figures use the same per-pair loop (the states are the same) run as inline
 *   Map iterations in one execution at its defaults: MaxConcurrency 4, a 24 h timeout.
 */
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import { MAX_JOB_DAYS } from '../../lambdas/shared/contract/linkedin-limits';
import { HISTORY_EVENT_QUOTA, PAYLOAD_QUOTA_BYTES } from '../../lambdas/shared/contract/quotas';
import type { ExportResult } from '../../lambdas/shared/contract/state';
import type { PollPolicy } from '../../lambdas/shared/workflow/backoff';
import { planTasks } from '../../lambdas/shared/workflow/input';
import { s3Uri } from '../../lambdas/shared/workflow/keys';
import { dayObjectKey, manifestKey } from '../../lambdas/shared/contract/layout';
import { cutIntoJobWindows, halveWindow } from '../../lambdas/shared/workflow/windows';
import { childHistoryBudget, HISTORY_EVENTS, type LambdaSize, typicalStateEvents, worstCaseParentEvents } from '../../infra/history-budget';
import { STATE_NAMES } from '../../lambdas/shared/contract/names';
import { defaultPollPolicy, SEEDS, seededRandom } from '../polling/model';
import { simulatePolling } from '../polling/simulate';
import { jsonBytes, largestPayload, type PayloadBound, type PayloadOptions, payloadBounds } from './payloads';

export const PRICES = {
  /** Step Functions Standard, per 1,000 state transitions. */
  transitionsPer1000: 0.025,
  /** Lambda, per GB-second (x86 list price). */
  lambdaGbSecond: 0.0000166667,
  /** Lambda, per million requests. */
  lambdaPerMillionRequests: 0.2,
} as const;

export interface Scenario {
  name: string;
  /** Days each pair exports. */
  days: number;
  /** Runs a month: 30 for a daily schedule, 0 for a one-off backfill. */
  runsPerMonth: number;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'daily', days: 1, runsPerMonth: 30 },
  { name: '1-year backfill', days: 365, runsPerMonth: 0 },
  { name: '2-year backfill', days: 730, runsPerMonth: 0 },
];

export const CONTRACT_COUNTS: readonly number[] = [10, 100, 1_000, 10_000];

export interface ModelAssumptions {
  /** Time LinkedIn takes for one job. @default 7200 (the issue's 2 h) */
  jobSeconds: number;
  /** Billed duration of one create or check call. @default 1 */
  lambdaCallSeconds: number;
  /** A copy's fixed part (job GET, manifest, tag). @default 1 */
  copyFixedSeconds: number;
  /** CSV megabytes per pair and day. @default 5 */
  copyMbPerDay: number;
  /** The copy's throughput (README: ~60 MB/s at 1 GB). @default 60 */
  copyMbPerSecond: number;
  /** The Plan's billed duration, discovery of 10,000 contracts included. @default 30 */
  planSeconds: number;
  /** The Summarize step's billed duration per 1,000 pairs (reads ~2 MB of results per 1,000). @default 2 */
  summarizeSecondsPer1000Pairs: number;
}

export const DEFAULT_ASSUMPTIONS: ModelAssumptions = {
  jobSeconds: 7200,
  lambdaCallSeconds: 1,
  copyFixedSeconds: 1,
  copyMbPerDay: 5,
  copyMbPerSecond: 60,
  planSeconds: 30,
  summarizeSecondsPer1000Pairs: 2,
};

/** The old design, as the issue measured it. */
export const OLD_DESIGN = {
  maxConcurrency: 4,
  timeoutHours: 24,
  /** Where the issue says each limit was hit (contracts). */
  issue: {
    timeoutDaily: 15,
    historyDaily: 41,
    history1y: 8,
    history2y: 4,
    outputDaily: 170,
    planOutputDaily: 390,
  },
} as const;

/** Mean polls, waits and waiting time of one job, over the polling model's seeds. */
export interface TypicalPolling {
  jobSeconds: number;
  polls: number;
  waits: number;
  /** Seconds from creation to the check that sees the job complete. */
  waitedSeconds: number;
}

export const typicalPolling = (jobSeconds: number, policy: PollPolicy = defaultPollPolicy()): TypicalPolling => {
  let polls = 0;
  let waits = 0;
  let waited = 0;
  for (let seed = 1; seed <= SEEDS; seed++) {
    const run = simulatePolling(jobSeconds, policy, seededRandom(seed));
    if (run.deadlineExceeded) throw new Error(`A ${jobSeconds} s job passes the poll deadline: no typical figure`);
    polls += run.polls;
    waits += run.waits;
    waited += run.waitedSeconds;
  }
  return { jobSeconds, polls: polls / SEEDS, waits: waits / SEEDS, waitedSeconds: waited / SEEDS };
};

/** Job windows of a pair exporting `days` days (one job per 90 days). */
export const windowsFor = (days: number): number => Math.ceil(days / MAX_JOB_DAYS);

/**
 * The most steps (create, check, copy) one pair can need for `days` days: every window split down
 * to single days (a window of d days is 2d − 1 jobs' worth of windows), every window's jobs
 * re-created and DATA_DELAY-retried to the limit, every job checked until its deadline with the
 * shortest waits (random = 0 in the backoff), then a copy per day. What the continuation exists
 * for: one execution runs at most MAX_STEPS_PER_EXECUTION of them.
 */
export const worstCaseStepsPerPair = (days: number, policy: PollPolicy = defaultPollPolicy()): number => {
  const checksPerJob = simulatePolling(Number.POSITIVE_INFINITY, policy, () => 0).polls;
  const jobsPerWindow = 1 + policy.maxRecreates + policy.maxDataDelayRetries;
  let steps = 0;
  const startAt = 0;
  for (const window of cutIntoJobWindows({ startAt, endAt: days * 86_400_000 })) {
    const windowDays = (window.endAt - window.startAt) / 86_400_000;
    const splitWindows = halveWindow(window) ? 2 * windowDays - 1 : 1;
    // Every (sub)window is claimed once in the export ledger before its first job.
    steps += splitWindows * (1 + jobsPerWindow * (1 + checksPerJob)) + windowDays;
  }
  return steps;
};

/** The workflow's own figures the model needs, read once from the synthesized template. */
export interface WorkflowFigures {
  /** Worst-case history events of one child execution. */
  childEvents: number;
  /** Worst-case history events of the parent. */
  parentEvents: number;
  /** MAX_STEPS_PER_EXECUTION as the Route deploys it. */
  stepThreshold: number;
  /** Events of one visit of each state of the pair's loop, no retry (infra/history-budget.ts typicalStateEvents). */
  typicalEvents: Record<string, number>;
  /** Memory and timeout of each Lambda Task's function. */
  lambdas: Record<string, LambdaSize>;
  /** The Distributed Map's MaxConcurrency. */
  maxConcurrency: number;
  /** The parent's TimeoutSeconds. */
  parentTimeoutSeconds: number;
}

/** Reads {@link WorkflowFigures} from the synthesized ASL and the functions' sizes. */
export const workflowFigures = (asl: Record<string, unknown>, lambdas: Record<string, LambdaSize>): WorkflowFigures => {
  const budget = childHistoryBudget(asl);
  const map = Object.values(asl.States as Record<string, { Type: string; MaxConcurrency?: number }>).find((state) => state.Type === 'Map');
  return {
    childEvents: budget.total,
    parentEvents: worstCaseParentEvents(asl),
    stepThreshold: budget.stepThreshold ?? Number.POSITIVE_INFINITY,
    typicalEvents: typicalStateEvents(asl),
    lambdas,
    maxConcurrency: map?.MaxConcurrency ?? 0,
    parentTimeoutSeconds: Number(asl.TimeoutSeconds ?? 0),
  };
};

/** One row of the model table. */
export interface ScaleRow {
  scenario: string;
  contracts: number;
  pairs: number;
  windowsPerPair: number;
  childEvents: number;
  parentEvents: number;
  largestPayload: PayloadBound;
  /** Seconds one pair takes (its windows one after another). */
  pairSeconds: number;
  waves: number;
  durationSeconds: number;
  /** The least MaxConcurrency that finishes the run within 24 h; null when one pair takes longer. */
  concurrencyFor24h: number | null;
  /** Continuation executions a typical pair starts. */
  continuationsPerPair: number;
  transitions: number;
  lambdaInvocations: number;
  lambdaGbSeconds: number;
  stepFunctionsCost: number;
  lambdaCost: number;
  costPerRun: number;
  /** 30 runs for a daily schedule; null for a one-off. */
  monthlyCost: number | null;
}

export interface ModelOptions {
  assumptions?: Partial<ModelAssumptions>;
  policy?: PollPolicy;
  payload?: PayloadOptions;
  /** Override the deployed MaxConcurrency. */
  maxConcurrency?: number;
}

const DAY_SECONDS = 86_400;

const gb = (size: LambdaSize | undefined, name: string): number => {
  if (!size) throw new Error(`No Lambda size for "${name}"`);
  return size.memoryMb / 1024;
};

/** The model table, one row per scenario × contract count. */
export const scaleModel = (
  figures: WorkflowFigures,
  options: ModelOptions & { contractCounts?: readonly number[]; scenarios?: readonly Scenario[] } = {},
): ScaleRow[] => {
  const assume = { ...DEFAULT_ASSUMPTIONS, ...options.assumptions };
  const policy = options.policy ?? defaultPollPolicy();
  const polling = typicalPolling(assume.jobSeconds, policy);
  const concurrency = options.maxConcurrency ?? figures.maxConcurrency;
  const payloads = new Map<number, PayloadBound>();
  const payloadAt = (pairs: number): PayloadBound => {
    let bound = payloads.get(pairs);
    if (!bound) {
      bound = largestPayload(payloadBounds(pairs, options.payload));
      payloads.set(pairs, bound);
    }
    return bound;
  };
  const rows: ScaleRow[] = [];
  for (const scenario of options.scenarios ?? SCENARIOS) {
    for (const contracts of options.contractCounts ?? CONTRACT_COUNTS) {
      const pairs = contracts * EXPORT_TYPES.length;
      const windows = windowsFor(scenario.days);
      const p = polling.polls;
      const copySeconds = assume.copyFixedSeconds + ((scenario.days / windows) * assume.copyMbPerDay) / assume.copyMbPerSecond;
      const windowSeconds = assume.lambdaCallSeconds + polling.waitedSeconds + p * assume.lambdaCallSeconds + copySeconds;
      const pairSeconds = windows * windowSeconds;
      const summarizeSeconds = (pairs / 1000) * assume.summarizeSecondsPer1000Pairs;
      const waves = Math.ceil(pairs / concurrency);
      const durationSeconds = assume.planSeconds + waves * pairSeconds + summarizeSeconds;
      const wavesIn24h = Math.floor((DAY_SECONDS - assume.planSeconds - summarizeSeconds) / pairSeconds);
      // Steps of a typical pair (claim + create + checks + copy per window), and the hops past the threshold.
      const steps = windows * (p + 3);
      const continuations = Math.max(0, Math.ceil(steps / figures.stepThreshold) - 1);
      // Per window: Claim, the Route after it, Create, p × Check, (p − 1) × Wait, p Routes after checks,
      // Copy, the Route after it; per pair: the first Route, the Succeed; per hop: Reset, Continue, the
      // Succeed and the first Route of the new execution.
      const childTransitions = windows * (3 * p + 4) + 2 + continuations * 4;
      // The Map bills one transition per child it starts; the parent enters Plan, Map, Summarize, the Choice and its end.
      const transitions = pairs * (childTransitions + 1) + 5;
      const invocations = pairs * windows * (p + 3) + 2;
      const claim = figures.lambdas[STATE_NAMES.claimWindow];
      const check = figures.lambdas[STATE_NAMES.checkJob];
      const create = figures.lambdas[STATE_NAMES.createJob];
      const copy = figures.lambdas[STATE_NAMES.copy];
      const gbSeconds =
        pairs *
          windows *
          (assume.lambdaCallSeconds * gb(claim, STATE_NAMES.claimWindow) +
            assume.lambdaCallSeconds * gb(create, STATE_NAMES.createJob) +
            p * assume.lambdaCallSeconds * gb(check, STATE_NAMES.checkJob) +
            copySeconds * gb(copy, STATE_NAMES.copy)) +
        assume.planSeconds * gb(figures.lambdas[STATE_NAMES.plan], STATE_NAMES.plan) +
        summarizeSeconds * gb(figures.lambdas[STATE_NAMES.summarize], STATE_NAMES.summarize);
      const stepFunctionsCost = (transitions / 1000) * PRICES.transitionsPer1000;
      const lambdaCost = gbSeconds * PRICES.lambdaGbSecond + (invocations / 1e6) * PRICES.lambdaPerMillionRequests;
      const costPerRun = stepFunctionsCost + lambdaCost;
      rows.push({
        scenario: scenario.name,
        contracts,
        pairs,
        windowsPerPair: windows,
        childEvents: figures.childEvents,
        parentEvents: figures.parentEvents,
        largestPayload: payloadAt(pairs),
        pairSeconds,
        waves,
        durationSeconds,
        concurrencyFor24h: wavesIn24h >= 1 ? Math.ceil(pairs / wavesIn24h) : null,
        continuationsPerPair: continuations,
        transitions,
        lambdaInvocations: invocations,
        lambdaGbSeconds: gbSeconds,
        stepFunctionsCost,
        lambdaCost,
        costPerRun,
        monthlyCost: scenario.runsPerMonth > 0 ? costPerRun * scenario.runsPerMonth : null,
      });
    }
  }
  return rows;
};

/** A landed object as a typical deployment writes it: the old design's output carried one per window. */
export const typicalResult = (): ExportResult => {
  const window = { startAt: Date.UTC(2026, 10, 1), endAt: Date.UTC(2026, 10, 2) };
  const contract = 'urn:li:contract:123456789';
  const keys = {
    csvKey: dayObjectKey('linkedin-sales-navigator/', 'activityOutcome', contract, window.startAt),
    manifestKey: manifestKey('linkedin-sales-navigator/', 'activityOutcome', contract, window),
  };
  return {
    exportType: 'activityOutcome',
    contract,
    ...window,
    jobIds: [6_000_000_001],
    rowCount: 12_345,
    bytes: 1_234_567,
    sha256: 'e'.repeat(64),
    s3Uri: s3Uri('acme-linkedin-sales-navigator-exports', keys.csvKey),
    manifestUri: s3Uri('acme-linkedin-sales-navigator-exports', keys.manifestKey),
    objects: 1,
    empty: false,
  };
};

/** The old design (one execution; the pairs as iterations of an inline Map) at one size. */
export interface OldDesignRow {
  scenario: string;
  contracts: number;
  historyEvents: number;
  durationSeconds: number;
  outputBytes: number;
  planOutputBytes: number;
}

/** Where the old design hits each limit, in contracts (the smallest count over it). */
export interface OldDesignLimits {
  scenario: string;
  timeout: number;
  history: number;
  output: number;
  planOutput: number;
}

export const oldDesignModel = (
  figures: WorkflowFigures,
  options: ModelOptions = {},
): { rows: (contracts: number, scenario: Scenario) => OldDesignRow; limits: OldDesignLimits[] } => {
  const assume = { ...DEFAULT_ASSUMPTIONS, ...options.assumptions };
  const polling = typicalPolling(assume.jobSeconds, options.policy ?? defaultPollPolicy());
  const p = polling.polls;
  const events = figures.typicalEvents;
  const at = (name: string): number => {
    const value = events[name];
    if (value === undefined) throw new Error(`The pair loop has no state "${name}"`);
    return value;
  };
  const resultBytes = jsonBytes(typicalResult()) + 1;
  // The old Plan's output `{exports: [every pair's task]}`: every contract's tasks are the same
  // size (9-digit URNs), so two sizes give the rest exactly.
  const planBytes = (scenario: Scenario, contracts: number): number => {
    const endAt = Date.UTC(2026, 10, 1);
    const window = { startAt: endAt - scenario.days * 86_400_000, endAt };
    const of = (n: number) =>
      jsonBytes({
        exports: planTasks(
          { exportTypes: [...EXPORT_TYPES], window },
          Array.from({ length: n }, (_, k) => `urn:li:contract:${100_000_000 + k}`),
        ),
      });
    const one = of(1);
    return one + (contracts - 1) * (of(2) - one);
  };
  const row = (contracts: number, scenario: Scenario): OldDesignRow => {
    const pairs = contracts * EXPORT_TYPES.length;
    const windows = windowsFor(scenario.days);
    // One iteration per pair: the first Route, per window Create, p Checks, p − 1 Waits, p + 1 Routes, Copy; the end state.
    const perPair =
      HISTORY_EVENTS.inlineMapIteration +
      at(STATE_NAMES.route) +
      windows *
        (at(STATE_NAMES.createJob) +
          p * at(STATE_NAMES.checkJob) +
          (p - 1) * at(STATE_NAMES.waitForJob) +
          (p + 1) * at(STATE_NAMES.route) +
          at(STATE_NAMES.copy)) +
      at(STATE_NAMES.exportFinished);
    // Execution, the Plan Task, the inline Map's own events, the end state.
    const overhead = HISTORY_EVENTS.execution + HISTORY_EVENTS.task + HISTORY_EVENTS.inlineMap + HISTORY_EVENTS.succeed;
    const copySeconds = assume.copyFixedSeconds + ((scenario.days / windows) * assume.copyMbPerDay) / assume.copyMbPerSecond;
    const pairSeconds = windows * (assume.lambdaCallSeconds + polling.waitedSeconds + p * assume.lambdaCallSeconds + copySeconds);
    return {
      scenario: scenario.name,
      contracts,
      historyEvents: overhead + pairs * perPair,
      durationSeconds: Math.ceil(pairs / OLD_DESIGN.maxConcurrency) * pairSeconds,
      // The execution output listed every landed object; the Plan's output held every pair's task.
      outputBytes: jsonBytes({ exports: [] }) + pairs * windows * resultBytes,
      planOutputBytes: planBytes(scenario, contracts),
    };
  };
  const firstOver = (scenario: Scenario, over: (r: OldDesignRow) => boolean): number => {
    // Every figure grows with the contracts: a binary search over 1 … 100,000.
    let low = 1;
    let high = 100_000;
    if (!over(row(high, scenario))) return Number.POSITIVE_INFINITY;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (over(row(middle, scenario))) high = middle;
      else low = middle + 1;
    }
    return low;
  };
  const limits = SCENARIOS.map((scenario) => ({
    scenario: scenario.name,
    timeout: firstOver(scenario, (r) => r.durationSeconds > OLD_DESIGN.timeoutHours * 3600),
    history: firstOver(scenario, (r) => r.historyEvents > HISTORY_EVENT_QUOTA),
    output: firstOver(scenario, (r) => r.outputBytes > PAYLOAD_QUOTA_BYTES),
    planOutput: firstOver(scenario, (r) => r.planOutputBytes > PAYLOAD_QUOTA_BYTES),
  }));
  return { rows: row, limits };
};
