/**
 * One way to build this product's Lambdas (Powertools example-app style): newest Node runtime on
 * ARM64, esbuild bundling done locally, X-Ray active tracing (each invocation in the execution's
 * trace), source maps, and a log group with a retention.
 */
import * as path from 'node:path';
import { type Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { type HandlerModule, METRICS_NAMESPACE, SERVICE_NAME } from '../lambdas/shared/contract/names';
import type { RuntimeEnvironment } from '../lambdas/shared/contract/runtime-config';
import { LAMBDA_BUNDLE } from './bundling';
import { handlerEntry, PROJECT_ROOT } from './paths';

export interface ExportFunctionProps {
  /** Handler module under lambdas/, without extension, e.g. `copy-to-s3`. It exports `handler`. */
  readonly handlerModule: HandlerModule;
  readonly description: string;
  /** Lambda timeout; a Step Functions task waits a little longer than this. */
  readonly timeout: Duration;
  /** @default 256 */
  readonly memorySize?: number;
  /** The function's /tmp. @default 512 MiB (Lambda's default) */
  readonly ephemeralStorageMb?: number;
  /**
   * Instances that may run at once, taken from the account's pool. @default none reserved (the
   * account's unreserved concurrency)
   */
  readonly reservedConcurrentExecutions?: number;
  /**
   * Every runtime variable, added to the common Powertools/Node environment: the deployed
   * handlers apply no defaults, so a missing one would fail each invocation as ConfigError.
   */
  readonly environment: RuntimeEnvironment;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * A NodejsFunction for one handler in lambdas/.
 *
 * @example
 * new ExportFunction(this, 'check-job', { handlerModule: 'check-job', description: '...', timeout: Duration.seconds(60), environment });
 */
export class ExportFunction extends NodejsFunction {
  /** The handler module this function runs (e.g. `plan`); the local runner maps states to it. */
  readonly handlerModule: HandlerModule;
  /** The Lambda timeout, so the state machine can set each task's timeout just above it. */
  readonly timeoutDuration: Duration;

  constructor(scope: Construct, id: string, props: ExportFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}-logs`, {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      // Logs expire on their own; keeping them after a stack delete helps a post-mortem.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    super(scope, id, {
      entry: handlerEntry(props.handlerModule),
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize ?? 256,
      ...(props.ephemeralStorageMb ? { ephemeralStorageSize: Size.mebibytes(props.ephemeralStorageMb) } : {}),
      ...(props.reservedConcurrentExecutions !== undefined && { reservedConcurrentExecutions: props.reservedConcurrentExecutions }),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        // Stack traces point at lambdas/*.ts, not at the minified bundle.
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        ...props.environment,
      },
      bundling: {
        minify: LAMBDA_BUNDLE.minify,
        sourceMap: LAMBDA_BUNDLE.sourceMap,
        target: LAMBDA_BUNDLE.target,
        format: OutputFormat.ESM,
        mainFields: [...LAMBDA_BUNDLE.mainFields],
        banner: LAMBDA_BUNDLE.banner,
        esbuildArgs: Object.fromEntries(Object.entries(LAMBDA_BUNDLE.alias).map(([from, to]) => [`--alias:${from}`, to])),
        // Ship the SDK version the tests ran against (lib-storage and checksum defaults have
        // changed between releases) instead of whatever the runtime happens to include.
        bundleAwsSDK: true,
        externalModules: [],
      },
    });
    this.handlerModule = props.handlerModule;
    this.timeoutDuration = props.timeout;
  }
}
