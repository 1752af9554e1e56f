/**
 * Plan exports: turns the execution input (console JSON or the schedule's
 * `{"scheduledTime": ...}`) into one task per (contract, export type). Invalid input fails
 * here, as `InvalidInput`, before any LinkedIn call.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { type PlanResult, planEventSchema } from '../contract/state';
import { metrics } from '../powertools';
import { planExports, planSettingsFromConfig } from '../workflow/input';
import type { PlanDependencies, Provide } from './dependencies';
import { type HandlerOptions, withPowertools } from './middy';

export const createPlanHandler = (provide: Provide<PlanDependencies>, options?: HandlerOptions) =>
  withPowertools(
    planEventSchema,
    async (event, _context, log): Promise<PlanResult> => {
      const { config } = provide();
      const plan = planExports(event.input, event.executionStartTime, planSettingsFromConfig(config));
      log.info('Planned exports', {
        exports: plan.exports.map(({ exportType, contract, pending }) => ({ exportType, contract, jobs: pending.length })),
      });
      metrics.addMetric('ExportsPlanned', MetricUnit.Count, plan.exports.length);
      return plan;
    },
    options,
  );
