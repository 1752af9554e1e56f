/**
 * Copy CSV to S3: fetches a fresh download URL by GETting the job (the URL never enters
 * state), streams the CSV into S3, verifies bytes, rows and SHA-256, and only then
 * publishes it at its deterministic key.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type ExportTask, exportTaskSchema } from '../contract/state';
import { copyExport } from '../copy/copy-export';
import { copySettingsFromConfig } from '../copy/settings';
import { metrics } from '../powertools';
import { afterCopied, currentJob, currentWindow } from '../workflow/transitions';
import type { CopyDependencies, Provide } from './dependencies';
import { logKeys } from './log-keys';
import { type HandlerOptions, withPowertools } from './middy';

export const createCopyHandler = (provide: Provide<CopyDependencies>, options?: HandlerOptions) =>
  withPowertools(
    exportTaskSchema,
    async (task, context, log): Promise<ExportTask> => {
      const deps = provide();
      const window = currentWindow(task);
      const job = currentJob(task);
      log.appendKeys({ ...logKeys(task), jobId: job.id });
      const { exportType, contract } = task;

      const outcome = await copyExport(
        { exportType, contract, window, jobId: job.id, jobIds: task.jobIds },
        {
          ...copySettingsFromConfig(deps.config, { checksumFromS3: deps.s3IsAws, allowHttpLoopback: deps.allowHttpLoopback ?? false }),
          getJob: (id, jobContract, options) => deps.linkedIn.getExportJob(id, jobContract, options),
          s3: deps.s3,
          downloadAuthorization: async () => `Bearer ${await deps.token()}`,
          remainingTimeMs: () => context.getRemainingTimeInMillis(),
          now: deps.now,
          onProgress: deps.onProgress && (({ bytes, total }) => deps.onProgress?.({ exportType, contract, ...window, bytes, total })),
          logger: log,
        },
      );

      log.info('Export copied', {
        s3Uri: outcome.s3Uri,
        rows: outcome.rowCount,
        bytes: outcome.bytes,
        sha256: outcome.sha256,
        empty: outcome.empty,
      });
      metrics.addMetric('Rows', MetricUnit.Count, outcome.rowCount);
      metrics.addMetric('Bytes', MetricUnit.Bytes, outcome.bytes);
      if (outcome.seconds > 0) metrics.addMetric('CopyThroughput', MetricUnit.MegabytesPerSecond, outcome.bytes / 1e6 / outcome.seconds);
      if (outcome.empty) metrics.addMetric('EmptyExports', MetricUnit.Count, 1);

      return afterCopied(task, {
        exportType,
        contract,
        startAt: window.startAt,
        endAt: window.endAt,
        jobIds: task.jobIds,
        rowCount: outcome.rowCount,
        bytes: outcome.bytes,
        sha256: outcome.sha256,
        s3Uri: outcome.s3Uri,
        manifestUri: outcome.manifestUri,
        empty: outcome.empty,
      });
    },
    options,
  );
