/**
 * One measured run of the ledger benchmark (bench/ledger/runs.ts starts it under tsx): one
 * `runLocal` of the synthesized workflow against the simulator and the counting s3rver that the
 * benchmark's own process holds, so this process's peak RSS is the runner's alone. It writes its
 * figures as JSON to BENCH_RESULT_FILE and progress to stderr. The S3 credentials (s3rver's key
 * pair) come from the environment, as for any S3-compatible endpoint.
 */
import '../../local/runner/quiet-env';
import { runWorker } from '../run-worker';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { runLocal } from '../../local/runner/run-local';
import { WORKFLOW_CACHE_DIR, workflowFingerprint } from '../../local/runner/workflow';
import { preciseNow } from './counting-s3';
import type { LedgerRunRequest, LedgerRunWorkerResult } from './runs';

const request = JSON.parse(process.env.BENCH_LEDGER_REQUEST ?? '{}') as LedgerRunRequest;

const cpuSeconds = ({ user, system }: NodeJS.CpuUsage): number => (user + system) / 1e6;

/** The Lambdas' log lines: hundreds of pairs would flood the terminal. */
const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

const main = async (): Promise<object> => {
  const started = Date.now();
  // The benchmark synthesized the workflow into the runner's cache; a source changed since then
  // (infra/, lambdas/shared/) makes runLocal synthesize again, inside the measured run.
  const synthesized = !existsSync(path.join(WORKFLOW_CACHE_DIR, `workflow-${workflowFingerprint(request.stackConfig)}.json`));
  let landed = 0;
  let planned: number | undefined;
  let workflowEndedAt: number | null = null;
  const progress = setInterval(() => {
    process.stderr.write(
      `ledger: ${request.label}: ${((Date.now() - started) / 1000).toFixed(0)} s, ${landed} landed of ${planned ?? '?'} pairs, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }, 15_000);
  try {
    const result = await runLocal({
      contracts: request.contracts,
      from: request.from,
      to: request.to,
      ...(request.force && { force: true }),
      linkedInUrl: request.linkedInUrl,
      token: request.token,
      s3Endpoint: request.s3Endpoint,
      bucket: request.bucket,
      prefix: request.prefix,
      stackConfig: request.stackConfig,
      timeScale: request.timeScale,
      logStream: discard,
      onEvent: (event) => {
        if (event.kind === 'planned') planned = event.pairs;
        else if (event.kind === 'landed') landed += 1;
        // Summarize is the workflow's last step that touches S3: later requests are the runner's own check.
        else if (event.kind === 'summarized') workflowEndedAt = preciseNow();
      },
    });
    const output: Omit<LedgerRunWorkerResult, 'maxRssBytes'> = {
      status: result.status,
      error: result.error,
      cause: result.cause,
      counts: result.counts,
      objects: result.exports.length,
      failed: result.failed.length,
      stats: result.stats,
      durationMs: result.durationMs,
      workflowEndedAt,
      synthesized,
      cpuSeconds: cpuSeconds(process.cpuUsage()),
    };
    return output;
  } finally {
    clearInterval(progress);
  }
};

runWorker(main);
