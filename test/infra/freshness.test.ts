/**
 * Freshness, not just liveness, as deployed: the freshness function's permissions (the ledger
 * folder, read only), its daily schedule, the freshness alarms (thresholds, windows, missing data)
 * and the dashboard's widgets, on stacks built from cdk.json with a few keys changed.
 */
import type { SalesNavExportStack } from '../../infra/stack';
import { defaultFreshnessAlarmDays, FRESHNESS_CRON, freshnessAlarmDaysOf } from '../../infra/freshness';
import { FRESHNESS_ALARM_HOURS } from '../../infra/alarms';
import { parseStackConfig } from '../../infra/config';
import { logicalIdOf } from '../../infra/nag';
import { EXPORT_TYPE_DIMENSION, FRESHNESS_METRICS, SERVICE_DIMENSION } from '../../lambdas/shared/contract/freshness';
import { LEDGER_FOLDER } from '../../lambdas/shared/contract/layout';
import { METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/shared/contract/names';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStack, cdkJsonConfig } from './helpers';

type Built = { stack: SalesNavExportStack; json: Record<string, any> };
const build = (config: Parameters<typeof buildStack>[0] = {}): Built => {
  const { stack } = buildStack(config);
  return { stack, json: Template.fromStack(stack).toJSON() };
};

let defaults: Built;
/** An explicit threshold and two export types. */
let explicit: Built;
/** The schedule disabled: manual runs only. */
let manual: Built;

beforeAll(() => {
  defaults = build();
  explicit = build({ freshnessAlarmDays: 5, exportTypes: ['activity', 'seat'] });
  manual = build({ schedule: { cron: '0 6 * * ? *', timeZone: 'UTC', enabled: false } });
});

const resourcesOf = (of: Built, type: string): Array<[string, any]> =>
  Object.entries(of.json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
const keyPrefix = cdkJsonConfig().keyPrefix;
const bucketArn = (of: Built) => ({ 'Fn::GetAtt': [logicalIdOf(of.stack.storage.bucket), 'Arn'] });
const functionArn = (of: Built) => ({ 'Fn::GetAtt': [logicalIdOf(of.stack.functions.byModule.freshness), 'Arn'] });

/** Every statement of the inline policies attached to a role. */
const roleStatements = (of: Built, roleId: string): any[] =>
  resourcesOf(of, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);

describe('the freshness function', () => {
  it('runs the freshness module with 10 minutes and a full vCPU: 30,000 ledgers to parse, 32 at a time', () => {
    const fn = defaults.json.Resources[logicalIdOf(defaults.stack.functions.byModule.freshness)];
    expect(defaults.stack.functions.byModule.freshness.handlerModule).toBe('freshness');
    expect(fn.Properties).toMatchObject({ Timeout: 600, MemorySize: 1769, Runtime: 'nodejs24.x', Architectures: ['arm64'] });
  });

  it('reads the ledger folder and lists nothing but it: no write, no data, no run files, no token', () => {
    for (const built of [defaults, explicit]) {
      const statements = roleStatements(built, logicalIdOf(built.stack.functions.byModule.freshness.role!));
      const s3 = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
      expect(s3).toEqual([
        {
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [bucketArn(built), `/${keyPrefix}${LEDGER_FOLDER}*`]] },
        },
        {
          Effect: 'Allow',
          Action: 's3:ListBucket',
          Resource: bucketArn(built),
          Condition: { StringLike: { 's3:prefix': [`${keyPrefix}${LEDGER_FOLDER}*`] } },
        },
      ]);
      const others = statements.flatMap((s) => [s.Action].flat()).filter((a: string) => !a.startsWith('s3:'));
      expect(others.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
    }
  });

  it('is invoked by the workflow ("Publish freshness") and by the daily schedule only', () => {
    const permissions = resourcesOf(defaults, 'AWS::Lambda::Permission').filter(
      ([, p]) => JSON.stringify(p.Properties.FunctionName) === JSON.stringify(functionArn(defaults)),
    );
    // The scheduler and the state machine invoke through their roles, not resource policies.
    expect(permissions).toEqual([]);
  });
});

describe('the daily freshness schedule', () => {
  it('invokes the freshness function at 00:15 UTC, after the day changed, with its own role', () => {
    const schedules = resourcesOf(defaults, 'AWS::Scheduler::Schedule').filter(
      ([, s]) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(functionArn(defaults)),
    );
    expect(schedules).toHaveLength(1);
    const [, schedule] = schedules[0]!;
    expect(FRESHNESS_CRON).toBe('15 0 * * ? *');
    expect(schedule.Properties).toMatchObject({
      ScheduleExpression: 'cron(15 0 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Input: '{"trigger":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        RoleArn: { 'Fn::GetAtt': [logicalIdOf(defaults.stack.freshness.role), 'Arn'] },
      },
    });
  });

  it('runs even when the export schedule is disabled: a pair that never landed is still watched', () => {
    const schedules = resourcesOf(manual, 'AWS::Scheduler::Schedule').map(([, s]) => s.Properties);
    expect(schedules.find((s) => s.ScheduleExpression === `cron(${FRESHNESS_CRON})`)?.State).toBe('ENABLED');
  });

  it("its role may invoke the freshness function (and its versions) only, assumed by this account's scheduler only", () => {
    const roleId = logicalIdOf(defaults.stack.freshness.role);
    expect(roleStatements(defaults, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [functionArn(defaults), { 'Fn::Join': ['', [functionArn(defaults), ':*']] }],
      },
    ]);
    const trust = defaults.json.Resources[roleId].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: {
          StringEquals: {
            'aws:SourceAccount': { Ref: 'AWS::AccountId' },
            'aws:SourceArn': {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':scheduler:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':schedule-group/default',
                ],
              ],
            },
          },
        },
      },
    ]);
  });
});

describe('freshnessAlarmDays', () => {
  it('defaults to lagDays + windowDays + 1: the newest day’s age just before a scheduled run when every run lands', () => {
    expect(defaultFreshnessAlarmDays({ lagDays: 1, windowDays: 1 })).toBe(3);
    expect(defaultFreshnessAlarmDays({ lagDays: 2, windowDays: 7 })).toBe(10);
    const config = parseStackConfig({ contracts: ['urn:li:contract:123456'], schedule: { cron: '0 6 * * ? *' } });
    expect(config.freshnessAlarmDays).toBeNull();
    expect(freshnessAlarmDaysOf(config)).toBe(3);
    expect(freshnessAlarmDaysOf({ ...config, lagDays: 3 })).toBe(5);
    expect(freshnessAlarmDaysOf({ ...config, freshnessAlarmDays: 9 })).toBe(9);
  });

  it.each([0, 366, 2.5, '3'])('refuses %p with a message naming the key', (value) => {
    expect(() =>
      parseStackConfig({ contracts: ['urn:li:contract:123456'], schedule: { cron: '0 6 * * ? *' }, freshnessAlarmDays: value }),
    ).toThrow(/salesNavExport\.freshnessAlarmDays": expected a whole number from 1 to 365/);
  });
});

describe('freshness alarms', () => {
  const freshnessAlarms = (of: Built, metricName: string) =>
    resourcesOf(of, 'AWS::CloudWatch::Alarm')
      .filter(([, a]) => a.Properties.MetricName === metricName)
      .map(([, a]) => a.Properties);
  const typeOf = (alarm: any) => alarm.Dimensions.find((d: any) => d.Name === EXPORT_TYPE_DIMENSION)?.Value;
  /** Hourly, 25 of 25 periods, missing data breaching: nothing said all was well for 25 hours. */
  const window = {
    Namespace: METRICS_NAMESPACE,
    Statistic: 'Maximum',
    Period: 3600,
    EvaluationPeriods: FRESHNESS_ALARM_HOURS,
    DatapointsToAlarm: FRESHNESS_ALARM_HOURS,
    TreatMissingData: 'breaching',
  };

  it('the window is longer than the longest gap between two publications (daily), and within CloudWatch’s 7 days', () => {
    expect(FRESHNESS_ALARM_HOURS).toBeGreaterThan(24);
    expect(FRESHNESS_ALARM_HOURS * 3600).toBeLessThanOrEqual(7 * 86_400);
  });

  it('one stale-data alarm per configured export type: StalestPairAgeDays above lagDays + windowDays + 1, to the topic', () => {
    const alarms = freshnessAlarms(defaults, FRESHNESS_METRICS.stalestPairAge);
    expect(alarms.map(typeOf)).toEqual(['activity', 'activityOutcome', 'seat']);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        ...window,
        Threshold: 3,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [{ Ref: logicalIdOf(defaults.stack.alarms.topic) }],
      });
      // The dimensions the freshness Lambda publishes under, exactly: {service, ExportType}.
      expect(alarm.Dimensions).toEqual([
        { Name: EXPORT_TYPE_DIMENSION, Value: typeOf(alarm) },
        { Name: SERVICE_DIMENSION, Value: SERVICE_NAME },
      ]);
      expect(alarm.AlarmDescription).toMatch(/more than 3 days old .*or none was published/);
    }
  });

  it('one never-landed alarm per configured export type: PairsNeverLanded >= 1 in every value for 25 hours', () => {
    const alarms = freshnessAlarms(defaults, FRESHNESS_METRICS.pairsNeverLanded);
    expect(alarms.map(typeOf)).toEqual(['activity', 'activityOutcome', 'seat']);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        ...window,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: logicalIdOf(defaults.stack.alarms.topic) }],
      });
    }
  });

  it('take freshnessAlarmDays and the configured export types', () => {
    expect(freshnessAlarms(explicit, FRESHNESS_METRICS.stalestPairAge).map((a) => [typeOf(a), a.Threshold])).toEqual([
      ['activity', 5],
      ['seat', 5],
    ]);
    expect(freshnessAlarms(explicit, FRESHNESS_METRICS.pairsNeverLanded).map(typeOf)).toEqual(['activity', 'seat']);
  });

  it('without the schedule, data is not expected to be fresh: no stale-data alarm, the never-landed ones stay', () => {
    expect(freshnessAlarms(manual, FRESHNESS_METRICS.stalestPairAge)).toEqual([]);
    expect(freshnessAlarms(manual, FRESHNESS_METRICS.pairsNeverLanded)).toHaveLength(3);
  });
});

describe('the dashboard', () => {
  /** The dashboard's body with every CloudFormation token as "<token>", parsed. */
  const bodyOf = (of: Built): { start: string; widgets: any[] } => {
    const [[, dashboard]] = resourcesOf(of, 'AWS::CloudWatch::Dashboard') as [[string, any]];
    const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<token>')).join(''));
  };
  const titled = (of: Built, title: string) => {
    const widget = bodyOf(of).widgets.find((w) => w.properties.title === title);
    expect(widget).toBeDefined();
    return widget.properties;
  };
  /** Each metric line of a widget as [namespace, name, ...dimension pairs], its options dropped. */
  const lines = (properties: any): unknown[][] =>
    properties.metrics.map((line: unknown[]) => line.filter((part) => typeof part !== 'object' || Array.isArray(part)));

  it('is one dashboard named after the stack, showing two weeks', () => {
    expect(resourcesOf(defaults, 'AWS::CloudWatch::Dashboard')).toHaveLength(1);
    const [[, dashboard]] = resourcesOf(defaults, 'AWS::CloudWatch::Dashboard') as [[string, any]];
    expect(dashboard.Properties.DashboardName).toBe('LinkedInSalesNavExport');
    expect(bodyOf(defaults).start).toBe('-P14D');
  });

  it('shows the executions: started, succeeded, failed, timed out, aborted, per day', () => {
    const properties = titled(defaults, 'Executions per day');
    expect(lines(properties).map((line) => line[1])).toEqual([
      'ExecutionsStarted',
      'ExecutionsSucceeded',
      'ExecutionsFailed',
      'ExecutionsTimedOut',
      'ExecutionsAborted',
    ]);
    for (const line of properties.metrics) expect(line.at(-1)).toMatchObject({ stat: 'Sum', period: 86_400 });
  });

  it('shows pairs landed and failed, rows and bytes (all types, and per type once the copy adds the dimension), copy throughput', () => {
    const service = [SERVICE_DIMENSION, SERVICE_NAME];
    expect(lines(titled(defaults, 'Pairs landed and failed per day'))).toEqual([
      [METRICS_NAMESPACE, 'PairsLanded', ...service],
      [METRICS_NAMESPACE, 'PairsFailed', ...service],
    ]);
    for (const [title, metricName] of [
      ['Rows landed per day', 'Rows'],
      ['Bytes landed per day', 'Bytes'],
    ]) {
      const properties = titled(defaults, title!);
      expect(properties.metrics[0].slice(0, 4)).toEqual([METRICS_NAMESPACE, metricName, ...service]);
      expect(properties.metrics[1][0]).toMatchObject({
        expression: `SEARCH('{${METRICS_NAMESPACE},${EXPORT_TYPE_DIMENSION},${SERVICE_DIMENSION}} MetricName="${metricName}"', 'Sum', 86400)`,
        // A dynamic label: each line named by its export type.
        label: `\${PROP('Dim.${EXPORT_TYPE_DIMENSION}')}`,
      });
    }
    const throughput = titled(defaults, 'Copy throughput (MB/s)');
    expect(throughput.metrics.map((line: any[]) => [line[1] === '.' ? 'CopyThroughput' : line[1], line.at(-1).stat ?? 'Average'])).toEqual([
      ['CopyThroughput', 'Average'],
      ['CopyThroughput', 'Minimum'],
      ['CopyThroughput', 'Maximum'],
    ]);
  });

  it('shows polls per job as the day’s polls over the day’s jobs created or resumed', () => {
    const properties = titled(defaults, 'Polls per LinkedIn job');
    const expression = properties.metrics.find((line: any[]) => line[0]?.expression)[0];
    expect(expression.expression).toBe(
      'IF(FILL(created, 0) + FILL(resumed, 0) > 0, FILL(polls, 0) / (FILL(created, 0) + FILL(resumed, 0)))',
    );
    const used = properties.metrics.filter((line: any[]) => typeof line[0] === 'string').map((line: any[]) => [line[1], line.at(-1).id]);
    expect(used.sort()).toEqual([
      ['JobsCreated', 'created'],
      ['JobsResumed', 'resumed'],
      ['Polls', 'polls'],
    ]);
  });

  it('shows freshness per configured export type, with the alarm threshold drawn', () => {
    const perType = (of: Built, title: string, metricName: string, types: string[]) => {
      const properties = titled(of, title);
      expect(lines(properties)).toEqual(
        types.map((exportType) => [METRICS_NAMESPACE, metricName, EXPORT_TYPE_DIMENSION, exportType, SERVICE_DIMENSION, SERVICE_NAME]),
      );
      return properties;
    };
    const all = ['activity', 'activityOutcome', 'seat'];
    const stalest = 'Stalest pair: age of its newest landed day (days)';
    expect(perType(defaults, stalest, FRESHNESS_METRICS.stalestPairAge, all).annotations.horizontal).toEqual([
      { value: 3, label: 'alarm above this', yAxis: 'left' },
    ]);
    expect(perType(explicit, stalest, FRESHNESS_METRICS.stalestPairAge, ['activity', 'seat']).annotations.horizontal).toEqual([
      { value: 5, label: 'alarm above this', yAxis: 'left' },
    ]);
    perType(defaults, 'Newest landed day of any contract: age (days)', FRESHNESS_METRICS.newestDayAge, all);
    perType(defaults, 'Pairs never landed', FRESHNESS_METRICS.pairsNeverLanded, all);
    perType(defaults, 'Pairs with a ledger', FRESHNESS_METRICS.pairsWithLedger, all);
  });

  it('lists every alarm of the stack, the freshness and token ones included', () => {
    const alarmIds = resourcesOf(defaults, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    const properties = bodyOf(defaults).widgets.find((w) => w.type === 'alarm').properties;
    expect(properties.alarms).toHaveLength(alarmIds.length);
    // The executions' 5, freshness' 6, the tokens' 4 (test/infra/token.test.ts).
    expect(alarmIds.length).toBe(5 + 6 + 4);
  });
});

describe('outputs', () => {
  it('name the dashboard', () => {
    expect(defaults.json.Outputs.DashboardName.Value).toEqual({ Ref: logicalIdOf(defaults.stack.dashboard.dashboard) });
  });
});
