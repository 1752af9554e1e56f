/**
 * `npm run cli -- <command>`: drives the deployed stack's state machine (see `--help`).
 */
// First, as npm start does: the SDK's Node-version notice (and Powertools' output) stay out of the CLI's.
import './runner/quiet-env';
import { MAX_JOB_DAYS } from '../lambdas/shared/contract/linkedin-limits';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { FailedPair } from '../lambdas/shared/contract/run-report';
import { RUNTIME_DEFAULTS } from '../lambdas/shared/contract/runtime-config';
import { parseUtcDay } from '../lambdas/shared/contract/utc-day';
import { DEFAULT_LINKEDIN_API_URL, DEFAULT_LINKEDIN_OAUTH_URL } from '../lambdas/shared/contract/linkedin-limits';
import { ANALYTICS_SCOPE, DEFAULT_AUTHORIZATION } from '../lambdas/shared/tokens/authorization';
import { readStoredAppCredentials } from './authorize/app-credentials';
import { DEFAULT_AUTHORIZE_TIMEOUT_SECONDS, DEFAULT_CALLBACK_PORT, defaultRedirectUri } from './authorize/authorize';
import { openInBrowser } from './authorize/browser';
import { AUTHORIZE_FLAGS, runAuthorize, runTokens, type TokenCommandContext, tokenFiguresForStatus } from './authorize/commands';
import { type AuthorizationDestination, deployedDestination, localDestination } from './authorize/destinations';
import { type LedgerFilter, type LedgerListing, ledgerViewJson, ledgerViewText, readLedgers } from './ledger-view';
import {
  executionStatus,
  planBackfill,
  REDRIVE_WINDOW_DAYS,
  RedriveRefused,
  redriveExecution,
  runBackfill,
  startExport,
  waitForExecution,
  type ExecutionReport,
  type RedriveResult,
} from './runner/deployed';
import { DEFAULT_BUCKET } from './runner/defaults';
import { isParseArgsError, REQUEST_FLAGS, refuseForceWithInput, requestFromFlags, UsageError } from './runner/options';
import { buildExecutionInput } from './runner/request';
import { EXPORT_COLUMNS, exportCells, table } from './runner/render';
import { failedPairs, MAX_PAIR_ROWS, readRunReport, runReportJson, runReportText, type RunReportJson } from './runner/run-report-view';
import { S3RVER_CREDENTIALS, s3ClientConfig } from './s3-client';

/** The CDK stack id (infra/create-app.ts), the key of `cdk deploy --outputs-file`'s JSON. */
const STACK_ID = 'LinkedInSalesNavExport';
const DEFAULT_OUTPUTS_FILE = path.resolve(__dirname, '..', 'cdk-outputs.json');
/** Where `npm start` keeps its local S3 data (local/s3.ts DEFAULT_S3_DIRECTORY, not imported: that would load s3rver for every command). */
const LOCAL_S3_DIRECTORY = path.resolve(__dirname, '..', '.local', 's3');
/** Where `npm start` keeps its stand-in of the token secret and token store (local/tokens/local-store.ts). */
const LOCAL_TOKENS_DIRECTORY = path.resolve(__dirname, '..', '.local', 'tokens');
/** The stack's outputs (infra/stack.ts) that locate the token lifecycle's resources (docs/tokens.md). */
const TOKEN_OUTPUTS = {
  tokenSecret: 'SecretArn',
  appCredentialsSecret: 'AppCredentialsSecretArn',
  tokenStoreBucket: 'TokenStoreBucketName',
} as const;

export const CLI_HELP = `Drive the deployed export workflow (AWS credentials from the standard chain).

Usage: npm run cli -- <command> [options]

Commands
  start                 start an export; the execution name is derived from the request, so
                        starting the same request again reports the existing execution
      --type T          activity | activityOutcome | seat | all (default: all)
      --contract URN    repeatable (default: the deployment's contracts)
      --from YYYY-MM-DD --to YYYY-MM-DD   UTC days, to exclusive (default: today's scheduled window)
      --input JSON|@F   the console input itself (overrides the four options above; to
                        force it, write "force": true in it)
      --force           export the days even if the export ledger says they already landed:
                        each new object supersedes the older ones covering its days (moved
                        under superseded/). Puts "force": true in the input, so a forced
                        request has an execution name of its own. Without it, days already
                        landed are skipped
  backfill              export a long range as executions of at most --chunk-days days each,
                        --concurrency at a time; resumable: run it again to skip what succeeded,
                        wait for what runs and retry what failed
      --from YYYY-MM-DD --to YYYY-MM-DD   required
      --chunk-days N    1-90 (default: 90, LinkedIn's limit per job)
      --concurrency N   executions running at once (default: 2)
      --type, --contract, --force as for start (--force: every chunk's input)
  status EXECUTION      state, current step, and the result (S3 URIs, rows) or the error;
                        EXECUTION is an execution ARN or name. For a distributed run it also
                        reads the run report from S3 (the output's reportUri, or the
                        "Report: s3://…" line of a failed run's cause) and shows every
                        (contract, export type) pair: counts, failures by error, and a table
                        of pairs, failed first (the first ${MAX_PAIR_ROWS}; --json lists all). A report
                        that cannot be read is a warning on stderr, not an error
  redrive EXECUTION     run again what failed in a FAILED, TIMED_OUT or ABORTED execution.
                        A run that failed on some pairs (PartialFailure, or every pair
                        failed) ended in its Fail state after its Map Run exited, so Step
                        Functions' RedriveExecution would only re-enter that Fail state:
                        redrive starts EXECUTION-rerun with {"rerunOf": EXECUTION} instead,
                        which exports exactly the failed pairs of its run report, each over
                        its own window (asking twice reports the same rerun). A run that
                        broke before it was summarized (Plan, Summarize, timeout, stop) is
                        redriven with RedriveExecution: same execution and input, only the
                        steps that did not succeed run again, within ${REDRIVE_WINDOW_DAYS} days of
                        its end. A run stopped at its tolerated failure threshold is refused,
                        with what to do instead (start the same input again).
                        Safe to repeat: keys are deterministic, so a pair that runs again
                        overwrites its objects instead of duplicating them. An execution that
                        SUCCEEDED has nothing to redrive (exit 0); a running one cannot be
                        redriven until it ends
      --wait            then wait for it to end (checked every 30 s) and print its status;
                        the exit status is then status's
  ledger                what the export ledgers say, per (export type, contract): the days
                        landed (merged ranges), the gaps, the claims of running executions
                        (owner, window, job, lease), superseded objects (and moves still to
                        do) and orphaned LinkedIn jobs. A ledger that does not parse is
                        listed as LedgerCorrupt: s3://… and the exit status is 1
      --type T, --contract URN   only these pairs (default: every pair with a ledger)
      --from YYYY-MM-DD --to YYYY-MM-DD   the days to look for gaps in (default: each
                        pair's first landed or claimed day to its last end)
      --local           read npm start's local S3 (.local/s3) instead of AWS S3
      --bucket NAME     the export bucket (default: BucketName in the outputs file, else
                        the deployed stack's outputs; with --local, ${DEFAULT_BUCKET})
      --prefix P        the key prefix (default: ${RUNTIME_DEFAULTS.KEY_PREFIX})
  authorize             authorize the LinkedIn app for a customer (docs/tokens.md): a member of
                        the customer signs in to LinkedIn in the browser and allows the app;
                        stores the access token, its expiry, the refresh token (when LinkedIn
                        gives one) and the contracts LinkedIn's finder lists under it with
                        reporting access. The name ${DEFAULT_AUTHORIZATION} is kept in the stack's token secret
                        (SecretArn), any other in its token store (TokenStoreBucketName).
                        Nothing is stored unless every step succeeded. LinkedIn invalidates
                        the member's earlier tokens for the app when the scope set differs
                        from their last authorization
      --name NAME       the authorization (default: ${DEFAULT_AUTHORIZATION})
      --client-id ID --client-secret S   the LinkedIn app's credentials (default: env
                        LINKEDIN_CLIENT_ID / LINKEDIN_CLIENT_SECRET, else the stack's
                        app-credentials secret, AppCredentialsSecretArn); prefer the
                        environment for the secret: a flag stays in the shell history
      --port N          the local listener's port (default: ${DEFAULT_CALLBACK_PORT}); the app must have
                        http://127.0.0.1:N/callback as a registered redirect URL (0: any
                        free port, which only the simulator accepts)
      --redirect-uri U  the registered redirect URL instead: http://127.0.0.1:PORT/PATH or
                        http://localhost:PORT/PATH (default: ${defaultRedirectUri(DEFAULT_CALLBACK_PORT)});
                        the listener binds 127.0.0.1 only
      --scope S         repeatable: scopes to ask for besides ${ANALYTICS_SCOPE}
      --no-browser      only print the URL (from another machine, tunnel the port first:
                        ssh -L N:127.0.0.1:N this-host)
      --timeout-seconds N   how long to wait for the member (default: ${DEFAULT_AUTHORIZE_TIMEOUT_SECONDS})
      --token T|-       store an access token obtained elsewhere instead (-: read it from
                        stdin, which keeps it out of the shell history). With app credentials,
                        LinkedIn's introspection tells its expiry, and an expired or revoked
                        token is refused; without, its expiry stays unknown, so no warning
                        comes before it expires
      --oauth-url URL   LinkedIn's OAuth endpoints (default: ${DEFAULT_LINKEDIN_OAUTH_URL})
      --linkedin-url URL   LinkedIn's API, for the contracts finder (default:
                        ${DEFAULT_LINKEDIN_API_URL})
      --local           store in npm start's local stand-in (.local/tokens) instead, against
                        the simulator: --oauth-url, --linkedin-url and the app credentials
                        as it prints them
  tokens                every stored authorization, ${DEFAULT_AUTHORIZATION} first: name, masked token, days
                        left and expiry of the access token (or "unknown: plain token") and
                        of the refresh token (or "none"), contracts covered, problem
                        (expired, revoked), and what to do about each. The same judgement as
                        the hourly token check: exit 1 when one is unusable, or its access
                        token is below ${RUNTIME_DEFAULTS.TOKEN_ALARM_DAYS} days, or its refresh token below ${RUNTIME_DEFAULTS.REFRESH_TOKEN_ALARM_DAYS}
      --local           read npm start's local stand-in (.local/tokens)

Common options
  --state-machine-arn ARN   default: env SALESNAV_STATE_MACHINE_ARN, else StateMachineArn in
                            the outputs file, else the deployed LinkedInSalesNavExport
                            stack's outputs (CloudFormation DescribeStacks)
  --outputs-file F          \`cdk deploy --outputs-file F\` output (default: cdk-outputs.json)
  --region R                default: the AWS SDK's (AWS_REGION, profile)
  --json                    print JSON instead of text
  --help

Exit status: 0 ok; 1 a backfill chunk or the execution (status, redrive --wait) did not
succeed, redrive was refused (no such execution, still running, not redrivable, past the
${REDRIVE_WINDOW_DAYS}-day window), a ledger is corrupt, authorize stored nothing, or an
authorization needs attention (tokens); 2 usage error.`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** One output of the deployed stack (CloudFormation DescribeStacks), or undefined when the stack is not there. */
export const stackOutput = async (cloudFormation: CloudFormationClient, key: string, stackName = STACK_ID): Promise<string | undefined> => {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === key)?.OutputValue;
  } catch (error) {
    // "Stack with id … does not exist" is a ValidationError: fall through to the usage message.
    if ((error as Error).name === 'ValidationError') return undefined;
    throw error;
  }
};

/** The deployed stack's `StateMachineArn` output, or undefined when the stack is not there. */
export const stateMachineArnFromStack = (cloudFormation: CloudFormationClient, stackName = STACK_ID): Promise<string | undefined> =>
  stackOutput(cloudFormation, 'StateMachineArn', stackName);

/** One output of the stack in a `cdk deploy --outputs-file` file, if the file is there and has it. */
const outputsFileValue = (outputsFile: string, key: string): string | undefined => {
  if (!existsSync(outputsFile)) return undefined;
  const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
  return outputs[STACK_ID]?.[key] || undefined;
};

/** One of the stack's outputs: the `cdk deploy --outputs-file` file, then the deployed stack (CloudFormation DescribeStacks). */
const stackValue = async (outputsFile: string, key: string, cloudFormation: () => CloudFormationClient): Promise<string | undefined> =>
  outputsFileValue(outputsFile, key) ?? (await stackOutput(cloudFormation(), key));

/**
 * The state machine to talk to: the flag, the env variable, the `cdk deploy --outputs-file`
 * file, then the deployed stack's outputs (CloudFormation DescribeStacks), in that order.
 */
export const resolveStateMachineArn = async (
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
  outputsFile: string,
  fromStack: () => Promise<string | undefined> = async () => undefined,
): Promise<string> => {
  if (flag) return flag;
  if (env.SALESNAV_STATE_MACHINE_ARN) return env.SALESNAV_STATE_MACHINE_ARN;
  const fromFile = outputsFileValue(outputsFile, 'StateMachineArn');
  if (fromFile) return fromFile;
  const arn = await fromStack();
  if (arn) return arn;
  throw new UsageError(
    `no state machine: pass --state-machine-arn, set SALESNAV_STATE_MACHINE_ARN, deploy with ` +
      `\`npx cdk deploy --outputs-file cdk-outputs.json\` (looked in ${outputsFile}), or deploy the ${STACK_ID} stack ` +
      `in this account and region`,
  );
};

/** The export bucket of `ledger`: the flag, the outputs file, then the deployed stack's outputs. */
export const resolveBucket = async (
  flag: string | undefined,
  outputsFile: string,
  fromStack: () => Promise<string | undefined> = async () => undefined,
): Promise<string> => {
  const bucket = flag ?? outputsFileValue(outputsFile, 'BucketName') ?? (await fromStack());
  if (bucket) return bucket;
  throw new UsageError(
    `no export bucket: pass --bucket, --local for npm start's local S3 (.local/s3), deploy with ` +
      `\`npx cdk deploy --outputs-file cdk-outputs.json\` (looked in ${outputsFile}), or deploy the ${STACK_ID} stack ` +
      `in this account and region`,
  );
};

/**
 * Reads the ledgers from npm start's local S3: an s3rver started over its data directory for the
 * time of the read. No bucket directory there means no run yet, and starting s3rver would only
 * create an empty one.
 */
const readLocalLedgers = async (directory: string, bucket: string, prefix: string, filter: LedgerFilter): Promise<LedgerListing> => {
  if (!existsSync(path.join(directory, bucket))) return { entries: [], ignoredKeys: [] };
  // Loaded here only: s3rver (and its web stack) is of no use to the other commands.
  const { startLocalS3 } = await import('./s3');
  const local = await startLocalS3({ bucket, directory });
  const client = new S3Client({ ...s3ClientConfig(local.endpoint), credentials: S3RVER_CREDENTIALS });
  try {
    return await readLedgers(client, bucket, prefix, filter);
  } finally {
    client.destroy();
    await local.close();
  }
};

const positiveInt = (name: string, value: string | undefined, fallback: number): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} ${JSON.stringify(value)} is not a whole number >= 1`);
  return n;
};

const readInput = (value: string): Record<string, unknown> => {
  const text = value.startsWith('@') ? readFileSync(value.slice(1), 'utf8') : value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--input is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError('--input must be a JSON object');
  return parsed as Record<string, unknown>;
};

/** `status --json`: the execution, and for a distributed run its run report. */
export interface StatusJson extends ExecutionReport {
  /** The run report: counts, failures by error name and every pair (failed first). */
  report?: RunReportJson;
  /** Every pair that did not land (from the run report). */
  failed?: FailedPair[];
  /** Why the run report at `reportUri` could not be read. */
  reportError?: string;
}

/**
 * The execution's status plus, when it names a run report, the report read from S3. Never
 * fails because of the report: an unreadable one sets `reportError`.
 */
export const statusWithReport = async (
  sfn: SFNClient,
  s3: () => S3Client,
  execution: string,
  stateMachineArn?: string,
): Promise<{ status: StatusJson; reportText?: string }> => {
  const status: StatusJson = await executionStatus(sfn, execution, stateMachineArn);
  if (!status.reportUri) return { status };
  const read = await readRunReport(s3(), status.reportUri, status.name);
  if (!read.ok) {
    status.reportError = read.reason;
    return { status };
  }
  status.report = runReportJson(read.report, status.reportUri);
  status.failed = failedPairs(read.report);
  return { status, reportText: runReportText(read.report, status.reportUri) };
};

const LABEL = 11;
const field = (label: string, value: string): string => `${label.padEnd(LABEL)}${value.replace(/\n/g, `\n${' '.repeat(LABEL)}`)}`;

const statusText = (status: StatusJson, reportText?: string): string => {
  const lines = [
    field('Execution', status.name),
    field('ARN', status.executionArn),
    field('Status', status.status),
    ...(status.currentStep ? [field('Step', status.currentStep)] : []),
    ...(status.startDate ? [field('Started', status.startDate.toISOString())] : []),
    ...(status.stopDate ? [field('Stopped', status.stopDate.toISOString())] : []),
    ...(status.redriveCount
      ? [field('Redriven', `${status.redriveCount} time(s)${status.redriveDate ? `, last ${status.redriveDate.toISOString()}` : ''}`)]
      : []),
    ...(status.redriveStatus === 'NOT_REDRIVABLE'
      ? [field('Redrive', `not possible${status.redriveStatusReason ? `: ${status.redriveStatusReason}` : ''}`)]
      : []),
  ];
  if (status.error !== undefined) {
    // The cause's last line names the report, shown below (or in the warning) anyway.
    const cause = status.reportUri ? (status.cause ?? '').replace(/\s*Report: s3:\/\/\S+\s*$/, '') : (status.cause ?? '');
    lines.push(field('Error', status.error), field('Cause', cause));
  }
  if (reportText) lines.push('', reportText);
  else if (status.reportUri && !status.reportError) lines.push(field('Report', status.reportUri));
  if (status.exports?.length) {
    lines.push(
      '',
      table(
        [...EXPORT_COLUMNS, 'BYTES', 'S3 URI'],
        status.exports.map((e) => [...exportCells(e), String(e.bytes), e.s3Uri]),
      ),
    );
  }
  if (status.exportsOmitted)
    lines.push(`… and ${status.exportsOmitted} more landed object(s)${status.reportUri ? ` (see report ${status.reportUri})` : ''}`);
  return lines.join('\n');
};

const failedStatus = (status: string): boolean => status === 'FAILED' || status === 'TIMED_OUT' || status === 'ABORTED';

const redriveText = (result: RedriveResult): string => {
  if (!result.redriven) return `${result.name} ${result.previousStatus}: nothing to redrive`;
  if (result.kind === 'rerun') {
    return [
      `${result.rerunOf} failed on some pairs after its Map Run ended: ${result.status === 'RUNNING' ? 'started' : 'found'} ${result.name} to export exactly those pairs again`,
      field('ARN', result.executionArn),
      ...(result.previousError !== undefined ? [field('Was', result.previousError)] : []),
      'What landed stays; each failed pair runs again over its own window (deterministic keys: nothing is duplicated).',
      ...(result.status !== 'RUNNING' ? [`It is ${result.status}: if some pairs still fail, redrive ${result.name} in turn.`] : []),
      `Follow it with: npm run cli -- status ${result.name}`,
    ].join('\n');
  }
  return [
    `Redriven ${result.name}: ${result.previousStatus} -> ${result.status} (redrive ${result.redriveCount}${
      result.redriveDate ? `, ${result.redriveDate.toISOString()}` : ''
    })`,
    field('ARN', result.executionArn),
    ...(result.previousError !== undefined ? [field('Was', result.previousError)] : []),
    'Only what did not succeed runs again (for a distributed run, the failed pairs); what landed stays.',
    `Follow it with: npm run cli -- status ${result.name}`,
  ].join('\n');
};

/** The S3 client of `status` (run reports): the AWS SDK's default credentials and region, like Step Functions'. */
export const defaultS3For = (region?: string): S3Client => new S3Client({ ...(region && { region }), followRegionRedirects: true });

/** What `authorize` and `tokens` take from outside the process: tests pass their own. */
export interface TokenCommandDependencies {
  /** npm start's stand-in of the token secret and token store, for --local. */
  readonly localTokensDirectory: string;
  readonly secretsManagerFor: (region?: string) => SecretsManagerClient;
  /** Opens the authorization URL (a test plays the member here). */
  readonly openBrowser: (url: string) => unknown;
  /** The whole standard input, for `authorize --token -`. */
  readonly readStdin: () => Promise<string>;
  readonly now: () => number;
}

const readAll = async (stream: NodeJS.ReadableStream): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
};

const DEFAULT_TOKEN_DEPENDENCIES: TokenCommandDependencies = {
  localTokensDirectory: LOCAL_TOKENS_DIRECTORY,
  secretsManagerFor: (region) => new SecretsManagerClient(region ? { region } : {}),
  openBrowser: (url) => openInBrowser(url),
  readStdin: () => readAll(process.stdin),
  now: Date.now,
};

/**
 * Runs one CLI command and returns the exit status (0 ok, 1 failed, 2 usage).
 *
 * @param sfnFor builds the client (tests pass one backed by aws-sdk-client-mock)
 * @param sleep between checks of a running execution (backfill, redrive --wait)
 * @param s3For builds the client that reads run reports and ledgers (tests pass one pointed at s3rver)
 * @param localS3Directory the data of npm start's local S3, for `ledger --local`
 * @param tokenDependencies what `authorize` and `tokens` use instead of the real ones
 */
export const main = async (
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
  env: NodeJS.ProcessEnv = process.env,
  sfnFor: (region?: string) => SFNClient = (region) => new SFNClient(region ? { region } : {}),
  sleep?: (ms: number) => Promise<void>,
  s3For: (region?: string) => S3Client = defaultS3For,
  localS3Directory: string = LOCAL_S3_DIRECTORY,
  tokenDependencies: Partial<TokenCommandDependencies> = {},
): Promise<number> => {
  const print = (text: string) => io.stdout.write(`${text}\n`);
  const json = (value: unknown) => print(JSON.stringify(value, null, 2));
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        ...REQUEST_FLAGS,
        input: { type: 'string' },
        'chunk-days': { type: 'string' },
        concurrency: { type: 'string' },
        'state-machine-arn': { type: 'string' },
        'outputs-file': { type: 'string' },
        region: { type: 'string' },
        wait: { type: 'boolean', default: false },
        local: { type: 'boolean', default: false },
        bucket: { type: 'string' },
        prefix: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        ...AUTHORIZE_FLAGS,
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      print(CLI_HELP);
      return command === undefined && !values.help ? 2 : 0;
    }
    if (values.wait && command !== 'redrive') throw new UsageError(`--wait is an option of redrive, not of ${command}`);
    if (values.force && command !== 'start' && command !== 'backfill') {
      throw new UsageError(`--force is an option of start and backfill, not of ${command}`);
    }
    for (const flag of ['bucket', 'prefix'] as const) {
      if (values[flag] !== undefined && command !== 'ledger') throw new UsageError(`--${flag} is an option of ledger, not of ${command}`);
    }
    if (values.local && command !== 'ledger' && command !== 'authorize' && command !== 'tokens') {
      throw new UsageError(`--local is an option of ledger, not of ${command} (authorize and tokens take it as well)`);
    }
    for (const flag of Object.keys(AUTHORIZE_FLAGS) as Array<keyof typeof AUTHORIZE_FLAGS>) {
      if (values[flag] !== undefined && values[flag] !== false && command !== 'authorize') {
        throw new UsageError(`--${flag} is an option of authorize, not of ${command}`);
      }
    }
    const arn = () =>
      resolveStateMachineArn(values['state-machine-arn'], env, values['outputs-file'] ?? DEFAULT_OUTPUTS_FILE, () =>
        stateMachineArnFromStack(new CloudFormationClient(values.region ? { region: values.region } : {})),
      );
    const sfn = sfnFor(values.region);
    let s3: S3Client | undefined;
    const s3Client = () => {
      s3 ??= s3For(values.region);
      return s3;
    };
    /** status's output; its exit status. */
    const showStatus = async (execution: string, stateMachineArn?: string): Promise<{ status: StatusJson; code: number }> => {
      const { status, reportText } = await statusWithReport(sfn, s3Client, execution, stateMachineArn);
      if (status.reportError) io.stderr.write(`warning: could not read the run report ${status.reportUri}: ${status.reportError}\n`);
      if (!values.json) print(statusText(status, reportText));
      return { status, code: failedStatus(status.status) ? 1 : 0 };
    };
    const smFor = async (execution: string) => (execution.startsWith('arn:') ? undefined : await arn());
    const tokenContext = (): TokenCommandContext => {
      const dependencies = { ...DEFAULT_TOKEN_DEPENDENCIES, ...tokenDependencies };
      const outputsFile = values['outputs-file'] ?? DEFAULT_OUTPUTS_FILE;
      const fromStack = (key: string) =>
        stackValue(outputsFile, key, () => new CloudFormationClient(values.region ? { region: values.region } : {}));
      let secretsManager: SecretsManagerClient | undefined;
      const secretsManagerClient = () => {
        secretsManager ??= dependencies.secretsManagerFor(values.region);
        return secretsManager;
      };
      return {
        print,
        note: (text) => io.stderr.write(`${text}\n`),
        env,
        destination: async (local): Promise<AuthorizationDestination> => {
          if (local) return localDestination(dependencies.localTokensDirectory);
          const tokenSecretId = await fromStack(TOKEN_OUTPUTS.tokenSecret);
          if (!tokenSecretId) {
            throw new UsageError(
              `no token secret: deploy with \`npx cdk deploy --outputs-file cdk-outputs.json\` (looked for ${TOKEN_OUTPUTS.tokenSecret} in ${outputsFile}), ` +
                `deploy the ${STACK_ID} stack in this account and region, or pass --local for npm start's stand-in`,
            );
          }
          const tokenStoreBucket = await fromStack(TOKEN_OUTPUTS.tokenStoreBucket);
          return deployedDestination({
            secretsManager: secretsManagerClient(),
            s3: s3Client(),
            tokenSecretId,
            ...(tokenStoreBucket && { tokenStoreBucket }),
          });
        },
        appCredentialsSecret: async () => {
          const secretId = await fromStack(TOKEN_OUTPUTS.appCredentialsSecret);
          return secretId ? readStoredAppCredentials(secretsManagerClient(), secretId) : undefined;
        },
        openBrowser: dependencies.openBrowser,
        readStdin: dependencies.readStdin,
        now: dependencies.now,
      };
    };

    switch (command) {
      case 'start': {
        if (rest.length) throw new UsageError(`start takes no argument (got ${rest[0]})`);
        refuseForceWithInput(values.input, values.force);
        const input = values.input !== undefined ? readInput(values.input) : buildExecutionInput(requestFromFlags(values));
        const started = await startExport(sfn, await arn(), input);
        if (values.json) print(JSON.stringify(started, null, 2));
        else {
          print(started.started ? `Started ${started.name}` : `Already started: ${started.name} (${started.status}); not started again`);
          print(`ARN    ${started.executionArn}`);
          print(`Input  ${JSON.stringify(started.input)}`);
          print(`Follow it with: npm run cli -- status ${started.name}`);
          print('  (once it ends: what landed, and what the export ledger skipped as already landed, resumed or superseded)');
        }
        return 0;
      }
      case 'backfill': {
        if (values.from === undefined || values.to === undefined) throw new UsageError('backfill needs --from and --to');
        const request = requestFromFlags(values);
        const chunks = planBackfill(
          { ...request, from: values.from, to: values.to },
          positiveInt('chunk-days', values['chunk-days'], MAX_JOB_DAYS),
        );
        const stateMachineArn = await arn();
        if (!values.json) {
          const forced = request.force ? ', forced (days already landed are exported again)' : '';
          print(`Backfill ${values.from}..${values.to} (end exclusive): ${chunks.length} execution(s)${forced}`);
        }
        const outcomes = await runBackfill(sfn, stateMachineArn, chunks, {
          concurrency: positiveInt('concurrency', values.concurrency, 2),
          ...(sleep && { sleep }),
          onProgress: (o) => {
            if (!values.json) io.stderr.write(`${o.chunk.from}..${o.chunk.to}  ${o.name}  ${o.action}  ${o.status}\n`);
          },
        });
        // What each chunk's run report says the export ledger changed (what landed, what was skipped
        // as already landed, resumed or superseded); a chunk without a readable report shows "-".
        const ledgerCounts = await Promise.all(
          outcomes.map(async (o) => {
            try {
              return (await statusWithReport(sfn, s3Client, o.executionArn, stateMachineArn)).status.report?.counts;
            } catch {
              return undefined;
            }
          }),
        );
        const figure = (value: number | undefined): string => (value === undefined ? '-' : String(value));
        if (values.json)
          print(
            JSON.stringify(
              outcomes.map(({ chunk, name, executionArn, status, action }, i) => ({
                from: chunk.from,
                to: chunk.to,
                name,
                executionArn,
                status,
                action,
                counts: ledgerCounts[i] ?? null,
              })),
              null,
              2,
            ),
          );
        else
          print(
            table(
              ['WINDOW (end excl.)', 'EXECUTION', 'STATUS', 'THIS RUN', 'OBJECTS', 'ALREADY LANDED (DAYS)', 'RESUMED', 'SUPERSEDED'],
              outcomes.map((o, i) => {
                const counts = ledgerCounts[i];
                return [
                  `${o.chunk.from}..${o.chunk.to}`,
                  o.name,
                  o.status,
                  o.action,
                  figure(counts?.objects),
                  figure(counts?.skippedDays),
                  figure(counts?.resumedJobs),
                  figure(counts?.superseded),
                ];
              }),
            ),
          );
        return outcomes.every((o) => o.status === 'SUCCEEDED') ? 0 : 1;
      }
      case 'status': {
        const [execution, extra] = rest;
        if (!execution) throw new UsageError('status needs an execution ARN or name');
        if (extra !== undefined) throw new UsageError(`status takes one execution (got also ${extra})`);
        const { status, code } = await showStatus(execution, await smFor(execution));
        // The token figures beside the execution, when the outputs file names the token secret (no
        // stack lookup just for them); a read failure is a warning, never the status's outcome.
        const knowsTokens = outputsFileValue(values['outputs-file'] ?? DEFAULT_OUTPUTS_FILE, TOKEN_OUTPUTS.tokenSecret) !== undefined;
        const tokens = await (knowsTokens ? tokenFiguresForStatus(tokenContext()) : Promise.resolve(undefined)).catch((error: Error) => {
          io.stderr.write(`warning: could not read the LinkedIn authorizations: ${error.message.replace(/\s+/g, ' ')}\n`);
          return undefined;
        });
        if (values.json) json(tokens ? { ...status, tokens: tokens.json } : status);
        else if (tokens) print(tokens.text);
        return code;
      }
      case 'redrive': {
        const [execution, extra] = rest;
        if (!execution) throw new UsageError('redrive needs an execution ARN or name');
        if (extra !== undefined) throw new UsageError(`redrive takes one execution (got also ${extra})`);
        const stateMachineArn = await smFor(execution);
        let result: RedriveResult;
        try {
          result = await redriveExecution(sfn, execution, stateMachineArn);
        } catch (error) {
          if (!(error instanceof RedriveRefused)) throw error;
          if (values.json)
            json({
              execution,
              redriven: false,
              refused: error.name,
              ...(error.status && { status: error.status }),
              message: error.message,
            });
          io.stderr.write(`${error.name}: ${error.message}\n`);
          return 1;
        }
        if (!values.wait || !result.redriven) {
          if (values.json) json(result);
          else print(redriveText(result));
          return 0;
        }
        if (!values.json) print(redriveText(result));
        io.stderr.write(`Waiting for ${result.name} to end…\n`);
        await waitForExecution(sfn, result.executionArn, {
          minRedriveCount: result.redriveCount,
          ...(sleep && { sleep }),
          onCheck: (described) => {
            if (!values.json) io.stderr.write(`${new Date().toISOString()}  ${described.status ?? 'UNKNOWN'}\n`);
          },
        });
        if (!values.json) print('');
        const { status, code } = await showStatus(result.executionArn);
        if (values.json) json({ ...result, final: status });
        return code;
      }
      case 'ledger': {
        if (rest.length) throw new UsageError(`ledger takes no argument (got ${rest[0]})`);
        // The same checks as start's: type names, contract URNs, days, from before to.
        const request = requestFromFlags(values);
        // As npm start's --bucket; with --local it also names a directory, so nothing else gets through.
        if (values.bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(values.bucket)) {
          throw new UsageError(`--bucket ${JSON.stringify(values.bucket)} is not a valid S3 bucket name`);
        }
        const filter: LedgerFilter = { exportTypes: request.exportTypes, ...(request.contracts && { contracts: request.contracts }) };
        const range =
          request.from !== undefined && request.to !== undefined
            ? { startAt: parseUtcDay(request.from) as number, endAt: parseUtcDay(request.to) as number }
            : undefined;
        const prefix = values.prefix ?? RUNTIME_DEFAULTS.KEY_PREFIX;
        let bucket: string;
        let listing: LedgerListing;
        if (values.local) {
          bucket = values.bucket ?? DEFAULT_BUCKET;
          listing = await readLocalLedgers(localS3Directory, bucket, prefix, filter);
        } else {
          bucket = await resolveBucket(values.bucket, values['outputs-file'] ?? DEFAULT_OUTPUTS_FILE, () =>
            stackOutput(new CloudFormationClient(values.region ? { region: values.region } : {}), 'BucketName'),
          );
          listing = await readLedgers(s3Client(), bucket, prefix, filter);
        }
        const options = { bucket, prefix, now: Date.now(), range, filter };
        if (values.json) json(ledgerViewJson(listing, options));
        else print(ledgerViewText(listing, options));
        return listing.entries.some((entry) => 'corrupt' in entry) ? 1 : 0;
      }
      case 'authorize': {
        if (rest.length) throw new UsageError(`authorize takes no argument (got ${rest[0]})`);
        return await runAuthorize(values, tokenContext());
      }
      case 'tokens': {
        if (rest.length) throw new UsageError(`tokens takes no argument (got ${rest[0]})`);
        return await runTokens(values, tokenContext());
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (start, backfill, status, redrive, ledger, authorize, tokens)`);
    }
  } catch (error) {
    if (error instanceof UsageError || isParseArgsError(error) || error instanceof RangeError) {
      io.stderr.write(`npm run cli: ${(error as Error).message}\nRun npm run cli -- --help for the commands.\n`);
      return 2;
    }
    const e = error instanceof Error ? error : new Error(String(error));
    io.stderr.write(`${e.name}: ${e.message.replace(/\s+/g, ' ')}\n`);
    return 1;
  }
};

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
