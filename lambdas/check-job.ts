/** Deployed entry of "Check export job" (logic: handlers/check-job.ts). */
import { createCheckJobHandler } from './shared/handlers/check-job';
import { deployedLinkedIn } from './shared/runtime/deployed-linkedin';

export const handler = createCheckJobHandler(deployedLinkedIn);
