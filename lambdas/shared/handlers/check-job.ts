/**
 * Check export job: one GET of the job, then the pure transition decides what the state
 * machine does next (poll again after a backoff, copy, split, re-create, or fail by name).
 */
import { pairAuthorization } from '../tokens/assign';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type ExportTask, exportTaskSchema } from '../contract/state';
import { metrics } from '../powertools';
import { pollPolicyFromConfig } from '../workflow/backoff';
import { afterJobChecked, currentJob } from '../workflow/transitions';
import type { LinkedInDependencies, Provide } from './dependencies';
import { logKeys } from './log-keys';
import { type HandlerOptions, withPowertools } from './middy';

export const createCheckJobHandler = (provide: Provide<LinkedInDependencies>, options?: HandlerOptions) =>
  withPowertools(
    exportTaskSchema,
    async (task, _context, log): Promise<ExportTask> => {
      const { config, linkedIn, now } = provide();
      const job = currentJob(task);
      log.appendKeys({ ...logKeys(task), jobId: job.id });
      const current = await linkedIn(pairAuthorization(task)).getExportJob(job.id, task.contract);
      const checkedAt = now();
      metrics.addMetric('Polls', MetricUnit.Count, 1);
      const next = afterJobChecked(task, current, checkedAt, pollPolicyFromConfig(config));
      log.info('Export job checked', {
        status: current.status,
        rowCount: current.rowCount,
        next: next.next,
        reason: next.reason,
        waitSeconds: next.waitSeconds,
      });
      if (next.next === 'poll') metrics.addMetric('PollWaitSeconds', MetricUnit.Seconds, next.waitSeconds);
      if (next.next === 'copy') metrics.addMetric('JobWaitSeconds', MetricUnit.Seconds, Math.round((checkedAt - job.createdAt) / 1000));
      return next;
    },
    options,
  );
