/**
 * The scale benchmark's local run: the synthesized workflow for N contracts × every export type
 * against the simulator, with 5 % of the contracts answering 403 and 1 % of the pairs' jobs ending
 * FAILED_DUE_TO_INTERNAL_ERROR every time. The pairs that must fail are known before the run from
 * the simulator's own rules (generateContracts spreads the 403 contracts; isFailingPair picks the
 * failing pairs), and the run must land and fail exactly those: any difference is a mismatch the
 * benchmark fails on.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { StackConfigInput } from '../../infra/config';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { type FailingPairs, generateContracts, isFailingPair, type SimulatorOptions } from '../../local/simulator';
import { PROJECT_ROOT } from '../bundle';
import { cleanEnv } from '../child';

export const DEFAULT_LOCAL_CONTRACTS = 1000;
/** Share of the contracts whose job creation answers 403. */
export const FORBIDDEN_SHARE = 0.05;
/** Share of the pairs whose every job ends in INTERNAL_ERROR. */
export const FAILING_PAIR_SHARE = 0.01;
const FAILING_SEED = 7;

/** What the worker is asked to run (JSON through the environment). */
export interface LocalRunRequest {
  contracts: string[];
  simulatorOptions: SimulatorOptions;
  stackConfig: Partial<StackConfigInput>;
  timeScale: number;
  s3Directory: string;
}

/** The runner's per-run measurements (local/runner: `RunLocalResult.stats`). */
export interface RunStats {
  parentEvents: number;
  children: number;
  continuations?: number;
  maxChildEvents: number;
  totalChildEvents: number;
  maxStatePayloadBytes: number;
  outputBytes?: number;
}

type PairKey = Pick<{ exportType: ExportType; contract: string }, 'exportType' | 'contract'>;

/** What the worker writes. */
export interface LocalRunWorkerResult {
  status: 'SUCCEEDED' | 'FAILED';
  error: string | null;
  cause: string | null;
  exports: Array<PairKey & { startAt: number; endAt: number }>;
  failed: Array<PairKey & { error: string }>;
  stats: RunStats | null;
  durationMs: number;
  maxRssBytes: number;
}

export interface LocalScaleFigures {
  contracts: number;
  pairs: number;
  maxConcurrency: number;
  timeScale: number;
  expected: { landed: number; failed: number; byError: Record<string, number>; error: string | null };
  actual: { landed: number; failed: number; byError: Record<string, number>; status: string; error: string | null };
  /** Every difference between what the simulator's rules say and what the run did; empty when exact. */
  mismatches: string[];
  wallSeconds: number;
  runSeconds: number;
  peakRssBytes: number;
  stats: RunStats | null;
}

const keyOf = (pair: PairKey): string => `${pair.exportType} ${pair.contract}`;

const countBy = (errors: Iterable<string>): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const error of errors) counts[error] = (counts[error] ?? 0) + 1;
  return counts;
};

/**
 * The run's setup and what the simulator's rules say must happen to each pair: a 403 contract's
 * pairs fail with LinkedInForbidden at the first job creation (before any job could fail); a failing
 * pair's jobs end INTERNAL_ERROR until the re-creations run out: ExportJobFailed; the rest land.
 */
export const localRunPlan = (contractCount: number) => {
  const forbiddenCount = Math.round(contractCount * FORBIDDEN_SHARE);
  const { contracts, forbidden } = generateContracts(contractCount - forbiddenCount, forbiddenCount);
  const failingPairs: FailingPairs = { fraction: FAILING_PAIR_SHARE, seed: FAILING_SEED, status: 'FAILED_DUE_TO_INTERNAL_ERROR' };
  const forbiddenSet = new Set(forbidden);
  const expectedFailures = new Map<string, string>();
  const expectedLanded = new Set<string>();
  for (const { contract } of contracts) {
    for (const exportType of EXPORT_TYPES) {
      const key = keyOf({ exportType, contract });
      if (forbiddenSet.has(contract)) expectedFailures.set(key, ERROR_NAMES.forbidden);
      else if (isFailingPair(failingPairs, contract, exportType)) expectedFailures.set(key, ERROR_NAMES.jobFailed);
      else expectedLanded.add(key);
    }
  }
  const simulatorOptions: SimulatorOptions = {
    contractCount: contractCount - forbiddenCount,
    forbiddenContractCount: forbiddenCount,
    // Short LinkedIn jobs: the benchmark measures the workflow, not LinkedIn's queue.
    enqueuedMs: 50,
    processingMs: 100,
    rowsPerDay: 40,
    faults: { failingPairs },
  };
  return { urns: contracts.map(({ contract }) => contract), simulatorOptions, expectedFailures, expectedLanded };
};

/** The execution's error when the expected pairs fail (summarize.ts's verdict). */
const expectedRunError = (landed: number, failures: ReadonlyMap<string, string>): string | null => {
  if (failures.size === 0) return null;
  if (landed > 0) return 'PartialFailure';
  const names = new Set(failures.values());
  return names.size === 1 ? [...names][0]! : 'ExportsFailed';
};

/** Compares the run with the plan; every line is one difference. */
export const compareWithPlan = (plan: ReturnType<typeof localRunPlan>, result: LocalRunWorkerResult): string[] => {
  const mismatches: string[] = [];
  const landed = new Map<string, number>();
  for (const item of result.exports) landed.set(keyOf(item), (landed.get(keyOf(item)) ?? 0) + 1);
  const failed = new Map(result.failed.map((pair) => [keyOf(pair), pair.error]));
  for (const key of plan.expectedLanded) {
    if (landed.get(key) !== 1) mismatches.push(`${key}: expected 1 object landed, got ${landed.get(key) ?? 0}`);
    if (failed.has(key)) mismatches.push(`${key}: expected to land, reported failed with ${failed.get(key)}`);
  }
  for (const [key, error] of plan.expectedFailures) {
    if (failed.get(key) !== error) mismatches.push(`${key}: expected to fail with ${error}, got ${failed.get(key) ?? 'no failure'}`);
    if (landed.has(key)) mismatches.push(`${key}: expected to fail, but ${landed.get(key)} object(s) landed`);
  }
  for (const key of landed.keys())
    if (!plan.expectedLanded.has(key) && !plan.expectedFailures.has(key)) mismatches.push(`${key}: landed, not planned`);
  for (const key of failed.keys())
    if (!plan.expectedLanded.has(key) && !plan.expectedFailures.has(key)) mismatches.push(`${key}: failed, not planned`);
  const runError = expectedRunError(plan.expectedLanded.size, plan.expectedFailures);
  if (result.status !== (runError ? 'FAILED' : 'SUCCEEDED') || result.error !== runError) {
    mismatches.push(
      `execution: expected ${runError ? `FAILED ${runError}` : 'SUCCEEDED'}, got ${result.status} ${result.error ?? ''}: ${result.cause ?? ''}`.trim(),
    );
  }
  return mismatches;
};

/** Runs the worker under tsx with a clean environment; its result file holds the figures. */
const runWorker = async (request: LocalRunRequest): Promise<LocalRunWorkerResult> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-scale-'));
  const resultFile = path.join(dir, 'result.json');
  try {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=4096', '--import', 'tsx', path.join(PROJECT_ROOT, 'bench/scale/local-run-worker.ts')],
      {
        cwd: PROJECT_ROOT,
        env: { ...cleanEnv(), BENCH_RESULT_FILE: resultFile, BENCH_SCALE_REQUEST: JSON.stringify(request) },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    let result: LocalRunWorkerResult;
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8')) as LocalRunWorkerResult;
    } catch {
      throw new Error(`the scale run's worker exited with code ${code} and no result`);
    }
    // A worker that threw writes only {error, maxRssBytes}.
    if (code !== 0) throw new Error(`the scale run's worker failed: ${result.error}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

export interface LocalScaleOptions {
  contracts?: number;
  /** The Distributed Map's MaxConcurrency for the run. @default 100 */
  maxConcurrency?: number;
  /** @default 0.05 (the runner's default) */
  timeScale?: number;
}

/**
 * Runs the workflow locally for `contracts` contracts × every export type and checks the outcome of
 * every pair against the simulator's rules.
 */
export const runLocalScale = async (
  options: LocalScaleOptions = {},
  log: (line: string) => void = () => {},
): Promise<LocalScaleFigures> => {
  const contracts = options.contracts ?? DEFAULT_LOCAL_CONTRACTS;
  const maxConcurrency = options.maxConcurrency ?? 100;
  const timeScale = options.timeScale ?? 0.05;
  const plan = localRunPlan(contracts);
  const s3Directory = mkdtempSync(path.join(tmpdir(), 'bench-scale-s3-'));
  log(
    `scale: local run of ${contracts} contracts × ${EXPORT_TYPES.length} types (${plan.expectedFailures.size} pairs must fail), MaxConcurrency ${maxConcurrency}, time scale ${timeScale}…`,
  );
  const started = Date.now();
  try {
    const result = await runWorker({
      contracts: plan.urns,
      simulatorOptions: plan.simulatorOptions,
      // Short first poll and re-creation waits (scaled again by timeScale): the run measures the
      // workflow's own overhead, not LinkedIn's pace.
      stackConfig: { maxConcurrency, pollInitialSeconds: 1, recreateBaseSeconds: 1 },
      timeScale,
      s3Directory,
    });
    const wallSeconds = (Date.now() - started) / 1000;
    const mismatches = compareWithPlan(plan, result);
    return {
      contracts,
      pairs: contracts * EXPORT_TYPES.length,
      maxConcurrency,
      timeScale,
      expected: {
        landed: plan.expectedLanded.size,
        failed: plan.expectedFailures.size,
        byError: countBy(plan.expectedFailures.values()),
        error: expectedRunError(plan.expectedLanded.size, plan.expectedFailures),
      },
      actual: {
        landed: new Set(result.exports.map(keyOf)).size,
        failed: result.failed.length,
        byError: countBy(result.failed.map((pair) => pair.error)),
        status: result.status,
        error: result.error,
      },
      mismatches,
      wallSeconds,
      runSeconds: result.durationMs / 1000,
      peakRssBytes: result.maxRssBytes,
      stats: result.stats,
    };
  } finally {
    rmSync(s3Directory, { recursive: true, force: true });
  }
};
