/**
 * Everything the product deploys (docs/design.md): the data bucket and its access-log bucket, the
 * LinkedIn token lifecycle (docs/tokens.md: the token secret and its rotation, the app-credentials
 * secret, the named authorizations' store, the hourly token check and its alarms), the Lambdas (one
 * per task, plus the freshness publisher, the rotation and the token check), the workflow, its
 * EventBridge Scheduler schedule with a dead-letter queue, the alarms and dashboard an operator
 * needs, and the Glue tables and Athena workgroup to query the data with (docs/query.md). Each part is a construct of its own file that owns its permissions
 * and cdk-nag acknowledgements; the stack wires them together.
 */
import { EXPORT_TYPES } from '../lambdas/shared/contract/export-types';
import { expectedColumnsOf } from '../lambdas/shared/contract/export-schemas';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ExportAlarms } from './alarms';
import { ExportDashboard } from './dashboard';
import { runtimeEnvironment, type StackConfig } from './config';
import { FreshnessSchedule, freshnessAlarmDaysOf } from './freshness';
import { ExportFunctions } from './functions';
import { ExportSchedule } from './schedule';
import { ExportStorage } from './storage';
import { ExportTables } from './tables';
import { LinkedInAppSecret, LinkedInTokenSecret, TokenOperatorPolicy } from './token';
import { TokenAlarms } from './token-alarms';
import { TokenCheckSchedule } from './token-schedule';
import { TokenStore } from './token-store';
import { ExportWorkflow } from './workflow';

export interface SalesNavExportStackProps extends StackProps {
  readonly config: StackConfig;
}

/** The product's stack. */
export class SalesNavExportStack extends Stack {
  readonly storage: ExportStorage;
  readonly token: LinkedInTokenSecret;
  readonly appCredentials: LinkedInAppSecret;
  readonly tokenStore: TokenStore;
  /** The hourly token check (refresh of the named authorizations, every authorization's days left). */
  readonly tokenCheck: TokenCheckSchedule;
  readonly tokenAlarms: TokenAlarms;
  /** Attach to whoever authorizes customers. */
  readonly tokenOperator: TokenOperatorPolicy;
  readonly functions: ExportFunctions;
  readonly workflow: ExportWorkflow;
  readonly schedule: ExportSchedule;
  readonly alarms: ExportAlarms;
  /** The daily publication of freshness (the workflow publishes it after every run too). */
  readonly freshness: FreshnessSchedule;
  readonly dashboard: ExportDashboard;
  readonly tables: ExportTables;

  constructor(scope: Construct, id: string, props: SalesNavExportStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    this.storage = new ExportStorage(this, 'storage', {
      bucketName: config.bucketName ?? undefined,
      keyPrefix: config.keyPrefix,
      dataRetentionDays: config.dataRetentionDays ?? undefined,
      removalPolicy,
    });
    this.token = new LinkedInTokenSecret(this, 'linkedin-token');
    this.appCredentials = new LinkedInAppSecret(this, 'linkedin-app');
    this.tokenStore = new TokenStore(this, 'token-store', { accessLogBucket: this.storage.accessLogBucket });
    this.functions = new ExportFunctions(this, 'functions', {
      environment: runtimeEnvironment(config),
      bucket: this.storage.bucket,
      keyPrefix: config.keyPrefix,
      tokenSecret: this.token.secret,
      appSecret: this.appCredentials.secret,
      tokenStore: this.tokenStore,
      copyMemoryMb: config.copyMemoryMb,
      discoverContracts: config.discoverContracts,
      // An execution may ask for any export type, configured or not.
      exportTypes: EXPORT_TYPES,
    });
    this.workflow = new ExportWorkflow(this, 'workflow', {
      functions: this.functions.byModule,
      bucket: this.storage.bucket,
      keyPrefix: config.keyPrefix,
      maxConcurrency: config.maxConcurrency,
      toleratedFailurePercentage: config.toleratedFailurePercentage,
      timeout: Duration.hours(config.stateMachineTimeoutHours),
    });
    const { stateMachine } = this.workflow;
    this.schedule = new ExportSchedule(this, 'schedule', { stateMachine, ...config.schedule });
    this.alarms = new ExportAlarms(this, 'alarms', {
      stateMachine,
      scheduleDeadLetterQueue: this.schedule.deadLetterQueue,
      alarmEmail: config.alarmEmail ?? undefined,
      noExecutionAlarmHours: config.schedule.enabled ? config.noExecutionAlarmHours : undefined,
      // Stale data is alarmed only when days are meant to land on schedule; a pair that never lands always.
      freshness: {
        exportTypes: config.exportTypes,
        staleAfterDays: config.schedule.enabled ? freshnessAlarmDaysOf(config) : undefined,
      },
    });
    this.freshness = new FreshnessSchedule(this, 'freshness-schedule', { publisher: this.functions.byModule.freshness });

    // The token lifecycle (docs/tokens.md): the default authorization refreshed by the secret's
    // rotation, the named ones by the hourly check, which also publishes what the alarms watch.
    this.token.rotateWith(this.functions.byModule['rotate-token']);
    this.tokenCheck = new TokenCheckSchedule(this, 'token-check-schedule', { checker: this.functions.byModule.tokens });
    this.tokenAlarms = new TokenAlarms(this, 'token-alarms', {
      topic: this.alarms.topic,
      tokenAlarmDays: config.tokenAlarmDays,
      refreshTokenAlarmDays: config.refreshTokenAlarmDays,
    });
    this.tokenOperator = new TokenOperatorPolicy(this, 'token-operator', {
      tokenSecret: this.token.secret,
      appSecret: this.appCredentials.secret,
      tokenStore: this.tokenStore,
    });

    this.dashboard = new ExportDashboard(this, 'dashboard', {
      stateMachine,
      exportTypes: config.exportTypes,
      freshnessAlarmDays: freshnessAlarmDaysOf(config),
      tokens: { tokenAlarmDays: config.tokenAlarmDays, refreshTokenAlarmDays: config.refreshTokenAlarmDays },
      alarms: [...this.alarms.alarms, ...this.tokenAlarms.alarms],
    });

    // The query layer over the landed data (docs/query.md).
    this.tables = new ExportTables(this, 'tables', {
      bucket: this.storage.bucket,
      accessLogBucket: this.storage.accessLogBucket,
      keyPrefix: config.keyPrefix,
      earliestDay: config.earliestDay,
      databaseName: config.glueDatabaseName ?? undefined,
      contracts: config.contracts,
      scanCutoffGb: config.athenaScanCutoffGb,
      // The columns the copy lets through are the columns the tables read (cdk.json expectedColumns).
      columns: Object.fromEntries(EXPORT_TYPES.map((exportType) => [exportType, expectedColumnsOf(exportType, config.expectedColumns)])),
      removalPolicy,
    });

    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName, description: 'Where the exports land' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn, description: 'Start executions here' });
    new CfnOutput(this, 'SecretArn', {
      value: this.token.secret.secretArn,
      description:
        'The token secret (the default LinkedIn authorization): npm run cli -- authorize, or aws secretsmanager put-secret-value',
    });
    // What `npm run cli -- authorize / tokens` and docs/tokens.md name; SecretArn above stays for
    // the deployments and scripts that read it already.
    new CfnOutput(this, 'TokenSecretArn', {
      value: this.token.secret.secretArn,
      description: 'The token secret (the default LinkedIn authorization), rotated daily (docs/tokens.md)',
    });
    new CfnOutput(this, 'AppCredentialsSecretArn', {
      value: this.appCredentials.secret.secretArn,
      description: 'Put the LinkedIn app credentials here: JSON {"clientId", "clientSecret"} (docs/tokens.md)',
    });
    new CfnOutput(this, 'TokenStoreBucketName', {
      value: this.tokenStore.bucket.bucketName,
      description: 'The named LinkedIn authorizations (npm run cli -- authorize --name <name>)',
    });
    new CfnOutput(this, 'TokenStoreKeyArn', { value: this.tokenStore.key.keyArn, description: "The token store's KMS key" });
    new CfnOutput(this, 'TokenOperatorPolicyArn', {
      value: this.tokenOperator.policy.managedPolicyArn,
      description: 'Attach to whoever authorizes customers (npm run cli -- authorize / tokens)',
    });
    new CfnOutput(this, 'ScheduleName', { value: this.schedule.schedule.scheduleName, description: 'The EventBridge Scheduler schedule' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'Subscribe to alarm notifications' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboard.dashboardName, description: 'The CloudWatch dashboard' });
    new CfnOutput(this, 'GlueDatabaseName', { value: this.tables.database.ref, description: 'The tables and typed views (docs/query.md)' });
    new CfnOutput(this, 'AthenaWorkGroup', { value: this.tables.workGroup.ref, description: 'Query in this Athena workgroup' });
    new CfnOutput(this, 'QueryResultsBucketName', {
      value: this.tables.resultsBucket.bucketName,
      description: "The workgroup's query results",
    });
    new CfnOutput(this, 'AnalystPolicyArn', {
      value: this.tables.analystPolicy.managedPolicyArn,
      description: 'Attach to whoever queries the tables',
    });
  }
}
