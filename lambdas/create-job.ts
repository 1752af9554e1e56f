/**
 * Create export job: asks LinkedIn to export the task's next window. Throttling and
 * outages surface as named errors that the state machine retries with backoff.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { linkedInClient } from './shared/runtime/clients';
import { logger, metrics } from './shared/powertools';
import { withPowertools } from './shared/runtime/middy';
import { exportTaskSchema } from './shared/runtime/state-schemas';
import { currentWindow, logKeys } from './shared/runtime/task-context';
import { afterJobCreated } from './shared/workflow/transitions';
import type { ExportTask } from './shared/workflow/state';

export const handler = withPowertools(exportTaskSchema, async (task): Promise<ExportTask> => {
  const window = currentWindow(task);
  logger.appendKeys(logKeys(task));
  const job = await linkedInClient().createExportJob(task.exportType, task.contract, window.startAt, window.endAt);
  logger.info('Export job created', { jobId: job.id, status: job.status });
  metrics.addMetric('JobsCreated', MetricUnit.Count, 1);
  return afterJobCreated(task, job.id, Date.now());
});
