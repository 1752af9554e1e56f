/**
 * A rerun (`{"rerunOf": "<execution>"}`, what `npm run cli -- redrive` starts when the Map itself
 * finished): the failed pairs of that execution's run report, each over its own planned window.
 * The export ledger makes it safe: days that landed meanwhile are skipped, and a dead pair's job is
 * resumed rather than made again (docs/design.md, "Exactly once").
 */
import { ERROR_NAMES, NamedError } from '../contract/error-names';
import { MAX_JOB_DAYS } from '../contract/linkedin-limits';
import { type RunReport, runReportSchema } from '../contract/run-report';
import type { ExportTask } from '../contract/state';
import { plannedTask } from './transitions';
import { cutIntoJobWindows } from './windows';

/**
 * @param report the parsed JSON of the earlier run's report (validated here)
 * @throws NamedError `InvalidInput` when it is not a run report, or when every pair landed
 */
export const rerunTasks = (executionName: string, report: unknown, options: { force?: boolean } = {}): ExportTask[] => {
  const parsed = runReportSchema.safeParse(report);
  if (!parsed.success) {
    throw new NamedError(
      ERROR_NAMES.invalidInput,
      `Invalid input: rerunOf: the run report of ${executionName} is not readable as a run report`,
    );
  }
  const failed = (parsed.data as RunReport).pairs.filter((pair) => pair.outcome === 'failed');
  if (failed.length === 0) {
    throw new NamedError(
      ERROR_NAMES.invalidInput,
      `Invalid input: rerunOf: every pair of ${executionName} landed; there is nothing to run again`,
    );
  }
  return failed.map((pair) => plannedTask(pair.exportType, pair.contract, cutIntoJobWindows(pair.window, MAX_JOB_DAYS), options));
};
