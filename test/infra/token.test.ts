/**
 * The LinkedIn token lifecycle as deployed (docs/tokens.md): the token secret and its daily
 * rotation (SMG4 met, not acknowledged), the rotation Lambda's exact rights and who may invoke it,
 * the app-credentials secret, the token store (KMS, bucket key, versions, logs), who reads and
 * writes it, the hourly token check and its schedule, the four token alarms, the dashboard's token
 * row, the operator's policy and the outputs the CLI reads, on stacks built from cdk.json.
 */
import { App, type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { CfnSecret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { logicalIdOf } from '../../infra/nag';
import type { SalesNavExportStack } from '../../infra/stack';
import { ROTATION_ACTIONS } from '../../infra/token';
import { TOKEN_CHECK_MISSING_HOURS, TOKENS_COMMAND } from '../../infra/token-alarms';
import { TOKEN_STORE_NONCURRENT_DAYS } from '../../infra/token-store';
import { AUTHORIZATIONS_FOLDER } from '../../lambdas/shared/contract/authorizations';
import { SERVICE_DIMENSION } from '../../lambdas/shared/contract/freshness';
import { type HandlerModule, METRICS_NAMESPACE, SERVICE_NAME } from '../../lambdas/shared/contract/names';
import { AUTHORIZATION_DIMENSION, DIMENSIONED_AUTHORIZATIONS, TOKEN_METRICS } from '../../lambdas/shared/contract/token-metrics';
import { AUTHORIZE_COMMAND as LAMBDAS_AUTHORIZE_COMMAND } from '../../lambdas/shared/contract/authorizations';
import { buildStack } from './helpers';

type Built = { stack: SalesNavExportStack; json: Record<string, any> };
const build = (config: Parameters<typeof buildStack>[0] = {}): Built => {
  const { stack } = buildStack(config);
  return { stack, json: Template.fromStack(stack).toJSON() };
};

let defaults: Built;
/** Other thresholds, and a stack whose other resources are destroyed with it. */
let custom: Built;

beforeAll(() => {
  defaults = build();
  custom = build({ tokenRefreshDays: 30, tokenAlarmDays: 20, refreshTokenAlarmDays: 45, removalPolicy: 'destroy' });
});

const resourcesOf = (of: Built, type: string): Array<[string, any]> =>
  Object.entries(of.json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
const resourceOf = (of: Built, construct: IConstruct): any => {
  const resource = of.json.Resources[logicalIdOf(construct)];
  expect(resource).toBeDefined();
  return resource;
};
const functionOf = (of: Built, handlerModule: HandlerModule) => of.stack.functions.byModule[handlerModule];
const functionArn = (of: Built, handlerModule: HandlerModule) => ({ 'Fn::GetAtt': [logicalIdOf(functionOf(of, handlerModule)), 'Arn'] });
/** Every statement of the inline policies attached to a role. */
const roleStatements = (of: Built, roleId: string): any[] =>
  resourcesOf(of, 'AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((role: any) => role.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
const statementsOf = (of: Built, handlerModule: HandlerModule): any[] =>
  roleStatements(of, logicalIdOf(functionOf(of, handlerModule).role!));
/** The statements but X-Ray's, which every function has. */
const withoutTracing = (statements: any[]): any[] =>
  statements.filter((s) => ![s.Action].flat().every((a: string) => a.startsWith('xray:')));
const actionsOf = (statements: any[]): string[] => statements.flatMap((s) => [s.Action].flat());

const tokenSecretRef = (of: Built) => ({ Ref: logicalIdOf(of.stack.token) });
const appSecretRef = (of: Built) => ({ Ref: logicalIdOf(of.stack.appCredentials) });
const storeArn = (of: Built) => ({ 'Fn::GetAtt': [logicalIdOf(of.stack.tokenStore.bucket), 'Arn'] });
const authorizationsArn = (of: Built) => ({ 'Fn::Join': ['', [storeArn(of), `/${AUTHORIZATIONS_FOLDER}*`]] });
const keyArn = (of: Built) => ({ 'Fn::GetAtt': [logicalIdOf(of.stack.tokenStore.key), 'Arn'] });
/** The key used through S3 only. */
const viaS3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } };
const storeRead = (of: Built) => [
  { Effect: 'Allow', Action: 's3:GetObject', Resource: authorizationsArn(of) },
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: storeArn(of) },
  { Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn(of), Condition: viaS3 },
];
const storeReadWrite = (of: Built) => [
  { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: authorizationsArn(of) },
  { Effect: 'Allow', Action: 's3:ListBucket', Resource: storeArn(of) },
  { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: keyArn(of), Condition: viaS3 },
];
/** Whether a statement names the token store (the bucket, its objects or its key). */
const touchesStore = (of: Built, statement: any): boolean =>
  [statement.Resource]
    .flat()
    .map((r) => JSON.stringify(r))
    .some((r) => r.includes(logicalIdOf(of.stack.tokenStore.bucket)) || r.includes(logicalIdOf(of.stack.tokenStore.key)));

/**
 * The acknowledgements recorded on a construct itself (not inherited), by finding id (CDK keeps
 * them under a kind prefix, "Annotation::AwsSolutions-…").
 */
const acknowledgementsOn = (construct: IConstruct): Record<string, string> =>
  Object.fromEntries(
    construct.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .map(([id, reason]) => [id.replace(/^\w+::(?=AwsSolutions-)/, ''), reason]),
  );

describe('the token secret', () => {
  it('has no value, and says how to authorize and how to put a plain token by hand', () => {
    const secret = resourceOf(defaults, defaults.stack.token);
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(secret.Properties.Description).toContain(`Authorize with: ${LAMBDAS_AUTHORIZE_COMMAND}`);
    expect(secret.Properties.Description).toMatch(/aws secretsmanager put-secret-value --secret-id <this ARN>/);
  });

  it('is rotated every day by the rotate-token function, on schedule only, once Secrets Manager may invoke it', () => {
    const schedules = resourcesOf(defaults, 'AWS::SecretsManager::RotationSchedule');
    expect(schedules).toHaveLength(1);
    const [, schedule] = schedules[0]!;
    expect(schedule.Properties).toEqual({
      SecretId: tokenSecretRef(defaults),
      RotationLambdaARN: functionArn(defaults, 'rotate-token'),
      RotationRules: { ScheduleExpression: 'rate(1 day)' },
      RotateImmediatelyOnUpdate: false,
    });
    expect(functionOf(defaults, 'rotate-token').handlerModule).toBe('rotate-token');
    // Secrets Manager refuses a schedule whose function it may not invoke yet.
    const [permissionId] = resourcesOf(defaults, 'AWS::Lambda::Permission').find(
      ([, p]) => p.Properties.Principal === 'secretsmanager.amazonaws.com',
    )!;
    expect(schedule.DependsOn).toEqual([permissionId]);
  });

  it("may be rotated only by this account's Secrets Manager, for this secret: the only resource policy on any function", () => {
    const permissions = resourcesOf(defaults, 'AWS::Lambda::Permission').map(([, p]) => p.Properties);
    expect(permissions).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: functionArn(defaults, 'rotate-token'),
        Principal: 'secretsmanager.amazonaws.com',
        SourceAccount: { Ref: 'AWS::AccountId' },
        SourceArn: tokenSecretRef(defaults),
      },
    ]);
  });

  it('meets cdk-nag SMG4 through its rotation: no finding, and no acknowledgement of it', () => {
    // Prepare: a control, the same empty secret without a rotation, which SMG4 reports (the rule is live).
    const control = new Stack(new App(), 'control');
    new CfnSecret(control, 'secret', { description: 'no rotation' });
    const controlReport = new AwsSolutionsChecks().validateScope(control);
    const smg4 = (report: typeof controlReport) =>
      report.violations
        .filter((v) => v.ruleName === 'AwsSolutions-SMG4')
        .flatMap((v) => v.violatingResources.map((r) => r.resourceLogicalId));
    expect(smg4(controlReport)).toHaveLength(1);
    const { stack } = buildStack();
    const secret = stack.token.node.defaultChild as CfnElement;
    // Act
    const report = new AwsSolutionsChecks().validateScope(stack);
    // Assess
    expect(smg4(report)).toEqual([]);
    for (const construct of [stack.token, secret]) expect(Object.keys(acknowledgementsOn(construct))).not.toContain('AwsSolutions-SMG4');
    const acknowledgedSmg4 = stack.node
      .findAll()
      .filter((c) => 'AwsSolutions-SMG4' in acknowledgementsOn(c))
      .map((c) => c.node.path);
    // Only the app credentials' secret, which no API can rotate.
    expect(acknowledgedSmg4).toEqual([(stack.appCredentials.node.defaultChild as CfnElement).node.path]);
  });
});

describe('the rotation function', () => {
  it("may describe, read, put and restage the token secret, read the app's credentials, and nothing else: no S3, no KMS, no password generator", () => {
    expect(ROTATION_ACTIONS).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
      'secretsmanager:UpdateSecretVersionStage',
    ]);
    for (const built of [defaults, custom]) {
      expect(withoutTracing(statementsOf(built, 'rotate-token'))).toEqual([
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: appSecretRef(built) },
        { Effect: 'Allow', Action: [...ROTATION_ACTIONS], Resource: tokenSecretRef(built) },
      ]);
      expect(actionsOf(statementsOf(built, 'rotate-token')).filter((a) => /^(s3|kms):/.test(a))).toEqual([]);
    }
  });

  it('runs the rotate-token module with minutes for a refresh and its test, no reserved concurrency (Secrets Manager serializes rotations)', () => {
    const fn = resourceOf(defaults, functionOf(defaults, 'rotate-token'));
    expect(fn.Properties).toMatchObject({ Timeout: 120, Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('the app-credentials secret', () => {
  it('has no value and describes the JSON to put, acknowledging SMG4 with the reason', () => {
    const secret = resourceOf(defaults, defaults.stack.appCredentials);
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(secret.Properties.Description).toContain('JSON {"clientId": "…", "clientSecret": "…"}');
    expect(resourcesOf(defaults, 'AWS::SecretsManager::Secret')).toHaveLength(2);
    const reason = acknowledgementsOn(defaults.stack.appCredentials.node.defaultChild as CfnElement)['AwsSolutions-SMG4'];
    expect(reason).toMatch(/generated in LinkedIn's developer portal, and no LinkedIn API rotates it/);
  });
});

describe('the token store', () => {
  it('is encrypted with its own rotating, retained KMS key through a bucket key, private, TLS-only, versioned, logged and retained', () => {
    for (const built of [defaults, custom]) {
      const bucket = resourceOf(built, built.stack.tokenStore.bucket);
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { BucketKeyEnabled: true, ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn(built) } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: {
          DestinationBucketName: { Ref: logicalIdOf(built.stack.storage.accessLogBucket) },
          LogFilePrefix: 'token-store/',
        },
        LifecycleConfiguration: {
          Rules: [
            {
              Id: 'expire-noncurrent-versions',
              NoncurrentVersionExpiration: { NoncurrentDays: TOKEN_STORE_NONCURRENT_DAYS },
              Status: 'Enabled',
            },
          ],
        },
      });
      // Retained even by a stack whose other buckets are destroyed with it: only a member can re-create an authorization.
      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const key = resourceOf(built, built.stack.tokenStore.key);
      expect(key).toMatchObject({ Properties: { EnableKeyRotation: true }, DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      const policy = resourcesOf(built, 'AWS::S3::BucketPolicy').find(
        ([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: logicalIdOf(built.stack.tokenStore.bucket) }),
      );
      expect(policy?.[1].Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
    expect(custom.json.Resources[logicalIdOf(custom.stack.storage.bucket)].DeletionPolicy).toBe('Delete');
    const aliases = resourcesOf(defaults, 'AWS::KMS::Alias').map(([, a]) => a.Properties);
    expect(aliases).toEqual([{ AliasName: 'alias/LinkedInSalesNavExport/token-store', TargetKeyId: keyArn(defaults) }]);
  });

  it('is read by the functions that call LinkedIn, and by the Plan: the authorizations, the listing, the key through S3; never written', () => {
    for (const built of [defaults, custom]) {
      for (const module of ['plan', 'create-job', 'check-job', 'copy-to-s3'] as const) {
        const store = statementsOf(built, module).filter((s) => touchesStore(built, s));
        const flattened = store.flatMap((s) =>
          [s.Resource]
            .flat()
            .filter((r) => touchesStore(built, { Resource: r }))
            .map((Resource) => ({ ...s, Resource })),
        );
        expect(flattened).toEqual(storeRead(built));
        // And the default authorization, read as the workflow always has.
        const secret = statementsOf(built, module).filter((s) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
        expect(secret).toEqual([
          { Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: tokenSecretRef(built) },
        ]);
      }
    }
  });

  it('is untouched by the functions that do not read authorizations, and the app credentials by every workflow function', () => {
    for (const module of ['claim-window', 'summarize', 'freshness', 'rotate-token'] as const) {
      expect(statementsOf(defaults, module).filter((s) => touchesStore(defaults, s))).toEqual([]);
      expect(actionsOf(statementsOf(defaults, module)).filter((a) => a.startsWith('kms:'))).toEqual([]);
    }
    for (const module of ['plan', 'claim-window', 'create-job', 'check-job', 'copy-to-s3', 'summarize', 'freshness'] as const) {
      const app = statementsOf(defaults, module).filter((s) =>
        JSON.stringify(s.Resource).includes(logicalIdOf(defaults.stack.appCredentials)),
      );
      expect(app).toEqual([]);
    }
  });
});

describe('the token check', () => {
  it('runs the tokens module one invocation at a time, for up to 5 minutes', () => {
    const fn = resourceOf(defaults, functionOf(defaults, 'tokens'));
    expect(functionOf(defaults, 'tokens').handlerModule).toBe('tokens');
    expect(fn.Properties).toMatchObject({ Timeout: 300, ReservedConcurrentExecutions: 1, MemorySize: 512 });
  });

  it('reads both secrets (GetSecretValue only), reads and writes the authorizations, and touches no other bucket', () => {
    const statements = withoutTracing(statementsOf(defaults, 'tokens'));
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [appSecretRef(defaults), tokenSecretRef(defaults)] },
      ...storeReadWrite(defaults),
    ]);
  });

  it('is invoked every hour by a schedule with a role of its own, which may invoke the tokens function only', () => {
    const schedules = resourcesOf(defaults, 'AWS::Scheduler::Schedule').filter(
      ([, s]) => JSON.stringify(s.Properties.Target.Arn) === JSON.stringify(functionArn(defaults, 'tokens')),
    );
    expect(schedules).toHaveLength(1);
    const roleId = logicalIdOf(defaults.stack.tokenCheck.role);
    expect(schedules[0]![1].Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Input: '{"trigger":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 3600 },
        RoleArn: { 'Fn::GetAtt': [roleId, 'Arn'] },
      },
    });
    expect(roleStatements(defaults, roleId)).toEqual([
      {
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: [functionArn(defaults, 'tokens'), { 'Fn::Join': ['', [functionArn(defaults, 'tokens'), ':*']] }],
      },
    ]);
    const trust = defaults.json.Resources[roleId].Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      expect.objectContaining({
        Principal: { Service: 'scheduler.amazonaws.com' },
        Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': expect.anything() } },
      }),
    ]);
  });

  it('runs even when the export schedule is disabled', () => {
    const manual = build({ schedule: { cron: '0 6 * * ? *', timeZone: 'UTC', enabled: false } });
    const hourly = resourcesOf(manual, 'AWS::Scheduler::Schedule').find(([, s]) => s.Properties.ScheduleExpression === 'rate(1 hour)');
    expect(hourly?.[1].Properties.State).toBe('ENABLED');
  });
});

describe('the token alarms', () => {
  const schema = `SCHEMA("${METRICS_NAMESPACE}", ${AUTHORIZATION_DIMENSION}, ${SERVICE_DIMENSION})`;
  const alarmOf = (of: Built, alarm: IConstruct) => resourceOf(of, alarm).Properties;
  /** A Metrics Insights alarm: the query alone, hourly, one breaching hour of two, missing data left to TokenCheckMissing. */
  const insights = (query: string) => ({
    Metrics: [{ Id: 'expr_1', Expression: query, Period: 3600, ReturnData: true }],
    EvaluationPeriods: 2,
    DatapointsToAlarm: 1,
    TreatMissingData: 'notBreaching',
  });

  it('TokenExpiring: each authorization whose access token has fewer than tokenAlarmDays left, one alarm', () => {
    const query = `SELECT MIN(${TOKEN_METRICS.tokenDaysRemaining}) FROM ${schema} GROUP BY Authorization ORDER BY MIN() ASC LIMIT ${DIMENSIONED_AUTHORIZATIONS}`;
    expect(query).toBe(
      'SELECT MIN(TokenDaysRemaining) FROM SCHEMA("LinkedInSalesNavExport", Authorization, service) GROUP BY Authorization ORDER BY MIN() ASC LIMIT 100',
    );
    for (const [built, days] of [
      [defaults, 14],
      [custom, 20],
    ] as const) {
      const alarm = alarmOf(built, built.stack.tokenAlarms.tokenExpiring);
      expect(alarm).toMatchObject({ ...insights(query), Threshold: days, ComparisonOperator: 'LessThanThreshold' });
      expect(alarm.AlarmDescription).toContain(`fewer than ${days} days left`);
      expect(alarm.AlarmDescription).toContain(`${LAMBDAS_AUTHORIZE_COMMAND} --name <name>`);
      expect(alarm.AlarmDescription).toContain(TOKENS_COMMAND);
      expect(alarm.AlarmDescription).toContain('README "Tokens"');
    }
  });

  it('RefreshTokenExpiring: each refresh token with fewer than refreshTokenAlarmDays left', () => {
    const query = `SELECT MIN(RefreshTokenDaysRemaining) FROM ${schema} GROUP BY Authorization ORDER BY MIN() ASC LIMIT 100`;
    for (const [built, days] of [
      [defaults, 30],
      [custom, 45],
    ] as const) {
      const alarm = alarmOf(built, built.stack.tokenAlarms.refreshTokenExpiring);
      expect(alarm).toMatchObject({ ...insights(query), Threshold: days, ComparisonOperator: 'LessThanThreshold' });
      expect(alarm.AlarmDescription).toMatch(/must authorize the app again/);
    }
  });

  it('TokenRefreshFailed: each authorization with a failed refresh in the hour', () => {
    const alarm = alarmOf(defaults, defaults.stack.tokenAlarms.refreshFailed);
    expect(alarm).toMatchObject({
      ...insights(`SELECT SUM(TokenRefreshFailed) FROM ${schema} GROUP BY Authorization ORDER BY SUM() DESC LIMIT 100`),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    expect(alarm.AlarmDescription).toMatch(/current token stays in use/);
  });

  it('TokenCheckMissing: no AuthorizationsChecked ({service} only) for 3 hours, missing data breaching', () => {
    expect(alarmOf(defaults, defaults.stack.tokenAlarms.checkMissing)).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: TOKEN_METRICS.authorizationsChecked,
      Dimensions: [{ Name: SERVICE_DIMENSION, Value: SERVICE_NAME }],
      Statistic: 'SampleCount',
      Period: 3600,
      EvaluationPeriods: TOKEN_CHECK_MISSING_HOURS,
      DatapointsToAlarm: TOKEN_CHECK_MISSING_HOURS,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    // Within what a Metrics Insights alarm can see, so the other three never outlive a dead check unnoticed.
    expect(TOKEN_CHECK_MISSING_HOURS).toBe(3);
  });

  it('all four notify the alarm topic and are on the dashboard', () => {
    const alarms = defaults.stack.tokenAlarms.alarms;
    expect(alarms).toHaveLength(4);
    for (const alarm of alarms) expect(alarmOf(defaults, alarm).AlarmActions).toEqual([{ Ref: logicalIdOf(defaults.stack.alarms.topic) }]);
    const body = JSON.stringify(resourcesOf(defaults, 'AWS::CloudWatch::Dashboard')[0]![1].Properties.DashboardBody);
    for (const alarm of alarms) expect(body).toContain(logicalIdOf(alarm));
  });
});

describe('the dashboard', () => {
  /** The dashboard's body with every CloudFormation token as "<token>", parsed. */
  const widgets = (of: Built): any[] => {
    const [[, dashboard]] = resourcesOf(of, 'AWS::CloudWatch::Dashboard') as [[string, any]];
    const parts = dashboard.Properties.DashboardBody['Fn::Join'][1] as unknown[];
    return JSON.parse(parts.map((part) => (typeof part === 'string' ? part : '<token>')).join('')).widgets;
  };
  const titled = (of: Built, title: string) => {
    const widget = widgets(of).find((w) => w.properties.title === title);
    expect(widget).toBeDefined();
    return widget.properties;
  };

  it("shows the fewest days left of both tokens with both alarms' thresholds", () => {
    for (const [built, access, refresh] of [
      [defaults, 14, 30],
      [custom, 20, 45],
    ] as const) {
      const properties = titled(built, 'LinkedIn tokens: fewest days left');
      expect(properties.metrics.map((line: any[]) => [line[1] === '.' ? undefined : line[1], line.at(-1)])).toEqual([
        [TOKEN_METRICS.tokenDaysRemaining, expect.objectContaining({ stat: 'Minimum', label: 'access token' })],
        [TOKEN_METRICS.refreshTokenDaysRemaining, expect.objectContaining({ stat: 'Minimum', label: 'refresh token' })],
      ]);
      expect(properties.annotations.horizontal).toEqual([
        { value: access, label: 'access token alarm below this', yAxis: 'left' },
        { value: refresh, label: 'refresh token alarm below this', yAxis: 'left' },
      ]);
    }
  });

  it('shows the soonest authorizations one line each, and the refreshes and failures', () => {
    const perAuthorization = titled(defaults, 'Access token days left: the 10 soonest authorizations');
    expect(perAuthorization.metrics).toEqual([
      [
        expect.objectContaining({
          expression: `SELECT MIN(TokenDaysRemaining) FROM SCHEMA("LinkedInSalesNavExport", Authorization, service) GROUP BY Authorization ORDER BY MIN() ASC LIMIT 10`,
        }),
      ],
    ]);
    const refreshes = titled(defaults, 'Token refreshes per day');
    expect(refreshes.metrics.map((line: any[]) => (typeof line[0] === 'string' ? line[1] : line[0].expression))).toEqual([
      TOKEN_METRICS.refreshed,
      'SELECT SUM(TokenRefreshFailed) FROM SCHEMA("LinkedInSalesNavExport", Authorization, service)',
      TOKEN_METRICS.authorizationsUnusable,
    ]);
  });
});

describe('the operator policy', () => {
  it('puts and reads the default authorization, reads the app credentials, reads and writes the named ones: nothing else', () => {
    const policy = resourceOf(defaults, defaults.stack.tokenOperator.policy);
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Sid: 'DefaultAuthorization',
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
        Resource: tokenSecretRef(defaults),
      },
      { Sid: 'AppCredentials', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: appSecretRef(defaults) },
      ...storeReadWrite(defaults),
    ]);
  });
});

describe('environment and outputs', () => {
  it('gives every function the secrets’ ids, the token store and the token settings', () => {
    for (const [built, values] of [
      [defaults, { TOKEN_REFRESH_DAYS: '21', TOKEN_ALARM_DAYS: '14', REFRESH_TOKEN_ALARM_DAYS: '30' }],
      [custom, { TOKEN_REFRESH_DAYS: '30', TOKEN_ALARM_DAYS: '20', REFRESH_TOKEN_ALARM_DAYS: '45' }],
    ] as const) {
      for (const [, fn] of resourcesOf(built, 'AWS::Lambda::Function')) {
        expect(fn.Properties.Environment.Variables).toMatchObject({
          ...values,
          LINKEDIN_OAUTH_URL: 'https://www.linkedin.com/oauth/v2',
          LINKEDIN_TOKEN_SECRET_ID: tokenSecretRef(built),
          LINKEDIN_APP_SECRET_ID: appSecretRef(built),
          TOKEN_STORE_BUCKET: { Ref: logicalIdOf(built.stack.tokenStore.bucket) },
        });
      }
    }
  });

  it('names what the CLI reads from cdk-outputs.json', () => {
    const outputs = defaults.json.Outputs;
    expect(outputs.SecretArn.Value).toEqual(tokenSecretRef(defaults));
    expect(outputs.TokenSecretArn.Value).toEqual(tokenSecretRef(defaults));
    expect(outputs.AppCredentialsSecretArn.Value).toEqual(appSecretRef(defaults));
    expect(outputs.TokenStoreBucketName.Value).toEqual({ Ref: logicalIdOf(defaults.stack.tokenStore.bucket) });
    expect(outputs.TokenStoreKeyArn.Value).toEqual(keyArn(defaults));
    expect(outputs.TokenOperatorPolicyArn.Value).toEqual({ Ref: logicalIdOf(defaults.stack.tokenOperator.policy) });
  });
});
