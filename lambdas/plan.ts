/** Deployed entry of "Plan exports" (logic: handlers/plan.ts). */
import { createPlanHandler } from './shared/handlers/plan';
import { deployedConfig } from './shared/runtime/deployed-config';
import { deployedAuthorizationPlace, deployedAuthorizations, deployedLinkedIn } from './shared/runtime/deployed-linkedin';
import { deployedS3 } from './shared/runtime/deployed-s3';

// The authorizations every run (each pair gets its contract's); LinkedIn only when the Plan discovers contracts.
export const handler = createPlanHandler(() => ({
  config: deployedConfig(),
  s3: deployedS3(),
  linkedIn: (authorization) => deployedLinkedIn().linkedIn(authorization),
  authorizations: deployedAuthorizations,
  authorizationPlace: deployedAuthorizationPlace,
  now: Date.now,
}));
