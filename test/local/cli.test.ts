import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';

import { attemptName, executionArnOf, planBackfill } from '../../local/runner/deployed';
import { executionNameFor } from '../../local/runner/request';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import { noDeployedStack, runCli } from '../helpers/cli-run';

const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:exports';
const sfnMock = mockClient(SFNClient);
const cloudFormationMock = mockClient(CloudFormationClient);

const run = (argv: string[]) => runCli(argv);

const doesNotExist = () => new ExecutionDoesNotExist({ message: 'no', $metadata: {} });

beforeEach(() => {
  sfnMock.reset();
  cloudFormationMock.reset();
  noDeployedStack(cloudFormationMock);
});

describe('cli start', () => {
  it('starts the request under a name derived from it', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: `${executionArnOf(SM, 'x')}`, startDate: new Date() });

    const { code, stdout } = await run([
      'start',
      '--state-machine-arn',
      SM,
      '--type',
      'seat',
      '--from',
      '2026-01-01',
      '--to',
      '2026-02-01',
      '--json',
    ]);

    expect(code).toBe(0);
    const call = sfnMock.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(JSON.parse(call.input!)).toEqual({ exportTypes: ['seat'], startAt: '2026-01-01', endAt: '2026-02-01' });
    expect(call.name).toBe(executionNameFor({ exportTypes: ['seat'], startAt: '2026-01-01', endAt: '2026-02-01' }));
    expect(call.name).not.toContain(':');
    expect(JSON.parse(stdout)).toMatchObject({ started: true, status: 'RUNNING' });
  });

  it('reports the existing execution instead of starting a duplicate', async () => {
    sfnMock.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', executionArn: 'a', stateMachineArn: SM, startDate: new Date(), input: '{}' });

    const { code, stdout } = await run(['start', '--state-machine-arn', SM, '--from', '2026-01-01', '--to', '2026-01-02']);

    expect(code).toBe(0);
    expect(stdout).toMatch(/Already started: export-2026-01-01_2026-01-02-[0-9a-f]{12} \(SUCCEEDED\); not started again/);
    expect(sfnMock.commandCalls(DescribeExecutionCommand)[0]!.args[0].input.executionArn).toMatch(
      /:execution:exports:export-2026-01-01_2026-01-02-/,
    );
  });

  it('names the same request the same way whatever the order of its lists and keys', () => {
    const a = executionNameFor({ contracts: ['urn:li:contract:2', 'urn:li:contract:1'], startAt: '2026-01-01', endAt: '2026-01-02' });
    const b = executionNameFor({ endAt: '2026-01-02', startAt: '2026-01-01', contracts: ['urn:li:contract:1', 'urn:li:contract:2'] });
    expect(a).toBe(b);
    expect(executionNameFor({}, Date.UTC(2026, 0, 5))).not.toBe(executionNameFor({}, Date.UTC(2026, 0, 6)));
  });

  it("finds the state machine in the deployed stack's outputs when no flag, env or outputs file names it", async () => {
    cloudFormationMock.on(DescribeStacksCommand, { StackName: 'LinkedInSalesNavExport' }).resolves({
      Stacks: [
        {
          StackName: 'LinkedInSalesNavExport',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: SM }],
        },
      ],
    });
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(SM, 'x'), startDate: new Date() });
    const { code } = await run(['start', '--outputs-file', '/nonexistent/outputs.json', '--from', '2026-01-01', '--to', '2026-01-02']);
    expect(code).toBe(0);
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.stateMachineArn).toBe(SM);
  });

  it('says how to give the state machine when none is known', async () => {
    const { code, stderr } = await run(['start', '--outputs-file', '/nonexistent/outputs.json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--state-machine-arn/);
  });

  it('--force puts "force": true in the input, under a name of its own', async () => {
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: executionArnOf(SM, 'x'), startDate: new Date() });
    const window = ['--from', '2026-01-01', '--to', '2026-01-02'];
    expect((await run(['start', '--state-machine-arn', SM, '--type', 'seat', ...window, '--force', '--json'])).code).toBe(0);
    expect((await run(['start', '--state-machine-arn', SM, '--type', 'seat', ...window, '--json'])).code).toBe(0);

    const [forced, plain] = sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(JSON.parse(forced!.input!)).toEqual({ exportTypes: ['seat'], startAt: '2026-01-01', endAt: '2026-01-02', force: true });
    expect(JSON.parse(plain!.input!)).toEqual({ exportTypes: ['seat'], startAt: '2026-01-01', endAt: '2026-01-02' });
    // Starting the forced request is not mistaken for the unforced one already started.
    expect(forced!.name).not.toBe(plain!.name);
  });

  it.each<[string, string[], RegExp]>([
    ['with --input', ['start', '--input', '{}', '--force'], /--force does not go with --input .*write "force": true in the input instead/],
    ['with status', ['status', 'x', '--force'], /--force is an option of start and backfill, not of status/],
    ['with redrive', ['redrive', 'x', '--force'], /--force is an option of start and backfill, not of redrive/],
  ])('refuses --force %s (exit 2)', async (_case, argv, message) => {
    const { code, stderr } = await run([...argv, '--state-machine-arn', SM]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(sfnMock.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('documents --force for start and backfill', async () => {
    const { stdout } = await run(['--help']);
    expect(stdout).toMatch(/start[\s\S]*--force[\s\S]*backfill[\s\S]*--type, --contract, --force as for start/);
  });
});

describe('cli backfill', () => {
  it('cuts a long range into chunks of at most 90 days', () => {
    const chunks = planBackfill({ from: '2025-01-01', to: '2025-12-31' });
    expect(chunks.map((c) => [c.from, c.to])).toEqual([
      ['2025-01-01', '2025-04-01'],
      ['2025-04-01', '2025-06-30'],
      ['2025-06-30', '2025-09-28'],
      ['2025-09-28', '2025-12-27'],
      ['2025-12-27', '2025-12-31'],
    ]);
    expect(planBackfill({ from: '2025-01-01', to: '2025-01-31' }, 10)).toHaveLength(3);
  });

  it('--force puts "force": true in every chunk\'s input', async () => {
    sfnMock.on(StartExecutionCommand).callsFake(({ name }) => ({ executionArn: executionArnOf(SM, name), startDate: new Date() }));
    // Every started chunk is reported SUCCEEDED at its first check.
    sfnMock.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
      if (!sfnMock.commandCalls(StartExecutionCommand).some((c) => executionArnOf(SM, c.args[0].input.name!) === executionArn)) {
        throw doesNotExist();
      }
      return { executionArn, status: 'SUCCEEDED', stateMachineArn: SM, startDate: new Date(), input: '{}' };
    });
    const argv = [
      'backfill',
      '--state-machine-arn',
      SM,
      '--type',
      'seat',
      '--from',
      '2025-01-01',
      '--to',
      '2025-01-03',
      '--chunk-days',
      '1',
    ];
    const { code, stdout } = await run([...argv, '--force']);
    expect(code).toBe(0);
    expect(stdout).toContain('2 execution(s), forced (days already landed are exported again)');
    const inputs = sfnMock.commandCalls(StartExecutionCommand).map((c) => JSON.parse(c.args[0].input.input!));
    expect(inputs).toEqual([
      { exportTypes: ['seat'], startAt: '2025-01-01', endAt: '2025-01-02', force: true },
      { exportTypes: ['seat'], startAt: '2025-01-02', endAt: '2025-01-03', force: true },
    ]);
  });

  it('skips chunks that succeeded, retries failed ones under a new name, starts the rest; never more than --concurrency at once', async () => {
    // --type defaults to all: the inputs name every export type.
    const chunks = planBackfill({ exportTypes: [...EXPORT_TYPES], from: '2025-01-01', to: '2025-01-05' }, 1);
    const [done, failed] = chunks;
    const statuses = new Map<string, string>([
      [executionArnOf(SM, done!.baseName), 'SUCCEEDED'],
      [executionArnOf(SM, failed!.baseName), 'FAILED'],
    ]);
    let running = 0;
    let maxRunning = 0;
    sfnMock.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
      const status = statuses.get(executionArn);
      if (!status) throw doesNotExist();
      if (status === 'RUNNING') {
        // Each running execution finishes on its second check.
        statuses.set(executionArn, 'SUCCEEDED');
        running -= 1;
      }
      return { executionArn, status, stateMachineArn: SM, startDate: new Date(), input: '{}' };
    });
    sfnMock.on(StartExecutionCommand).callsFake(({ name }) => {
      const executionArn = executionArnOf(SM, name);
      statuses.set(executionArn, 'RUNNING');
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      return { executionArn, startDate: new Date() };
    });

    const { code, stdout } = await run([
      'backfill',
      '--state-machine-arn',
      SM,
      '--from',
      '2025-01-01',
      '--to',
      '2025-01-05',
      '--chunk-days',
      '1',
      '--concurrency',
      '2',
      '--json',
    ]);

    expect(code).toBe(0);
    const outcomes = JSON.parse(stdout) as Array<{ from: string; name: string; status: string; action: string }>;
    expect(outcomes.map((o) => [o.from, o.action, o.status])).toEqual([
      ['2025-01-01', 'skipped', 'SUCCEEDED'],
      ['2025-01-02', 'started', 'SUCCEEDED'],
      ['2025-01-03', 'started', 'SUCCEEDED'],
      ['2025-01-04', 'started', 'SUCCEEDED'],
    ]);
    expect(outcomes[1]!.name).toBe(attemptName(failed!.baseName, 2));
    const startedNames = sfnMock.commandCalls(StartExecutionCommand).map((c) => c.args[0].input.name);
    expect(startedNames).toHaveLength(3);
    expect(startedNames).not.toContain(done!.baseName);
    expect(maxRunning).toBeLessThanOrEqual(2);
  });
});

describe('cli status', () => {
  it('shows the state, the current step and the landed objects', async () => {
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: executionArnOf(SM, 'export-x'),
      name: 'export-x',
      stateMachineArn: SM,
      status: 'SUCCEEDED',
      startDate: new Date('2026-01-02T06:00:00Z'),
      stopDate: new Date('2026-01-02T06:20:00Z'),
      input: '{}',
      output: JSON.stringify({
        exports: [
          {
            exportType: 'activity',
            contract: 'urn:li:contract:1',
            startAt: Date.UTC(2026, 0, 1),
            endAt: Date.UTC(2026, 0, 2),
            jobIds: [1],
            rowCount: 12,
            bytes: 345,
            sha256: 'a'.repeat(64),
            s3Uri: 's3://b/k.csv',
            manifestUri: 's3://b/k.manifest.json',
            empty: false,
          },
        ],
      }),
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 9, type: 'ExecutionSucceeded', timestamp: new Date() },
        { id: 8, type: 'SucceedStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Export finished' } },
      ],
    });

    const { code, stdout } = await run(['status', 'export-x', '--state-machine-arn', SM]);

    expect(code).toBe(0);
    expect(stdout).toMatch(/Status +SUCCEEDED/);
    expect(stdout).toMatch(/Step +Export finished/);
    expect(stdout).toMatch(/activity +urn:li:contract:1 +2026-01-01\.\.2026-01-02 +12 +345 +s3:\/\/b\/k\.csv/);
    expect(sfnMock.commandCalls(GetExecutionHistoryCommand)[0]!.args[0].input).toMatchObject({ reverseOrder: true });
  });

  it('shows the error of a failed execution and exits 1', async () => {
    const arn = executionArnOf(SM, 'export-y');
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: arn,
      stateMachineArn: SM,
      status: 'FAILED',
      startDate: new Date(),
      input: '{}',
      error: 'LinkedInAuthError',
      cause: 'token expired',
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [{ id: 5, type: 'FailStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'LinkedIn token rejected' } }],
    });

    const { code, stdout } = await run(['status', arn, '--json']);

    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      status: 'FAILED',
      currentStep: 'LinkedIn token rejected',
      error: 'LinkedInAuthError',
      cause: 'token expired',
    });
  });
});
