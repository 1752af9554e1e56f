/**
 * Check export job: one GET of the job, then the pure transition decides what the state
 * machine does next (poll again after a backoff, copy, split, re-create, or fail by name).
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { runtimeConfig } from './shared/config';
import { linkedInClient } from './shared/runtime/clients';
import { logger, metrics } from './shared/powertools';
import { withPowertools } from './shared/runtime/middy';
import { exportTaskSchema } from './shared/runtime/state-schemas';
import { currentJob, logKeys } from './shared/runtime/task-context';
import { pollPolicyFromConfig } from './shared/workflow/backoff';
import { afterJobChecked } from './shared/workflow/transitions';
import type { ExportTask } from './shared/workflow/state';

export const handler = withPowertools(exportTaskSchema, async (task): Promise<ExportTask> => {
  const job = currentJob(task);
  logger.appendKeys({ ...logKeys(task), jobId: job.id });
  const current = await linkedInClient().getExportJob(job.id, task.contract);
  const now = Date.now();
  metrics.addMetric('Polls', MetricUnit.Count, 1);
  const next = afterJobChecked(task, current, now, pollPolicyFromConfig(runtimeConfig()));
  logger.info('Export job checked', { status: current.status, rowCount: current.rowCount, next: next.next, waitSeconds: next.waitSeconds });
  if (next.next === 'poll') metrics.addMetric('PollWaitSeconds', MetricUnit.Seconds, next.waitSeconds);
  if (next.next === 'copy') metrics.addMetric('JobWaitSeconds', MetricUnit.Seconds, Math.round((now - job.createdAt) / 1000));
  return next;
});
