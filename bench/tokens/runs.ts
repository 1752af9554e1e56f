/**
 * The tokens benchmark's runs: one simulator (its OAuth endpoints issue and refresh the tokens) and
 * one counting s3rver (the token store) in this process, and each case's single invocation of the
 * token check in its own worker process (worker.ts), so its time, CPU and peak RSS are the
 * handler's. Each case first stores the same N names afresh (uncounted), then the worker runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { REFRESH_CONCURRENCY, TOKEN_READ_CONCURRENCY } from '../../lambdas/shared/handlers/tokens';
import { mapLimited } from '../../lambdas/shared/map-limited';
import type { ConditionalAuthorizationStore } from '../../lambdas/shared/tokens/ports';
import { s3AuthorizationStore } from '../../lambdas/shared/tokens/s3-store';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { type Route, type Simulator, startSimulator } from '../../local/simulator';
import { PROJECT_ROOT } from '../bundle';
import { cleanEnv } from '../child';
import { startCountingS3 } from '../ledger/counting-s3';
import { countByRoute } from '../ledger/runs';
import { type S3RequestTally, tallyS3Requests } from '../ledger/s3-requests';
import { DEFAULT_TOKEN_AUTHORIZATIONS } from '../options';
import { checkTokensRun, LIST_PAGE_SIZE, TOKENS_CASES, type TokensCase, type TokensCounts } from './cases';
import { useSingleDesForS3rver } from './single-des';

const BUCKET = 'bench-tokens';
/** The token store's folder (s3-store.ts's default): the keys look as they would in the bucket. */
const PREFIX = 'authorizations/';
/** Seeding writes at once: as many as the handler reads at once, so seeding is not the slow part. */
const SEED_CONCURRENCY = 32;

/** What the worker is asked to run (JSON through the environment). */
export interface TokensRunRequest {
  label: string;
  s3Endpoint: string;
  bucket: string;
  oauthUrl: string;
  clientId: string;
  clientSecret: string;
}

/** What the worker writes. */
export interface TokensWorkerResult {
  counts: TokensCounts;
  /** Names the handler's result lists (at most SOONEST_LISTED). */
  soonestListed: number;
  /** The handler invocation alone: from the call to its result. */
  invocationMs: number;
  /** The worker's CPU time (user + system) during the invocation, seconds. */
  cpuSeconds: number;
  /** RSS just before the invocation (tsx, the SDK and the handler loaded). */
  rssBeforeBytes: number;
  /** Highest RSS sampled during the invocation. */
  rssPeakSampledBytes: number;
  /** The worker's maxRSS (its whole life, module loading included). */
  maxRssBytes: number;
}

export interface TokensCaseFigures {
  case: TokensCase;
  counts: TokensCounts;
  soonestListed: number;
  /** The invocation, seconds. */
  wallSeconds: number;
  authorizationsPerSecond: number;
  /** From spawning the worker to its exit (process start and tsx included). */
  workerSeconds: number;
  /** CPU seconds of the handler (the worker, during the invocation) and of the simulator and s3rver (this process) meanwhile. */
  cpuSeconds: { handler: number; servers: number };
  rssBeforeBytes: number;
  rssPeakSampledBytes: number;
  peakRssBytes: number;
  /** The invocation's S3 requests, counted at the s3rver. */
  s3: S3RequestTally;
  /** The invocation's calls to the simulator's OAuth endpoints. */
  oauth: { total: number; byRoute: Partial<Record<Route, number>>; refused: number };
  /** Differences from what the case must do (cases.ts); empty when exact. */
  mismatches: string[];
}

export interface TokensFigures {
  authorizations: number;
  readConcurrency: number;
  refreshConcurrency: number;
  listPageSize: number;
  cases: TokensCaseFigures[];
  /** Seeding, workers and checks, both cases. */
  wallSeconds: number;
}

export interface TokensBenchOptions {
  authorizations?: number;
}

/** N names in key order, so the listing's order is the names'. */
const namesOf = (authorizations: number): string[] => {
  const width = String(authorizations - 1).length;
  return Array.from({ length: authorizations }, (_, k) => `customer-${String(k).padStart(width, '0')}`);
};

/** Stores one fresh authorization per name, as `authorize --name` would, with `tokensCase`'s access-token lifetime. */
const seed = async (store: ConditionalAuthorizationStore, simulator: Simulator, names: readonly string[], tokensCase: TokensCase) => {
  await mapLimited(names, SEED_CONCURRENCY, (name) =>
    store.write({ name, ...simulator.issueAuthorization({ accessTokenLifetimeMs: tokensCase.accessTokenLifetimeMs, refresh: true }) }),
  );
};

/** Runs the worker under tsx with a clean environment plus s3rver's key pair; its result file holds the figures. */
const runWorker = async (request: TokensRunRequest): Promise<TokensWorkerResult> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-tokens-'));
  const resultFile = path.join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench/tokens/worker.ts')], {
      cwd: PROJECT_ROOT,
      env: {
        ...cleanEnv(),
        // An S3-compatible endpoint takes its credentials from the standard chain: here, the environment.
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        // Logs and EMF on, as deployed: their serializing is part of the invocation's cost. Stdout
        // (where Lambda would print them) goes nowhere.
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_DISABLED: 'false',
        BENCH_RESULT_FILE: resultFile,
        BENCH_TOKENS_REQUEST: JSON.stringify(request),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    // A worker that threw writes only {error, maxRssBytes}.
    let result: TokensWorkerResult & { error?: string };
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8')) as TokensWorkerResult & { error?: string };
    } catch {
      throw new Error(`the token check's worker (${request.label}) exited with code ${code} and no result`);
    }
    if (code !== 0) throw new Error(`the token check's worker (${request.label}) failed: ${result.error}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Runs (R) then (F) over the same N names, counting each invocation's S3 requests at the s3rver and OAuth calls at the simulator. */
export const runTokensRuns = async (options: TokensBenchOptions = {}, log: (line: string) => void = () => {}): Promise<TokensFigures> => {
  const authorizations = options.authorizations ?? DEFAULT_TOKEN_AUTHORIZATIONS;
  const names = namesOf(authorizations);
  const started = Date.now();
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-tokens-s3-'));
  const restoreDes = useSingleDesForS3rver();
  let simulator: Simulator | undefined;
  let s3: Awaited<ReturnType<typeof startCountingS3>> | undefined;
  let client: S3Client | undefined;
  try {
    simulator = await startSimulator();
    s3 = await startCountingS3({ bucket: BUCKET, directory });
    client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
    const store = s3AuthorizationStore({ s3: client, bucket: BUCKET, prefix: PREFIX });
    const cases: TokensCaseFigures[] = [];
    for (const tokensCase of TOKENS_CASES) {
      const seedStarted = Date.now();
      await seed(store, simulator, names, tokensCase);
      log(
        `tokens: ${tokensCase.label}: ${authorizations} authorizations stored in ${((Date.now() - seedStarted) / 1000).toFixed(1)} s; invoking the token check…`,
      );
      s3.take();
      simulator.resetCalls();
      const serversCpu = process.cpuUsage();
      const workerStarted = Date.now();
      const result = await runWorker({
        label: tokensCase.name,
        s3Endpoint: s3.endpoint,
        bucket: BUCKET,
        oauthUrl: simulator.oauthUrl,
        clientId: simulator.clientId,
        clientSecret: simulator.clientSecret,
      });
      const workerSeconds = (Date.now() - workerStarted) / 1000;
      const serversCpuUsed = process.cpuUsage(serversCpu);
      const s3Tally = tallyS3Requests(s3.take(), PREFIX);
      const calls = [...simulator.calls];
      const oauth = {
        total: calls.length,
        byRoute: countByRoute(calls),
        refused: calls.filter((call) => call.status < 200 || call.status >= 300).length,
      };
      const wallSeconds = result.invocationMs / 1000;
      const figures: TokensCaseFigures = {
        case: tokensCase,
        counts: result.counts,
        soonestListed: result.soonestListed,
        wallSeconds,
        authorizationsPerSecond: authorizations / wallSeconds,
        workerSeconds,
        cpuSeconds: { handler: result.cpuSeconds, servers: (serversCpuUsed.user + serversCpuUsed.system) / 1e6 },
        rssBeforeBytes: result.rssBeforeBytes,
        rssPeakSampledBytes: result.rssPeakSampledBytes,
        peakRssBytes: result.maxRssBytes,
        s3: s3Tally,
        oauth,
        mismatches: checkTokensRun(tokensCase, authorizations, {
          counts: result.counts,
          s3: s3Tally,
          oauthByRoute: oauth.byRoute,
          oauthRefused: oauth.refused,
        }),
      };
      cases.push(figures);
      log(
        `tokens: ${tokensCase.label}: ${figures.counts.checked} checked, ${figures.counts.refreshed} refreshed in ${wallSeconds.toFixed(2)} s, ` +
          `${s3Tally.total} S3 requests, ${oauth.total} OAuth calls${figures.mismatches.length ? `, ${figures.mismatches.length} MISMATCHES` : ''}`,
      );
    }
    return {
      authorizations,
      readConcurrency: TOKEN_READ_CONCURRENCY,
      refreshConcurrency: REFRESH_CONCURRENCY,
      listPageSize: LIST_PAGE_SIZE,
      cases,
      wallSeconds: (Date.now() - started) / 1000,
    };
  } finally {
    client?.destroy();
    await s3?.close();
    await simulator?.close();
    restoreDes();
    rmSync(directory, { recursive: true, force: true });
  }
};
