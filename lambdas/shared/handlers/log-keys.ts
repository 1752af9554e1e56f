import type { ExportTask } from '../contract/state';

/** Log keys that identify the export on every line (never the URL or the token). */
export const logKeys = (task: ExportTask) => {
  const window = task.pending[0];
  return {
    exportType: task.exportType,
    contract: task.contract,
    ...(window && { windowStart: new Date(window.startAt).toISOString(), windowEnd: new Date(window.endAt).toISOString() }),
  };
};
