/**
 * Cold start: each handler bundled as CDK bundles it (bench/bundle.ts), its size from the esbuild
 * metafile, and the time a fresh `node` process takes to import it (median of several runs).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { HANDLER_MODULES, type HandlerModule, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/contract/names';
import { bundleEntry, PROJECT_ROOT, topContributors } from './bundle';
import { cleanEnv } from './child';

// Odd, and enough that one import slowed by the shared machine does not move the median.
export const IMPORT_RUNS = 9;

export interface ColdStartFigures {
  handler: HandlerModule;
  bundleBytes: number;
  sourceMapBytes: number;
  /** Largest contributors to the bundle: [package or folder, bytes]. */
  largest: Array<[string, number]>;
  importMs: number[];
  importMedianMs: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Milliseconds a fresh node process takes to import `file` (measured inside that process). */
const timeImport = (file: string, env: Record<string, string>): Promise<number> =>
  new Promise((resolve, reject) => {
    const script = `const t=process.hrtime.bigint();import(${JSON.stringify(pathToFileURL(file).href)}).then(()=>{console.log(Number(process.hrtime.bigint()-t)/1e6);process.exit(0)},(e)=>{console.error(e);process.exit(1)})`;
    const child = spawn(process.execPath, ['-e', script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('exit', (code) => {
      const ms = Number(out.trim());
      if (code === 0 && Number.isFinite(ms)) resolve(ms);
      else reject(new Error(`importing ${path.basename(file)} failed (exit ${code})`));
    });
  });

/** Bundles and times every handler. */
export const runColdStartBench = async (log: (line: string) => void): Promise<ColdStartFigures[]> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-bundles-'));
  // What the deployed function sets (infra/function.ts) plus a region. The handlers read their own
  // configuration on the first invocation, not at import, so it is not needed here.
  const env = {
    ...cleanEnv(),
    AWS_REGION: 'us-east-1',
    POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
  try {
    const figures: ColdStartFigures[] = [];
    for (const handler of HANDLER_MODULES) {
      const bundle = await bundleEntry(path.join(PROJECT_ROOT, 'lambdas', `${handler}.ts`), dir, handler);
      const importMs: number[] = [];
      for (let run = 0; run < IMPORT_RUNS; run++) importMs.push(await timeImport(bundle.file, env));
      const figure: ColdStartFigures = {
        handler,
        bundleBytes: bundle.bytes,
        sourceMapBytes: bundle.mapBytes,
        largest: topContributors(bundle.metafile),
        importMs,
        importMedianMs: median(importMs),
      };
      log(`coldstart ${handler}: ${(bundle.bytes / 1024).toFixed(0)} KiB, import median ${figure.importMedianMs.toFixed(1)} ms`);
      figures.push(figure);
    }
    return figures;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};
