/**
 * The measured process of the scale benchmark's local run (bench/scale/local-run.ts starts it under
 * tsx): one `runLocal` of the synthesized workflow against the simulator, with the simulator and
 * s3rver in this process as `npm start` runs them, so its peak RSS is the whole local run's. It
 * writes its figures as JSON to BENCH_RESULT_FILE and progress to stderr.
 */
import '../../local/runner/quiet-env';
import { runWorker } from '../run-worker';
import { Writable } from 'node:stream';
import { runLocal } from '../../local/runner/run-local';
import type { LocalRunRequest, LocalRunWorkerResult } from './local-run';

const request = JSON.parse(process.env.BENCH_SCALE_REQUEST ?? '{}') as LocalRunRequest;

/** The Lambdas' log lines: thousands of pairs would flood the terminal. */
const discard = new Writable({ write: (_chunk, _encoding, done) => done() });

const main = async (): Promise<object> => {
  const started = Date.now();
  let landed = 0;
  let failed = 0;
  let planned = 0;
  const progress = setInterval(() => {
    process.stderr.write(
      `scale: ${((Date.now() - started) / 1000).toFixed(0)} s, ${landed} landed, ${failed} failed of ${planned || '?'} pairs, RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB\n`,
    );
  }, 15_000);
  try {
    const result = await runLocal({
      contracts: request.contracts,
      simulatorOptions: request.simulatorOptions,
      stackConfig: request.stackConfig,
      timeScale: request.timeScale,
      s3Directory: request.s3Directory,
      logStream: discard,
      onEvent: (event) => {
        if (event.kind === 'planned') planned = event.pairs;
        else if (event.kind === 'landed') landed += 1;
        else if (event.kind === 'pairFailed') failed += 1;
      },
    });
    const stats = (result as { stats?: LocalRunWorkerResult['stats'] }).stats ?? null;
    const output: Omit<LocalRunWorkerResult, 'maxRssBytes'> = {
      status: result.status,
      error: result.error,
      cause: result.cause,
      exports: result.exports.map(({ exportType, contract, startAt, endAt }) => ({ exportType, contract, startAt, endAt })),
      failed: ((result as { failed?: LocalRunWorkerResult['failed'] }).failed ?? []).map(({ exportType, contract, error }) => ({
        exportType,
        contract,
        error,
      })),
      stats,
      durationMs: result.durationMs,
    };
    return output;
  } finally {
    clearInterval(progress);
  }
};

runWorker(main);
