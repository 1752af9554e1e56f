/** Deployed entry of "Claim export window" (logic: handlers/claim-window.ts). */
import { SFNClient } from '@aws-sdk/client-sfn';
import { createClaimHandler } from './shared/handlers/claim-window';
import { stepFunctionsOwnerCheck } from './shared/ledger/liveness';
import { deployedConfig } from './shared/runtime/deployed-config';
import { deployedS3 } from './shared/runtime/deployed-s3';
import { once } from './shared/runtime/once';

// Step Functions says whether a claim's owner still runs (DescribeExecution).
const ownerCheck = once(() => stepFunctionsOwnerCheck(new SFNClient({})));

export const handler = createClaimHandler(() => ({
  config: deployedConfig(),
  s3: deployedS3(),
  now: Date.now,
  ownerCheck: ownerCheck(),
}));
