/**
 * The Lambdas of the workflow, one per handler module of the contract
 * (lambdas/shared/contract/names.ts), each with the complete runtime environment and only the
 * permissions its handler uses (docs/design.md).
 */
import { Duration } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import { HANDLER_MODULES, type HandlerModule } from '../lambdas/shared/contract/names';
import { RUNS_FOLDER } from '../lambdas/shared/contract/run-layout';
import type { ResourceVariable, RuntimeEnvironment } from '../lambdas/shared/contract/runtime-config';
import { ExportFunction, type ExportFunctionProps } from './function';
import { acknowledge, logicalIdOf } from './nag';

export interface ExportFunctionsProps {
  /** Every runtime variable cdk.json decides (infra/config.ts `runtimeEnvironment`). */
  readonly environment: Omit<RuntimeEnvironment, ResourceVariable>;
  /** Where the copy writes (BUCKET_NAME). */
  readonly bucket: IBucket;
  /** The export prefix ("" or ending in "/"): the copy may write under it only. */
  readonly keyPrefix: string;
  /** The LinkedIn token (LINKEDIN_TOKEN_SECRET_ID); read by the functions that call LinkedIn. */
  readonly tokenSecret: ISecret;
  /** Memory of the copy, which sets its CPU share. */
  readonly copyMemoryMb: number;
  /** The Plan asks LinkedIn's contracts finder (DISCOVER_CONTRACTS), so it reads the token. */
  readonly discoverContracts: boolean;
}

type FunctionSpec = Pick<ExportFunctionProps, 'description' | 'timeout' | 'memorySize'> & {
  /** Calls LinkedIn, so reads the token. */
  readonly callsLinkedIn: boolean;
};

const roleOf = (fn: ExportFunction): IRole => {
  if (fn.role === undefined) throw new Error(`${fn.node.path} has no execution role`);
  return fn.role;
};

/** The role's inline policy, where grants and tracing add their statements. */
const defaultPolicyOf = (fn: ExportFunction): IConstruct => roleOf(fn).node.findChild('DefaultPolicy');

const hasEveryModule = <T>(byModule: Partial<Record<HandlerModule, T>>): byModule is Record<HandlerModule, T> =>
  HANDLER_MODULES.every((handlerModule) => byModule[handlerModule] !== undefined);

/** One ExportFunction per handler module, keyed by module. */
export class ExportFunctions extends Construct {
  readonly byModule: Readonly<Record<HandlerModule, ExportFunction>>;

  constructor(scope: Construct, id: string, props: ExportFunctionsProps) {
    super(scope, id);
    const specs: Record<HandlerModule, FunctionSpec> = {
      plan: {
        description: "Turns the execution input into the run's (contract, export type) pairs, written to S3 for the Distributed Map.",
        // Discovering 10,000 contracts pages LinkedIn's finder for minutes (docs/design.md, "Partner scale").
        timeout: props.discoverContracts ? Duration.minutes(10) : Duration.minutes(1),
        memorySize: 512,
        callsLinkedIn: props.discoverContracts,
      },
      'create-job': {
        description: 'Creates the LinkedIn export job for the next window.',
        timeout: Duration.seconds(60),
        callsLinkedIn: true,
      },
      'check-job': {
        description: 'Reads the LinkedIn export job, classifies its status and decides what to do next.',
        timeout: Duration.seconds(60),
        callsLinkedIn: true,
      },
      'copy-to-s3': {
        description: 'Streams the export CSV into S3, verifies bytes, rows and SHA-256, then publishes it.',
        // Lambda's maximum: a multi-GB CSV at tens of MB/s needs minutes.
        timeout: Duration.minutes(15),
        // CPU scales with memory; 1769 MB is one full vCPU for hashing, CSV counting and TLS.
        memorySize: props.copyMemoryMb,
        callsLinkedIn: true,
      },
      summarize: {
        description: "Reads the Map Run's results, writes the run report and decides how the execution ends.",
        // 30,000 pairs' results are ~60 MB of JSON to read and parse.
        timeout: Duration.minutes(5),
        memorySize: 1024,
        callsLinkedIn: false,
      },
    };
    // Every function gets every variable: the handlers parse the whole table at cold start. The
    // secret's id is not a permission; only the functions that call LinkedIn may read it.
    const environment: RuntimeEnvironment = {
      ...props.environment,
      BUCKET_NAME: props.bucket.bucketName,
      LINKEDIN_TOKEN_SECRET_ID: props.tokenSecret.secretArn,
    };

    const byModule: Partial<Record<HandlerModule, ExportFunction>> = {};
    for (const handlerModule of HANDLER_MODULES) {
      const { callsLinkedIn, ...spec } = specs[handlerModule];
      const fn = new ExportFunction(this, handlerModule, { handlerModule, environment, ...spec });
      if (callsLinkedIn) props.tokenSecret.grantRead(fn);
      acknowledge(
        roleOf(fn),
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        "AWSLambdaBasicExecutionRole only lets the function write its own CloudWatch logs; it is Lambda's standard logging policy.",
      );
      acknowledge(
        defaultPolicyOf(fn),
        'AwsSolutions-IAM5[Resource::*]',
        'X-Ray PutTraceSegments/PutTelemetryRecords do not support resource-level permissions (added by tracing: ACTIVE).',
      );
      byModule[handlerModule] = fn;
    }
    if (!hasEveryModule(byModule)) throw new Error('A handler module has no function');
    this.byModule = byModule;

    // Only the export prefix, only the object operations the copy performs: the upload straight at
    // the final key and the manifest (PutObject, which also covers the multipart calls), aborting
    // an upload that failed verification (AbortMultipartUpload), and the sha256 tag
    // (PutObjectTagging). It never reads, copies or deletes an object.
    const copy = this.byModule['copy-to-s3'];
    copy.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:PutObject', 's3:PutObjectTagging', 's3:AbortMultipartUpload'],
        resources: [props.bucket.arnForObjects(`${props.keyPrefix}*`)],
      }),
    );
    acknowledge(
      defaultPolicyOf(copy),
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.bucket)}.Arn>/${props.keyPrefix}*]`,
      'Export keys are deterministic per (export type, contract, window) and not known at deploy time; the grant is limited to the export prefix.',
    );

    // The run files (items, Map Run results, report) live under <prefix>runs/, named by execution.
    const runs = `${props.keyPrefix}${RUNS_FOLDER}*`;
    const runsReason =
      "A run's files are named by its execution (runs/<execution name>/) and its Map Run id, known only at run time; the grant is limited to the runs/ prefix.";
    // plan puts the run's items and gets an earlier run's report (a rerun); summarize gets the Map
    // Run's results and puts the report.
    for (const fn of [this.byModule.plan, this.byModule.summarize]) {
      fn.addToRolePolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [props.bucket.arnForObjects(runs)],
        }),
      );
      acknowledge(defaultPolicyOf(fn), `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.bucket)}.Arn>/${runs}]`, runsReason);
    }
  }
}
