/**
 * The Lambdas, one per handler module of the contract (lambdas/shared/contract/names.ts): the
 * workflow's tasks, the freshness publisher, and the token lifecycle's rotation and hourly check
 * (docs/tokens.md). Each has the complete runtime environment and only the permissions its handler
 * uses (docs/design.md).
 */
import { Duration } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct, type IConstruct } from 'constructs';
import { HANDLER_MODULES, type HandlerModule } from '../lambdas/shared/contract/names';
import type { ExportType } from '../lambdas/shared/contract/export-types';
import { LEDGER_FOLDER, MANIFESTS_FOLDER, QUARANTINE_FOLDER, RUNS_FOLDER, SUPERSEDED_FOLDER } from '../lambdas/shared/contract/layout';
import type { ResourceVariable, RuntimeEnvironment } from '../lambdas/shared/contract/runtime-config';
import { ExportFunction, type ExportFunctionProps } from './function';
import { acknowledge, logicalIdOf } from './nag';
import type { TokenStore } from './token-store';

export interface ExportFunctionsProps {
  /** Every runtime variable cdk.json decides (infra/config.ts `runtimeEnvironment`). */
  readonly environment: Omit<RuntimeEnvironment, ResourceVariable>;
  /** Where the copy writes (BUCKET_NAME). */
  readonly bucket: IBucket;
  /** The export prefix ("" or ending in "/"): the copy may write under it only. */
  readonly keyPrefix: string;
  /** The LinkedIn token (LINKEDIN_TOKEN_SECRET_ID); read by the functions that call LinkedIn. */
  readonly tokenSecret: ISecret;
  /** The LinkedIn app's credentials (LINKEDIN_APP_SECRET_ID); read by the two that refresh tokens. */
  readonly appSecret: ISecret;
  /** The named authorizations (TOKEN_STORE_BUCKET); read by the functions that call LinkedIn, written by the token check. */
  readonly tokenStore: TokenStore;
  /** Memory of the copy, which sets its CPU share. */
  readonly copyMemoryMb: number;
  /** The Plan asks LinkedIn's contracts finder (DISCOVER_CONTRACTS), which takes it minutes at partner scale. */
  readonly discoverContracts: boolean;
  /** Every export type an execution may ask for: their folders are the data the copy writes. */
  readonly exportTypes: readonly ExportType[];
}

type FunctionSpec = Pick<
  ExportFunctionProps,
  'description' | 'timeout' | 'memorySize' | 'ephemeralStorageMb' | 'reservedConcurrentExecutions'
> & {
  /** Reads the LinkedIn authorizations (the token secret and the token store), read-only. */
  readonly readsAuthorizations: boolean;
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
        // Discovering 10,000 contracts pages LinkedIn's finder for minutes (docs/design.md, "Partner
        // scale"); reading 30,000 pairs' ledgers, 32 at a time, takes tens of seconds.
        timeout: props.discoverContracts ? Duration.minutes(10) : Duration.minutes(5),
        memorySize: 512,
        // It reads every authorization once per run to give each pair its own, and ends a run no
        // authorization can serve before anything is claimed (docs/tokens.md, "Which authorization
        // a pair uses"), discovering contracts or not.
        readsAuthorizations: true,
      },
      'claim-window': {
        description: "Claims the next window in the export ledger: skips landed days, waits for a live claim, resumes a dead one's job.",
        // A pair's first ledger reads every manifest in its folder, and a move left undone copies
        // objects of up to 3 GB server-side.
        timeout: Duration.minutes(5),
        readsAuthorizations: false,
      },
      'create-job': {
        description: 'Creates the LinkedIn export job for the claimed window and records it in the ledger.',
        timeout: Duration.seconds(60),
        readsAuthorizations: true,
      },
      'check-job': {
        description: 'Reads the LinkedIn export job, classifies its status and decides what to do next.',
        timeout: Duration.seconds(60),
        readsAuthorizations: true,
      },
      'copy-to-s3': {
        description: 'Streams the export CSV into S3 as one object per day, verifies bytes, rows and SHA-256, then publishes it.',
        // Lambda's maximum: a multi-GB CSV at tens of MB/s needs minutes.
        timeout: Duration.minutes(15),
        // CPU scales with memory; 1769 MB is one full vCPU for hashing, CSV counting and TLS.
        memorySize: props.copyMemoryMb,
        // A multi-day window is split into day files on /tmp before any day is uploaded
        // (copy/day-split.ts): room for LinkedIn's largest file (3 GiB) and a header per day.
        ephemeralStorageMb: 3 * 1024 + 512,
        readsAuthorizations: true,
      },
      summarize: {
        description: "Reads the Map Run's results, writes the run report and decides how the execution ends.",
        // 30,000 pairs' results are ~60 MB of JSON to read and parse.
        timeout: Duration.minutes(5),
        memorySize: 1024,
        readsAuthorizations: false,
      },
      freshness: {
        description: 'Reads every export ledger and publishes how old the newest landed days are, per export type (freshness alarms).',
        // 10,000 contracts x 3 types: 30,000 ledgers, 32 at a time, each parsed against the ledger's
        // schema and reduced to its newest day (docs/operations.md, "Alarms"). Parsing is the CPU
        // cost, and it grows with the ledgers (one entry per landed day: ~0.13 ms each after a month,
        // ~2.2 ms after a year, on one core): a full vCPU, and minutes to spare.
        timeout: Duration.minutes(10),
        memorySize: 1769,
        readsAuthorizations: false,
      },
      'rotate-token': {
        description:
          "The token secret's rotation: refreshes the default LinkedIn authorization when it is due, tests the new token, then makes it current.",
        // A refresh and an introspection at LINKEDIN_TIMEOUT_MS each, and a few Secrets Manager calls.
        timeout: Duration.minutes(2),
        // Not the workflow's read grant: its rights on the token secret are the rotation contract's
        // (infra/token.ts rotateWith), and it never touches the token store.
        readsAuthorizations: false,
      },
      tokens: {
        description:
          "The hourly token check: refreshes the named LinkedIn authorizations that are due and publishes every authorization's days left.",
        // 10,000 authorizations read 32 at a time, and the due ones refreshed a few at a time.
        timeout: Duration.minutes(5),
        memorySize: 512,
        // One check at a time: two would refresh the same authorization twice, and the loser's
        // conditional write would only waste a refresh (docs/tokens.md).
        reservedConcurrentExecutions: 1,
        // It writes the store too: granted below.
        readsAuthorizations: false,
      },
    };
    // Every function gets every variable: the handlers parse the whole table at cold start. A
    // secret's id or a bucket's name is not a permission; the grants below decide who reads them.
    const environment: RuntimeEnvironment = {
      ...props.environment,
      BUCKET_NAME: props.bucket.bucketName,
      LINKEDIN_TOKEN_SECRET_ID: props.tokenSecret.secretArn,
      LINKEDIN_APP_SECRET_ID: props.appSecret.secretArn,
      TOKEN_STORE_BUCKET: props.tokenStore.bucket.bucketName,
    };

    const byModule: Partial<Record<HandlerModule, ExportFunction>> = {};
    for (const handlerModule of HANDLER_MODULES) {
      const { readsAuthorizations, ...spec } = specs[handlerModule];
      const fn = new ExportFunction(this, handlerModule, { handlerModule, environment, ...spec });
      if (readsAuthorizations) {
        // The default authorization, and the named ones of the customers whose contracts it exports.
        props.tokenSecret.grantRead(fn);
        for (const statement of props.tokenStore.readStatements()) fn.addToRolePolicy(statement);
        props.tokenStore.acknowledgeObjectGrant(defaultPolicyOf(fn));
      }
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

    // Each folder of the export prefix by what lives there (lambdas/shared/contract/layout.ts):
    // the data of each export type (the tables' locations), the manifests, the ledger, quarantined
    // files and what a forced export superseded.
    const bucketArn = `<${logicalIdOf(props.bucket)}.Arn>`;
    const folder = (name: string) => ({
      arn: props.bucket.arnForObjects(`${props.keyPrefix}${name}*`),
      finding: `AwsSolutions-IAM5[Resource::${bucketArn}/${props.keyPrefix}${name}*]`,
    });
    const data = props.exportTypes.map((exportType) => folder(`${exportType}/`));
    const ledger = folder(LEDGER_FOLDER);
    const superseded = folder(SUPERSEDED_FOLDER);
    const manifests = folder(MANIFESTS_FOLDER);
    const quarantine = folder(QUARANTINE_FOLDER);
    const grant = (fn: ExportFunction, actions: string[], resources: string[]) =>
      fn.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions, resources }));
    const reasons: Record<string, string> = {
      data: "Export keys are deterministic per (export type, contract, day) and not known at deploy time; the grant is limited to the export types' folders.",
      manifests:
        'One manifest per landed (export type, contract, window), named at run time; the grant is limited to the manifests/ folder.',
      quarantine:
        'A file whose header does not match is kept under its (export type, contract, window) and arrival time, known only at run time; the grant is limited to the quarantine/ folder.',
      ledger:
        'The export ledger holds one object per (export type, contract), named at run time; the grant is limited to the ledger/ folder.',
      superseded:
        'Superseded objects keep their key and the time they were superseded, known only at run time; the grant is limited to the superseded/ folder.',
    };
    const acknowledgeFolders = (
      fn: ExportFunction,
      folders: { data?: boolean; ledger?: boolean; superseded?: boolean; manifests?: boolean; quarantine?: boolean },
    ) => {
      const policy = defaultPolicyOf(fn);
      if (folders.data) for (const { finding } of data) acknowledge(policy, finding, reasons.data as string);
      if (folders.ledger) acknowledge(policy, ledger.finding, reasons.ledger as string);
      if (folders.superseded) acknowledge(policy, superseded.finding, reasons.superseded as string);
      if (folders.manifests) acknowledge(policy, manifests.finding, reasons.manifests as string);
      if (folders.quarantine) acknowledge(policy, quarantine.finding, reasons.quarantine as string);
    };
    // Every function that reads the ledger may list the bucket: without s3:ListBucket, S3 answers a
    // GET of a missing key (a pair's first ledger, a run without already-landed pairs) with 403
    // instead of 404. A condition on s3:prefix would not help: a GET carries no prefix.
    const listBucket = (fn: ExportFunction) => grant(fn, ['s3:ListBucket'], [props.bucket.bucketArn]);
    // Reading an object (a given version) with its tags, as a move's CopyObject source.
    const readWithTags = ['s3:GetObject', 's3:GetObjectVersion', 's3:GetObjectTagging', 's3:GetObjectVersionTagging'];

    // The copy: the uploads straight at the day keys (PutObject, which also covers the multipart
    // calls), aborting an upload that failed verification or that a killed copy left
    // (ListBucketMultipartUploads: a bucket action without a prefix condition; AbortMultipartUpload),
    // the sha256 tag on the exact version it completed (PutObjectVersionTagging), the window's
    // manifest, a file with an unexpected header kept under quarantine/, the ledger's reads and
    // conditional writes, and keeping the objects a forced export supersedes: read them with their
    // tags, write them under superseded/, delete them where they were.
    const copy = this.byModule['copy-to-s3'];
    grant(
      copy,
      [...readWithTags, 's3:PutObject', 's3:PutObjectTagging', 's3:PutObjectVersionTagging', 's3:AbortMultipartUpload', 's3:DeleteObject'],
      data.map((d) => d.arn),
    );
    grant(copy, ['s3:GetObject', 's3:PutObject'], [ledger.arn]);
    grant(copy, ['s3:PutObject', 's3:PutObjectTagging'], [superseded.arn]);
    grant(copy, ['s3:GetObject', 's3:PutObject'], [manifests.arn]);
    grant(copy, ['s3:PutObject', 's3:AbortMultipartUpload'], [quarantine.arn]);
    grant(copy, ['s3:ListBucketMultipartUploads'], [props.bucket.bucketArn]);
    listBucket(copy);
    acknowledgeFolders(copy, { data: true, ledger: true, superseded: true, manifests: true, quarantine: true });

    // The claim: the ledger (kept aside under superseded/ when a forced run replaces a corrupt one),
    // the manifests a pair's first ledger starts from (listed, read), and the moves a crash left undone.
    const claim = this.byModule['claim-window'];
    grant(
      claim,
      [...readWithTags, 's3:DeleteObject'],
      data.map((d) => d.arn),
    );
    grant(claim, ['s3:GetObject', 's3:PutObject'], [ledger.arn]);
    grant(claim, ['s3:PutObject', 's3:PutObjectTagging'], [superseded.arn]);
    grant(claim, ['s3:GetObject'], [manifests.arn]);
    listBucket(claim);
    acknowledgeFolders(claim, { data: true, ledger: true, superseded: true, manifests: true });

    // create-job: the ledger only (the intent and the job id in the claim).
    const create = this.byModule['create-job'];
    grant(create, ['s3:GetObject', 's3:PutObject'], [ledger.arn]);
    listBucket(create);
    acknowledgeFolders(create, { ledger: true });

    // The run files (items, Map Run results, report) live under <prefix>runs/, named by execution.
    const runs = `${props.keyPrefix}${RUNS_FOLDER}*`;
    const runsReason =
      "A run's files are named by its execution (runs/<execution name>/) and its Map Run id, known only at run time; the grant is limited to the runs/ prefix.";
    // The Plan reads the ledgers to leave out what has landed (it never writes them); summarize
    // reads the run's already-landed list, absent when there is none.
    grant(this.byModule.plan, ['s3:GetObject'], [ledger.arn]);
    acknowledgeFolders(this.byModule.plan, { ledger: true });
    listBucket(this.byModule.plan);
    listBucket(this.byModule.summarize);
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

    // Freshness reads the ledgers and nothing else: it lists the ledger folder only (the keys it
    // reads come from that listing, so a missing key is no concern) and never writes.
    const freshness = this.byModule.freshness;
    grant(freshness, ['s3:GetObject'], [ledger.arn]);
    freshness.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:ListBucket'],
        resources: [props.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.keyPrefix}${LEDGER_FOLDER}*`] } },
      }),
    );
    acknowledgeFolders(freshness, { ledger: true });

    // The rotation reads the app's credentials to refresh (only GetSecretValue: it never describes
    // or writes them); its rights on the token secret come with its schedule (infra/token.ts).
    grant(this.byModule['rotate-token'], ['secretsmanager:GetSecretValue'], [props.appSecret.secretArn]);

    // The token check reads the default authorization (to report it; the rotation refreshes it),
    // the app's credentials, and reads and conditionally writes the named authorizations.
    const tokens = this.byModule.tokens;
    grant(tokens, ['secretsmanager:GetSecretValue'], [props.tokenSecret.secretArn, props.appSecret.secretArn]);
    for (const statement of props.tokenStore.readWriteStatements()) tokens.addToRolePolicy(statement);
    props.tokenStore.acknowledgeObjectGrant(defaultPolicyOf(tokens));
  }
}
