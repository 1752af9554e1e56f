/** Deployed entry of "Publish freshness" and the daily freshness schedule (logic: handlers/freshness.ts). */
import { createFreshnessHandler } from './shared/handlers/freshness';
import { deployedConfig } from './shared/runtime/deployed-config';
import { deployedS3 } from './shared/runtime/deployed-s3';

export const handler = createFreshnessHandler(() => ({ config: deployedConfig(), s3: deployedS3(), now: Date.now }));
