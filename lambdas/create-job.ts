/** Deployed entry of "Create export job" (logic: handlers/create-job.ts). */
import { createCreateJobHandler } from './shared/handlers/create-job';
import { deployedLinkedIn } from './shared/runtime/deployed-linkedin';

export const handler = createCreateJobHandler(deployedLinkedIn);
