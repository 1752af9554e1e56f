/**
 * The run's verdict from its Map Run's results: one report entry per (contract, export type) pair,
 * the counts, and the outcome the execution ends with (docs/design.md, "Partner scale"):
 * - every pair landed: `succeeded` (the execution SUCCEEDS), also when every pair asked had
 *   already landed and the Plan left them all out (the Map ran none);
 * - some failed, some landed: `partial`, error PartialFailure;
 * - all failed for one reason: `failed` with that error (all LinkedInAuthError: the token);
 * - all failed for several reasons: `failed`, error ExportsFailed.
 * Pure: the Summarize handler reads the results from S3 and writes the report.
 */
import type { ExportType } from '../contract/export-types';
import { EXPORT_TYPES } from '../contract/export-types';
import { type ChildResult, TOLERATED_FAILURE_EXCEEDED } from '../contract/map-run';
import { FAILED_PAIRS_LISTED, MAX_SUMMARY_BYTES } from '../contract/quotas';
import {
  EXPORTS_FAILED,
  type FailedPair,
  PARTIAL_FAILURE,
  type PairReport,
  type RunCounts,
  type RunReport,
  type RunSummary,
  reportLine,
} from '../contract/run-report';
import { type AlreadyLandedPair, type ExportResult, type ExportTask, exportTaskSchema } from '../contract/state';
import { formatWindow } from './windows';

/** What each failure means for the operator, by error name: the first words of an all-failed cause. */
const REMEDIES: Record<string, string> = {
  LinkedInAuthError: 'LinkedIn rejected the access token (missing, invalid or expired): put a fresh token in the secret.',
  LinkedInForbidden: 'The token has no reporting access on these contracts: the member must be a reporting user.',
  ConfigError: "The Lambdas' configuration is unusable: fix cdk.json context and redeploy.",
  WorkflowWiringError: 'The Lambdas and the state machine come from different deployments: redeploy.',
  LinkedInThrottled: 'LinkedIn kept throttling after every retry: lower maxConcurrency or try again later.',
  LinkedInUnavailable: 'LinkedIn kept failing after every retry: try again later (redrive the execution).',
};

const MAX_CAUSE_TEXT = 400;
const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * A Lambda error's cause on AWS is JSON (`{"errorType", "errorMessage", "trace"}`); the local
 * engine gives the message itself. The report keeps the message only.
 */
export const causeMessage = (cause: string | undefined): string => {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not JSON: a Fail state's own cause, or the local engine's message.
  }
  return cause;
};

const parseTask = (text: string | undefined, what: string, execution: string): ExportTask => {
  let json: unknown;
  try {
    json = text === undefined ? undefined : JSON.parse(text);
  } catch {
    throw new Error(`The Map Run result of ${execution}: its ${what} is not JSON`);
  }
  const parsed = exportTaskSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `The Map Run result of ${execution}: its ${what} is not an export task (${issue?.path.join('.') || 'root'}: ${issue?.message})`,
    );
  }
  return parsed.data;
};

const plannedWindow = (task: ExportTask, fallback: ExportResult[]) => {
  const windows = task.pending.length > 0 ? task.pending : fallback;
  return { startAt: windows[0]?.startAt ?? 0, endAt: windows.at(-1)?.endAt ?? 0 };
};

type NotRun = { error: string; cause: string };

/** A child that did not land: its planned task, and why (its error, or the Map's for one never run). */
const failedPairReport = (entry: ChildResult, planned: ExportTask, notRun: NotRun | undefined): PairReport => {
  const pending = entry.Status === 'PENDING';
  return {
    exportType: planned.exportType,
    contract: planned.contract,
    window: plannedWindow(planned, []),
    outcome: 'failed',
    error: (pending ? notRun?.error : entry.Error) ?? `States.${entry.Status === 'FAILED' ? 'TaskFailed' : entry.Status}`,
    cause: pending
      ? (notRun?.cause ?? 'The child execution never ran.')
      : causeMessage(entry.Cause) || `The child execution ended ${entry.Status}.`,
    executionArn: entry.ExecutionArn,
    jobIds: [],
    landed: { objects: 0, rows: 0, bytes: 0 },
    objects: [],
  };
};

/**
 * One child execution's entry as a pair report, and the days its planned task says the Plan had
 * already cut from it as landed. A succeeded child's output is the pair's final task (its ledger
 * notes count those days again); a failed (or never started) child's input is the planned task.
 */
const readChild = (entry: ChildResult, notRun?: NotRun): { pair: PairReport; plannedSkippedDays: number } => {
  const planned = parseTask(entry.Input, 'input', entry.ExecutionArn);
  const plannedSkippedDays = planned.ledger?.skippedDays ?? 0;
  if (entry.Status === 'SUCCEEDED') {
    const done = parseTask(entry.Output, 'output', entry.ExecutionArn);
    const pair: PairReport = {
      exportType: planned.exportType,
      contract: planned.contract,
      window: plannedWindow(planned, done.results),
      outcome: 'landed',
      executionArn: entry.ExecutionArn,
      jobIds: done.results.flatMap((result) => result.jobIds),
      landed: done.landed,
      objects: done.results,
      ...(done.ledger && { ledger: done.ledger }),
    };
    return { pair, plannedSkippedDays };
  }
  return { pair: failedPairReport(entry, planned, notRun), plannedSkippedDays };
};

/**
 * One child execution's entry as a pair report.
 *
 * @param notRun the error a PENDING child is reported with (the Map stopped before it ran)
 */
export const pairReportOf = (entry: ChildResult, notRun?: NotRun): PairReport => readChild(entry, notRun).pair;

/**
 * Every entry of a Map Run as a pair report, and the days the Plan had cut as already landed from
 * the pairs that then failed: such a pair has no final task, so no ledger notes of the report
 * count them, yet this run did skip them.
 */
export const mapPairsOf = (entries: readonly ChildResult[], notRun?: NotRun): { pairs: PairReport[]; failedPairsSkippedDays: number } => {
  const pairs: PairReport[] = [];
  let failedPairsSkippedDays = 0;
  for (const entry of entries) {
    const { pair, plannedSkippedDays } = readChild(entry, notRun);
    pairs.push(pair);
    if (pair.outcome === 'failed') failedPairsSkippedDays += plannedSkippedDays;
  }
  return { pairs, failedPairsSkippedDays };
};

const typeOrder = (type: ExportType): number => EXPORT_TYPES.indexOf(type);
const contractOrder = (urn: string): bigint => BigInt(/(\d+)$/.exec(urn)?.[1] ?? '0');

/** Plan order: contracts (by number), then export types in their documented order. */
export const comparePairs = (a: Pick<PairReport, 'contract' | 'exportType'>, b: Pick<PairReport, 'contract' | 'exportType'>): number => {
  const byContract = contractOrder(a.contract) - contractOrder(b.contract);
  if (byContract !== 0n) return byContract < 0n ? -1 : 1;
  return typeOrder(a.exportType) - typeOrder(b.exportType);
};

/**
 * A failed pair as the summary, `npm start --json` and `status --json` list it.
 * @param maxCause the cause is cut to this many characters (the summary's bound by default)
 */
export const failedPairOf = (pair: PairReport, maxCause: number = MAX_CAUSE_TEXT): FailedPair => ({
  exportType: pair.exportType,
  contract: pair.contract,
  startAt: pair.window.startAt,
  endAt: pair.window.endAt,
  error: pair.error ?? 'Error',
  cause: clip(pair.cause ?? '', maxCause),
});

const describePair = (pair: FailedPair): string => `${pair.exportType} ${pair.contract} ${formatWindow(pair)}: ${pair.error}`;

export interface SummarizeInput {
  executionName: string;
  executionArn: string;
  mapRunArn: string | null;
  /** The pairs the Plan wrote (a Map that failed before reporting may have fewer results). */
  plannedPairs: number;
  pairs: PairReport[];
  /** The Map's own error, when it failed (past its tolerated failures, or its reader/writer). */
  mapFailure?: { Error: string; Cause?: string };
  reportUri: string;
  /** ISO-8601. */
  createdAt: string;
  /** The pairs the Plan left out, every day asked already landed (its `run.skippedKey`). @default none */
  alreadyLanded?: readonly AlreadyLandedPair[];
  /** Days the Plan cut as already landed from pairs that then failed (see mapPairsOf). @default 0 */
  failedPairsSkippedDays?: number;
}

/**
 * The counts. Days skipped are counted once each: the left-out pairs' days, the days in the landed
 * pairs' final notes (the Plan's cuts, which it wrote into their notes, and their claims' own), and
 * the Plan's cuts from the pairs that failed.
 */
const countsOf = (pairs: readonly PairReport[], alreadyLanded: readonly AlreadyLandedPair[], failedPairsSkippedDays: number): RunCounts => {
  const counts: RunCounts = {
    pairs: pairs.length,
    landed: 0,
    failed: 0,
    objects: 0,
    rows: 0,
    bytes: 0,
    alreadyLandedPairs: alreadyLanded.length,
    skippedDays: alreadyLanded.reduce((days, pair) => days + pair.days, failedPairsSkippedDays),
    resumedJobs: 0,
    superseded: 0,
    unconfirmedCreates: 0,
  };
  for (const pair of pairs) {
    if (pair.outcome === 'landed') counts.landed += 1;
    else counts.failed += 1;
    counts.objects += pair.landed.objects;
    counts.rows += pair.landed.rows;
    counts.bytes += pair.landed.bytes;
    if (pair.ledger) {
      counts.skippedDays += pair.ledger.skippedDays;
      counts.resumedJobs += pair.ledger.resumedJobIds.length;
      counts.superseded += pair.ledger.supersededCount;
      counts.unconfirmedCreates += pair.ledger.unconfirmedCreates;
    }
  }
  return counts;
};

/** The verdict: outcome, error and cause (the cause ends with the report's URI). */
const verdict = (input: SummarizeInput, counts: RunCounts, failed: FailedPair[], failedByError: Record<string, number>) => {
  const report = reportLine(input.reportUri);
  if (input.plannedPairs === 0 && counts.pairs === 0 && counts.alreadyLandedPairs > 0 && !input.mapFailure) {
    // Every pair asked had landed: the Map had nothing to run, and no result is missing.
    return { outcome: 'succeeded' as const, error: null, cause: null };
  }
  const missing = input.plannedPairs - counts.pairs;
  if (counts.pairs === 0 || missing > 0) {
    // The Map ended without a result for every pair: its own error is the run's.
    const error = input.mapFailure?.Error ?? 'States.Runtime';
    const cause =
      `The Distributed Map ended with results for ${counts.pairs} of ${input.plannedPairs} pairs` +
      (input.mapFailure ? `: ${input.mapFailure.Error} ${clip(causeMessage(input.mapFailure.Cause), MAX_CAUSE_TEXT)}` : '') +
      `. ${report}`;
    return { outcome: 'failed' as const, error, cause };
  }
  if (counts.failed === 0) return { outcome: 'succeeded' as const, error: null, cause: null };
  const listed = failed.slice(0, FAILED_PAIRS_LISTED).map(describePair).join('; ');
  const more = counts.failed > FAILED_PAIRS_LISTED ? `; and ${counts.failed - FAILED_PAIRS_LISTED} more` : '';
  const byError = Object.entries(failedByError)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${n} ${name}`)
    .join(', ');
  const stopped = input.mapFailure?.Error === TOLERATED_FAILURE_EXCEEDED ? ' The Map stopped at its tolerated failure threshold.' : '';
  if (counts.landed > 0) {
    return {
      outcome: 'partial' as const,
      error: PARTIAL_FAILURE,
      cause:
        `${counts.failed} of ${counts.pairs} pairs failed (${byError}); ${counts.landed} landed ${counts.objects} objects.${stopped} ` +
        `Failed: ${listed}${more}. Redrive the execution to run only the failed pairs again. ${report}`,
    };
  }
  const names = Object.keys(failedByError);
  if (names.length === 1 && names[0]) {
    const [name] = names;
    const first = failed[0];
    return {
      outcome: 'failed' as const,
      error: name,
      cause:
        `All ${counts.pairs} pairs failed with ${name}. ${REMEDIES[name] ?? ''}${stopped} ` +
        `First: ${first ? `${describePair(first)}: ${first.cause}` : ''}. ${report}`.replace(/\s+/g, ' '),
    };
  }
  return {
    outcome: 'failed' as const,
    error: EXPORTS_FAILED,
    cause: `All ${counts.pairs} pairs failed (${byError}).${stopped} Failed: ${listed}${more}. ${report}`,
  };
};

/** The landed objects that fit the summary's byte budget, in plan order. */
const exportsThatFit = (pairs: readonly PairReport[], budget: number): { exports: ExportResult[]; omitted: number } => {
  const exports: ExportResult[] = [];
  let used = 0;
  let omitted = 0;
  for (const pair of pairs) {
    omitted += pair.landed.objects - pair.objects.length;
    for (const object of pair.objects) {
      const size = JSON.stringify(object).length + 1;
      if (used + size > budget) omitted += 1;
      else {
        exports.push(object);
        used += size;
      }
    }
  }
  return { exports, omitted };
};

/**
 * The report (every pair) and the summary (bounded: the execution's output or its Fail cause).
 */
export const summarizeRun = (input: SummarizeInput): { report: RunReport; summary: RunSummary } => {
  const pairs = [...input.pairs].sort(comparePairs);
  const alreadyLanded = [...(input.alreadyLanded ?? [])].sort(comparePairs);
  const counts = countsOf(pairs, alreadyLanded, input.failedPairsSkippedDays ?? 0);
  const failedPairs = pairs.filter((pair) => pair.outcome === 'failed');
  const failedByError: Record<string, number> = {};
  for (const pair of failedPairs) failedByError[pair.error ?? 'Error'] = (failedByError[pair.error ?? 'Error'] ?? 0) + 1;
  const failed = failedPairs.map((pair) => failedPairOf(pair));
  const { outcome, error, cause } = verdict(input, counts, failed, failedByError);

  const listedFailed = failed.slice(0, FAILED_PAIRS_LISTED);
  const head = {
    outcome,
    error,
    cause,
    counts,
    reportUri: input.reportUri,
    failed: listedFailed,
    failedOmitted: failed.length - listedFailed.length,
  };
  const { exports, omitted } = exportsThatFit(pairs, MAX_SUMMARY_BYTES - JSON.stringify(head).length - 64);
  return {
    report: {
      version: 1,
      executionName: input.executionName,
      executionArn: input.executionArn,
      mapRunArn: input.mapRunArn,
      createdAt: input.createdAt,
      outcome,
      error,
      cause,
      counts,
      failedByError,
      pairs,
      alreadyLanded,
    },
    summary: { ...head, exports, exportsOmitted: omitted },
  };
};
