/**
 * One CloudWatch dashboard for the export (docs/operations.md, "Alarms"): the runs, what they
 * landed, how the copy and the polling behave, how fresh the landed data is per export type, and
 * the LinkedIn tokens' days left and refreshes (docs/tokens.md, "Warnings, weeks ahead").
 *
 * Built with aws-cdk-lib's aws-cloudwatch, not cdk-monitoring-constructs: a dozen graphs of the
 * handlers' own EMF metrics and the state machine's, in one file, need none of its facades, and it
 * would be one more dependency to keep in step with aws-cdk-lib for every upgrade, generating
 * widgets and alarms this file would then have to switch off or test around.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import {
  AlarmStatusWidget,
  Dashboard,
  GraphWidget,
  type IAlarm,
  type IMetric,
  MathExpression,
  Metric,
  type MetricOptions,
  TextWidget,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ExportType } from '../lambdas/shared/contract/export-types';
import { EXPORT_TYPE_DIMENSION, FRESHNESS_METRICS, SERVICE_DIMENSION } from '../lambdas/shared/contract/freshness';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/contract/names';
import { TOKEN_METRICS } from '../lambdas/shared/contract/token-metrics';
import { freshnessMetric } from './freshness';
import { allAuthorizationsQuery, perAuthorizationQuery } from './token-alarms';

export interface ExportDashboardProps {
  readonly stateMachine: IStateMachine;
  /** The export types with a graph line each (the configured ones). */
  readonly exportTypes: readonly ExportType[];
  /** The freshness alarm's threshold, drawn on the staleness graph. */
  readonly freshnessAlarmDays: number;
  /** The token alarms' thresholds, drawn on the days-left graph. */
  readonly tokens: { readonly tokenAlarmDays: number; readonly refreshTokenAlarmDays: number };
  /** Shown in an alarm status widget. */
  readonly alarms: readonly IAlarm[];
}

/** Runs are daily: one point per day over two weeks reads at a glance. */
const DAY = Duration.days(1);
const WIDTH = 6;
const HEIGHT = 6;
/** The authorizations drawn one line each: more would be a legend, not a graph. */
export const DASHBOARD_AUTHORIZATIONS = 10;

/** A handler metric as Powertools publishes it without a dimension of its own: {service}. */
const handlerMetric = (metricName: string, options: MetricOptions = {}): Metric =>
  new Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME }, period: DAY, ...options });

/**
 * Every series of `metricName` that also has the ExportType dimension, one line per type. The copy
 * publishes Rows and Bytes with {service} only today; once it adds ExportType these lines appear
 * beside the total without a change here.
 */
const perTypeSearch = (metricName: string): MathExpression =>
  new MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE},${EXPORT_TYPE_DIMENSION},${SERVICE_DIMENSION}} MetricName="${metricName}"', 'Sum', ${DAY.toSeconds()})`,
    // A dynamic label: each line is named by its export type.
    label: `\${PROP('Dim.${EXPORT_TYPE_DIMENSION}')}`,
    period: DAY,
  });

/** The export's dashboard. */
export class ExportDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: ExportDashboardProps) {
    super(scope, id);
    const { stateMachine, exportTypes } = props;
    this.dashboard = new Dashboard(this, 'Resource', {
      dashboardName: Stack.of(this).stackName,
      defaultInterval: Duration.days(14),
    });
    const graph = (title: string, left: IMetric[], more: Partial<ConstructorParameters<typeof GraphWidget>[0]> = {}) =>
      new GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...more });
    const perType = (metricName: (typeof FRESHNESS_METRICS)[keyof typeof FRESHNESS_METRICS], statistic: string) =>
      exportTypes.map((exportType) => freshnessMetric(metricName, exportType, { statistic, period: DAY, label: exportType }));

    this.dashboard.addWidgets(
      new TextWidget({
        markdown:
          '## LinkedIn Sales Navigator export\n' +
          'Runs, what they landed, copy and polling, and how fresh the landed data is per export type. ' +
          'What each alarm means and what to do: docs/operations.md, "Alarms".',
        width: 24,
        height: 2,
      }),
    );

    // Runs: the executions of the workflow (the pairs' child executions are counted by the pairs).
    const executions = (label: string, metric: (props: MetricOptions) => Metric) => metric({ period: DAY, statistic: 'Sum', label });
    this.dashboard.addWidgets(
      graph('Executions per day', [
        executions('started', (o) => stateMachine.metricStarted(o)),
        executions('succeeded', (o) => stateMachine.metricSucceeded(o)),
        executions('failed', (o) => stateMachine.metricFailed(o)),
        executions('timed out', (o) => stateMachine.metricTimedOut(o)),
        executions('aborted', (o) => stateMachine.metricAborted(o)),
      ]),
      graph('Pairs landed and failed per day', [
        handlerMetric('PairsLanded', { statistic: 'Sum', label: 'landed' }),
        handlerMetric('PairsFailed', { statistic: 'Sum', label: 'failed' }),
      ]),
      graph('Rows landed per day', [handlerMetric('Rows', { statistic: 'Sum', label: 'all types' }), perTypeSearch('Rows')]),
      graph('Bytes landed per day', [handlerMetric('Bytes', { statistic: 'Sum', label: 'all types' }), perTypeSearch('Bytes')]),
    );

    // How the work went: copy speed, and how many checks a LinkedIn job took. No metric counts the
    // polls of one job, so the ratio of the day's polls to the day's jobs (created, or resumed from
    // a dead claim) stands in for it.
    const pollsPerJob = new MathExpression({
      expression: 'IF(FILL(created, 0) + FILL(resumed, 0) > 0, FILL(polls, 0) / (FILL(created, 0) + FILL(resumed, 0)))',
      usingMetrics: {
        polls: handlerMetric('Polls', { statistic: 'Sum' }),
        created: handlerMetric('JobsCreated', { statistic: 'Sum' }),
        resumed: handlerMetric('JobsResumed', { statistic: 'Sum' }),
      },
      label: 'polls per job',
      period: DAY,
    });
    this.dashboard.addWidgets(
      graph('Copy throughput (MB/s)', [
        handlerMetric('CopyThroughput', { statistic: 'Average', label: 'average' }),
        handlerMetric('CopyThroughput', { statistic: 'Minimum', label: 'slowest copy' }),
        handlerMetric('CopyThroughput', { statistic: 'Maximum', label: 'fastest copy' }),
      ]),
      graph('Polls per LinkedIn job', [pollsPerJob]),
      graph('Pairs never landed', perType(FRESHNESS_METRICS.pairsNeverLanded, 'Maximum')),
      graph('Pairs with a ledger', perType(FRESHNESS_METRICS.pairsWithLedger, 'Maximum')),
    );

    // Freshness per export type (published after every run and daily at 00:15 UTC).
    this.dashboard.addWidgets(
      graph('Stalest pair: age of its newest landed day (days)', perType(FRESHNESS_METRICS.stalestPairAge, 'Maximum'), {
        width: 2 * WIDTH,
        leftAnnotations: [{ value: props.freshnessAlarmDays, label: 'alarm above this' }],
        leftYAxis: { min: 0 },
      }),
      graph('Newest landed day of any contract: age (days)', perType(FRESHNESS_METRICS.newestDayAge, 'Maximum'), {
        width: 2 * WIDTH,
        leftYAxis: { min: 0 },
      }),
    );

    // The LinkedIn tokens (published hourly by the token check, docs/tokens.md): the soonest expiry
    // of all, the soonest authorizations one by one, and how the refreshes went.
    const tokenQuery = (expression: string, label?: string) =>
      new MathExpression({ expression, usingMetrics: {}, period: DAY, ...(label !== undefined && { label }) });
    this.dashboard.addWidgets(
      graph(
        'LinkedIn tokens: fewest days left',
        [
          handlerMetric(TOKEN_METRICS.tokenDaysRemaining, { statistic: 'Minimum', label: 'access token' }),
          handlerMetric(TOKEN_METRICS.refreshTokenDaysRemaining, { statistic: 'Minimum', label: 'refresh token' }),
        ],
        {
          width: 2 * WIDTH,
          leftAnnotations: [
            { value: props.tokens.tokenAlarmDays, label: 'access token alarm below this' },
            { value: props.tokens.refreshTokenAlarmDays, label: 'refresh token alarm below this' },
          ],
          leftYAxis: { min: 0 },
        },
      ),
      // Each line named by its authorization (Metrics Insights labels a group by its value).
      graph(
        `Access token days left: the ${DASHBOARD_AUTHORIZATIONS} soonest authorizations`,
        [tokenQuery(perAuthorizationQuery('MIN', TOKEN_METRICS.tokenDaysRemaining, DASHBOARD_AUTHORIZATIONS))],
        { leftYAxis: { min: 0 } },
      ),
      graph('Token refreshes per day', [
        handlerMetric(TOKEN_METRICS.refreshed, { statistic: 'Sum', label: 'refreshed' }),
        // Per authorization, summed: the rotation (default) and the token check (named) both publish it so.
        tokenQuery(allAuthorizationsQuery('SUM', TOKEN_METRICS.refreshFailed), 'refresh failed'),
        handlerMetric(TOKEN_METRICS.authorizationsUnusable, { statistic: 'Maximum', label: 'unusable authorizations' }),
      ]),
    );

    this.dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...props.alarms], width: 24, height: 4 }));
  }
}
