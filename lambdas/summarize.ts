/** Deployed entry of "Summarize run" (logic: handlers/summarize.ts). */
import { createSummarizeHandler } from './shared/handlers/summarize';
import { deployedConfig } from './shared/runtime/deployed-config';
import { deployedS3 } from './shared/runtime/deployed-s3';

export const handler = createSummarizeHandler(() => ({ config: deployedConfig(), s3: deployedS3(), now: Date.now }));
