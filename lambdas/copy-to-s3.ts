/** Deployed entry of "Copy CSV to S3" (logic: handlers/copy-to-s3.ts). */
import { createCopyHandler } from './shared/handlers/copy-to-s3';
import { deployedLinkedIn } from './shared/runtime/deployed-linkedin';
import { deployedS3 } from './shared/runtime/deployed-s3';

export const handler = createCopyHandler(() => ({ ...deployedLinkedIn(), s3: deployedS3(), s3IsAws: true }));
