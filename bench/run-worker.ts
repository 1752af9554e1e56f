/**
 * The end of a bench worker process (a measured local run in a child of `npm run bench`): its
 * figures, or its error, go to the parent's result file with the worker's own peak RSS, and the
 * process exits with them, whatever handles the run left open.
 */
import { writeFileSync } from 'node:fs';

/** Peak resident set of this process, in bytes. */
export const peakRssBytes = (): number => process.resourceUsage().maxRSS * 1024;

/** Runs `main` and writes what it returns (or its error) to `BENCH_RESULT_FILE`, then exits. */
export const runWorker = (main: () => Promise<object>): void => {
  const resultFile = process.env.BENCH_RESULT_FILE;
  main().then(
    (figures) => {
      if (resultFile) writeFileSync(resultFile, JSON.stringify({ ...figures, maxRssBytes: peakRssBytes() }));
      process.exit(0);
    },
    (error: unknown) => {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (resultFile) writeFileSync(resultFile, JSON.stringify({ error: message, maxRssBytes: peakRssBytes() }));
      process.stderr.write(`${message}\n`);
      process.exit(1);
    },
  );
};
