/**
 * CDK assertions for every property issue 3's "Stack" section asks for, on the stack built from
 * cdk.json (synthesized once, bundling off), plus a snapshot with asset hashes stripped.
 */
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { logicalIdOf } from '../../infra/nag';
import type { SalesNavExportStack } from '../../infra/stack';
import { HANDLER_MODULES, type HandlerModule } from '../../lambdas/shared/contract/names';
import { parseRuntimeConfig, RUNTIME_VARIABLES } from '../../lambdas/shared/contract/runtime-config';
import { buildStack, cdkJsonConfig } from './helpers';

let stack: SalesNavExportStack;
let template: Template;
let json: Record<string, any>;
/** Every optional key set (one synth instead of one per option: synth is slow here). */
let custom: Template;

beforeAll(() => {
  stack = buildStack().stack;
  template = Template.fromStack(stack);
  json = template.toJSON();
  custom = Template.fromStack(
    buildStack({
      dataRetentionDays: 400,
      bucketName: 'acme-linkedin-exports',
      removalPolicy: 'destroy',
      pollInitialSeconds: 15,
      jobDeadlineHours: 6,
      maxRecreates: 0,
      maxConcurrency: 2,
      stateMachineTimeoutHours: 48,
      schedule: { cron: '0 6 * * ? *', timeZone: 'Europe/Paris', enabled: false },
      alarmEmail: 'ops@example.com',
    }).stack,
  );
});

const resourcesOf = (type: string): Array<[string, any]> =>
  Object.entries(json.Resources as Record<string, any>).filter(([, r]) => r.Type === type);

/** The template's resource of a construct of the stack, found by the construct, not by its id's spelling. */
const resourceOf = (construct: IConstruct): [string, any] => {
  const id = logicalIdOf(construct);
  expect(json.Resources[id]).toBeDefined();
  return [id, json.Resources[id]];
};
const functionOf = (handlerModule: HandlerModule) => stack.functions.byModule[handlerModule];
const environmentOf = (handlerModule: HandlerModule): Record<string, any> =>
  resourceOf(functionOf(handlerModule))[1].Properties.Environment.Variables;

const policyStatementsOf = (handlerModule: HandlerModule): any[] => {
  const roleId = logicalIdOf(functionOf(handlerModule).role!);
  return resourcesOf('AWS::IAM::Policy')
    .filter(([, p]) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
};

describe('data bucket', () => {
  it('is encrypted, private, TLS-only, versioned, logged and retained', () => {
    const [bucketId, bucket] = resourceOf(stack.storage.bucket);
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalIdOf(stack.storage.accessLogBucket) },
        LogFilePrefix: 'exports-bucket/',
      },
    });
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.UpdateReplacePolicy).toBe('Retain');
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('aborts incomplete multipart uploads after a day and expires old versions; keeps data by default', () => {
    const [, bucket] = resourceOf(stack.storage.bucket);
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual({
      Id: 'abort-incomplete-multipart-uploads',
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      Status: 'Enabled',
    });
    expect(rules).toContainEqual(
      expect.objectContaining({ Id: 'expire-noncurrent-versions', NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
    );
    expect(rules.some((r: any) => r.ExpirationInDays !== undefined)).toBe(false);
  });

  it('expires exports under the prefix when dataRetentionDays is set, and takes a fixed name', () => {
    custom.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-linkedin-exports',
      LifecycleConfiguration: {
        Rules: Match.arrayWith([{ Id: 'expire-exports', Prefix: 'linkedin-sales-navigator/', ExpirationInDays: 400, Status: 'Enabled' }]),
      },
    });
    custom.hasResource('AWS::S3::Bucket', {
      Properties: Match.objectLike({ BucketName: 'acme-linkedin-exports' }),
      DeletionPolicy: 'Delete',
    });
  });

  it('sends access logs to a separate encrypted, private, TLS-only bucket', () => {
    const [, logs] = resourceOf(stack.storage.accessLogBucket);
    expect(logs.Properties.BucketEncryption).toBeDefined();
    expect(logs.Properties.PublicAccessBlockConfiguration.BlockPublicAcls).toBe(true);
    expect(resourcesOf('AWS::S3::Bucket')).toHaveLength(2);
  });
});

describe('LinkedIn token secret', () => {
  it('has no generated value and says how to put the token', () => {
    expect(resourcesOf('AWS::SecretsManager::Secret')).toHaveLength(1);
    const [, secret] = resourceOf(stack.token);
    expect(secret.Properties.GenerateSecretString).toBeUndefined();
    expect(secret.Properties.SecretString).toBeUndefined();
    expect(secret.Properties.Description).toMatch(/aws secretsmanager put-secret-value/);
  });
});

describe('functions', () => {
  it('run on Node 24, ARM64, with X-Ray, source maps, Powertools names and a retained log group', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions).toHaveLength(4);
    for (const [, fn] of functions) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: { Ref: expect.any(String) } },
        Environment: {
          Variables: expect.objectContaining({
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'linkedin-salesnav-export',
            POWERTOOLS_METRICS_NAMESPACE: 'LinkedInSalesNavExport',
          }),
        },
      });
      const logGroup = json.Resources[fn.Properties.LoggingConfig.LogGroup.Ref];
      expect(logGroup).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
    }
  });

  it('fit timeout and memory to the job: 15 minutes and a full vCPU for the copy, small for the rest', () => {
    const props = (module: HandlerModule) => resourceOf(functionOf(module))[1].Properties;
    expect(props('copy-to-s3')).toMatchObject({ Timeout: 900, MemorySize: 1769 });
    for (const module of ['plan', 'create-job', 'check-job'] as const) {
      expect(props(module).Timeout).toBeLessThanOrEqual(60);
      expect(props(module).MemorySize).toBeLessThanOrEqual(512);
    }
  });

  it('get every variable of the runtime contract: cdk.json values, the bucket and the token secret id', () => {
    const config = cdkJsonConfig();
    for (const module of HANDLER_MODULES) {
      const vars = environmentOf(module);
      expect(Object.keys(vars)).toEqual(expect.arrayContaining(Object.keys(RUNTIME_VARIABLES)));
      expect(vars).toMatchObject({
        CONTRACTS: config.contracts.join(','),
        EXPORT_TYPES: config.exportTypes!.join(','),
        LAG_DAYS: String(config.lagDays),
        WINDOW_DAYS: '1',
        KEY_PREFIX: config.keyPrefix,
        ALLOWED_DOWNLOAD_HOSTS: config.allowedDownloadHosts!.join(','),
        BUCKET_NAME: { Ref: logicalIdOf(stack.storage.bucket) },
        // Every handler parses the whole table; the secret's id grants nothing (see least privilege).
        LINKEDIN_TOKEN_SECRET_ID: { Ref: logicalIdOf(stack.token) },
      });
      // The token itself never is configuration; only the secret's id is.
      expect(vars.LINKEDIN_ACCESS_TOKEN).toBeUndefined();
      // The local runner runs the four handlers in one process, so they must agree on every value.
      expect(vars).toEqual(environmentOf('plan'));
    }
  });

  it('get an environment the deployed handlers parse once the resource references are filled in', () => {
    // Prepare
    const resources = { BUCKET_NAME: 'exports', LINKEDIN_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token' };
    // Act
    const parsed = parseRuntimeConfig({ ...environmentOf('copy-to-s3'), ...resources });
    // Assess
    expect(parsed).toEqual({
      LINKEDIN_API_URL: 'https://api.linkedin.com/v2',
      LINKEDIN_TOKEN_SECRET_ID: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:token',
      LINKEDIN_TIMEOUT_MS: 30_000,
      CONTRACTS: ['urn:li:contract:123456'],
      EXPORT_TYPES: ['activity', 'activityOutcome', 'seat'],
      LAG_DAYS: 1,
      WINDOW_DAYS: 1,
      BUCKET_NAME: 'exports',
      KEY_PREFIX: 'linkedin-sales-navigator/',
      ALLOWED_DOWNLOAD_HOSTS: ['www.linkedin.com', 'api.linkedin.com'],
      POLL_INITIAL_SECONDS: 30,
      POLL_MAX_SECONDS: 600,
      JOB_DEADLINE_SECONDS: 43_200,
      MAX_POLLS: 200,
      MAX_RECREATES: 3,
      RECREATE_BASE_SECONDS: 60,
      DATA_DELAY_WAIT_SECONDS: 10_800,
      MAX_DATA_DELAY_RETRIES: 4,
      URL_MIN_REMAINING_SECONDS: 300,
      COPY_SAFETY_MARGIN_SECONDS: 30,
      MAX_URL_REFRESHES: 3,
      PART_SIZE_MB: 8,
      UPLOAD_QUEUE_SIZE: 4,
      EARLIEST_DAY: Date.UTC(2014, 0, 1),
      REQUIRE_FINAL_LINE_BREAK: true,
    });
  });

  it('pass poll policy overrides under their runtime names', () => {
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POLL_INITIAL_SECONDS: '15', JOB_DEADLINE_SECONDS: '21600', MAX_RECREATES: '0' }) },
    });
  });
});

describe('least privilege', () => {
  const actionsOf = (statements: any[]) => statements.flatMap((s) => [s.Action].flat());

  it('plan gets nothing beyond logs and X-Ray', () => {
    expect(actionsOf(policyStatementsOf('plan')).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('create and check read the secret and nothing else', () => {
    for (const module of ['create-job', 'check-job'] as const) {
      const statements = policyStatementsOf(module);
      expect(
        actionsOf(statements)
          .filter((a) => !a.startsWith('xray:'))
          .sort(),
      ).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      const secretStatement = statements.find((s) => [s.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(secretStatement.Resource).toEqual({ Ref: logicalIdOf(stack.token) });
    }
  });

  it('copy reads the secret and writes, tags and aborts uploads of objects under the export prefix only (never reads or deletes)', () => {
    const statements = policyStatementsOf('copy-to-s3');
    const s3 = statements.filter((s) => [s.Action].flat().some((a: string) => a.startsWith('s3:')));
    expect(s3).toHaveLength(1);
    expect([s3[0].Action].flat().sort()).toEqual(['s3:AbortMultipartUpload', 's3:PutObject', 's3:PutObjectTagging']);
    expect(s3[0].Resource).toEqual({
      'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalIdOf(stack.storage.bucket), 'Arn'] }, '/linkedin-sales-navigator/*']],
    });
    expect(actionsOf(statements)).toContain('secretsmanager:GetSecretValue');
  });
});

describe('state machine', () => {
  it('is Standard, logs ALL without execution data, traces with X-Ray and has a 24 h timeout', () => {
    const [[, machine]] = resourcesOf('AWS::StepFunctions::StateMachine') as [[string, any]];
    expect(machine.Properties).toMatchObject({
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: false },
    });
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"TimeoutSeconds\\":86400');
  });

  it('takes maxConcurrency and the timeout from the configuration', () => {
    const [, machine] = Object.entries(custom.findResources('AWS::StepFunctions::StateMachine'))[0]!;
    const definition = JSON.stringify(machine.Properties.DefinitionString);
    expect(definition).toContain('\\"MaxConcurrency\\":2');
    expect(definition).toContain('\\"TimeoutSeconds\\":172800');
  });
});

describe('schedule', () => {
  it('starts the state machine on the configured cron with the scheduled time, retries and a DLQ', () => {
    const config = cdkJsonConfig();
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: `cron(${config.schedule.cron})`,
      ScheduleExpressionTimezone: config.schedule.timeZone,
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: { Ref: logicalIdOf(stack.workflow.stateMachine) },
        Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 21600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalIdOf(stack.schedule.deadLetterQueue), 'Arn'] } },
      },
    });
  });

  it('has an encrypted, TLS-only dead-letter queue', () => {
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
  });

  it('can be deployed disabled, without the "no execution started" alarm', () => {
    custom.hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED', ScheduleExpressionTimezone: 'Europe/Paris' });
    expect(Object.values(custom.findResources('AWS::CloudWatch::Alarm')).some((a) => a.Properties.MetricName === 'ExecutionsStarted')).toBe(
      false,
    );
  });
});

describe('alarms', () => {
  const alarm = (metricName: string) => {
    const found = resourcesOf('AWS::CloudWatch::Alarm').filter(([, a]) => a.Properties.MetricName === metricName);
    expect(found).toHaveLength(1);
    return found[0]![1].Properties;
  };

  it.each(['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'])('alarm on %s >= 1 to the SNS topic', (metricName) => {
    expect(alarm(metricName)).toMatchObject({
      Namespace: 'AWS/States',
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: logicalIdOf(stack.alarms.topic) }],
    });
  });

  it('alarms when no execution started for 25 hours (missing data breaches)', () => {
    expect(alarm('ExecutionsStarted')).toMatchObject({
      Statistic: 'Sum',
      Period: 3600,
      EvaluationPeriods: 25,
      DatapointsToAlarm: 25,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
  });

  it('alarms on messages in the schedule dead-letter queue', () => {
    expect(alarm('ApproximateNumberOfMessagesVisible')).toMatchObject({ Namespace: 'AWS/SQS', Threshold: 1 });
  });

  it('has a TLS-only topic and subscribes the alarm e-mail only when configured', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]),
      },
    });
    custom.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
  });
});

describe('outputs', () => {
  it('names the bucket, state machine, secret and schedule', () => {
    const outputs = template.findOutputs('*');
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['BucketName', 'StateMachineArn', 'SecretArn', 'ScheduleName']));
    expect(outputs.SecretArn!.Value).toEqual({ Ref: logicalIdOf(stack.token) });
  });
});

describe('template snapshot', () => {
  it('matches (asset hashes stripped)', () => {
    expect(json).toMatchSnapshot();
  });
});
