import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  ExecutionDoesNotExist,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { CLI_HELP } from '../../local/cli';
import { executionArnOf, REDRIVE_WINDOW_DAYS, redriveExecution } from '../../local/runner/deployed';
import { noDeployedStack, runCli } from '../helpers/cli-run';

const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:exports';
const NAME = 'export-2026-01-01_2026-01-02-0123456789ab';
const ARN = executionArnOf(SM, NAME);
const DAY = 86_400_000;
const sfnMock = mockClient(SFNClient);
const cloudFormationMock = mockClient(CloudFormationClient);

const run = (argv: string[]) => runCli(argv);

const execution = (over: Partial<DescribeExecutionCommandOutput> = {}): DescribeExecutionCommandOutput => ({
  $metadata: {},
  executionArn: ARN,
  name: NAME,
  stateMachineArn: SM,
  status: 'FAILED',
  startDate: new Date(Date.now() - 2 * 3_600_000),
  stopDate: new Date(Date.now() - 3_600_000),
  input: '{}',
  // A run that broke before it was summarized (no Report line): RedriveExecution resumes it.
  error: 'LinkedInUnavailable',
  cause: 'LinkedIn kept failing while the Plan listed the contracts',
  redriveCount: 0,
  redriveStatus: 'REDRIVABLE',
  ...over,
});

const notRedrivable = (message: string) => new ExecutionNotRedrivable({ message, $metadata: {} });

beforeEach(() => {
  sfnMock.reset();
  cloudFormationMock.reset();
  noDeployedStack(cloudFormationMock);
});

describe('cli redrive', () => {
  it('redrives a failed execution by name and prints the new redrive count and status', async () => {
    const redriveDate = new Date('2026-01-03T10:00:00Z');
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce(execution())
      .resolves(execution({ status: 'RUNNING', redriveCount: 1, redriveDate, error: undefined, cause: undefined }));
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate });

    const { code, stdout, stderr } = await run(['redrive', NAME, '--state-machine-arn', SM]);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(1);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)[0]!.args[0].input).toEqual({ executionArn: ARN });
    expect(stdout).toContain(`Redriven ${NAME}: FAILED -> RUNNING (redrive 1, 2026-01-03T10:00:00.000Z)`);
    expect(stdout).toMatch(/Was +LinkedInUnavailable/);
    expect(stdout).toContain(`npm run cli -- status ${NAME}`);
  });

  it('--json prints the result', async () => {
    const redriveDate = new Date('2026-01-03T10:00:00Z');
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce(execution({ status: 'TIMED_OUT', redriveCount: 2, error: 'States.Timeout', cause: undefined }))
      .resolves(execution({ status: 'RUNNING', redriveCount: 3, redriveDate }));
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate });

    const { code, stdout } = await run(['redrive', ARN, '--json']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual({
      kind: 'redrive',
      name: NAME,
      executionArn: ARN,
      redriven: true,
      previousStatus: 'TIMED_OUT',
      status: 'RUNNING',
      redriveCount: 3,
      redriveDate: '2026-01-03T10:00:00.000Z',
      previousError: 'States.Timeout',
    });
    // An ARN needs no state machine: no stack lookup.
    expect(cloudFormationMock.commandCalls(DescribeStacksCommand)).toHaveLength(0);
  });

  it('says when there is no such execution', async () => {
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    const { code, stdout, stderr } = await run(['redrive', ARN]);

    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe(
      `ExecutionDoesNotExist: No execution ${ARN}: check the name or ARN, the region (--region) and the state machine (--state-machine-arn)\n`,
    );
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it.each(['RUNNING', 'PENDING_REDRIVE'] as const)('refuses an execution that is %s', async (status) => {
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status, stopDate: undefined }));

    const { code, stderr } = await run(['redrive', ARN]);

    expect(code).toBe(1);
    expect(stderr).toContain(`ExecutionStillRunning: ${NAME} is ${status}: there is nothing to redrive until it ends`);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it('has nothing to redrive in an execution that succeeded (exit 0)', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status: 'SUCCEEDED', error: undefined, cause: undefined }));

    const text = await run(['redrive', ARN]);
    expect(text.code).toBe(0);
    expect(text.stdout).toBe(`${NAME} SUCCEEDED: nothing to redrive\n`);

    const json = await run(['redrive', ARN, '--json', '--wait']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ redriven: false, status: 'SUCCEEDED', redriveCount: 0 });
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
  });

  it("passes on Step Functions' reason when it will not redrive", async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(execution({ redriveStatus: 'NOT_REDRIVABLE', redriveStatusReason: 'Execution history event limit exceeded' }));
    sfnMock.on(RedriveExecutionCommand).rejects(notRedrivable('Execution arn:… cannot be redriven: history event limit exceeded'));

    const { code, stderr } = await run(['redrive', ARN]);

    expect(code).toBe(1);
    expect(stderr).toBe(
      `ExecutionNotRedrivable: ${NAME} (FAILED) cannot be redriven (Step Functions: Execution arn:… cannot be redriven: ` +
        'history event limit exceeded; Execution history event limit exceeded)\n',
    );
  });

  it('says the 14-day redrive window has passed', async () => {
    const stopDate = new Date(Date.now() - 20 * DAY - 3_600_000);
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ stopDate }));
    sfnMock.on(RedriveExecutionCommand).rejects(notRedrivable('Execution redrivable period exceeded'));

    const { code, stderr } = await run(['redrive', ARN]);

    expect(code).toBe(1);
    expect(stderr).toMatch(/^RedriveWindowPassed: /);
    expect(stderr).toContain(`${NAME} FAILED on ${stopDate.toISOString()}, 20 days ago`);
    expect(stderr).toContain(`only within ${REDRIVE_WINDOW_DAYS} days of its end`);
    expect(stderr).toContain('npm run cli -- backfill');
    expect(stderr).toContain('(Step Functions: Execution redrivable period exceeded)');
  });

  it("recognises the window from AWS's reason even when the stop date is recent", async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(execution());
    sfnMock.on(RedriveExecutionCommand).rejects(notRedrivable('Execution redrivable period exceeded'));
    await expect(redriveExecution(new SFNClient({ region: 'eu-west-1' }), ARN)).rejects.toMatchObject({
      name: 'RedriveWindowPassed',
      status: 'FAILED',
    });
  });

  it('--json prints the refusal too', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status: 'RUNNING' }));

    const { code, stdout } = await run(['redrive', ARN, '--json']);

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toEqual({
      execution: ARN,
      redriven: false,
      refused: 'ExecutionStillRunning',
      status: 'RUNNING',
      message: expect.stringContaining('nothing to redrive until it ends'),
    });
  });

  it('other errors are not turned into refusals', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(execution());
    sfnMock.on(RedriveExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));

    const { code, stderr } = await run(['redrive', ARN]);

    expect(code).toBe(1);
    expect(stderr).toBe('ThrottlingException: Rate exceeded\n');
  });

  it('--wait polls until the redriven execution ends, then prints its status', async () => {
    const before = execution();
    const running = execution({ status: 'RUNNING', redriveCount: 1, error: undefined, cause: undefined });
    const succeeded = execution({
      status: 'SUCCEEDED',
      redriveCount: 1,
      redriveDate: new Date('2026-01-03T10:00:00Z'),
      error: undefined,
      cause: undefined,
      output: JSON.stringify({ exports: [] }),
    });
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce(before) // redrive: before
      .resolvesOnce(before) // redrive: after (not shown yet)
      .resolvesOnce(before) // wait: still the old attempt
      .resolvesOnce(running)
      .resolves(succeeded);
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date('2026-01-03T10:00:00Z') });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [{ id: 8, type: 'SucceedStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Export finished' } }],
    });

    const { code, stdout, sleeps } = await run(['redrive', ARN, '--wait']);

    expect(code).toBe(0);
    expect(sleeps).toEqual([30_000, 30_000]);
    expect(stdout).toContain(`Redriven ${NAME}: FAILED -> RUNNING (redrive 1`);
    expect(stdout).toMatch(/Status +SUCCEEDED/);
    expect(stdout).toMatch(/Redriven +1 time\(s\), last 2026-01-03T10:00:00\.000Z/);
  });

  it('--wait --json adds the final status; exits 1 when the redrive fails again', async () => {
    const failedAgain = execution({ redriveCount: 1, error: 'LinkedInAuthError', cause: 'token expired' });
    sfnMock.on(DescribeExecutionCommand).resolvesOnce(execution()).resolves(failedAgain);
    sfnMock.on(RedriveExecutionCommand).resolves({ redriveDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    const { code, stdout } = await run(['redrive', ARN, '--wait', '--json']);

    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({
      redriven: true,
      redriveCount: 1,
      final: { status: 'FAILED', error: 'LinkedInAuthError', redriveCount: 1 },
    });
  });

  it('needs an execution; the help explains what a redrive re-runs', async () => {
    const { code, stderr } = await run(['redrive']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/redrive needs an execution ARN or name/);
    expect((await run(['status', ARN, '--wait'])).stderr).toMatch(/--wait is an option of redrive, not of status/);
    expect(CLI_HELP).toMatch(/redrive EXECUTION/);
    expect(CLI_HELP).toMatch(/rerunOf/);
    expect(CLI_HELP).toMatch(/RedriveExecution/);
    expect(CLI_HELP).toMatch(/keys are deterministic/);
    expect(CLI_HELP).toMatch(/--wait/);
  });

  it('reruns the failed pairs of a summarized run as a new execution, since a redrive would only re-enter its Fail state', async () => {
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(
        execution({ error: 'PartialFailure', cause: '6 of 60 pairs failed (6 LinkedInForbidden). Report: s3://b/runs/x/report.json' }),
      );
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(SM, `${NAME}-rerun`), startDate: new Date() });

    const { code, stdout } = await run(['redrive', NAME, '--state-machine-arn', SM, '--json']);

    expect(code).toBe(0);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
    const [start] = sfnMock.commandCalls(StartExecutionCommand);
    expect(start?.args[0].input).toEqual({ stateMachineArn: SM, name: `${NAME}-rerun`, input: JSON.stringify({ rerunOf: NAME }) });
    expect(JSON.parse(stdout)).toMatchObject({ kind: 'rerun', name: `${NAME}-rerun`, rerunOf: NAME, redriven: true, status: 'RUNNING' });
  });

  it('reports the existing rerun when asked twice', async () => {
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: ARN })
      .resolves(
        execution({ error: 'LinkedInAuthError', cause: 'All 3 pairs failed with LinkedInAuthError. Report: s3://b/runs/x/report.json' }),
      )
      .on(DescribeExecutionCommand, { executionArn: executionArnOf(SM, `${NAME}-rerun`) })
      .resolves(execution({ name: `${NAME}-rerun`, status: 'FAILED' }));
    sfnMock.on(StartExecutionCommand).rejects(Object.assign(new Error('exists'), { name: 'ExecutionAlreadyExists' }));

    const { code, stdout } = await run(['redrive', NAME, '--state-machine-arn', SM]);

    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`found ${NAME}-rerun`));
    expect(stdout).toMatch(new RegExp(`redrive ${NAME}-rerun in turn`));
  });

  it('refuses a run stopped at its tolerated failure threshold and says to start the input again', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves(
      execution({
        error: 'States.ExceedToleratedFailureThreshold',
        cause: 'The Distributed Map ended with results for 0 of 30 pairs: … Report: s3://b/runs/x/report.json',
      }),
    );

    const { code, stderr } = await run(['redrive', NAME, '--state-machine-arn', SM]);

    expect(code).toBe(1);
    expect(stderr).toMatch(/^ExecutionNotRedrivable: .* stopped at its tolerated failure threshold/);
    expect(stderr).toMatch(/start the same input again/);
    expect(sfnMock.commandCalls(RedriveExecutionCommand)).toHaveLength(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });
});
