/**
 * The state machine as deployed: the ASL extracted from the synthesized template is valid, has
 * the states, retries and catches of the spec, and routes correctly when executed by
 * aws-local-stepfunctions with scripted stand-ins for the Lambdas (the real handlers run in the
 * end-to-end tests; here only the workflow's own routing is under test).
 */
import '../../local/runner/polyfill';
import { StateMachine } from 'aws-local-stepfunctions';
import aslValidator from 'asl-validator';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import type { ExportResult, ExportTask } from '../../lambdas/shared/contract/state';
import { collectStates, extractStateMachineAsl, placeholderFunctionArn, synthesizeTemplate, taskBindings } from '../../infra/asl';
import { STATE_NAMES, TASK_HANDLERS } from '../../lambdas/shared/contract/names';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { FAILURE_ROUTES } from '../../infra/workflow';

type State = Record<string, any>;
let template: Record<string, any>;
let asl: Record<string, any>;
let states: Map<string, State>;

beforeAll(() => {
  template = synthesizeTemplate();
  asl = extractStateMachineAsl(template);
  states = collectStates(asl) as Map<string, State>;
});

const state = (name: string): State => {
  const found = states.get(name);
  if (!found) throw new Error(`no state "${name}"`);
  return found;
};

describe('extracted ASL', () => {
  it('passes asl-validator with ARN and path checks', () => {
    // Act (the validator annotates its input, so it gets a copy)
    const { isValid, errorsText } = aslValidator(structuredClone(asl), { checkArn: true, checkPaths: true });
    // Assess
    expect(errorsText()).toBe('');
    expect(isValid).toBe(true);
  });

  it('names every state of the spec and no other', () => {
    expect([...states.keys()].sort()).toEqual(Object.values(STATE_NAMES).sort());
    expect(asl.StartAt).toBe(STATE_NAMES.plan);
  });

  it('binds each Task state to its function by logical id', () => {
    // Act
    const bindings = taskBindings(template, asl);
    // Assess
    expect(Object.keys(bindings).sort()).toEqual(Object.keys(TASK_HANDLERS).sort());
    for (const [name, binding] of Object.entries(bindings)) {
      expect(template.Resources[binding.logicalId].Type).toBe('AWS::Lambda::Function');
      expect(state(name).Resource).toBe(placeholderFunctionArn(binding.logicalId));
      expect(binding.entry).toMatch(new RegExp(`lambdas/${binding.handlerModule}\\.ts$`));
    }
  });

  it('refuses a template without exactly one state machine', () => {
    expect(() => extractStateMachineAsl({ Resources: {} })).toThrow(/Expected one AWS::StepFunctions::StateMachine, found 0/);
  });

  it('invokes Lambdas directly (payloadResponseOnly) with task timeouts above the Lambda timeouts', () => {
    for (const name of Object.keys(TASK_HANDLERS)) {
      const task = state(name);
      const fn = template.Resources[task.Resource.split(':function:')[1]].Properties;
      expect(task.Resource).toMatch(/^arn:aws:lambda:/);
      expect(task.TimeoutSeconds).toBeGreaterThan(fn.Timeout);
      expect(task.TimeoutSeconds).toBeLessThanOrEqual(fn.Timeout + 60);
      // CDK's default retry of Lambda service errors stays on every task.
      expect(task.Retry[0].ErrorEquals).toContain('Lambda.ServiceException');
    }
    expect(state(STATE_NAMES.copy).TimeoutSeconds).toBeGreaterThan(900);
  });

  it('hands the plan the execution input (from the context object, so null is a value too) and start time', () => {
    expect(state(STATE_NAMES.plan).Parameters).toEqual({
      'input.$': '$$.Execution.Input',
      'executionStartTime.$': '$$.Execution.StartTime',
    });
    expect(state(STATE_NAMES.plan).Catch).toEqual([
      { ErrorEquals: [ERROR_NAMES.invalidInput], Next: STATE_NAMES.invalidInput },
      { ErrorEquals: [ERROR_NAMES.config], Next: STATE_NAMES.misconfigured },
    ]);
  });

  it('retries LinkedIn throttling/outages with capped backoff and full jitter', () => {
    for (const name of [STATE_NAMES.createJob, STATE_NAMES.checkJob]) {
      expect(state(name).Retry).toContainEqual({
        ErrorEquals: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable],
        IntervalSeconds: 10,
        BackoffRate: 2,
        MaxAttempts: 6,
        MaxDelaySeconds: 300,
        JitterStrategy: 'FULL',
      });
    }
    expect(state(STATE_NAMES.checkJob).Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: [ERROR_NAMES.notFound], MaxAttempts: 3, JitterStrategy: 'FULL' }),
    );
    expect(state(STATE_NAMES.copy).Retry).toContainEqual(
      expect.objectContaining({
        ErrorEquals: [
          ERROR_NAMES.copyDeadline,
          ERROR_NAMES.truncated,
          ERROR_NAMES.urlExpired,
          ERROR_NAMES.downloadFailed,
          ERROR_NAMES.throttled,
          ERROR_NAMES.unavailable,
        ],
        JitterStrategy: 'FULL',
        BackoffRate: 2,
      }),
    );
  });

  it('waits by SecondsPath and routes on $.next', () => {
    expect(state(STATE_NAMES.waitForJob)).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: STATE_NAMES.checkJob });
    expect(state(STATE_NAMES.waitBeforeCreate)).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: STATE_NAMES.createJob });
    expect(state(STATE_NAMES.route).Choices.map((c: State) => c.Next)).toEqual([
      STATE_NAMES.waitForJob,
      STATE_NAMES.copy,
      STATE_NAMES.waitBeforeCreate,
      STATE_NAMES.createJob,
      STATE_NAMES.exportFinished,
    ]);
    expect(state(STATE_NAMES.exportFinished)).toMatchObject({ Type: 'Succeed', OutputPath: '$.results' });
  });

  it('maps over the planned exports with the configured concurrency and flattens the results', () => {
    expect(state(STATE_NAMES.exportEach)).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.exports',
      MaxConcurrency: 4,
      ResultSelector: { 'exports.$': '$[*][*]' },
      ItemProcessor: { StartAt: STATE_NAMES.createJob, ProcessorConfig: { Mode: 'INLINE' } },
    });
  });

  it('catches every named error into a Fail state that keeps the error and cause, catch-all last', () => {
    const catches = state(STATE_NAMES.exportEach).Catch as Array<{ ErrorEquals: string[]; Next: string }>;
    expect(catches.at(-1)).toEqual({ ErrorEquals: ['States.ALL'], Next: STATE_NAMES.exportFailed });
    for (const { state: failName, errors } of FAILURE_ROUTES) {
      expect(catches).toContainEqual({ ErrorEquals: [...errors], Next: failName });
    }
    // Every error a handler throws on purpose has a route, except input errors (plan only).
    const routed = new Set(catches.flatMap((c) => c.ErrorEquals));
    const unrouted = Object.values(ERROR_NAMES).filter((name) => !routed.has(name));
    expect(unrouted).toEqual([ERROR_NAMES.invalidInput]);
    for (const name of new Set([...catches.map((c) => c.Next), STATE_NAMES.invalidInput, STATE_NAMES.misconfigured])) {
      expect(state(name)).toMatchObject({ Type: 'Fail', ErrorPath: '$.Error', CausePath: '$.Cause' });
      expect(state(name).Comment).toEqual(expect.any(String));
    }
  });
});

// --- Execution in aws-local-stepfunctions --------------------------------------------------

const CONTRACT = 'urn:li:contract:123456';
const DAY = 86_400_000;
const resultFor = (task: ExportTask, index: number): ExportResult => ({
  exportType: task.exportType,
  contract: task.contract,
  startAt: task.pending[0]!.startAt,
  endAt: task.pending[0]!.endAt,
  jobIds: [index],
  rowCount: 10,
  bytes: 100,
  sha256: 'a'.repeat(64),
  s3Uri: `s3://bucket/${task.exportType}/${index}.csv`,
  manifestUri: `s3://bucket/${task.exportType}/${index}.json`,
  empty: false,
});

const taskFor = (exportType: ExportTask['exportType'], windows: number): ExportTask =>
  plannedTask(
    exportType,
    CONTRACT,
    Array.from({ length: windows }, (_, i) => ({ startAt: i * DAY, endAt: (i + 1) * DAY })),
  );

/** Stand-ins that walk each window through create -> poll once -> copy, counting calls. */
const scriptedHandlers = (plan: ExportTask[], overrides: Partial<Record<string, (input: any) => unknown>> = {}) => {
  const calls: string[] = [];
  let copies = 0;
  const handlers: Record<string, (input: any) => unknown> = {
    [STATE_NAMES.plan]: () => ({ exports: plan }),
    [STATE_NAMES.createJob]: (task: ExportTask): ExportTask => ({
      ...task,
      job: { id: 1, createdAt: 0, polls: 0, status: 'ENQUEUED', waitedSeconds: 0 },
      next: 'poll',
      waitSeconds: 0,
    }),
    [STATE_NAMES.checkJob]: (task: ExportTask): ExportTask =>
      task.job!.polls === 0
        ? { ...task, job: { ...task.job!, polls: 1, status: 'PROCESSING' }, next: 'poll', waitSeconds: 30 }
        : { ...task, job: { ...task.job!, polls: 2, status: 'COMPLETED' }, next: 'copy', waitSeconds: 0 },
    [STATE_NAMES.copy]: (task: ExportTask): ExportTask => {
      const results = [...task.results, resultFor(task, ++copies)];
      const pending = task.pending.slice(1);
      const { job: _job, ...rest } = task;
      return { ...rest, results, pending, next: pending.length ? 'create' : 'done', waitSeconds: pending.length ? 5 : 0 };
    },
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(handlers).map(([name, fn]) => [
      name,
      async (input: any) => {
        calls.push(name);
        return fn(input) as any;
      },
    ]),
  );
  return { handlers: recorded, calls };
};

type ExecutionInput = Parameters<StateMachine['run']>[0];

const run = async (handlers: Record<string, (input: any) => Promise<any>>, input: ExecutionInput = {}) => {
  const machine = new StateMachine(asl as any, { validationOptions: { checkArn: true, checkPaths: true } });
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: { [STATE_NAMES.waitForJob]: 0, [STATE_NAMES.waitBeforeCreate]: 0 },
      retryIntervalOverrides: Object.fromEntries(Object.keys(TASK_HANDLERS).map((name) => [name, 0])),
    },
  });
  const entered: string[] = [];
  let failure: { Error: string; Cause: unknown } | undefined;
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') entered.push(event.state.name);
    if (event.type === 'ExecutionFailed') failure = { Error: event.Error, Cause: event.Cause };
  }
  const output = failure ? undefined : await execution.result;
  if (failure) await execution.result.catch(() => undefined);
  return { entered, failure, output: output as { exports: ExportResult[] } | undefined };
};

describe('executing the extracted ASL', () => {
  it('polls, waits, copies each window in order and outputs every result flattened', async () => {
    // Prepare
    const plan = [taskFor('activity', 2), taskFor('seat', 1)];
    const { handlers, calls } = scriptedHandlers(plan);
    // Act
    const { output, failure, entered } = await run(handlers);
    // Assess
    expect(failure).toBeUndefined();
    expect(output!.exports.map((r) => [r.exportType, r.startAt])).toEqual([
      ['activity', 0],
      ['activity', DAY],
      ['seat', 0],
    ]);
    expect(calls.filter((c) => c === STATE_NAMES.copy)).toHaveLength(3);
    expect(entered).toContain(STATE_NAMES.waitForJob);
    // The second activity window waits (waitSeconds 5) before its job is created.
    expect(entered.filter((s) => s === STATE_NAMES.waitBeforeCreate)).toHaveLength(1);
  });

  it('retries a throttled check and then carries on', async () => {
    // Prepare
    let throttledOnce = false;
    const base = scriptedHandlers([taskFor('activityOutcome', 1)]);
    const check = base.handlers[STATE_NAMES.checkJob]!;
    const { handlers } = scriptedHandlers([taskFor('activityOutcome', 1)], {
      [STATE_NAMES.checkJob]: (task: ExportTask) => {
        if (!throttledOnce) {
          throttledOnce = true;
          throw Object.assign(new Error('429 from LinkedIn'), { name: ERROR_NAMES.throttled });
        }
        return check(task);
      },
    });
    // Act
    const { output, failure } = await run(handlers);
    // Assess
    expect(failure).toBeUndefined();
    expect(output!.exports).toHaveLength(1);
  });

  it.each([
    [STATE_NAMES.plan, ERROR_NAMES.invalidInput, STATE_NAMES.invalidInput],
    [STATE_NAMES.createJob, ERROR_NAMES.auth, STATE_NAMES.tokenRejected],
    [STATE_NAMES.createJob, ERROR_NAMES.forbidden, STATE_NAMES.noReportingAccess],
    [STATE_NAMES.checkJob, ERROR_NAMES.unknownStatus, STATE_NAMES.jobFailed],
    [STATE_NAMES.copy, ERROR_NAMES.rowCount, STATE_NAMES.copyFailed],
    [STATE_NAMES.checkJob, 'TypeError', STATE_NAMES.exportFailed],
  ])('a %s that throws %s ends in "%s" with the original error name and cause', async (thrower, errorName, failState) => {
    // Prepare
    const { handlers } = scriptedHandlers([taskFor('activity', 1)], {
      [thrower]: () => {
        throw Object.assign(new Error(`cause of ${errorName}`), { name: errorName });
      },
    });
    // Act
    const { failure, entered } = await run(handlers);
    // Assess
    expect(entered.at(-1)).toBe(failState);
    expect(failure?.Error).toBe(errorName);
    expect(JSON.stringify(failure?.Cause)).toContain(`cause of ${errorName}`);
  });

  it.each<[string, ExecutionInput]>([
    ['null', null],
    ['0', 0],
    ['false', false],
    ['""', ''],
    ['5', 5],
    ['"x"', 'x'],
    ['[]', []],
    ['{"startAt": "2026-11-01"}', { startAt: '2026-11-01' }],
  ])('hands the input %s to the Plan as is, for it to judge', async (_json, input) => {
    // Prepare
    const received: unknown[] = [];
    const { handlers } = scriptedHandlers([], {
      [STATE_NAMES.plan]: (event: unknown) => {
        received.push(event);
        throw Object.assign(new Error('judged'), { name: ERROR_NAMES.invalidInput });
      },
    });
    // Act
    const { failure, entered } = await run(handlers, input);
    // Assess
    expect(received).toEqual([{ input, executionStartTime: expect.any(String) }]);
    expect(failure?.Error).toBe(ERROR_NAMES.invalidInput);
    expect(entered).toEqual([STATE_NAMES.plan, STATE_NAMES.invalidInput]);
  });

  it('fails with States.NoChoiceMatched into "Export failed" on an unknown next step', async () => {
    // Prepare
    const { handlers } = scriptedHandlers([taskFor('seat', 1)], {
      [STATE_NAMES.createJob]: (task: ExportTask) => ({ ...task, next: 'dance' }),
      [STATE_NAMES.checkJob]: (task: ExportTask) => task,
    });
    // Act
    const { failure, entered } = await run(handlers);
    // Assess
    expect(entered.at(-1)).toBe(STATE_NAMES.exportFailed);
    expect(failure?.Error).toBe('States.NoChoiceMatched');
  });
});
