/**
 * Everything the product deploys (docs/design.md): the data bucket and its access-log bucket, the
 * LinkedIn token secret, the four Lambdas, the workflow, its EventBridge Scheduler schedule with a
 * dead-letter queue, and the alarms an operator needs. Each part is a construct of its own file
 * that owns its permissions and cdk-nag acknowledgements; the stack wires them together.
 */
import { EXPORT_TYPES } from '../lambdas/shared/contract/export-types';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ExportAlarms } from './alarms';
import { runtimeEnvironment, type StackConfig } from './config';
import { ExportFunctions } from './functions';
import { ExportSchedule } from './schedule';
import { ExportStorage } from './storage';
import { LinkedInTokenSecret } from './token';
import { ExportWorkflow } from './workflow';

export interface SalesNavExportStackProps extends StackProps {
  readonly config: StackConfig;
}

/** The product's stack. */
export class SalesNavExportStack extends Stack {
  readonly storage: ExportStorage;
  readonly token: LinkedInTokenSecret;
  readonly functions: ExportFunctions;
  readonly workflow: ExportWorkflow;
  readonly schedule: ExportSchedule;
  readonly alarms: ExportAlarms;

  constructor(scope: Construct, id: string, props: SalesNavExportStackProps) {
    super(scope, id, props);
    const { config } = props;

    this.storage = new ExportStorage(this, 'storage', {
      bucketName: config.bucketName ?? undefined,
      keyPrefix: config.keyPrefix,
      dataRetentionDays: config.dataRetentionDays ?? undefined,
      removalPolicy: config.removalPolicy === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.token = new LinkedInTokenSecret(this, 'linkedin-token');
    this.functions = new ExportFunctions(this, 'functions', {
      environment: runtimeEnvironment(config),
      bucket: this.storage.bucket,
      keyPrefix: config.keyPrefix,
      tokenSecret: this.token.secret,
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
    });

    new CfnOutput(this, 'BucketName', { value: this.storage.bucket.bucketName, description: 'Where the exports land' });
    new CfnOutput(this, 'StateMachineArn', { value: stateMachine.stateMachineArn, description: 'Start executions here' });
    new CfnOutput(this, 'SecretArn', {
      value: this.token.secret.secretArn,
      description: 'Put the LinkedIn access token here (aws secretsmanager put-secret-value)',
    });
    new CfnOutput(this, 'ScheduleName', { value: this.schedule.schedule.scheduleName, description: 'The EventBridge Scheduler schedule' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarms.topic.topicArn, description: 'Subscribe to alarm notifications' });
  }
}
