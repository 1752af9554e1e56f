/**
 * The state machines as deployed: the ASL of the workflow and of the pairs' continuation, extracted
 * from the synthesized template, is valid, has the states, retries, catches and Distributed Map
 * settings of the design (docs/design.md, "Partner scale"), and routes correctly when executed by
 * aws-local-stepfunctions with scripted stand-ins for the Lambdas (the real handlers run in the
 * end-to-end tests; here only the workflow's own routing is under test).
 *
 * Two machines run here: the per-pair loop (the Distributed Map's ItemProcessor, run as a
 * standalone machine as each child execution is), and the parent with its Map state replaced as
 * the local runner replaces it (a Task whose handler stands in for the Map Run).
 */
import '../../local/runner/polyfill';
import { StateMachine } from 'aws-local-stepfunctions';
import aslValidator from 'asl-validator';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { TOLERATED_FAILURE_EXCEEDED, type MapRunOutput } from '../../lambdas/shared/contract/map-run';
import { STATE_NAMES, TASK_HANDLERS, type StateName } from '../../lambdas/shared/contract/names';
import { MAX_STEPS_PER_EXECUTION } from '../../lambdas/shared/contract/quotas';
import { MAP_RESULTS_FOLDER } from '../../lambdas/shared/contract/layout';
import { PARTIAL_FAILURE, type RunSummary } from '../../lambdas/shared/contract/run-report';
import { type ExportResult, type ExportTask, exportTaskSchema, type PlanResult } from '../../lambdas/shared/contract/state';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { NO_LEDGER_NOTES } from '../../lambdas/shared/workflow/claim-steps';
import { collectStates, extractStateMachineAsl, placeholderFunctionArn, synthesizeTemplate, taskBindings } from '../../infra/asl';
import { CONTRACT_DISCOVERY_ERRORS, FAILURE_ROUTES, MAP_RUN_LABEL } from '../../infra/workflow';
import { LOCAL_MAP_RUN_RESOURCE, localizeDistributedMaps, StatesError } from '../../local/runner/distributed';
import type { AslMachine } from '../../local/runner/asl-walk';
import { engineDefinition } from '../../local/runner/engine-compat';
import { cdkJsonConfig } from './helpers';

type State = Record<string, any>;
type Machine = { StartAt: string; States: Record<string, State>; [key: string]: unknown };

let template: Record<string, any>;
/** The workflow (parent) state machine. */
let asl: Machine;
/** The `…-pair-continuation` state machine. */
let continuation: Machine;
/** The Distributed Map's ItemProcessor as a standalone machine: what each child execution runs. */
let pairLoop: Machine;
/** Every state of the workflow by name, the ItemProcessor's included. */
let states: Map<string, State>;

/** The parent's own states (top level). */
const PARENT_STATES: readonly StateName[] = [
  STATE_NAMES.plan,
  STATE_NAMES.invalidInput,
  STATE_NAMES.misconfigured,
  STATE_NAMES.contractsNotFound,
  STATE_NAMES.exportEach,
  STATE_NAMES.summarize,
  STATE_NAMES.publishFreshness,
  STATE_NAMES.runOutcome,
  STATE_NAMES.runSucceeded,
  STATE_NAMES.partialFailure,
  STATE_NAMES.everyExportFailed,
];
/** The per-pair loop: the Map's ItemProcessor and the whole continuation machine. */
const PAIR_STATES: readonly StateName[] = Object.values(STATE_NAMES).filter((name) => !PARENT_STATES.includes(name));
/** The Lambda Tasks of the pair loop. */
const PAIR_TASKS = [STATE_NAMES.claimWindow, STATE_NAMES.createJob, STATE_NAMES.checkJob, STATE_NAMES.copy] as const;

beforeAll(() => {
  template = synthesizeTemplate();
  asl = extractStateMachineAsl(template) as Machine;
  continuation = extractStateMachineAsl(template, 'continuation') as Machine;
  const { ProcessorConfig: _config, ...processor } = asl.States[STATE_NAMES.exportEach]!.ItemProcessor as Machine;
  pairLoop = processor as Machine;
  states = collectStates(asl) as Map<string, State>;
});

const parentState = (name: string): State => {
  const found = asl.States[name];
  if (!found) throw new Error(`no state "${name}" at the workflow's top level`);
  return found;
};
const pairState = (name: string, machine: Machine = pairLoop): State => {
  const found = machine.States[name];
  if (!found) throw new Error(`no state "${name}" in the pair loop`);
  return found;
};
/** The pair loop of the Map and the continuation machine, each by name, for checks both must pass. */
const pairMachines = (): Array<[string, Machine]> => [
  ['the Map', pairLoop],
  ['the continuation', continuation],
];
const templateResources = (type: string): Array<[string, any]> =>
  Object.entries(template.Resources as Record<string, any>).filter(([, r]) => r.Type === type);
const continuationName = (): string => {
  const names = templateResources('AWS::StepFunctions::StateMachine')
    .map(([, r]) => r.Properties.StateMachineName)
    .filter((name): name is string => typeof name === 'string');
  expect(names).toHaveLength(1);
  return names[0]!;
};

describe('extracted ASL', () => {
  it('passes asl-validator with ARN and path checks, the workflow and the continuation', () => {
    for (const machine of [asl, continuation]) {
      // Act (the validator annotates its input, so it gets a copy)
      const { isValid, errorsText } = aslValidator(structuredClone(machine), { checkArn: true, checkPaths: true });
      // Assess
      expect(errorsText()).toBe('');
      expect(isValid).toBe(true);
    }
  });

  it('names every state of the spec once: the parent, the pair loop in its Map, the same loop as the continuation', () => {
    expect(asl.StartAt).toBe(STATE_NAMES.plan);
    expect(Object.keys(asl.States).sort()).toEqual([...PARENT_STATES].sort());
    expect(pairLoop.StartAt).toBe(STATE_NAMES.route);
    expect(Object.keys(pairLoop.States).sort()).toEqual([...PAIR_STATES].sort());
    // The continuation is the pair loop itself (one definition, built twice).
    expect(continuation.StartAt).toBe(STATE_NAMES.route);
    expect(continuation.States).toEqual(pairLoop.States);
    // Every name once across both levels: the local runner keys its handlers by state name.
    expect([...states.keys()].sort()).toEqual(Object.values(STATE_NAMES).sort());
  });

  it('names the continuation state machine after the stack and refuses a template without exactly one of each', () => {
    expect(continuationName()).toMatch(/^[A-Za-z][A-Za-z0-9-]*-pair-continuation$/);
    expect(() => extractStateMachineAsl({ Resources: {} })).toThrow('Expected one workflow AWS::StepFunctions::StateMachine, found 0');
    expect(() => extractStateMachineAsl({ Resources: {} }, 'continuation')).toThrow(
      'Expected one continuation AWS::StepFunctions::StateMachine, found 0',
    );
  });

  it('binds each Task state to its function by logical id, the Map’s item processor included', () => {
    // Act
    const bindings = taskBindings(template, asl);
    // Assess
    expect(Object.keys(bindings).sort()).toEqual(Object.keys(TASK_HANDLERS).sort());
    for (const [name, binding] of Object.entries(bindings)) {
      expect(template.Resources[binding.logicalId].Type).toBe('AWS::Lambda::Function');
      expect(states.get(name)!.Resource).toBe(placeholderFunctionArn(binding.logicalId));
      expect(binding.resourceArn).toBe(placeholderFunctionArn(binding.logicalId));
      expect(binding.entry).toMatch(new RegExp(`lambdas/${binding.handlerModule}\\.ts$`));
    }
    expect(Object.keys(asl.States)).toEqual(expect.arrayContaining([STATE_NAMES.plan, STATE_NAMES.summarize]));
    for (const name of PAIR_TASKS) {
      expect(pairLoop.States[name]!.Resource).toBe(bindings[name].resourceArn);
      // The continuation runs the very same functions.
      expect(continuation.States[name]!.Resource).toBe(bindings[name].resourceArn);
    }
    // The continuation runs no Plan and no Summarize, so it has no binding of its own.
    expect(() => taskBindings(template, continuation)).toThrow(`Task state "${STATE_NAMES.plan}" is missing from the ASL`);
  });

  it('invokes Lambdas directly (payloadResponseOnly) with task timeouts above the Lambda timeouts', () => {
    const lambdaTasks: Array<[Machine, string]> = [
      [asl, STATE_NAMES.plan],
      [asl, STATE_NAMES.summarize],
      ...PAIR_TASKS.flatMap(
        (name): Array<[Machine, string]> => [
          [pairLoop, name],
          [continuation, name],
        ],
      ),
    ];
    for (const [machine, name] of lambdaTasks) {
      const task = machine.States[name]!;
      const fn = template.Resources[task.Resource.split(':function:')[1]].Properties;
      expect(task.Resource).toMatch(/^arn:aws:lambda:/);
      // Only the Plan and the claim get more than the state's input (from the context object).
      expect(task.Parameters === undefined || name === STATE_NAMES.plan || name === STATE_NAMES.claimWindow).toBe(true);
      expect(task.TimeoutSeconds).toBeGreaterThan(fn.Timeout);
      expect(task.TimeoutSeconds).toBeLessThanOrEqual(fn.Timeout + 60);
      // CDK's default retry of Lambda service errors stays on every task.
      expect(task.Retry[0].ErrorEquals).toContain('Lambda.ServiceException');
    }
    expect(pairState(STATE_NAMES.copy).TimeoutSeconds).toBeGreaterThan(900);
  });

  it('hands the Plan the execution input (from the context object, so null is a value too), start time and execution', () => {
    const plan = parentState(STATE_NAMES.plan);
    expect(plan.Parameters).toEqual({
      'input.$': '$$.Execution.Input',
      'executionStartTime.$': '$$.Execution.StartTime',
      'executionName.$': '$$.Execution.Name',
      'executionArn.$': '$$.Execution.Id',
    });
    expect(plan.Next).toBe(STATE_NAMES.exportEach);
    // The claim gets the task and the execution that claims (a continuation passes its owner on in the task).
    for (const [, machine] of pairMachines()) {
      expect(pairState(STATE_NAMES.claimWindow, machine).Parameters).toEqual({ 'task.$': '$', 'executionArn.$': '$$.Execution.Id' });
    }
    expect(plan.Retry).toContainEqual({
      ErrorEquals: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable],
      IntervalSeconds: 10,
      BackoffRate: 2,
      MaxAttempts: 6,
      MaxDelaySeconds: 300,
      JitterStrategy: 'FULL',
    });
    expect(plan.Catch).toEqual([
      { ErrorEquals: [ERROR_NAMES.invalidInput], Next: STATE_NAMES.invalidInput },
      { ErrorEquals: [ERROR_NAMES.config], Next: STATE_NAMES.misconfigured },
      {
        ErrorEquals: [...CONTRACT_DISCOVERY_ERRORS],
        Next: STATE_NAMES.contractsNotFound,
      },
    ]);
  });

  it('exports each pair in a STANDARD child execution of a Distributed Map reading and writing the run files in S3', () => {
    const { ItemProcessor, ...map } = parentState(STATE_NAMES.exportEach);
    expect(map).toEqual({
      Type: 'Map',
      Label: MAP_RUN_LABEL,
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON' },
        Parameters: { 'Bucket.$': '$.run.bucket', 'Key.$': '$.run.itemsKey' },
      },
      ResultWriter: {
        Resource: 'arn:aws:states:::s3:putObject',
        Parameters: { 'Bucket.$': '$.run.bucket', Prefix: `${cdkJsonConfig().keyPrefix}${MAP_RESULTS_FOLDER}` },
      },
      // cdk.json sets neither: the defaults.
      MaxConcurrency: 3000,
      ToleratedFailurePercentage: 100,
      ResultPath: '$.mapRun',
      // Past the tolerated failures the report is still written: the Map's error goes to Summarize.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapFailure', Next: STATE_NAMES.summarize }],
      Next: STATE_NAMES.summarize,
    });
    expect(ItemProcessor).toMatchObject({
      StartAt: STATE_NAMES.route,
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    });
  });

  it('summarizes the run and routes on its outcome, the Fail states keeping the Summarize step’s error and cause', () => {
    expect(parentState(STATE_NAMES.summarize)).toMatchObject({
      Type: 'Task',
      Next: STATE_NAMES.publishFreshness,
      Catch: [{ ErrorEquals: [ERROR_NAMES.config], Next: STATE_NAMES.misconfigured }],
    });
    expect(parentState(STATE_NAMES.runOutcome)).toEqual({
      Type: 'Choice',
      Choices: [
        { Variable: '$.outcome', StringEquals: 'succeeded', Next: STATE_NAMES.runSucceeded },
        { Variable: '$.outcome', StringEquals: 'partial', Next: STATE_NAMES.partialFailure },
      ],
      Default: STATE_NAMES.everyExportFailed,
    });
    expect(parentState(STATE_NAMES.runSucceeded)).toEqual({ Type: 'Succeed' });
    for (const name of [STATE_NAMES.partialFailure, STATE_NAMES.everyExportFailed]) {
      expect(parentState(name)).toEqual({ Type: 'Fail', Comment: expect.any(String), ErrorPath: '$.error', CausePath: '$.cause' });
    }
  });

  it('publishes freshness after Summarize, the summary passing through untouched and any failure caught into the outcome route', () => {
    const task = parentState(STATE_NAMES.publishFreshness);
    const fn = template.Resources[task.Resource.split(':function:')[1]];
    expect(fn.Type).toBe('AWS::Lambda::Function');
    expect(task).toEqual({
      Type: 'Task',
      Resource: task.Resource,
      // The run is named in the log line; nothing else of the state goes in.
      Parameters: { trigger: 'run', 'executionName.$': '$$.Execution.Name' },
      // Its result is dropped: Route on run outcome reads the Summarize step's output.
      ResultPath: null,
      TimeoutSeconds: fn.Properties.Timeout + 30,
      Retry: [expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) })],
      // Whatever it throws, the run goes on to its outcome with the summary as it was.
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: STATE_NAMES.runOutcome }],
      Next: STATE_NAMES.runOutcome,
    });
  });

  it.each([
    ['the Map', () => pairLoop],
    ['the continuation', () => continuation],
  ])('retries LinkedIn throttling/outages with capped backoff and full jitter (%s)', (_where, machineOf) => {
    const machine = machineOf();
    for (const name of [STATE_NAMES.createJob, STATE_NAMES.checkJob]) {
      expect(pairState(name, machine).Retry).toContainEqual({
        ErrorEquals: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable],
        IntervalSeconds: 10,
        BackoffRate: 2,
        MaxAttempts: 6,
        MaxDelaySeconds: 300,
        JitterStrategy: 'FULL',
      });
    }
    expect(pairState(STATE_NAMES.checkJob, machine).Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: [ERROR_NAMES.notFound], MaxAttempts: 3, JitterStrategy: 'FULL' }),
    );
    // Lost races on the export ledger, again and again: the steps that write it try again shortly.
    for (const name of [STATE_NAMES.claimWindow, STATE_NAMES.createJob, STATE_NAMES.copy]) {
      expect(pairState(name, machine).Retry).toContainEqual({
        ErrorEquals: [ERROR_NAMES.ledgerContention],
        IntervalSeconds: 2,
        BackoffRate: 2,
        MaxAttempts: 5,
        JitterStrategy: 'FULL',
      });
    }
    // The check never writes the ledger.
    expect(pairState(STATE_NAMES.checkJob, machine).Retry.flatMap((r: State) => r.ErrorEquals)).not.toContain(ERROR_NAMES.ledgerContention);
    expect(pairState(STATE_NAMES.copy, machine).Retry).toContainEqual(
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

  it('waits by SecondsPath, routes on $.next and ends a pair with its final task', () => {
    expect(pairState(STATE_NAMES.waitBeforeClaim)).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: STATE_NAMES.claimWindow,
    });
    expect(pairState(STATE_NAMES.waitForJob)).toMatchObject({ Type: 'Wait', SecondsPath: '$.waitSeconds', Next: STATE_NAMES.checkJob });
    expect(pairState(STATE_NAMES.waitBeforeCreate)).toMatchObject({
      Type: 'Wait',
      SecondsPath: '$.waitSeconds',
      Next: STATE_NAMES.createJob,
    });
    // The claim decides what comes next (create, check a resumed job, wait, done): back to the Route.
    expect(pairState(STATE_NAMES.claimWindow).Next).toBe(STATE_NAMES.route);
    expect(pairState(STATE_NAMES.createJob).Next).toBe(STATE_NAMES.checkJob);
    expect(pairState(STATE_NAMES.checkJob).Next).toBe(STATE_NAMES.route);
    expect(pairState(STATE_NAMES.copy).Next).toBe(STATE_NAMES.route);
    const route = pairState(STATE_NAMES.route);
    expect(route.Choices.map((c: State) => c.Next)).toEqual([
      STATE_NAMES.resetSteps,
      STATE_NAMES.waitBeforeClaim,
      STATE_NAMES.claimWindow,
      STATE_NAMES.waitForJob,
      STATE_NAMES.copy,
      STATE_NAMES.waitBeforeCreate,
      STATE_NAMES.createJob,
      STATE_NAMES.exportFinished,
    ]);
    // A claim waits first only when told to (another execution holds the days).
    expect(route.Choices.slice(1, 3)).toEqual([
      {
        And: [
          { Variable: '$.next', StringEquals: 'claim' },
          { Variable: '$.waitSeconds', NumericGreaterThan: 0 },
        ],
        Next: STATE_NAMES.waitBeforeClaim,
      },
      { Variable: '$.next', StringEquals: 'claim', Next: STATE_NAMES.claimWindow },
    ]);
    // An unknown `next` is a handler bug: no Default, the Choice fails with States.NoChoiceMatched.
    expect(route.Default).toBeUndefined();
    // No OutputPath: the pair's output (its child execution's, in the Map Run's results) is its final task.
    expect(pairState(STATE_NAMES.exportFinished)).toEqual({ Type: 'Succeed' });
  });

  it('continues a pair at MAX_STEPS_PER_EXECUTION steps, unless it is done, before any other route', () => {
    expect(pairState(STATE_NAMES.route).Choices[0]).toEqual({
      And: [
        { Variable: '$.steps', NumericGreaterThanEquals: MAX_STEPS_PER_EXECUTION },
        { Not: { Variable: '$.next', StringEquals: 'done' } },
      ],
      Next: STATE_NAMES.resetSteps,
    });
    expect(pairState(STATE_NAMES.resetSteps)).toEqual({ Type: 'Pass', Result: 0, ResultPath: '$.steps', Next: STATE_NAMES.continueAsNew });
  });

  it.each([
    ['the Map', () => pairLoop],
    ['the continuation', () => continuation],
  ])('continues in a new execution of the continuation state machine, whose failure keeps its own error (%s)', (_where, machineOf) => {
    const machine = machineOf();
    expect(pairState(STATE_NAMES.continueAsNew, machine)).toEqual({
      Type: 'Task',
      Resource: 'arn:aws:states:::states:startExecution.sync:2',
      Parameters: {
        StateMachineArn: `arn:aws:states:us-east-1:123456789012:stateMachine:${continuationName()}`,
        'Input.$': '$',
      },
      OutputPath: '$.Output',
      Catch: [{ ErrorEquals: ['States.ALL'], Next: STATE_NAMES.checkContinuationFailure }],
      Next: STATE_NAMES.exportFinished,
    });
    // States.TaskFailed in a Catch matches every error but States.Timeout: only a failed execution's
    // description (JSON) is parsed; a refused start ends in "Export failed" with its own error.
    expect(pairState(STATE_NAMES.checkContinuationFailure, machine)).toEqual({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.Error', StringEquals: 'States.TaskFailed' },
            { Variable: '$.Cause', StringMatches: '{*' },
          ],
          Next: STATE_NAMES.readContinuationFailure,
        },
      ],
      Default: STATE_NAMES.exportFailed,
    });
    expect(pairState(STATE_NAMES.readContinuationFailure, machine)).toEqual({
      Type: 'Pass',
      Parameters: { 'failure.$': 'States.StringToJson($.Cause)' },
      Next: STATE_NAMES.continuationFailed,
    });
    expect(pairState(STATE_NAMES.continuationFailed, machine)).toEqual({
      Type: 'Fail',
      Comment: expect.any(String),
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });

  it('catches every named error of a pair Task into a Fail state that keeps the error and cause, catch-all last', () => {
    const expected = [
      ...FAILURE_ROUTES.map(({ state: failName, errors }) => ({ ErrorEquals: [...errors], Next: failName })),
      { ErrorEquals: ['States.ALL'], Next: STATE_NAMES.exportFailed },
    ];
    for (const [, machine] of pairMachines()) {
      for (const name of PAIR_TASKS) expect(pairState(name, machine).Catch).toEqual(expected);
    }
    expect(FAILURE_ROUTES.map((route) => route.state)).toContain(STATE_NAMES.lambdasMisconfigured);
    // Every error a handler throws on purpose has a route in the pair loop, except input errors (Plan only).
    const routed = new Set(expected.flatMap((c) => c.ErrorEquals));
    expect(Object.values(ERROR_NAMES).filter((name) => !routed.has(name))).toEqual([ERROR_NAMES.invalidInput]);
    for (const name of new Set(expected.map((c) => c.Next))) {
      expect(pairState(name)).toEqual({ Type: 'Fail', Comment: expect.any(String), ErrorPath: '$.Error', CausePath: '$.Cause' });
    }
    for (const name of [STATE_NAMES.invalidInput, STATE_NAMES.misconfigured, STATE_NAMES.contractsNotFound]) {
      expect(parentState(name)).toEqual({ Type: 'Fail', Comment: expect.any(String), ErrorPath: '$.Error', CausePath: '$.Cause' });
    }
  });
});

// --- Execution in aws-local-stepfunctions --------------------------------------------------

const CONTRACT = 'urn:li:contract:123456';
const DAY = 86_400_000;
const ARN_BASE = 'arn:aws:states:us-east-1:123456789012';

type Handler = (input: any) => unknown;
type Handlers = Record<string, Handler>;

interface Execution {
  entered: string[];
  failure?: { Error: string; Cause: unknown };
  output?: any;
}

/** One execution of `machine` with `handlers` standing in for its Tasks, waits and retry intervals at 0. */
const execute = async (machine: StateMachine, handlers: Handlers, input: unknown, name = 'run-1'): Promise<Execution> => {
  const taskNames = Object.keys(handlers);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: Object.fromEntries(
        Object.entries(handlers).map(([state, fn]) => [state, async (event: any) => fn(event) as any]),
      ),
      waitTimeOverrides: { [STATE_NAMES.waitBeforeClaim]: 0, [STATE_NAMES.waitForJob]: 0, [STATE_NAMES.waitBeforeCreate]: 0 },
      retryIntervalOverrides: Object.fromEntries(taskNames.map((state) => [state, 0])),
    },
    context: { Execution: { Id: `${ARN_BASE}:execution:LinkedInSalesNavExport:${name}`, Name: name } },
  });
  const entered: string[] = [];
  let failure: Execution['failure'];
  for await (const event of execution.eventLogs) {
    if (event.type === 'StateEntered') entered.push(event.state.name);
    if (event.type === 'ExecutionFailed') failure = { Error: event.Error, Cause: event.Cause };
  }
  const output = failure ? undefined : await execution.result;
  if (failure) await execution.result.catch(() => undefined);
  return { entered, failure, output };
};

const named = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** Records each call by state name (and its input) around the handlers. */
const recording = (handlers: Handlers) => {
  const calls: Array<{ state: string; input: any }> = [];
  const recorded = Object.fromEntries(
    Object.entries(handlers).map(([state, fn]) => [
      state,
      (input: any) => {
        calls.push({ state, input: structuredClone(input) });
        return fn(input);
      },
    ]),
  );
  return { handlers: recorded, calls, called: (state: string) => calls.filter((c) => c.state === state) };
};

describe('executing the pair loop (one child execution of the Map)', () => {
  let machine: StateMachine;
  beforeAll(() => {
    // One machine for every run: constructing one validates the ASL, which takes long.
    machine = new StateMachine(pairLoop as never, { validationOptions: { checkArn: true, checkPaths: true } });
  });

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
    objects: 1,
    empty: false,
  });

  const pairOf = (exportType: ExportTask['exportType'], windows: number): ExportTask =>
    plannedTask(
      exportType,
      CONTRACT,
      Array.from({ length: windows }, (_, i) => ({ startAt: i * DAY, endAt: (i + 1) * DAY })),
    );

  /** The claim's input: the task and `$$.Execution.Id`. */
  type ClaimInput = { task: ExportTask; executionArn: string };
  /** The claim as the real one answers when no day has landed and nobody else holds them. */
  const claimed = ({ task, executionArn }: ClaimInput): ExportTask => {
    const { job: _job, ...rest } = task;
    return {
      ...rest,
      // The pair's first execution owns its claims; a continuation keeps that owner.
      owner: task.owner ?? executionArn,
      ledger: task.ledger ?? NO_LEDGER_NOTES,
      steps: task.steps + 1,
      jobIds: [],
      retries: { recreate: 0, dataDelay: 0 },
      next: 'create',
      reason: 'claimed',
      waitSeconds: 0,
    };
  };
  const executionArnOf = (name: string) => `${ARN_BASE}:execution:LinkedInSalesNavExport:${name}`;

  /**
   * Stand-ins that walk each window through claim -> create -> poll -> check (running) -> wait ->
   * check (completed) -> copy, counting steps as the handlers do; the continuation is an override.
   */
  const scripted = (overrides: Handlers = {}) => {
    let copies = 0;
    let jobs = 0;
    return recording({
      [STATE_NAMES.claimWindow]: claimed,
      [STATE_NAMES.createJob]: (task: ExportTask): ExportTask => ({
        ...task,
        steps: task.steps + 1,
        job: { id: ++jobs, createdAt: 0, polls: 0, status: 'ENQUEUED', waitedSeconds: 0 },
        jobIds: [...task.jobIds, jobs],
        next: 'poll',
        reason: 'created',
        waitSeconds: 0,
      }),
      [STATE_NAMES.checkJob]: (task: ExportTask): ExportTask =>
        task.job!.polls === 0
          ? {
              ...task,
              steps: task.steps + 1,
              job: { ...task.job!, polls: 1, status: 'PROCESSING' },
              next: 'poll',
              reason: 'running',
              waitSeconds: 30,
            }
          : {
              ...task,
              steps: task.steps + 1,
              job: { ...task.job!, polls: 2, status: 'COMPLETED' },
              next: 'copy',
              reason: 'completed',
              waitSeconds: 0,
            },
      [STATE_NAMES.copy]: (task: ExportTask): ExportTask => {
        const result = resultFor(task, ++copies);
        const pending = task.pending.slice(1);
        const { job: _job, ...rest } = task;
        return {
          ...rest,
          steps: task.steps + 1,
          results: [...task.results, result],
          landed: { objects: task.landed.objects + 1, rows: task.landed.rows + 10, bytes: task.landed.bytes + 100 },
          jobIds: [],
          pending,
          // The next window is claimed before its job is created.
          next: pending.length ? 'claim' : 'done',
          reason: 'copied',
          waitSeconds: 0,
        };
      },
      [STATE_NAMES.continueAsNew]: () => {
        throw new Error('unexpected continuation');
      },
      ...overrides,
    });
  };

  it('polls, waits, copies each window in order and outputs its final task', async () => {
    // Prepare
    const { handlers, called } = scripted();
    // Act
    const { output, failure, entered } = await execute(machine, handlers, pairOf('activity', 2));
    // Assess
    expect(failure).toBeUndefined();
    // The stand-ins keep to the contract, so what the pair outputs is a task the Summarize step reads.
    const final = exportTaskSchema.parse(output);
    expect(final).toMatchObject({ exportType: 'activity', contract: CONTRACT, pending: [], next: 'done', steps: 10 });
    expect(final.results.map((r) => [r.exportType, r.startAt, r.endAt])).toEqual([
      ['activity', 0, DAY],
      ['activity', DAY, 2 * DAY],
    ]);
    expect(final.landed).toEqual({ objects: 2, rows: 20, bytes: 200 });
    expect(called(STATE_NAMES.copy)).toHaveLength(2);
    expect(called(STATE_NAMES.checkJob)).toHaveLength(4);
    // Each window is claimed, then its job created at once (nobody holds the days: no wait).
    const window = [
      STATE_NAMES.route,
      STATE_NAMES.claimWindow,
      STATE_NAMES.route,
      STATE_NAMES.createJob,
      STATE_NAMES.checkJob,
      STATE_NAMES.route,
      STATE_NAMES.waitForJob,
      STATE_NAMES.checkJob,
      STATE_NAMES.route,
      STATE_NAMES.copy,
    ];
    expect(entered).toEqual([...window, ...window, STATE_NAMES.route, STATE_NAMES.exportFinished]);
    // The claim gets the task and this execution, which owns the pair's claims from then on.
    const claims = called(STATE_NAMES.claimWindow);
    expect(claims.map((c) => c.input.executionArn)).toEqual([executionArnOf('run-1'), executionArnOf('run-1')]);
    expect(claims[0]!.input.task).toEqual(pairOf('activity', 2));
    expect(claims[1]!.input.task).toMatchObject({
      owner: executionArnOf('run-1'),
      next: 'claim',
      pending: [{ startAt: DAY, endAt: 2 * DAY }],
    });
    expect(final.owner).toBe(executionArnOf('run-1'));
  });

  it('waits before claiming again while another execution holds the days, then claims them', async () => {
    // Prepare
    let held = false;
    const { handlers, called } = scripted({
      [STATE_NAMES.claimWindow]: (input: ClaimInput): ExportTask => {
        if (held) return claimed(input);
        held = true;
        const { task, executionArn } = input;
        return { ...task, owner: executionArn, steps: task.steps + 1, next: 'claim', reason: 'claimHeld', waitSeconds: 60 };
      },
    });
    // Act
    const { output, failure, entered } = await execute(machine, handlers, pairOf('seat', 1));
    // Assess
    expect(failure).toBeUndefined();
    expect(entered.slice(0, 7)).toEqual([
      STATE_NAMES.route,
      STATE_NAMES.claimWindow,
      STATE_NAMES.route,
      STATE_NAMES.waitBeforeClaim,
      STATE_NAMES.claimWindow,
      STATE_NAMES.route,
      STATE_NAMES.createJob,
    ]);
    expect(called(STATE_NAMES.claimWindow)[1]!.input.task).toMatchObject({ reason: 'claimHeld', waitSeconds: 60 });
    expect(called(STATE_NAMES.createJob)).toHaveLength(1);
    expect(output).toMatchObject({ next: 'done', steps: 6, landed: { objects: 1 } });
  });

  it('checks the job a dead owner made instead of creating one (resumed)', async () => {
    // Prepare
    const { handlers, called } = scripted({
      [STATE_NAMES.claimWindow]: ({ task, executionArn }: ClaimInput): ExportTask => ({
        ...task,
        owner: executionArn,
        steps: task.steps + 1,
        job: { id: 7, createdAt: 0, polls: 0, status: 'RESUMED', waitedSeconds: 0 },
        jobIds: [7],
        next: 'poll',
        reason: 'resumed',
        waitSeconds: 0,
      }),
    });
    // Act
    const { output, failure, entered } = await execute(machine, handlers, pairOf('activity', 1));
    // Assess
    expect(failure).toBeUndefined();
    expect(entered.slice(0, 5)).toEqual([
      STATE_NAMES.route,
      STATE_NAMES.claimWindow,
      STATE_NAMES.route,
      STATE_NAMES.waitForJob,
      STATE_NAMES.checkJob,
    ]);
    expect(called(STATE_NAMES.createJob)).toHaveLength(0);
    expect(called(STATE_NAMES.checkJob)[0]!.input.job).toMatchObject({ id: 7, status: 'RESUMED' });
    expect(output).toMatchObject({ next: 'done', landed: { objects: 1 } });
  });

  it('ends the pair at once when every day had landed already', async () => {
    // Prepare
    const { handlers, calls } = scripted({
      [STATE_NAMES.claimWindow]: ({ task, executionArn }: ClaimInput): ExportTask => ({
        ...task,
        owner: executionArn,
        steps: task.steps + 1,
        pending: [],
        next: 'done',
        reason: 'alreadyLanded',
        waitSeconds: 0,
      }),
    });
    // Act
    const { output, failure, entered } = await execute(machine, handlers, pairOf('activity', 3));
    // Assess
    expect(failure).toBeUndefined();
    expect(entered).toEqual([STATE_NAMES.route, STATE_NAMES.claimWindow, STATE_NAMES.route, STATE_NAMES.exportFinished]);
    expect(calls.map((c) => c.state)).toEqual([STATE_NAMES.claimWindow]);
    expect(output).toMatchObject({ pending: [], next: 'done', reason: 'alreadyLanded', landed: { objects: 0 } });
  });

  it('waits before re-creating a failed job, under the same claim', async () => {
    // Prepare
    let failedOnce = false;
    const check = scripted().handlers[STATE_NAMES.checkJob]!;
    const { handlers, called } = scripted({
      [STATE_NAMES.checkJob]: (task: ExportTask) => {
        if (failedOnce) return check(task);
        failedOnce = true;
        const { job: _job, ...rest } = task;
        return {
          ...rest,
          steps: task.steps + 1,
          retries: { recreate: 1, dataDelay: 0 },
          next: 'create',
          reason: 'recreate',
          waitSeconds: 60,
        };
      },
    });
    // Act
    const { output, failure, entered } = await execute(machine, handlers, pairOf('seat', 1));
    // Assess
    expect(failure).toBeUndefined();
    expect(entered.slice(3, 8)).toEqual([
      STATE_NAMES.createJob,
      STATE_NAMES.checkJob,
      STATE_NAMES.route,
      STATE_NAMES.waitBeforeCreate,
      STATE_NAMES.createJob,
    ]);
    expect(called(STATE_NAMES.createJob)).toHaveLength(2);
    expect(called(STATE_NAMES.claimWindow)).toHaveLength(1);
    expect(output).toMatchObject({ next: 'done', jobIds: [], landed: { objects: 1 } });
  });

  it('retries a throttled check and then carries on', async () => {
    // Prepare
    let throttledOnce = false;
    const check = scripted().handlers[STATE_NAMES.checkJob]!;
    const { handlers, called } = scripted({
      [STATE_NAMES.checkJob]: (task: ExportTask) => {
        if (!throttledOnce) {
          throttledOnce = true;
          throw named(ERROR_NAMES.throttled, '429 from LinkedIn');
        }
        return check(task);
      },
    });
    // Act
    const { output, failure } = await execute(machine, handlers, pairOf('activityOutcome', 1));
    // Assess
    expect(failure).toBeUndefined();
    expect((output as ExportTask).results).toHaveLength(1);
    expect(called(STATE_NAMES.checkJob)).toHaveLength(3);
  });

  // Every error of every route, thrown by each of the four Tasks in turn.
  const thrown = FAILURE_ROUTES.flatMap(({ state: failState, errors }) => errors.map((error) => ({ error, failState }))).map(
    ({ error, failState }, index) => [PAIR_TASKS[index % PAIR_TASKS.length]!, error, failState] as const,
  );

  it.each([...thrown, [STATE_NAMES.checkJob, 'TypeError', STATE_NAMES.exportFailed] as const])(
    'a %s that throws %s ends the pair in "%s" with the original error name and cause',
    async (thrower, errorName, failState) => {
      // Prepare
      const { handlers } = scripted({
        [thrower]: () => {
          throw named(errorName, `cause of ${errorName}`);
        },
      });
      // Act
      const { failure, entered } = await execute(machine, handlers, pairOf('activity', 1));
      // Assess
      expect(entered.at(-1)).toBe(failState);
      expect(failure?.Error).toBe(errorName);
      expect(JSON.stringify(failure?.Cause)).toContain(`cause of ${errorName}`);
    },
  );

  // The ledger's errors come from the claim above all: each ends there, LedgerContention only once
  // its retries are spent.
  const ledgerRoute = FAILURE_ROUTES.find((route) => route.state === STATE_NAMES.ledgerRefused)!;
  it.each(ledgerRoute.errors.map((error) => [error]))(
    'a Claim export window that throws %s ends the pair in "Export ledger refused" before any job is created',
    async (errorName) => {
      // Prepare
      const { handlers, called } = scripted({
        [STATE_NAMES.claimWindow]: () => {
          throw named(errorName, `cause of ${errorName}`);
        },
      });
      // Act
      const { failure, entered } = await execute(machine, handlers, pairOf('activity', 1));
      // Assess
      expect(entered.at(-1)).toBe(STATE_NAMES.ledgerRefused);
      expect(failure?.Error).toBe(errorName);
      expect(JSON.stringify(failure?.Cause)).toContain(`cause of ${errorName}`);
      expect(called(STATE_NAMES.claimWindow)).toHaveLength(errorName === ERROR_NAMES.ledgerContention ? 6 : 1);
      expect(called(STATE_NAMES.createJob)).toHaveLength(0);
    },
  );

  it('fails the pair with States.NoChoiceMatched on an unknown next step', async () => {
    // Prepare
    const { handlers } = scripted({
      [STATE_NAMES.createJob]: (task: ExportTask) => ({ ...task, next: 'dance' }),
      [STATE_NAMES.checkJob]: (task: ExportTask) => task,
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, pairOf('seat', 1));
    // Assess
    expect(entered).toEqual([
      STATE_NAMES.route,
      STATE_NAMES.claimWindow,
      STATE_NAMES.route,
      STATE_NAMES.createJob,
      STATE_NAMES.checkJob,
      STATE_NAMES.route,
    ]);
    expect(failure?.Error).toBe('States.NoChoiceMatched');
  });

  /** A pair whose claim, create and check reach the step cap, mid-job: the continuation runs the rest. */
  const nearTheCap = (): ExportTask => ({ ...pairOf('seat', 1), steps: MAX_STEPS_PER_EXECUTION - 2 });
  const continued: ExportTask = { ...pairOf('seat', 1), pending: [], next: 'done', reason: 'copied', steps: 3 };
  /** `.sync:2` answers with the execution's description, its output parsed at `Output`. */
  const continuationSucceeds = (request: { Input: ExportTask }) => ({
    ExecutionArn: `${ARN_BASE}:execution:${continuationName()}:c-1`,
    Input: JSON.stringify(request.Input),
    Output: continued,
    Status: 'SUCCEEDED',
  });

  it('at the step cap resets the count and continues in a new execution, whose output is the pair’s', async () => {
    // Prepare
    const started = nearTheCap();
    const { handlers, called } = scripted({ [STATE_NAMES.continueAsNew]: continuationSucceeds });
    // Act
    const { output, failure, entered } = await execute(machine, handlers, started);
    // Assess
    expect(failure).toBeUndefined();
    expect(output).toEqual(continued);
    expect(entered).toEqual([
      STATE_NAMES.route,
      STATE_NAMES.claimWindow,
      STATE_NAMES.route,
      STATE_NAMES.createJob,
      STATE_NAMES.checkJob,
      STATE_NAMES.route,
      STATE_NAMES.resetSteps,
      STATE_NAMES.continueAsNew,
      STATE_NAMES.exportFinished,
    ]);
    // The continuation state machine gets the whole task, mid-job, with the claims' owner.
    const [request] = called(STATE_NAMES.continueAsNew);
    expect(request!.input).toEqual({
      StateMachineArn: `${ARN_BASE}:stateMachine:${continuationName()}`,
      Input: expect.objectContaining({
        exportType: 'seat',
        next: 'poll',
        owner: executionArnOf('run-1'),
        job: expect.objectContaining({ id: 1, polls: 1 }),
      }),
    });
    expect(request!.input.Input.pending).toEqual(started.pending);
    expect(called(STATE_NAMES.copy)).toHaveLength(0);
  });

  // aws-local-stepfunctions 3.0.0 ignores a falsy Pass `Result` (`if (state.Result)`), so `Reset
  // step count` (Result 0 at $.steps) would write the whole input at $.steps; Step Functions writes
  // 0. The local runner runs every definition through engineDefinition, which turns such a Pass
  // into a Task returning the Result: executed that way, the continuation gets steps 0.
  it("hands the continuation its task with the step count reset to 0 (through the runner's engine rewrite)", async () => {
    // Prepare
    const rewrite = engineDefinition(pairLoop as never);
    const engine = new StateMachine(rewrite.asl as never);
    const { handlers, called } = scripted({ [STATE_NAMES.continueAsNew]: continuationSucceeds });
    // Act
    await execute(engine, { ...handlers, ...(rewrite.handlers as Handlers) }, nearTheCap());
    // Assess
    expect(called(STATE_NAMES.continueAsNew)[0]!.input.Input.steps).toBe(0);
  });

  it('at the step cap a pair that is done finishes here', async () => {
    // Prepare
    const done: ExportTask = { ...pairOf('seat', 1), pending: [], next: 'done', steps: MAX_STEPS_PER_EXECUTION + 1 };
    const { handlers, calls } = scripted();
    // Act
    const { output, entered } = await execute(machine, handlers, done);
    // Assess
    expect(output).toEqual(done);
    expect(entered).toEqual([STATE_NAMES.route, STATE_NAMES.exportFinished]);
    expect(calls).toEqual([]);
  });

  it('ends the pair with the continuation’s own error and cause when the continuation fails', async () => {
    // Prepare: `.sync` reports a failed execution as States.TaskFailed, its description as the cause.
    const cause = 'The token has no reporting access on urn:li:contract:123456.';
    const { handlers } = scripted({
      [STATE_NAMES.continueAsNew]: () => {
        throw named(
          'States.TaskFailed',
          JSON.stringify({
            ExecutionArn: `${ARN_BASE}:execution:${continuationName()}:c-1`,
            Status: 'FAILED',
            Error: ERROR_NAMES.forbidden,
            Cause: cause,
          }),
        );
      },
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, { ...pairOf('seat', 1), steps: MAX_STEPS_PER_EXECUTION });
    // Assess
    expect(entered.slice(-4)).toEqual([
      STATE_NAMES.continueAsNew,
      STATE_NAMES.checkContinuationFailure,
      STATE_NAMES.readContinuationFailure,
      STATE_NAMES.continuationFailed,
    ]);
    expect(failure).toEqual({ Error: ERROR_NAMES.forbidden, Cause: cause });
  });

  // States.TaskFailed in a Catch is a wildcard (every error but States.Timeout, on AWS as in the
  // engine), so an error of StartExecution itself, whose cause is no execution description, also
  // reaches `Read continuation failure`, whose States.StringToJson fails: the pair ends with that
  // failure instead of its own error in "Export failed". A product bug (see the report); this
  // passes while it stands.
  it('ends the pair in "Export failed" with its own error when the continuation cannot start (its cause is no JSON)', async () => {
    // Prepare
    const { handlers } = scripted({
      [STATE_NAMES.continueAsNew]: () => {
        throw named('StepFunctions.ExecutionLimitExceededException', 'too many executions');
      },
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, { ...pairOf('seat', 1), steps: MAX_STEPS_PER_EXECUTION });
    // Assess
    expect(entered.at(-1)).toBe(STATE_NAMES.exportFailed);
    expect(failure).toEqual({ Error: 'StepFunctions.ExecutionLimitExceededException', Cause: 'too many executions' });
  });

  it('the continuation machine picks a pair up mid-job and finishes it', async () => {
    // Prepare
    // Run as the local runner runs it: its 35-day TimeoutSeconds is past what a Node timer holds,
    // and engineDefinition caps it (the engine would time the execution out after 1 ms).
    const continuationMachine = new StateMachine(engineDefinition(continuation as never).asl as never, {
      validationOptions: { checkArn: true, checkPaths: true },
    });
    const owner = executionArnOf('run-1');
    const midJob: ExportTask = {
      ...pairOf('activity', 2),
      owner,
      steps: 0,
      job: { id: 7, createdAt: 0, polls: 1, status: 'PROCESSING', waitedSeconds: 30 },
      jobIds: [7],
      next: 'poll',
      reason: 'running',
      waitSeconds: 30,
    };
    const { handlers, called } = scripted();
    // Act
    const { output, failure, entered } = await execute(continuationMachine, handlers, midJob, 'c-1');
    // Assess
    expect(failure).toBeUndefined();
    expect(entered.slice(0, 3)).toEqual([STATE_NAMES.route, STATE_NAMES.waitForJob, STATE_NAMES.checkJob]);
    // Its job is not created again; the next window is claimed, given the continuation's own
    // execution and the task that names the pair's owner (the claim keeps that one).
    expect(called(STATE_NAMES.createJob)).toHaveLength(1);
    expect(called(STATE_NAMES.claimWindow).map((c) => c.input)).toEqual([
      { task: expect.objectContaining({ owner, next: 'claim' }), executionArn: executionArnOf('c-1') },
    ]);
    expect(output).toMatchObject({ next: 'done', pending: [], owner, steps: 7, landed: { objects: 2 } });
  });
});

describe('executing the workflow, its Distributed Map standing in as the local runner runs it', () => {
  const NAME = 'run-1';
  const BUCKET = 'exports';
  let machine: StateMachine;
  let mapTask: State;
  beforeAll(() => {
    const { asl: engineAsl, maps } = localizeDistributedMaps(asl as unknown as AslMachine);
    expect(Object.keys(maps)).toEqual([STATE_NAMES.exportEach]);
    mapTask = engineAsl.States[STATE_NAMES.exportEach]!;
    machine = new StateMachine(engineAsl as never, { validationOptions: { checkArn: true, checkPaths: true } });
  });

  const planned: PlanResult = {
    run: {
      bucket: BUCKET,
      executionName: NAME,
      executionArn: `${ARN_BASE}:execution:LinkedInSalesNavExport:${NAME}`,
      itemsKey: `linkedin-sales-navigator/runs/${NAME}/items.json`,
      reportKey: `linkedin-sales-navigator/runs/${NAME}/report.json`,
      skippedKey: `linkedin-sales-navigator/runs/${NAME}/already-landed.json`,
    },
    pairs: 6,
    alreadyLanded: { pairs: 0, days: 0 },
    contracts: 2,
    exportTypes: ['activity', 'activityOutcome', 'seat'],
    window: { startAt: 0, endAt: DAY },
  };
  const mapRun: MapRunOutput = {
    MapRunArn: `${ARN_BASE}:mapRun:LinkedInSalesNavExport/${MAP_RUN_LABEL}:0f6e4c1e-1111-4222-8333-444455556666`,
    ResultWriterDetails: {
      Bucket: BUCKET,
      Key: 'linkedin-sales-navigator/runs/map-results/0f6e4c1e-1111-4222-8333-444455556666/manifest.json',
    },
  };
  const summary = (outcome: RunSummary['outcome'], error: string | null, cause: string | null): RunSummary => ({
    outcome,
    error,
    cause,
    counts: {
      pairs: 6,
      landed: outcome === 'succeeded' ? 6 : 3,
      failed: outcome === 'succeeded' ? 0 : 3,
      objects: 6,
      rows: 60,
      bytes: 600,
      alreadyLandedPairs: 0,
      skippedDays: 0,
      resumedJobs: 0,
      superseded: 0,
      unconfirmedCreates: 0,
    },
    reportUri: `s3://${BUCKET}/${planned.run.reportKey}`,
    exports: [],
    exportsOmitted: 0,
    failed: [],
    failedOmitted: 0,
  });

  const standIns = (overrides: Handlers = {}) =>
    recording({
      [STATE_NAMES.plan]: () => planned,
      [STATE_NAMES.exportEach]: () => mapRun,
      [STATE_NAMES.summarize]: () => summary('succeeded', null, null),
      [STATE_NAMES.publishFreshness]: () => ({
        publishedAt: '2026-11-02T06:10:00.000Z',
        ledgersRead: 6,
        ledgersCorrupt: 0,
        exportTypes: [],
      }),
      ...overrides,
    });

  it('replaces the Map by a Task of the same name that keeps its ResultPath, Catch and Next', () => {
    expect(mapTask).toMatchObject({
      Type: 'Task',
      Resource: LOCAL_MAP_RUN_RESOURCE,
      ResultPath: '$.mapRun',
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapFailure', Next: STATE_NAMES.summarize }],
      Next: STATE_NAMES.summarize,
    });
  });

  it('plans, maps over the planned pairs, summarizes the Map Run and ends SUCCEEDED with the summary', async () => {
    // Prepare
    const { handlers, called } = standIns();
    // Act
    const { output, failure, entered } = await execute(machine, handlers, { startAt: '2026-11-01' }, NAME);
    // Assess
    expect(failure).toBeUndefined();
    expect(entered).toEqual([
      STATE_NAMES.plan,
      STATE_NAMES.exportEach,
      STATE_NAMES.summarize,
      STATE_NAMES.publishFreshness,
      STATE_NAMES.runOutcome,
      STATE_NAMES.runSucceeded,
    ]);
    expect(called(STATE_NAMES.plan)[0]!.input).toEqual({
      input: { startAt: '2026-11-01' },
      executionStartTime: expect.any(String),
      executionName: NAME,
      executionArn: planned.run.executionArn,
    });
    // The Map reads the Plan's output ($.run); Summarize gets it with the Map's output at $.mapRun.
    expect(called(STATE_NAMES.exportEach)[0]!.input).toEqual(planned);
    expect(called(STATE_NAMES.summarize)[0]!.input).toEqual({ ...planned, mapRun });
    expect(called(STATE_NAMES.publishFreshness)[0]!.input).toEqual({ trigger: 'run', executionName: NAME });
    expect(output).toEqual(summary('succeeded', null, null));
  });

  it.each([
    ['succeeded', null, null, STATE_NAMES.runSucceeded],
    ['partial', PARTIAL_FAILURE, 'some failed', STATE_NAMES.partialFailure],
  ] as const)('a %s run ends as Summarize decided when Publish freshness fails', async (outcome, error, cause, endState) => {
    // Prepare
    const { handlers, called } = standIns({
      [STATE_NAMES.summarize]: () => summary(outcome, error, cause),
      [STATE_NAMES.publishFreshness]: () => {
        throw named('AccessDenied', 'not allowed to list the ledger folder');
      },
    });
    // Act
    const { output, failure, entered } = await execute(machine, handlers, {}, NAME);
    // Assess
    expect(called(STATE_NAMES.publishFreshness)).toHaveLength(1);
    expect(entered.slice(-3)).toEqual([STATE_NAMES.publishFreshness, STATE_NAMES.runOutcome, endState]);
    if (outcome === 'succeeded') {
      expect(failure).toBeUndefined();
      expect(output).toEqual(summary('succeeded', null, null));
    } else {
      expect(failure).toEqual({ Error: PARTIAL_FAILURE, Cause: 'some failed' });
    }
  });

  it.each<[string, unknown]>([
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
    const { handlers, calls } = standIns({
      [STATE_NAMES.plan]: () => {
        throw named(ERROR_NAMES.invalidInput, 'judged');
      },
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, input, NAME);
    // Assess
    expect(calls).toEqual([
      {
        state: STATE_NAMES.plan,
        input: { input, executionStartTime: expect.any(String), executionName: NAME, executionArn: planned.run.executionArn },
      },
    ]);
    expect(failure).toEqual({ Error: ERROR_NAMES.invalidInput, Cause: 'judged' });
    expect(entered).toEqual([STATE_NAMES.plan, STATE_NAMES.invalidInput]);
  });

  it.each([
    [ERROR_NAMES.config, STATE_NAMES.misconfigured],
    [ERROR_NAMES.auth, STATE_NAMES.contractsNotFound],
    [ERROR_NAMES.forbidden, STATE_NAMES.contractsNotFound],
    [ERROR_NAMES.protocol, STATE_NAMES.contractsNotFound],
    [ERROR_NAMES.badRequest, STATE_NAMES.contractsNotFound],
  ])('a Plan that throws %s ends in "%s" before any pair runs', async (errorName, failState) => {
    // Prepare
    const { handlers, called } = standIns({
      [STATE_NAMES.plan]: () => {
        throw named(errorName, `cause of ${errorName}`);
      },
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, {}, NAME);
    // Assess
    expect(entered).toEqual([STATE_NAMES.plan, failState]);
    expect(failure).toEqual({ Error: errorName, Cause: `cause of ${errorName}` });
    expect(called(STATE_NAMES.plan)).toHaveLength(1);
    expect(called(STATE_NAMES.exportEach)).toHaveLength(0);
  });

  it('retries a Plan that LinkedIn keeps throttling, then ends in "Contracts not found"', async () => {
    // Prepare
    const { handlers, called } = standIns({
      [STATE_NAMES.plan]: () => {
        throw named(ERROR_NAMES.throttled, '429 from the contracts finder');
      },
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, {}, NAME);
    // Assess: the first attempt and MaxAttempts (6) retries.
    expect(called(STATE_NAMES.plan)).toHaveLength(7);
    expect(entered.at(-1)).toBe(STATE_NAMES.contractsNotFound);
    expect(failure?.Error).toBe(ERROR_NAMES.throttled);
  });

  it.each([
    ['partial', PARTIAL_FAILURE, STATE_NAMES.partialFailure],
    ['failed', ERROR_NAMES.auth, STATE_NAMES.everyExportFailed],
    ['failed', 'ExportsFailed', STATE_NAMES.everyExportFailed],
  ] as const)('a %s run (error %s) ends in "%s" with the Summarize step’s error and cause', async (outcome, error, failState) => {
    // Prepare
    const cause = `3 of 6 pairs failed (${error}).\nReport: s3://${BUCKET}/${planned.run.reportKey}`;
    const { handlers } = standIns({ [STATE_NAMES.summarize]: () => summary(outcome, error, cause) });
    // Act
    const { failure, entered } = await execute(machine, handlers, {}, NAME);
    // Assess
    expect(entered.slice(-2)).toEqual([STATE_NAMES.runOutcome, failState]);
    expect(failure).toEqual({ Error: error, Cause: cause });
  });

  it('hands a failed Map Run to Summarize at $.mapFailure, and the run still ends by its summary', async () => {
    // Prepare
    const { handlers, called } = standIns({
      [STATE_NAMES.exportEach]: () => {
        throw new StatesError(TOLERATED_FAILURE_EXCEEDED, 'The specified tolerated failure threshold was exceeded');
      },
      [STATE_NAMES.summarize]: () => summary('partial', PARTIAL_FAILURE, 'some failed'),
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, {}, NAME);
    // Assess
    expect(entered).toEqual([
      STATE_NAMES.plan,
      STATE_NAMES.exportEach,
      STATE_NAMES.summarize,
      STATE_NAMES.publishFreshness,
      STATE_NAMES.runOutcome,
      STATE_NAMES.partialFailure,
    ]);
    const [summarized] = called(STATE_NAMES.summarize);
    expect(summarized!.input).toEqual({
      ...planned,
      mapFailure: { Error: TOLERATED_FAILURE_EXCEEDED, Cause: 'The specified tolerated failure threshold was exceeded' },
    });
    expect(summarized!.input).not.toHaveProperty('mapRun');
    expect(failure).toEqual({ Error: PARTIAL_FAILURE, Cause: 'some failed' });
  });

  it('ends in "Misconfigured deployment" when Summarize throws ConfigError', async () => {
    // Prepare
    const { handlers } = standIns({
      [STATE_NAMES.summarize]: () => {
        throw named(ERROR_NAMES.config, 'KEY_PREFIX: bad');
      },
    });
    // Act
    const { failure, entered } = await execute(machine, handlers, {}, NAME);
    // Assess
    expect(entered.slice(-2)).toEqual([STATE_NAMES.summarize, STATE_NAMES.misconfigured]);
    expect(failure).toEqual({ Error: ERROR_NAMES.config, Cause: 'KEY_PREFIX: bad' });
  });
});
