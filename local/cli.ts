/**
 * `npm run cli -- <command>`: drives the deployed stack's state machine (see `--help`).
 */
import { MAX_JOB_DAYS } from '../lambdas/shared/contract/linkedin-limits';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import { executionStatus, planBackfill, runBackfill, startExport, type ExecutionReport } from './runner/deployed';
import { isParseArgsError, REQUEST_FLAGS, requestFromFlags, UsageError } from './runner/options';
import { buildExecutionInput } from './runner/request';
import { EXPORT_COLUMNS, exportCells, table } from './runner/render';

/** The CDK stack id (infra/create-app.ts), the key of `cdk deploy --outputs-file`'s JSON. */
const STACK_ID = 'LinkedInSalesNavExport';
const DEFAULT_OUTPUTS_FILE = path.resolve(__dirname, '..', 'cdk-outputs.json');

export const CLI_HELP = `Drive the deployed export workflow (AWS credentials from the standard chain).

Usage: npm run cli -- <command> [options]

Commands
  start                 start an export; the execution name is derived from the request, so
                        starting the same request again reports the existing execution
      --type T          activity | activityOutcome | seat | all (default: all)
      --contract URN    repeatable (default: the deployment's contracts)
      --from YYYY-MM-DD --to YYYY-MM-DD   UTC days, to exclusive (default: today's scheduled window)
      --input JSON|@F   the console input itself (overrides the four options above)
  backfill              export a long range as executions of at most --chunk-days days each,
                        --concurrency at a time; resumable: run it again to skip what succeeded,
                        wait for what runs and retry what failed
      --from YYYY-MM-DD --to YYYY-MM-DD   required
      --chunk-days N    1-90 (default: 90, LinkedIn's limit per job)
      --concurrency N   executions running at once (default: 2)
      --type, --contract as for start
  status EXECUTION      state, current step, and the result (S3 URIs, rows) or the error;
                        EXECUTION is an execution ARN or name

Common options
  --state-machine-arn ARN   default: env SALESNAV_STATE_MACHINE_ARN, else StateMachineArn in
                            the outputs file, else the deployed LinkedInSalesNavExport
                            stack's outputs (CloudFormation DescribeStacks)
  --outputs-file F          \`cdk deploy --outputs-file F\` output (default: cdk-outputs.json)
  --region R                default: the AWS SDK's (AWS_REGION, profile)
  --json                    print JSON instead of text
  --help`;

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** The deployed stack's `StateMachineArn` output (CloudFormation DescribeStacks), or undefined when the stack is not there. */
export const stateMachineArnFromStack = async (cloudFormation: CloudFormationClient, stackName = STACK_ID): Promise<string | undefined> => {
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    return Stacks?.[0]?.Outputs?.find((output) => output.OutputKey === 'StateMachineArn')?.OutputValue;
  } catch (error) {
    // "Stack with id … does not exist" is a ValidationError: fall through to the usage message.
    if ((error as Error).name === 'ValidationError') return undefined;
    throw error;
  }
};

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
  if (existsSync(outputsFile)) {
    const outputs = JSON.parse(readFileSync(outputsFile, 'utf8')) as Record<string, Record<string, string>>;
    const arn = outputs[STACK_ID]?.StateMachineArn;
    if (arn) return arn;
  }
  const arn = await fromStack();
  if (arn) return arn;
  throw new UsageError(
    `no state machine: pass --state-machine-arn, set SALESNAV_STATE_MACHINE_ARN, deploy with ` +
      `\`npx cdk deploy --outputs-file cdk-outputs.json\` (looked in ${outputsFile}), or deploy the ${STACK_ID} stack ` +
      `in this account and region`,
  );
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

const statusText = (report: ExecutionReport): string => {
  const lines = [
    `Execution  ${report.name}`,
    `ARN        ${report.executionArn}`,
    `Status     ${report.status}`,
    ...(report.currentStep ? [`Step       ${report.currentStep}`] : []),
    ...(report.startDate ? [`Started    ${report.startDate.toISOString()}`] : []),
    ...(report.stopDate ? [`Stopped    ${report.stopDate.toISOString()}`] : []),
  ];
  if (report.error !== undefined) lines.push(`Error      ${report.error}`, `Cause      ${report.cause ?? ''}`);
  if (report.exports?.length) {
    lines.push(
      '',
      table(
        [...EXPORT_COLUMNS, 'BYTES', 'S3 URI'],
        report.exports.map((e) => [...exportCells(e), String(e.bytes), e.s3Uri]),
      ),
    );
  }
  return lines.join('\n');
};

/**
 * Runs one CLI command and returns the exit status (0 ok, 1 failed, 2 usage).
 *
 * @param sfnFor builds the client (tests pass one backed by aws-sdk-client-mock)
 */
export const main = async (
  argv: string[],
  io: Io = { stdout: process.stdout, stderr: process.stderr },
  env: NodeJS.ProcessEnv = process.env,
  sfnFor: (region?: string) => SFNClient = (region) => new SFNClient(region ? { region } : {}),
  sleep?: (ms: number) => Promise<void>,
): Promise<number> => {
  const print = (text: string) => io.stdout.write(`${text}\n`);
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
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    const [command, ...rest] = positionals;
    if (values.help || command === undefined || command === 'help') {
      print(CLI_HELP);
      return command === undefined && !values.help ? 2 : 0;
    }
    const arn = () =>
      resolveStateMachineArn(values['state-machine-arn'], env, values['outputs-file'] ?? DEFAULT_OUTPUTS_FILE, () =>
        stateMachineArnFromStack(new CloudFormationClient(values.region ? { region: values.region } : {})),
      );
    const sfn = sfnFor(values.region);

    switch (command) {
      case 'start': {
        if (rest.length) throw new UsageError(`start takes no argument (got ${rest[0]})`);
        const input = values.input !== undefined ? readInput(values.input) : buildExecutionInput(requestFromFlags(values));
        const started = await startExport(sfn, await arn(), input);
        if (values.json) print(JSON.stringify(started, null, 2));
        else {
          print(started.started ? `Started ${started.name}` : `Already started: ${started.name} (${started.status}); not started again`);
          print(`ARN    ${started.executionArn}`);
          print(`Input  ${JSON.stringify(started.input)}`);
          print(`Follow it with: npm run cli -- status ${started.name}`);
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
        if (!values.json) print(`Backfill ${values.from}..${values.to} (end exclusive): ${chunks.length} execution(s)`);
        const outcomes = await runBackfill(sfn, stateMachineArn, chunks, {
          concurrency: positiveInt('concurrency', values.concurrency, 2),
          ...(sleep && { sleep }),
          onProgress: (o) => {
            if (!values.json) io.stderr.write(`${o.chunk.from}..${o.chunk.to}  ${o.name}  ${o.action}  ${o.status}\n`);
          },
        });
        if (values.json)
          print(
            JSON.stringify(
              outcomes.map(({ chunk, name, executionArn, status, action }) => ({
                from: chunk.from,
                to: chunk.to,
                name,
                executionArn,
                status,
                action,
              })),
              null,
              2,
            ),
          );
        else
          print(
            table(
              ['WINDOW (end excl.)', 'EXECUTION', 'STATUS', 'THIS RUN'],
              outcomes.map((o) => [`${o.chunk.from}..${o.chunk.to}`, o.name, o.status, o.action]),
            ),
          );
        return outcomes.every((o) => o.status === 'SUCCEEDED') ? 0 : 1;
      }
      case 'status': {
        const [execution] = rest;
        if (!execution) throw new UsageError('status needs an execution ARN or name');
        const report = await executionStatus(sfn, execution, execution.startsWith('arn:') ? undefined : await arn());
        print(values.json ? JSON.stringify(report, null, 2) : statusText(report));
        return report.status === 'FAILED' || report.status === 'TIMED_OUT' || report.status === 'ABORTED' ? 1 : 0;
      }
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)} (start, backfill, status)`);
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
