/**
 * What starts the workflow: an EventBridge Scheduler schedule that hands the execution its
 * scheduled time, with retries and a dead-letter queue for the starts it could not make
 * (docs/operations.md, "The schedule").
 */
import { Duration, TimeZone } from 'aws-cdk-lib';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface ExportScheduleProps {
  readonly stateMachine: IStateMachine;
  /** EventBridge cron body, e.g. "0 6 * * ? *". */
  readonly cron: string;
  /** IANA time zone the cron is read in. */
  readonly timeZone: string;
  /** false deploys the schedule disabled (manual runs only). */
  readonly enabled: boolean;
}

/** The schedule and its dead-letter queue. */
export class ExportSchedule extends Construct {
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;

  constructor(scope: Construct, id: string, props: ExportScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'dlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(this.deadLetterQueue, 'AwsSolutions-SQS3', "This queue is itself the schedule's dead-letter queue; an alarm watches it.");

    this.schedule = new Schedule(this, 'Resource', {
      description: 'Starts the LinkedIn Sales Navigator export; the window derives from the scheduled time.',
      schedule: ScheduleExpression.expression(`cron(${props.cron})`, TimeZone.of(props.timeZone)),
      timeWindow: TimeWindow.off(),
      enabled: props.enabled,
      target: new StepFunctionsStartExecution(props.stateMachine, {
        // The scheduled time, not "now": a retried or late start exports the same window.
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
  }
}
