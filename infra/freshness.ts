/**
 * Freshness, not just liveness (docs/operations.md, "Alarms"): the daily schedule that publishes
 * the export ledgers' freshness even when no run happens (the workflow also publishes it after
 * every run, "Publish freshness"), the freshness metrics as CloudWatch reads them, and the default
 * threshold of the freshness alarm.
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import type { ExportType } from '../lambdas/shared/contract/export-types';
import { EXPORT_TYPE_DIMENSION, type FreshnessMetric, SERVICE_DIMENSION } from '../lambdas/shared/contract/freshness';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/contract/names';
import { acknowledgeInvokeGrant, schedulerRole } from './scheduler-role';

/**
 * When the daily publication runs: 00:15 UTC. Ages are counted in UTC days and grow by one at
 * 00:00 UTC, so this is the first publication that sees a day pass, whatever the export schedule.
 */
export const FRESHNESS_CRON = '15 0 * * ? *';

/**
 * The default of `freshnessAlarmDays`: lagDays + windowDays + 1. A scheduled run on day D exports
 * the windowDays days that end lagDays before D, so its newest day is D - lagDays - 1, lagDays + 1
 * days old. A schedule meant to export every day once runs every windowDays days, so just before
 * the next run that day is lagDays + windowDays + 1 days old: the oldest it gets while every run
 * lands. One day older means a scheduled run in a row did not land for some pair (with the defaults,
 * lag 1 and a 1-day window: 3, so the alarm is on from the first publication showing 4 days).
 */
export const defaultFreshnessAlarmDays = (config: { lagDays: number; windowDays: number }): number =>
  config.lagDays + config.windowDays + 1;

/** The configured threshold, or its default. */
export const freshnessAlarmDaysOf = (config: { freshnessAlarmDays: number | null; lagDays: number; windowDays: number }): number =>
  config.freshnessAlarmDays ?? defaultFreshnessAlarmDays(config);

/** A freshness metric of one export type, with the dimensions the freshness Lambda publishes it under. */
export const freshnessMetric = (metricName: FreshnessMetric, exportType: ExportType, options: MetricOptions = {}): Metric =>
  new Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME, [EXPORT_TYPE_DIMENSION]: exportType },
    ...options,
  });

export interface FreshnessScheduleProps {
  /** The freshness Lambda (infra/functions.ts, module `freshness`). */
  readonly publisher: IFunction;
}

/** The daily publication of freshness: an EventBridge Scheduler schedule invoking the freshness Lambda. */
export class FreshnessSchedule extends Construct {
  readonly schedule: Schedule;
  /** What the scheduler assumes to invoke the Lambda: that one function only. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: FreshnessScheduleProps) {
    super(scope, id);
    this.role = schedulerRole(this, 'role');
    // No dead-letter queue: a publication that never happened is what the freshness alarms see as
    // missing data (docs/operations.md, "Alarms"), and the next one replaces it anyway.
    this.schedule = new Schedule(this, 'Resource', {
      description: 'Publishes the freshness of the landed data (newest landed day per export type) once a day.',
      schedule: ScheduleExpression.expression(`cron(${FRESHNESS_CRON})`, TimeZone.ETC_UTC),
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(props.publisher, {
        role: this.role,
        input: ScheduleTargetInput.fromObject({ trigger: 'schedule', scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
      }),
    });
    acknowledgeInvokeGrant(this.role, props.publisher, 'freshness');
  }
}
