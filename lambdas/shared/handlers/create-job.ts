/**
 * Create export job: asks LinkedIn to export the task's next window. Throttling and
 * outages surface as named errors that the state machine retries with backoff.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type ExportTask, exportTaskSchema } from '../contract/state';
import { metrics } from '../powertools';
import { afterJobCreated, currentWindow } from '../workflow/transitions';
import type { LinkedInDependencies, Provide } from './dependencies';
import { logKeys } from './log-keys';
import { type HandlerOptions, withPowertools } from './middy';

export const createCreateJobHandler = (provide: Provide<LinkedInDependencies>, options?: HandlerOptions) =>
  withPowertools(
    exportTaskSchema,
    async (task, _context, log): Promise<ExportTask> => {
      const { linkedIn, now } = provide();
      const window = currentWindow(task);
      log.appendKeys(logKeys(task));
      const job = await linkedIn.createExportJob(task.exportType, task.contract, window.startAt, window.endAt);
      log.info('Export job created', { jobId: job.id, status: job.status });
      metrics.addMetric('JobsCreated', MetricUnit.Count, 1);
      return afterJobCreated(task, job.id, now());
    },
    options,
  );
