/**
 * Reading the current window/job of a task, with a named error when the state machine
 * handed a task in the wrong phase (which would mean mismatched deployed versions).
 */
import { ERROR_NAMES, NamedError } from '../error-names';
import type { ExportTask, ExportWindow, JobProgress } from '../workflow/state';

const bad = (what: string) =>
  new NamedError(
    ERROR_NAMES.config,
    `State machine handed a task ${what}; are the Lambdas and the state machine from the same deployment?`,
  );

export const currentWindow = (task: ExportTask): ExportWindow => {
  const window = task.pending[0];
  if (!window) throw bad('with no pending window');
  return window;
};

export const currentJob = (task: ExportTask): JobProgress => {
  if (!task.job) throw bad('with no LinkedIn job');
  return task.job;
};

/** Log keys that identify the export on every line (never the URL or the token). */
export const logKeys = (task: ExportTask) => {
  const window = task.pending[0];
  return {
    exportType: task.exportType,
    contract: task.contract,
    ...(window && { windowStart: new Date(window.startAt).toISOString(), windowEnd: new Date(window.endAt).toISOString() }),
  };
};
