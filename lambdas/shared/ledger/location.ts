/** The ledger of a task's pair, from a handler's dependencies. */
import type { S3Client } from '@aws-sdk/client-s3';
import type { HandlerConfig } from '../contract/runtime-config';
import type { ExportTask } from '../contract/state';
import type { LedgerLocation } from './store';

export const ledgerOf = (
  deps: { config: Pick<HandlerConfig, 'BUCKET_NAME' | 'KEY_PREFIX'>; s3: S3Client },
  task: Pick<ExportTask, 'exportType' | 'contract'>,
): LedgerLocation => ({
  s3: deps.s3,
  bucket: deps.config.BUCKET_NAME,
  prefix: deps.config.KEY_PREFIX,
  exportType: task.exportType,
  contract: task.contract,
});
