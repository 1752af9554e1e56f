/** Deployed entry of "Create export job" (logic: handlers/create-job.ts). */
import { createCreateJobHandler } from './shared/handlers/create-job';
import { deployedLinkedIn } from './shared/runtime/deployed-linkedin';
import { deployedS3 } from './shared/runtime/deployed-s3';

// S3: the job's creation is recorded in the pair's claim in the export ledger.
export const handler = createCreateJobHandler(() => ({ ...deployedLinkedIn(), s3: deployedS3() }));
