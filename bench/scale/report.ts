/**
 * `npm run bench -- --only scale [--contracts N]`: (a) the scale model next to each quota, the old
 * design side by side; (b) a local run of N contracts (default 1,000) × every export type against
 * the simulator, its pairs' outcomes checked exactly against the simulator's rules.
 */
import { synthesizeTemplate, extractStateMachineAsl } from '../../infra/asl';
import {
  type ChildHistoryBudget,
  childHistoryBudget,
  HALF_HISTORY_QUOTA,
  largestSafeStepThreshold,
  lambdaSizes,
  worstCaseParentEvents,
} from '../../infra/history-budget';
import {
  HISTORY_EVENT_QUOTA,
  MAX_STEPS_PER_EXECUTION,
  PAYLOAD_QUOTA_BYTES,
  STATE_PAYLOAD_TARGET_BYTES,
} from '../../lambdas/shared/contract/quotas';
import { fixed, renderTable } from '../table';
import { type LocalScaleFigures, runLocalScale } from './local-run';
import {
  CONTRACT_COUNTS,
  DEFAULT_ASSUMPTIONS,
  type ModelAssumptions,
  OLD_DESIGN,
  type OldDesignLimits,
  type OldDesignRow,
  oldDesignModel,
  PRICES,
  SCENARIOS,
  type ScaleRow,
  scaleModel,
  type TypicalPolling,
  typicalPolling,
  workflowFigures,
  worstCaseStepsPerPair,
} from './model';
import { type PayloadBound, payloadBounds } from './payloads';

export interface ScaleFigures {
  quotas: { historyEvents: number; halfHistory: number; payloadBytes: number; payloadTargetBytes: number; parentTimeoutHours: number };
  child: Omit<ChildHistoryBudget, 'guard'> & { continuationArn?: string; largestSafeStepThreshold: number; continuationChild: number };
  parentEvents: number;
  maxConcurrency: number;
  /** Worst-case steps of one pair, daily and 2-year backfill (what the continuation is for). */
  worstStepsPerPair: { daily: number; backfill2y: number };
  assumptions: ModelAssumptions;
  polling: TypicalPolling;
  prices: typeof PRICES;
  payloads: { pairs: number; bounds: PayloadBound[] };
  rows: ScaleRow[];
  /** The 10,000-contract daily row with 30-minute jobs, for the sensitivity to LinkedIn's pace. */
  shortJobs: ScaleRow;
  oldDesign: { rows: OldDesignRow[]; limits: OldDesignLimits[]; issue: typeof OLD_DESIGN.issue };
  local?: LocalScaleFigures | { error: string };
}

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
const hours = (seconds: number): string => `${(seconds / 3600).toFixed(1)} h`;
const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const dollars = (value: number): string => `$${value < 10 ? value.toFixed(2) : Math.round(value).toLocaleString('en-US')}`;
const within = (value: number, limit: number): string => (value < limit ? 'under' : 'OVER');

/** The model part: synthesizes once, reads every figure from the ASL and the template. */
export const scaleModelFigures = (log: (line: string) => void = () => {}): ScaleFigures => {
  log('scale: synthesizing the stack (the ASL and the Lambdas as they would deploy)…');
  const template = synthesizeTemplate();
  const asl = extractStateMachineAsl(template);
  const continuation = extractStateMachineAsl(template, 'continuation');
  const figures = workflowFigures(asl, lambdaSizes(template, asl));
  const { guard, ...budget } = childHistoryBudget(asl);
  log('scale: payload bounds and the model table (a 30,000-pair summary is built three times)…');
  const rows = scaleModel(figures);
  const pairs = Math.max(...CONTRACT_COUNTS) * 3;
  const [shortJobs] = scaleModel(figures, {
    assumptions: { jobSeconds: 1800 },
    contractCounts: [Math.max(...CONTRACT_COUNTS)],
    scenarios: [SCENARIOS[0]!],
  });
  const old = oldDesignModel(figures);
  return {
    quotas: {
      historyEvents: HISTORY_EVENT_QUOTA,
      halfHistory: HALF_HISTORY_QUOTA,
      payloadBytes: PAYLOAD_QUOTA_BYTES,
      payloadTargetBytes: STATE_PAYLOAD_TARGET_BYTES,
      parentTimeoutHours: figures.parentTimeoutSeconds / 3600,
    },
    child: {
      ...budget,
      continuationArn: guard?.stateMachineArn,
      largestSafeStepThreshold: largestSafeStepThreshold(asl),
      continuationChild: childHistoryBudget(continuation).total,
    },
    parentEvents: worstCaseParentEvents(asl),
    maxConcurrency: figures.maxConcurrency,
    worstStepsPerPair: { daily: worstCaseStepsPerPair(1), backfill2y: worstCaseStepsPerPair(730) },
    assumptions: DEFAULT_ASSUMPTIONS,
    polling: typicalPolling(DEFAULT_ASSUMPTIONS.jobSeconds),
    prices: PRICES,
    payloads: { pairs, bounds: payloadBounds(pairs) },
    rows,
    shortJobs: shortJobs!,
    oldDesign: {
      rows: SCENARIOS.flatMap((scenario) => CONTRACT_COUNTS.map((contracts) => old.rows(contracts, scenario))),
      limits: old.limits,
      issue: OLD_DESIGN.issue,
    },
  };
};

/** Both parts. */
export const runScaleBench = async (options: { contracts: number }, log: (line: string) => void): Promise<ScaleFigures> => {
  const figures = scaleModelFigures(log);
  try {
    figures.local = await runLocalScale({ contracts: options.contracts }, log);
  } catch (error) {
    figures.local = { error: error instanceof Error ? error.message : String(error) };
  }
  return figures;
};

export const printScale = (scale: ScaleFigures): void => {
  const { quotas, child } = scale;
  const a = scale.assumptions;
  console.log(
    `\n## Scale model (synthesized ASL; ${a.jobSeconds / 3600} h LinkedIn jobs: ${fixed(scale.polling.polls)} polls and ${hours(scale.polling.waitedSeconds)} mean; ` +
      `MaxConcurrency ${scale.maxConcurrency})\n`,
  );
  console.log(
    `  quotas: history ${count(quotas.historyEvents)} events per execution (half: ${count(quotas.halfHistory)}); payload ${kib(quotas.payloadBytes)} KiB ` +
      `(half: ${kib(quotas.payloadBytes / 2)} KiB; the product's target: ${kib(quotas.payloadTargetBytes)} KiB); parent timeout ${quotas.parentTimeoutHours} h`,
  );
  const perTask = Object.entries(child.perTask)
    .map(([name, task]) => `${name} ${task.stepEvents} (${task.retries} retries)`)
    .join(', ');
  console.log(
    `  child, worst case: ${child.stepsPerExecution} steps (MAX_STEPS_PER_EXECUTION ${child.stepThreshold} − 1 + a create→check chain of ${child.longestTaskChain}) × ` +
      `${child.perStep} events [${perTask}] + hop ${child.endingEvents} + execution ${child.executionEvents} = ${count(child.total)} → ${within(child.total, quotas.halfHistory)} half the quota ` +
      `(continuation machine: ${count(child.continuationChild)}); the largest MAX_STEPS_PER_EXECUTION within half: ${child.largestSafeStepThreshold}` +
      (MAX_STEPS_PER_EXECUTION !== child.stepThreshold ? ` (quotas.ts says ${MAX_STEPS_PER_EXECUTION}!)` : ''),
  );
  console.log(
    `  parent, worst case: ${scale.parentEvents} events, whatever the pairs; one pair's work at worst: ${count(scale.worstStepsPerPair.daily)} steps daily, ` +
      `${count(scale.worstStepsPerPair.backfill2y)} for a 2-year backfill (every window split to days, every retry and re-creation spent): the continuation carries it on`,
  );
  console.log('');
  console.log(
    renderTable(
      [
        'run',
        'contracts',
        'pairs',
        'jobs/pair',
        'child events',
        'parent events',
        'largest payload KiB',
        'duration',
        'concurrency for 24 h',
        'transitions',
        'Lambda GB-s',
        'cost/run',
        'cost/month',
      ],
      scale.rows.map((row) => [
        row.scenario,
        count(row.contracts),
        count(row.pairs),
        String(row.windowsPerPair),
        `${count(row.childEvents)}${row.childEvents < quotas.halfHistory ? '' : ' OVER'}`,
        `${count(row.parentEvents)}${row.parentEvents < quotas.halfHistory ? '' : ' OVER'}`,
        `${kib(row.largestPayload.bytes)}${row.largestPayload.bytes < quotas.payloadTargetBytes ? '' : ' OVER'}`,
        `${hours(row.durationSeconds)}${row.durationSeconds < quotas.parentTimeoutHours * 3600 ? '' : ' OVER'}`,
        row.concurrencyFor24h === null ? '–' : count(row.concurrencyFor24h),
        count(row.transitions),
        count(row.lambdaGbSeconds),
        dollars(row.costPerRun),
        row.monthlyCost === null ? 'one-off' : dollars(row.monthlyCost),
      ]),
    ),
  );
  console.log(
    `  OVER: events over half the quota (${count(quotas.halfHistory)}), a payload over the target (${kib(quotas.payloadTargetBytes)} KiB; the quota is ${kib(quotas.payloadBytes)}), ` +
      `a run longer than the parent timeout (${quotas.parentTimeoutHours} h); a daily run should also end within 24 h (MaxConcurrency may go up to 10,000). ` +
      'The largest payload is the same for every run: the pair bound takes every window from EARLIEST_DAY to today. ' +
      `With 30-minute jobs, ${count(scale.shortJobs.contracts)} contracts daily take ${hours(scale.shortJobs.durationSeconds)}.`,
  );
  console.log(
    `  assumed: us-east-1 list prices ($${PRICES.transitionsPer1000} per 1,000 transitions; Lambda $${PRICES.lambdaGbSecond} per GB-s (x86; the functions are arm64, 20 % less) and ` +
      `$${PRICES.lambdaPerMillionRequests} per 1M requests; no free tier, S3, CloudWatch Logs or X-Ray); create/check bill ${a.lambdaCallSeconds} s; a copy ${a.copyFixedSeconds} s + ` +
      `${a.copyMbPerDay} MB per day at ${a.copyMbPerSecond} MB/s; Plan ${a.planSeconds} s; Summarize ${a.summarizeSecondsPer1000Pairs} s per 1,000 pairs; LinkedIn runs every pair's job in parallel; ` +
      'transitions = states entered + one per child execution the Map starts; cost/month = 30 daily runs.',
  );

  console.log(
    `\n### Payload bounds at ${count(scale.payloads.pairs)} pairs (JSON bytes of objects built with the workflow's constructors)\n`,
  );
  console.log(
    renderTable(
      ['state', 'payload', 'KiB', `vs target ${kib(quotas.payloadTargetBytes)} KiB`, `vs quota ${kib(quotas.payloadBytes)} KiB`],
      scale.payloads.bounds.map((bound) => [
        bound.state,
        bound.payload,
        kib(bound.bytes),
        within(bound.bytes, quotas.payloadTargetBytes),
        within(bound.bytes, quotas.payloadBytes),
      ]),
    ),
  );

  console.log(
    `\n### Old design (one execution, inline Map, MaxConcurrency ${OLD_DESIGN.maxConcurrency}, ${OLD_DESIGN.timeoutHours} h timeout), same model\n`,
  );
  console.log(
    renderTable(
      ['run', 'contracts', 'history events', 'duration', 'output KiB', 'plan output KiB'],
      scale.oldDesign.rows.map((row) => [
        row.scenario,
        count(row.contracts),
        `${count(row.historyEvents)}${row.historyEvents > quotas.historyEvents ? ' OVER' : ''}`,
        `${hours(row.durationSeconds)}${row.durationSeconds > OLD_DESIGN.timeoutHours * 3600 ? ' OVER' : ''}`,
        `${kib(row.outputBytes)}${row.outputBytes > quotas.payloadBytes ? ' OVER' : ''}`,
        `${kib(row.planOutputBytes)}${row.planOutputBytes > quotas.payloadBytes ? ' OVER' : ''}`,
      ]),
    ),
  );
  const issue = scale.oldDesign.issue;
  const limit = (scenario: string) => scale.oldDesign.limits.find((l) => l.scenario === scenario)!;
  console.log("\n  where the old design fails (contracts), this model vs the issue's figures:\n");
  console.log(
    renderTable(
      ['limit', 'daily', '1-year backfill', '2-year backfill', 'issue'],
      [
        [
          '24 h timeout (concurrency 4)',
          String(limit('daily').timeout),
          String(limit('1-year backfill').timeout),
          String(limit('2-year backfill').timeout),
          `${issue.timeoutDaily} daily`,
        ],
        [
          '25,000 history events',
          String(limit('daily').history),
          String(limit('1-year backfill').history),
          String(limit('2-year backfill').history),
          `~${issue.historyDaily} daily, ${issue.history1y} 1-year, ${issue.history2y} 2-year`,
        ],
        [
          '256 KiB execution output',
          String(limit('daily').output),
          String(limit('1-year backfill').output),
          String(limit('2-year backfill').output),
          `~${issue.outputDaily} daily`,
        ],
        [
          '256 KiB plan output',
          String(limit('daily').planOutput),
          String(limit('1-year backfill').planOutput),
          String(limit('2-year backfill').planOutput),
          `~${issue.planOutputDaily} daily (its tasks were smaller)`,
        ],
      ],
    ),
  );
  console.log('  the distributed design: none of these grows with the contracts (see the model table).');

  const local = scale.local;
  if (!local) return;
  console.log('\n### Local run against the simulator\n');
  if ('error' in local) {
    console.log(`  FAILED to run: ${local.error}`);
    return;
  }
  const stats = local.stats;
  const byError = (counts: Record<string, number>) =>
    Object.entries(counts)
      .map(([name, n]) => `${n} ${name}`)
      .join(', ') || 'none';
  console.log(
    renderTable(
      ['figure', 'value'],
      [
        [
          'contracts × types',
          `${count(local.contracts)} × 3 = ${count(local.pairs)} pairs (5 % of contracts 403, 1 % of pairs INTERNAL_ERROR every time)`,
        ],
        ['MaxConcurrency, time scale', `${local.maxConcurrency}, ${local.timeScale}`],
        ['execution', `${local.actual.status} ${local.actual.error ?? ''} (expected ${local.expected.error ?? 'SUCCEEDED'})`],
        ['pairs landed', `${count(local.actual.landed)} (expected ${count(local.expected.landed)})`],
        ['pairs failed', `${count(local.actual.failed)}: ${byError(local.actual.byError)} (expected ${byError(local.expected.byError)})`],
        [
          'outcomes vs the simulator',
          local.mismatches.length === 0 ? 'EXACT' : `${local.mismatches.length} MISMATCHES: ${local.mismatches.slice(0, 5).join('; ')}`,
        ],
        ['wall time', `${fixed(local.wallSeconds)} s (run ${fixed(local.runSeconds)} s, synthesis included)`],
        ['peak RSS', `${(local.peakRssBytes / 2 ** 20).toFixed(0)} MiB (runner, simulator and s3rver in one process)`],
        ['parent history', stats ? `${count(stats.parentEvents)} events` : 'not reported by the runner'],
        [
          'largest child history',
          stats
            ? `${count(stats.maxChildEvents)} events (${count(stats.children)} children${stats.continuations ? `, ${stats.continuations} continuations` : ''}, ${count(stats.totalChildEvents)} events in all)`
            : '–',
        ],
        ['largest state payload', stats ? `${kib(stats.maxStatePayloadBytes)} KiB` : '–'],
        ['execution output', stats?.outputBytes !== undefined ? `${kib(stats.outputBytes)} KiB` : 'not reported by the runner'],
      ],
    ),
  );
};

export interface ScaleTarget {
  target: string;
  ok: boolean | undefined;
  measured: string;
}

/** The issue's targets: every quota below half at 10,000 contracts daily and 1,000 contracts for a 2-year backfill; the local run exact and under 10 minutes. */
export const scaleTargets = (scale: ScaleFigures): ScaleTarget[] => {
  const half = scale.quotas.halfHistory;
  const targets: ScaleTarget[] = [];
  for (const [scenario, contracts] of [
    ['daily', 10_000],
    ['2-year backfill', 1_000],
  ] as const) {
    const row = scale.rows.find((r) => r.scenario === scenario && r.contracts === contracts);
    if (!row) continue;
    targets.push(
      {
        target: `scale model, ${count(contracts)} contracts ${scenario}: child and parent history < half (${count(half)})`,
        ok: row.childEvents < half && row.parentEvents < half,
        measured: `child ${count(row.childEvents)}, parent ${count(row.parentEvents)}`,
      },
      {
        target: `scale model, ${count(contracts)} contracts ${scenario}: every state payload < ${kib(scale.quotas.payloadTargetBytes)} KiB`,
        ok: row.largestPayload.bytes < scale.quotas.payloadTargetBytes,
        measured: `${kib(row.largestPayload.bytes)} KiB (${row.largestPayload.state})`,
      },
      {
        target: `scale model, ${count(contracts)} contracts ${scenario}: done within the parent timeout (${scale.quotas.parentTimeoutHours} h)${scenario === 'daily' ? ' and 24 h' : ''}`,
        ok:
          row.durationSeconds < Math.min(scale.quotas.parentTimeoutHours * 3600, scenario === 'daily' ? 86_400 : Number.POSITIVE_INFINITY),
        measured: `${hours(row.durationSeconds)} at MaxConcurrency ${scale.maxConcurrency}${row.concurrencyFor24h ? ` (24 h needs ${count(row.concurrencyFor24h)})` : ''}`,
      },
    );
  }
  const local = scale.local;
  if (local && !('error' in local)) {
    targets.push(
      {
        target: `local run of ${count(local.contracts)} contracts: every pair landed or failed as the simulator's faults say`,
        ok: local.mismatches.length === 0,
        measured:
          local.mismatches.length === 0
            ? `${count(local.actual.landed)} landed, ${count(local.actual.failed)} failed: exact`
            : `${local.mismatches.length} mismatches`,
      },
      {
        target: `local run of ${count(local.contracts)} contracts in < 10 minutes`,
        ok: local.wallSeconds < 600,
        measured: `${fixed(local.wallSeconds)} s`,
      },
      {
        target: 'local run: largest child and parent history < half the quota',
        ok: local.stats ? local.stats.maxChildEvents < half && local.stats.parentEvents < half : undefined,
        measured: local.stats ? `child ${count(local.stats.maxChildEvents)}, parent ${count(local.stats.parentEvents)}` : 'no stats',
      },
      {
        target: `local run: largest state payload < ${kib(scale.quotas.payloadTargetBytes)} KiB`,
        ok: local.stats ? local.stats.maxStatePayloadBytes < scale.quotas.payloadTargetBytes : undefined,
        measured: local.stats ? `${kib(local.stats.maxStatePayloadBytes)} KiB` : 'no stats',
      },
    );
  } else if (local) {
    targets.push({ target: 'local run completes', ok: false, measured: local.error.slice(0, 120) });
  }
  return targets;
};

/** True when the local run's outcomes differ from the simulator's rules, or it could not run: the benchmark fails. */
export const scaleFailed = (scale: ScaleFigures | undefined): string | undefined => {
  const local = scale?.local;
  if (!local) return undefined;
  if ('error' in local) return `the scale bench's local run failed: ${local.error}`;
  if (local.mismatches.length > 0) {
    return `the scale bench's local run does not match the simulator's faults (${local.mismatches.length}):\n  ${local.mismatches.slice(0, 20).join('\n  ')}`;
  }
  return undefined;
};
