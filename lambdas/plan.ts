/**
 * Plan exports: turns the execution input (console JSON or the schedule's
 * `{"scheduledTime": ...}`) into one task per (contract, export type). Invalid input fails
 * here, as `InvalidInput`, before any LinkedIn call.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { runtimeConfig } from './shared/config';
import { logger, metrics } from './shared/powertools';
import { withPowertools } from './shared/runtime/middy';
import { planEventSchema } from './shared/runtime/state-schemas';
import { planExports, planSettingsFromConfig } from './shared/workflow/input';
import type { PlanResult } from './shared/workflow/state';

export const handler = withPowertools(planEventSchema, async (event): Promise<PlanResult> => {
  const plan = planExports(event.input, event.executionStartTime, planSettingsFromConfig(runtimeConfig()));
  logger.info('Planned exports', {
    exports: plan.exports.map(({ exportType, contract, pending }) => ({ exportType, contract, jobs: pending.length })),
  });
  metrics.addMetric('ExportsPlanned', MetricUnit.Count, plan.exports.length);
  return plan;
});
