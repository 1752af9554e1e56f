/**
 * Builds the CDK app: used by infra/app.ts (the `cdk` CLI entry), the infra tests and the local
 * runner (through infra/asl.ts), so all three synthesize the same stack.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStackConfig } from './config';
import { SalesNavExportStack } from './stack';

/** The stack's construct id (and CloudFormation stack name). */
export const STACK_ID = 'LinkedInSalesNavExport';

export interface CreateAppOptions {
  /** App context (feature flags, `salesNavExport`). The CLI passes cdk.json's through the environment. */
  readonly context?: Record<string, unknown>;
  /** Run cdk-nag AwsSolutions as a policy-validation plugin: synth fails on findings. @default true */
  readonly nag?: boolean;
  /** Where the cloud assembly goes. @default the CLI's or a temporary directory */
  readonly outdir?: string;
}

/**
 * Creates the App and the stack; configuration errors surface here, naming the cdk.json key.
 *
 * @returns the app and the stack, not yet synthesized
 */
export const createApp = (options: CreateAppOptions = {}): { app: App; stack: SalesNavExportStack } => {
  const app = new App({ context: options.context, outdir: options.outdir });
  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new SalesNavExportStack(app, STACK_ID, {
    description: 'LinkedIn Sales Navigator analytics exports landed in S3 by a Step Functions workflow',
    config: loadStackConfig(app),
    // Environment-agnostic unless the CLI knows an account: synth needs no credentials.
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  return { app, stack };
};
