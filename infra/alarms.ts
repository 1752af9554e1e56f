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
import type { ExportType } from '../lambdas/shared/contract/export-types';
import { FRESHNESS_METRICS } from '../lambdas/shared/contract/freshness';
import { freshnessMetric } from './freshness';
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
  /** The freshness alarms, per export type (the freshness Lambda publishes their metrics). @default none */
  readonly freshness?: FreshnessAlarmProps;
}

export interface FreshnessAlarmProps {
  /** The export types to watch (the configured ones). */
  readonly exportTypes: readonly ExportType[];
  /**
   * Alarm when a pair's newest landed day is more than this many days old (StalestPairAgeDays).
   * @default no such alarm (the schedule is disabled: days land only when someone runs them)
   */
  readonly staleAfterDays?: number;
}

/**
 * The freshness alarms' window: 25 one-hour periods. Freshness is published after every run and
 * daily at 00:15 UTC, so every 25 hours hold at least one value, and most hours hold none.
 */
export const FRESHNESS_ALARM_HOURS = 25;

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
    // Freshness. Values come at most a day apart and most hours have none, so an alarm cannot look at
    // the last hour alone. Each looks at FRESHNESS_ALARM_HOURS hourly periods, every one of which must
    // breach, and a period without a value counts as breaching: the alarm fires when nothing published
    // in 25 hours said all was well. So a value that breaches alarms once the last good value is 25
    // hours old, the first good value clears it at once, and a publisher that stopped (its schedule
    // deleted, the Lambda failing) alarms too, after 25 hours, instead of leaving the last state on.
    const freshnessAlarm = (alarmId: string, description: string, metric: IMetric, threshold: number, operator: ComparisonOperator) =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: operator,
        evaluationPeriods: FRESHNESS_ALARM_HOURS,
        datapointsToAlarm: FRESHNESS_ALARM_HOURS,
        treatMissingData: TreatMissingData.BREACHING,
      });
    const hourlyMaximum = { period: Duration.hours(1), statistic: 'Maximum' };
    const freshness = props.freshness;
    for (const exportType of freshness?.exportTypes ?? []) {
      const days = freshness?.staleAfterDays;
      if (days !== undefined) {
        alarms.push(
          freshnessAlarm(
            `freshness-${exportType}`,
            `Stale ${exportType} data: every freshness value of the last ${FRESHNESS_ALARM_HOURS} hours had a pair whose newest landed day is more than ${days} days old (StalestPairAgeDays), or none was published. The freshness Lambda's "Freshness published" log line names the stalest contracts.`,
            freshnessMetric(FRESHNESS_METRICS.stalestPairAge, exportType, hourlyMaximum),
            days,
            ComparisonOperator.GREATER_THAN_THRESHOLD,
          ),
        );
      }
      alarms.push(
        freshnessAlarm(
          `never-landed-${exportType}`,
          `A ${exportType} pair never landed: every freshness value of the last ${FRESHNESS_ALARM_HOURS} hours counted a pair with an export ledger but no landed day (PairsNeverLanded), or none was published. The freshness Lambda's "Freshness published" log line names the contracts.`,
          freshnessMetric(FRESHNESS_METRICS.pairsNeverLanded, exportType, hourlyMaximum),
          1,
          ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        ),
      );
    }
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(this.topic));
    this.alarms = alarms;
  }
}
