/**
 * The ledger benchmark's runs: one simulator (N generated contracts) and one counting s3rver in
 * this process, and each run of ledgerCases in its own worker process (ledger-run-worker.ts) so its
 * peak RSS is its own. Between runs the S3 data stays: each run finds what the previous one landed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { StackConfigInput } from '../../infra/config';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import type { RunCounts } from '../../lambdas/shared/contract/run-report';
import { SUPERSEDED_FOLDER } from '../../lambdas/shared/contract/layout';
import { ledgerFolder, normalizePrefix } from '../../lambdas/shared/workflow/keys';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { type Route, startSimulator } from '../../local/simulator';
import { PROJECT_ROOT } from '../bundle';
import { cleanEnv } from '../child';
import { DEFAULT_LEDGER_CONTRACTS } from '../options';
import type { RunStats } from '../scale/local-run';
import { checkLedgerRun, type LedgerCase, ledgerCases } from './cases';
import { startCountingS3 } from './counting-s3';
import { type S3RequestTally, splitAtWorkflowEnd, tallyS3Requests } from './s3-requests';

/**
 * The runs' MaxConcurrency: every running execution enables its own AsyncLocalStorage
 * (local/runner/scaled-time.ts), and Node copies every enabled one into each new promise, so the
 * runner's CPU per pair grows with the executions at once. On this 2-core machine (shared, loaded)
 * a first run of 300 pairs took 93 CPU-s (runner + servers) at 100, 68 at 40 and 65 at 25, and 40
 * finished soonest. The ledger's figures (requests, events, bytes) do not depend on it.
 */
export const DEFAULT_LEDGER_CONCURRENCY = 40;
const BUCKET = 'bench-ledger';
/** The deployment's default prefix (cdk.json), so keys look as they would in the bucket. */
const PREFIX = 'linkedin-sales-navigator/';

/** What the worker is asked to run (JSON through the environment). */
export interface LedgerRunRequest {
  label: string;
  contracts: string[];
  from: string;
  to: string;
  force: boolean;
  linkedInUrl: string;
  token: string;
  s3Endpoint: string;
  bucket: string;
  prefix: string;
  stackConfig: Partial<StackConfigInput>;
  timeScale: number;
}

/** What the worker writes. */
export interface LedgerRunWorkerResult {
  status: 'SUCCEEDED' | 'FAILED';
  error: string | null;
  cause: string | null;
  counts: RunCounts | null;
  /** Objects the run report lists. */
  objects: number;
  failed: number;
  stats: RunStats | null;
  durationMs: number;
  /** When the Summarize step's output was seen (preciseNow), or null. */
  workflowEndedAt: number | null;
  /** Whether runLocal had to synthesize the workflow (its cache was stale: sources changed during the benchmark). */
  synthesized: boolean;
  /** The worker's CPU time (user + system), seconds. */
  cpuSeconds: number;
  maxRssBytes: number;
}

export interface LedgerRunFigures {
  case: LedgerCase;
  status: string;
  error: string | null;
  cause: string | null;
  /** From spawning the worker to its exit (process and tsx start included). */
  wallSeconds: number;
  /** runLocal's own duration (its synthesis read from the cache). */
  runSeconds: number;
  /** The worker's: the runner and its handlers (the simulator and s3rver are in the benchmark's process). */
  peakRssBytes: number;
  /** runLocal synthesized the workflow within the run (see LedgerRunWorkerResult): its time and memory include it. */
  synthesized: boolean;
  /** CPU seconds (user + system) of the runner (the worker) and of the simulator and s3rver (this process) during the run. */
  cpuSeconds: { runner: number; servers: number };
  counts: RunCounts | null;
  /** LinkedIn calls by route (createJob, getJob, download, contracts). */
  linkedIn: { total: number; byRoute: Partial<Record<Route, number>> };
  /** The workflow's S3 requests: Plan to Summarize, the Map Run's reads and writes included. */
  s3: S3RequestTally;
  /** The local runner's own check after the workflow (report GET, a HEAD per landed object); not the workflow's. */
  afterRun: S3RequestTally;
  stats: RunStats | null;
  /** Under `<prefix>ledger/` after the run. */
  ledger: { objects: number; bytes: number };
  /** Objects (data and manifests) under `<prefix>superseded/` after the run. */
  supersededStored: number;
  /** Differences from what the case must do (cases.ts); empty when exact. */
  mismatches: string[];
}

export interface LedgerFigures {
  contracts: number;
  pairs: number;
  maxConcurrency: number;
  timeScale: number;
  runs: LedgerRunFigures[];
  wallSeconds: number;
}

export interface LedgerBenchOptions {
  contracts?: number;
  /** The Distributed Map's MaxConcurrency. @default DEFAULT_LEDGER_CONCURRENCY */
  maxConcurrency?: number;
  /** @default 0.05 (the runner's default) */
  timeScale?: number;
  /** Include the run over a window one day wider. @default true */
  wider?: boolean;
  /** "Today" (epoch ms). @default now */
  now?: number;
}

/**
 * Powertools' warning for an invocation that added no metric (a plain claim adds none): one line
 * per pair on the worker's stderr, so the benchmark counts them instead of printing them.
 */
const EMPTY_METRICS_WARNING = 'No application metrics to publish';

/** Passes the worker's stderr on line by line, less the empty-metrics warnings; resolves with how many it dropped. */
const forwardStderr = (stream: NodeJS.ReadableStream): Promise<number> =>
  new Promise((resolve) => {
    let dropped = 0;
    let pending = '';
    const forward = (lines: string[]) => {
      for (const line of lines) {
        if (line.startsWith(EMPTY_METRICS_WARNING)) dropped += 1;
        else process.stderr.write(`${line}\n`);
      }
    };
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n');
      pending = lines.pop() ?? '';
      forward(lines);
    });
    stream.on('end', () => {
      if (pending) forward([pending]);
      resolve(dropped);
    });
  });

/** Runs the worker under tsx with a clean environment plus s3rver's key pair; its result file holds the figures. */
const runWorker = async (request: LedgerRunRequest, log: (line: string) => void): Promise<LedgerRunWorkerResult> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-ledger-'));
  const resultFile = path.join(dir, 'result.json');
  try {
    const child = spawn(
      process.execPath,
      ['--max-old-space-size=4096', '--import', 'tsx', path.join(PROJECT_ROOT, 'bench/ledger/ledger-run-worker.ts')],
      {
        cwd: PROJECT_ROOT,
        env: {
          ...cleanEnv(),
          // An S3-compatible endpoint takes its credentials from the standard chain: here, the environment.
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
          BENCH_RESULT_FILE: resultFile,
          BENCH_LEDGER_REQUEST: JSON.stringify(request),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    const forwarded = forwardStderr(child.stderr!);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    const dropped = await forwarded;
    if (dropped > 0) log(`ledger: ${request.label}: ${dropped} × "${EMPTY_METRICS_WARNING}…" from the handlers (Powertools) not shown`);
    // A worker that threw writes only {error, maxRssBytes}.
    let result: LedgerRunWorkerResult;
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8')) as LedgerRunWorkerResult;
    } catch {
      throw new Error(`the ledger run's worker (${request.label}) exited with code ${code} and no result`);
    }
    if (code !== 0) throw new Error(`the ledger run's worker (${request.label}) failed: ${result.error}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Count and total size of the objects under `prefix`. */
const listed = async (client: S3Client, prefix: string): Promise<{ objects: number; bytes: number }> => {
  const total = { objects: 0, bytes: 0 };
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix, ContinuationToken: token }));
    for (const object of page.Contents ?? []) {
      total.objects += 1;
      total.bytes += object.Size ?? 0;
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return total;
};

/** The simulator's recorded calls, counted per route (the benchmarks' LinkedIn figures). */
export const countByRoute = (calls: ReadonlyArray<{ route: Route }>): Partial<Record<Route, number>> => {
  const counts: Partial<Record<Route, number>> = {};
  for (const { route } of calls) counts[route] = (counts[route] ?? 0) + 1;
  return counts;
};

/**
 * Runs every case in order for `contracts` contracts × every export type, counting each run's
 * LinkedIn calls at the simulator and S3 requests at the s3rver.
 */
export const runLedgerRuns = async (options: LedgerBenchOptions = {}, log: (line: string) => void = () => {}): Promise<LedgerFigures> => {
  const contracts = options.contracts ?? DEFAULT_LEDGER_CONTRACTS;
  const maxConcurrency = options.maxConcurrency ?? DEFAULT_LEDGER_CONCURRENCY;
  const timeScale = options.timeScale ?? 0.05;
  const pairs = contracts * EXPORT_TYPES.length;
  const cases = ledgerCases(options.now ?? Date.now(), options.wider ?? true);
  const stackConfig: Partial<StackConfigInput> = { maxConcurrency, pollInitialSeconds: 1, recreateBaseSeconds: 1 };
  const started = Date.now();
  // Synthesized once here, into the runner's disk cache (.local/cache): every run then reads it, so
  // no run's time or memory includes a synthesis and the runs compare.
  log('ledger: synthesizing the workflow once for every run (the local runner caches it)…');
  await loadLocalWorkflow(stackConfig);
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-ledger-s3-'));
  // Short LinkedIn jobs, as the scale bench's: the benchmark measures the workflow, not LinkedIn's queue.
  const simulator = await startSimulator({ contractCount: contracts, enqueuedMs: 50, processingMs: 100, rowsPerDay: 40 });
  let s3: Awaited<ReturnType<typeof startCountingS3>> | undefined;
  let client: S3Client | undefined;
  try {
    s3 = await startCountingS3({ bucket: BUCKET, directory });
    client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
    const urns = simulator.contracts.map(({ contract }) => contract);
    const runs: LedgerRunFigures[] = [];
    for (const ledgerCase of cases) {
      log(
        `ledger: ${ledgerCase.label} (${ledgerCase.from}..${ledgerCase.to}${ledgerCase.force ? ', force' : ''}) of ${contracts} contracts × ${EXPORT_TYPES.length} types…`,
      );
      simulator.resetCalls();
      s3.take();
      const runStarted = Date.now();
      const serversCpu = process.cpuUsage();
      const result = await runWorker(
        {
          label: ledgerCase.label,
          contracts: urns,
          from: ledgerCase.from,
          to: ledgerCase.to,
          force: ledgerCase.force,
          linkedInUrl: simulator.baseUrl,
          token: simulator.token,
          s3Endpoint: s3.endpoint,
          bucket: BUCKET,
          prefix: PREFIX,
          stackConfig,
          timeScale,
        },
        log,
      );
      const wallSeconds = (Date.now() - runStarted) / 1000;
      const serversCpuUsed = process.cpuUsage(serversCpu);
      // Taken before this process lists the bucket, so only the run's requests are in them.
      const { workflow, afterRun } = splitAtWorkflowEnd(s3.take(), result.workflowEndedAt);
      const calls = [...simulator.calls];
      const ledger = await listed(client, ledgerFolder(PREFIX));
      const superseded = await listed(client, `${normalizePrefix(PREFIX)}${SUPERSEDED_FOLDER}`);
      s3.take();
      const creates = calls.filter((call) => call.route === 'createJob').length;
      const figures: LedgerRunFigures = {
        case: ledgerCase,
        status: result.status,
        error: result.error,
        cause: result.cause,
        wallSeconds,
        runSeconds: result.durationMs / 1000,
        peakRssBytes: result.maxRssBytes,
        synthesized: result.synthesized,
        cpuSeconds: { runner: result.cpuSeconds, servers: (serversCpuUsed.user + serversCpuUsed.system) / 1e6 },
        counts: result.counts,
        linkedIn: { total: calls.length, byRoute: countByRoute(calls) },
        s3: tallyS3Requests(workflow, PREFIX),
        afterRun: tallyS3Requests(afterRun, PREFIX),
        stats: result.stats,
        ledger,
        supersededStored: superseded.objects,
        mismatches: checkLedgerRun(ledgerCase, pairs, {
          status: result.status,
          error: result.error,
          counts: result.counts,
          creates,
          afterRunRequests: result.workflowEndedAt === null ? null : afterRun.length,
          ledgerObjects: ledger.objects,
        }),
      };
      runs.push(figures);
      log(
        `ledger: ${ledgerCase.label}: ${figures.status}${figures.error ? ` ${figures.error}` : ''} in ${wallSeconds.toFixed(1)} s, ` +
          `${figures.s3.total} S3 requests, ${creates} LinkedIn creates${figures.mismatches.length ? `, ${figures.mismatches.length} MISMATCHES` : ''}`,
      );
    }
    return { contracts, pairs, maxConcurrency, timeScale, runs, wallSeconds: (Date.now() - started) / 1000 };
  } finally {
    client?.destroy();
    await s3?.close();
    await simulator.close();
    rmSync(directory, { recursive: true, force: true });
  }
};
