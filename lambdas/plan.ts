/** Deployed entry of "Plan exports" (logic: handlers/plan.ts). */
import { createPlanHandler } from './shared/handlers/plan';
import { deployedConfig } from './shared/runtime/deployed-config';

export const handler = createPlanHandler(() => ({ config: deployedConfig() }));
