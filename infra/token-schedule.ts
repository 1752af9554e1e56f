/**
 * The hourly token check (docs/tokens.md): an EventBridge Scheduler schedule invoking the `tokens`
 * Lambda, which refreshes the named authorizations that are due and publishes every
 * authorization's days left (lambdas/shared/contract/token-metrics.ts).
 *
 * Hourly, though a token's days left change once a day: the token alarms are Metrics Insights
 * queries, which see only the last 3 hours of data (infra/token-alarms.ts), so a value must be
 * published well within every 3 hours for them to see one.
 */
import { Duration } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import { Construct } from 'constructs';
import { acknowledgeInvokeGrant, schedulerRole } from './scheduler-role';

/** How often the token check runs. */
export const TOKEN_CHECK_INTERVAL = Duration.hours(1);

export interface TokenCheckScheduleProps {
  /** The tokens Lambda (infra/functions.ts, module `tokens`). */
  readonly checker: IFunction;
}

/** The hourly token check: an EventBridge Scheduler schedule invoking the tokens Lambda. */
export class TokenCheckSchedule extends Construct {
  readonly schedule: Schedule;
  /** What the scheduler assumes to invoke the Lambda: that one function only. */
  readonly role: Role;

  constructor(scope: Construct, id: string, props: TokenCheckScheduleProps) {
    super(scope, id);
    this.role = schedulerRole(this, 'role');
    // No dead-letter queue: a check that never ran is what the TokenCheckMissing alarm sees as
    // missing data, and the next hour's check replaces it anyway. For the same reason an invocation
    // is not retried past the hour (the function runs one at a time: a retry waits out a manual run).
    this.schedule = new Schedule(this, 'Resource', {
      description: "Checks the LinkedIn authorizations every hour: refreshes the named ones that are due, publishes every one's days left.",
      schedule: ScheduleExpression.rate(TOKEN_CHECK_INTERVAL),
      timeWindow: TimeWindow.off(),
      target: new LambdaInvoke(props.checker, {
        role: this.role,
        input: ScheduleTargetInput.fromObject({ trigger: 'schedule', scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 2,
        maxEventAge: TOKEN_CHECK_INTERVAL,
      }),
    });
    acknowledgeInvokeGrant(this.role, props.checker, 'tokens');
  }
}
