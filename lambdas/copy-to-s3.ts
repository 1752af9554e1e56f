/**
 * Copy CSV to S3: fetches a fresh download URL by GETting the job (the URL never enters
 * state), streams the CSV into S3, verifies bytes, rows and SHA-256, and only then
 * publishes it at its deterministic key.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { runtimeConfig } from './shared/config';
import { copyExport } from './shared/copy/copy-export';
import { copySettingsFromConfig } from './shared/copy/settings';
import { getLinkedInToken } from './shared/linkedin/token';
import { linkedInClient, s3Client } from './shared/runtime/clients';
import { logger, metrics } from './shared/powertools';
import { withPowertools } from './shared/runtime/middy';
import { copyProgress } from './shared/runtime/progress';
import { exportTaskSchema } from './shared/runtime/state-schemas';
import { currentJob, currentWindow, logKeys } from './shared/runtime/task-context';
import { afterCopied } from './shared/workflow/transitions';
import type { ExportTask } from './shared/workflow/state';

const MIB = 1024 * 1024;

export const handler = withPowertools(exportTaskSchema, async (task, context): Promise<ExportTask> => {
  const config = runtimeConfig();
  const window = currentWindow(task);
  const job = currentJob(task);
  logger.appendKeys({ ...logKeys(task), jobId: job.id });
  const { exportType, contract } = task;

  const outcome = await copyExport(
    { exportType, contract, window, jobId: job.id, jobIds: task.jobIds },
    {
      ...copySettingsFromConfig(config),
      getJob: (id, jobContract) => linkedInClient().getExportJob(id, jobContract),
      s3: s3Client(),
      downloadAuthorization: async () => `Bearer ${await getLinkedInToken(config)}`,
      remainingTimeMs: () => context.getRemainingTimeInMillis(),
      now: Date.now,
      onProgress: ({ bytes, total }) =>
        copyProgress.emit('progress', { exportType, contract, startAt: window.startAt, endAt: window.endAt, bytes, total }),
      logger,
    },
  );

  logger.info('Export copied', {
    s3Uri: outcome.s3Uri,
    rows: outcome.rowCount,
    bytes: outcome.bytes,
    sha256: outcome.sha256,
    empty: outcome.empty,
  });
  metrics.addMetric('Rows', MetricUnit.Count, outcome.rowCount);
  metrics.addMetric('Bytes', MetricUnit.Bytes, outcome.bytes);
  if (outcome.seconds > 0) metrics.addMetric('CopyMegabytesPerSecond', MetricUnit.Count, outcome.bytes / MIB / outcome.seconds);
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
});
