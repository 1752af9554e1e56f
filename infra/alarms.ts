/**
 * The alarms an operator needs and the SNS topic they notify (docs/operations.md, "Alarms").
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface ExportAlarmsProps {
  readonly stateMachine: IStateMachine;
  /** The schedule's dead-letter queue. */
  readonly scheduleDeadLetterQueue: IQueue;
  /** Subscribed to the topic. @default no subscription */
  readonly alarmEmail?: string;
  /**
   * Alarm when no execution started for this many hours (the schedule's period plus slack).
   * @default no such alarm (the schedule is disabled)
   */
  readonly noExecutionAlarmHours?: number;
}

/** The alarm topic and the alarms on the workflow's executions and the schedule's dead letters. */
export class ExportAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: ExportAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'topic', {
      displayName: 'LinkedIn Sales Navigator export alarms',
      enforceSSL: true,
    });
    acknowledge(
      this.topic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry no data, and CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.',
    );
    if (props.alarmEmail !== undefined) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));

    const { stateMachine } = props;
    const atLeastOne = (alarmId: string, description: string, metric: IMetric): Alarm =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });
    const period = Duration.minutes(5);
    const alarms = [
      atLeastOne(
        'executions-failed',
        'An export execution failed: its error names the cause.',
        stateMachine.metricFailed({ period, statistic: 'Sum' }),
      ),
      atLeastOne(
        'executions-timed-out',
        'An export execution hit the state machine timeout.',
        stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
      ),
      atLeastOne('executions-aborted', 'An export execution was stopped.', stateMachine.metricAborted({ period, statistic: 'Sum' })),
      atLeastOne(
        'schedule-dead-letters',
        'The scheduler could not start an execution after its retries (see the dead-letter queue).',
        props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      ),
    ];
    const hours = props.noExecutionAlarmHours;
    if (hours !== undefined) {
      // Hourly datapoints, all of which must be empty (missing counts as empty): "nothing started
      // for N hours". One period of N hours is not possible beyond a day.
      alarms.push(
        new Alarm(this, 'no-execution-started', {
          alarmDescription: `No export execution started in ${hours} hours: is the schedule running?`,
          metric: stateMachine.metricStarted({ period: Duration.hours(1), statistic: 'Sum' }),
          threshold: 1,
          evaluationPeriods: hours,
          datapointsToAlarm: hours,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
    }
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms = alarms;
  }
}
