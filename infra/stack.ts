/**
 * Everything the product deploys: the data bucket (and its access-log bucket), the LinkedIn token
 * secret, the four Lambdas, the workflow, its EventBridge Scheduler schedule with a dead-letter
 * queue, and the alarms an operator needs.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, TimeZone, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type LifecycleRule, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { ContextAttribute, Schedule, ScheduleExpression, ScheduleTargetInput, TimeWindow } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { CfnSecret, type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { runtimeEnvironment, type StackConfig } from './config';
import { ExportFunction } from './function';
import { ExportWorkflow } from './workflow';

export interface SalesNavExportStackProps extends StackProps {
  readonly config: StackConfig;
}

/** cdk-nag acknowledgement of one finding on one construct, with the reason on record. */
const acknowledge = (scope: IConstruct, id: string, reason: string): void => Validations.of(scope).acknowledge({ id, reason });

/** The product's stack. */
export class SalesNavExportStack extends Stack {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;
  readonly tokenSecret: ISecret;
  readonly functions: { plan: ExportFunction; createJob: ExportFunction; checkJob: ExportFunction; copy: ExportFunction };
  readonly workflow: ExportWorkflow;
  readonly schedule: Schedule;
  readonly scheduleDeadLetterQueue: Queue;
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: SalesNavExportStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    // --- Storage -------------------------------------------------------------------------------
    this.accessLogBucket = new Bucket(this, 'access-logs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365) }],
      removalPolicy,
    });
    acknowledge(
      this.accessLogBucket,
      'AwsSolutions-S1',
      'This bucket is the server access log target of the data bucket; logging it too would need a third bucket (or a loop).',
    );

    const lifecycleRules: LifecycleRule[] = [
      // A failed or stopped copy leaves parts behind; they cost money and are never published.
      { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      // Re-runs overwrite the same deterministic keys; older versions are a safety net, not an archive.
      { id: 'expire-noncurrent-versions', noncurrentVersionExpiration: Duration.days(30) },
    ];
    if (config.dataRetentionDays !== null) {
      lifecycleRules.push({
        id: 'expire-exports',
        prefix: config.keyPrefix || undefined,
        expiration: Duration.days(config.dataRetentionDays),
      });
    }
    this.bucket = new Bucket(this, 'exports', {
      bucketName: config.bucketName ?? undefined,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      versioned: true,
      lifecycleRules,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: 'exports-bucket/',
      removalPolicy,
    });

    // --- The LinkedIn token ---------------------------------------------------------------------
    // L1 on purpose: the L2 Secret always generates a random value, and a random "token" would
    // only turn "put the token" into a confusing 401. The value is put by hand (README).
    const cfnSecret = new CfnSecret(this, 'linkedin-token', {
      description:
        'LinkedIn API access token (r_sales_nav_analytics) for the Sales Navigator export. Put it with: ' +
        'aws secretsmanager put-secret-value --secret-id <this ARN> --secret-string "<token>"',
    });
    acknowledge(
      cfnSecret,
      'AwsSolutions-SMG4',
      'A LinkedIn access token cannot be rotated by a Lambda: a new one is issued only when a member ' +
        're-authorises the app, after which an operator puts it (README "Put the token").',
    );
    this.tokenSecret = Secret.fromSecretAttributes(this, 'linkedin-token-ref', { secretCompleteArn: cfnSecret.ref });

    // --- Lambdas --------------------------------------------------------------------------------
    const environment = { ...runtimeEnvironment(config), BUCKET_NAME: this.bucket.bucketName };
    const withToken = { ...environment, LINKEDIN_TOKEN_SECRET_ID: this.tokenSecret.secretArn };
    this.functions = {
      plan: new ExportFunction(this, 'plan', {
        handlerModule: 'plan',
        description: 'Turns the execution input into the list of exports to run (no LinkedIn call).',
        timeout: Duration.seconds(30),
        environment,
      }),
      createJob: new ExportFunction(this, 'create-job', {
        handlerModule: 'create-job',
        description: 'Creates the LinkedIn export job for the next window.',
        timeout: Duration.seconds(60),
        environment: withToken,
      }),
      checkJob: new ExportFunction(this, 'check-job', {
        handlerModule: 'check-job',
        description: 'Reads the LinkedIn export job, classifies its status and decides what to do next.',
        timeout: Duration.seconds(60),
        environment: withToken,
      }),
      copy: new ExportFunction(this, 'copy-to-s3', {
        handlerModule: 'copy-to-s3',
        description: 'Streams the export CSV into S3, verifies bytes, rows and SHA-256, then publishes it.',
        // Lambda's maximum: a multi-GB CSV at tens of MB/s needs minutes.
        timeout: Duration.minutes(15),
        // CPU scales with memory; 1769 MB is one full vCPU for hashing, CSV counting and TLS.
        memorySize: config.copyMemoryMb,
        environment: withToken,
      }),
    };
    for (const fn of [this.functions.createJob, this.functions.checkJob, this.functions.copy]) {
      this.tokenSecret.grantRead(fn);
    }
    // Only the export prefix, only the object operations the copy performs: the upload straight at
    // the final key and the manifest (PutObject, which also covers the multipart calls), aborting
    // an upload that failed verification (AbortMultipartUpload), and the sha256 tag
    // (PutObjectTagging). It never reads, copies or deletes an object.
    const exportObjects = this.bucket.arnForObjects(`${config.keyPrefix}*`);
    this.functions.copy.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
        resources: [exportObjects],
      }),
    );

    for (const fn of Object.values(this.functions)) {
      acknowledge(
        fn.role!,
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs; it is Lambda's standard logging policy.",
      );
      acknowledge(
        fn.role!.node.findChild('DefaultPolicy'),
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions (added by tracing: ACTIVE).',
      );
    }
    acknowledge(
      this.functions.copy.role!.node.findChild('DefaultPolicy'),
      `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.bucket.node.defaultChild as never)}.Arn>/${config.keyPrefix}*]`,
      'Export keys are deterministic per (export type, contract, window) and not known at deploy time; the grant is limited to the export prefix.',
    );

    // --- Workflow -------------------------------------------------------------------------------
    this.workflow = new ExportWorkflow(this, 'workflow', {
      functions: this.functions,
      maxConcurrency: config.maxConcurrency,
      timeout: Duration.hours(config.stateMachineTimeoutHours),
    });
    const stateMachinePolicy = this.workflow.stateMachine.role.node.findChild('DefaultPolicy');
    acknowledge(
      stateMachinePolicy,
      'AwsSolutions-IAM5[Resource::*]',
      'Log delivery (logs:CreateLogDelivery, ...) and X-Ray actions do not support resource-level permissions.',
    );
    for (const fn of Object.values(this.functions)) {
      acknowledge(
        stateMachinePolicy,
        `AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
        "CDK's LambdaInvoke grant includes the function's versions/aliases (ARN:*); it names this one function only.",
      );
    }

    // --- Schedule -------------------------------------------------------------------------------
    this.scheduleDeadLetterQueue = new Queue(this, 'schedule-dlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    acknowledge(
      this.scheduleDeadLetterQueue,
      'AwsSolutions-SQS3',
      "This queue is itself the schedule's dead-letter queue; an alarm watches it.",
    );
    this.schedule = new Schedule(this, 'schedule', {
      description: 'Starts the LinkedIn Sales Navigator export; the window derives from the scheduled time.',
      schedule: ScheduleExpression.expression(`cron(${config.schedule.cron})`, TimeZone.of(config.schedule.timeZone)),
      timeWindow: TimeWindow.off(),
      enabled: config.schedule.enabled,
      target: new StepFunctionsStartExecution(this.workflow.stateMachine, {
        // The scheduled time, not "now": a retried or late start exports the same window.
        input: ScheduleTargetInput.fromObject({ scheduledTime: ContextAttribute.scheduledTime }),
        retryAttempts: 3,
        maxEventAge: Duration.hours(6),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });

    // --- Alarms ---------------------------------------------------------------------------------
    this.alarmTopic = new Topic(this, 'alarms', {
      displayName: 'LinkedIn Sales Navigator export alarms',
      enforceSSL: true,
    });
    acknowledge(
      this.alarmTopic,
      'AwsSolutions-SNS2',
      'Alarm notifications carry no data, and CloudWatch alarms cannot publish to a topic encrypted with the AWS-managed SNS key.',
    );
    if (config.alarmEmail !== null) this.alarmTopic.addSubscription(new EmailSubscription(config.alarmEmail));

    const stateMachine = this.workflow.stateMachine;
    const atLeastOne = (id: string, description: string, metric: IMetric): Alarm =>
      new Alarm(this, id, {
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
        this.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({ period, statistic: 'Maximum' }),
      ),
    ];
    if (config.schedule.enabled) {
      // Hourly datapoints, all of which must be empty (missing counts as empty): "nothing started
      // for N hours". One period of N hours is not possible beyond a day.
      const hours = config.noExecutionAlarmHours;
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
    for (const alarm of alarms) alarm.addAlarmAction(new SnsAction(this.alarmTopic));

    // --- Outputs --------------------------------------------------------------------------------
    new CfnOutput(this, 'BucketName', { value: this.bucket.bucketName, description: 'Where the exports land' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn, description: 'Start executions here' });
    new CfnOutput(this, 'SecretArn', {
      value: this.tokenSecret.secretArn,
      description: 'Put the LinkedIn access token here (aws secretsmanager put-secret-value)',
    });
    new CfnOutput(this, 'ScheduleName', { value: this.schedule.scheduleName, description: 'The EventBridge Scheduler schedule' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'Subscribe to alarm notifications' });
  }
}
