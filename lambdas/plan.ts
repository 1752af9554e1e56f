/** Deployed entry of "Plan exports" (logic: handlers/plan.ts). */
import { createPlanHandler } from './handlers/plan';
import { deployedConfig } from './shared/runtime/deployed';

export const handler = createPlanHandler(() => ({ config: deployedConfig() }));
