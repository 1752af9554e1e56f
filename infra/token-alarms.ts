/**
 * The token lifecycle's alarms (docs/tokens.md, "Alarms"), on the stack's alarm topic:
 *
 * - TokenExpiring, RefreshTokenExpiring, TokenRefreshFailed: Metrics Insights queries grouped by
 *   the Authorization dimension. One alarm watches every authorization, and each one that
 *   breaches is a named contributor of it (its name in the notification), however many
 *   authorizations there are: 10,000 customers do not make 30,000 alarms.
 * - TokenCheckMissing: the hourly token check's heartbeat, so a check that stopped running does not
 *   leave the three above silently OK.
 *
 * The metrics are the tokens and rotation Lambdas' (lambdas/shared/contract/token-metrics.ts).
 */
import { Duration } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, MathExpression, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { SERVICE_DIMENSION } from '../lambdas/shared/contract/freshness';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/contract/names';
import {
  AUTHORIZATION_DIMENSION,
  DIMENSIONED_AUTHORIZATIONS,
  TOKEN_METRICS,
  type TokenMetric,
} from '../lambdas/shared/contract/token-metrics';
import { AUTHORIZE_COMMAND } from '../lambdas/shared/contract/authorizations';

/** Lists every authorization with its days left. */
export const TOKENS_COMMAND = 'npm run cli -- tokens';

/** The period of the Metrics Insights alarms: the token check publishes once an hour. */
export const TOKEN_ALARM_PERIOD = Duration.hours(1);

/**
 * Periods the Metrics Insights alarms look at, one of which must breach: two hours, so the hour
 * that has just begun and holds no value yet does not turn an alarm OK, and within the 3 hours a
 * Metrics Insights alarm can query.
 */
export const TOKEN_ALARM_PERIODS = 2;

/** Hours without a token check before TokenCheckMissing fires: the same 3 hours the alarms can see. */
export const TOKEN_CHECK_MISSING_HOURS = 3;

/** The aggregate a query groups each authorization's values by. */
type Aggregate = 'MIN' | 'SUM';

/** The per-authorization series: the dimensions the token Lambdas publish them under. */
const PER_AUTHORIZATION_SCHEMA = `SCHEMA("${METRICS_NAMESPACE}", ${AUTHORIZATION_DIMENSION}, ${SERVICE_DIMENSION})`;

/**
 * A Metrics Insights query over the per-authorization series, one series per authorization, the
 * most urgent first (the smallest MIN, the largest SUM). At most `limit`: by default the
 * DIMENSIONED_AUTHORIZATIONS the token check publishes with the dimension
 * (lambdas/shared/contract/token-metrics.ts), which is also a multi-time-series alarm's maximum of
 * contributors.
 */
export const perAuthorizationQuery = (aggregate: Aggregate, metricName: TokenMetric, limit = DIMENSIONED_AUTHORIZATIONS): string =>
  `SELECT ${aggregate}(${metricName}) FROM ${PER_AUTHORIZATION_SCHEMA} ` +
  `GROUP BY ${AUTHORIZATION_DIMENSION} ORDER BY ${aggregate}() ${aggregate === 'MIN' ? 'ASC' : 'DESC'} LIMIT ${limit}`;

/** The same series aggregated into one (every authorization's values together). */
export const allAuthorizationsQuery = (aggregate: Aggregate, metricName: TokenMetric): string =>
  `SELECT ${aggregate}(${metricName}) FROM ${PER_AUTHORIZATION_SCHEMA}`;

export interface TokenAlarmsProps {
  /** The stack's alarm topic (infra/alarms.ts). */
  readonly topic: ITopic;
  /** An access token with fewer days left alarms (TOKEN_ALARM_DAYS). */
  readonly tokenAlarmDays: number;
  /** A refresh token with fewer days left alarms (REFRESH_TOKEN_ALARM_DAYS). */
  readonly refreshTokenAlarmDays: number;
}

/** The four token alarms, notifying the alarm topic. */
export class TokenAlarms extends Construct {
  readonly tokenExpiring: Alarm;
  readonly refreshTokenExpiring: Alarm;
  readonly refreshFailed: Alarm;
  readonly checkMissing: Alarm;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: TokenAlarmsProps) {
    super(scope, id);
    const reauthorize = `${AUTHORIZE_COMMAND} --name <name> (the authorization the alarm names; "default": no --name)`;
    const howTo = `List them with ${TOKENS_COMMAND}; README "Tokens" and docs/tokens.md say more.`;
    const perAuthorization = (
      alarmId: string,
      description: string,
      query: string,
      threshold: number,
      comparisonOperator: ComparisonOperator,
    ): Alarm =>
      new Alarm(this, alarmId, {
        alarmDescription: description,
        // No usingMetrics: a Metrics Insights query names its metrics itself.
        metric: new MathExpression({ expression: query, usingMetrics: {}, period: TOKEN_ALARM_PERIOD }),
        threshold,
        comparisonOperator,
        evaluationPeriods: TOKEN_ALARM_PERIODS,
        datapointsToAlarm: 1,
        // An authorization without values (deleted, or no longer among the most urgent) is no
        // concern of these alarms; a check that stopped altogether is TokenCheckMissing's.
        treatMissingData: TreatMissingData.NOT_BREACHING,
      });

    this.tokenExpiring = perAuthorization(
      'TokenExpiring',
      `A LinkedIn access token has fewer than ${props.tokenAlarmDays} days left (TokenDaysRemaining; each such authorization is named as a contributor). ` +
        `It should have been refreshed days ago: see the TokenRefreshFailed alarm and the tokens Lambda's warnings. ` +
        `Without a refresh token, authorize again: ${reauthorize}. ${howTo}`,
      perAuthorizationQuery('MIN', TOKEN_METRICS.tokenDaysRemaining),
      props.tokenAlarmDays,
      ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    this.refreshTokenExpiring = perAuthorization(
      'RefreshTokenExpiring',
      `A LinkedIn refresh token has fewer than ${props.refreshTokenAlarmDays} days left (RefreshTokenDaysRemaining; each such authorization is named as a contributor). ` +
        `Refreshing does not extend it (365 days from the member's authorization): the member must authorize the app again before it expires: ${reauthorize}. ${howTo}`,
      perAuthorizationQuery('MIN', TOKEN_METRICS.refreshTokenDaysRemaining),
      props.refreshTokenAlarmDays,
      ComparisonOperator.LESS_THAN_THRESHOLD,
    );
    this.refreshFailed = perAuthorization(
      'TokenRefreshFailed',
      'Refreshing a LinkedIn access token failed (TokenRefreshFailed; each such authorization is named as a contributor). The current token stays in use until it expires. ' +
        `The tokens Lambda's warning (named authorizations) or the rotation Lambda's (default) says why; when LinkedIn refused the refresh token (revoked, expired), authorize again: ${reauthorize}. ${howTo}`,
      perAuthorizationQuery('SUM', TOKEN_METRICS.refreshFailed),
      1,
      ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    );
    // Published without the Authorization dimension on every run, 0 included: its sample count is
    // the heartbeat, whatever the number of authorizations.
    this.checkMissing = new Alarm(this, 'TokenCheckMissing', {
      alarmDescription:
        `The hourly token check did not run for ${TOKEN_CHECK_MISSING_HOURS} hours (no AuthorizationsChecked): no token's expiry is being watched and no named authorization is refreshed. ` +
        "Look at the tokens Lambda's errors and its schedule (docs/tokens.md).",
      metric: new Metric({
        namespace: METRICS_NAMESPACE,
        metricName: TOKEN_METRICS.authorizationsChecked,
        dimensionsMap: { [SERVICE_DIMENSION]: SERVICE_NAME },
        statistic: 'SampleCount',
        period: TOKEN_ALARM_PERIOD,
      }),
      threshold: 1,
      comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: TOKEN_CHECK_MISSING_HOURS,
      datapointsToAlarm: TOKEN_CHECK_MISSING_HOURS,
      treatMissingData: TreatMissingData.BREACHING,
    });

    this.alarms = [this.tokenExpiring, this.refreshTokenExpiring, this.refreshFailed, this.checkMissing];
    for (const alarm of this.alarms) alarm.addAlarmAction(new SnsAction(props.topic));
  }
}
