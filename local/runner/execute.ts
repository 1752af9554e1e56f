/**
 * One execution of the synthesized workflow in aws-local-stepfunctions, every Task running the
 * real handler in-process, its Distributed Map emulated as a Map Run of child executions
 * (map-run.ts), and a pair's continue-as-new run as an execution of the continuation machine.
 */
import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { ExecutionError, ExecutionTimeoutError, StateMachine, type ExecutionEvent } from './local-sfn';
import { createLambdaContext } from './lambda-context';
import { whileRunning } from './running-executions';
import type { LambdaHandler } from './handlers';
import { type WorkflowHandlerModule, STATE_NAMES } from '../../lambdas/shared/contract/names';
import { createScaledTime } from './scaled-time';
import type { LocalWorkflow } from './workflow';
import type { AslMachine } from './asl-walk';
import { walkStates } from './asl-walk';
import { localizeDistributedMaps, StatesError } from './distributed';
import { type ChildEvent, runMapRun } from './map-run';
import { historyEventsOf, payloadBytesOf } from './history-count';
import { HISTORY_EVENTS } from '../../infra/history-budget';
import { type EngineDefinition, engineDefinition } from './engine-compat';

export type ExecutionOutcome = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string };

/** Which execution an event belongs to. */
export interface ExecutionRef {
  kind: 'workflow' | 'pair' | 'continuation';
  name: string;
  executionArn: string;
}

/** What the run measured, per Step Functions quota (history events are AWS-equivalent, history-count.ts). */
export interface ExecutionStats {
  parentEvents: number;
  /** Child executions of the Map Run (continuations not included). */
  children: number;
  continuations: number;
  /** The longest history of a child or a continuation. */
  maxChildEvents: number;
  totalChildEvents: number;
  /** The largest state input or output of any execution, in bytes. */
  maxStatePayloadBytes: number;
  /** The workflow's output (or its error's cause), in bytes: what the 256 KiB output quota holds. */
  outputBytes: number;
}

export interface ExecuteOptions {
  workflow: LocalWorkflow;
  /** Where the Map Run reads its items and writes its results (the export bucket's S3). */
  s3: S3Client;
  /** The handler behind each Task state's function. */
  handlers: Record<WorkflowHandlerModule, LambdaHandler>;
  /** The execution input, exactly as a console execution would take it. */
  input: unknown;
  /** Execution name (`$$.Execution.Name`). */
  name: string;
  /** `$$.Execution.StartTime`. @default now */
  startTime?: Date;
  /** Multiplies every Wait and Retry interval. */
  timeScale: number;
  /** Every event of every execution (the workflow's, each pair's, each continuation's), in order per execution. */
  onEvent?: (event: ExecutionEvent, execution: ExecutionRef) => void;
  /** A pair's child execution started or ended. */
  onChild?: (event: ChildEvent) => void;
  /** A pair's child execution ended: its input (the planned task) and how it ended. */
  onPairEnded?: (input: unknown, outcome: ExecutionOutcome) => void;
  /** Children at once when the Map's MaxConcurrency is higher (this machine's limit). */
  maxLocalConcurrency?: number;
  /** Every scaled wait. */
  onWait?: (event: { state: string; seconds: number; sleepMs: number }) => void;
  /** For FULL jitter of retries. @default Math.random */
  random?: () => number;
}

const STATE_MACHINE_NAME = 'LinkedInSalesNavExport-local';
const CONTINUATION_NAME = `${STATE_MACHINE_NAME}-pair-continuation`;

/** The error name and cause of a failed local execution, as Step Functions would report them. */
export const failureOf = (error: unknown): { error: string; cause: string } => {
  if (error instanceof ExecutionTimeoutError)
    return { error: 'States.Timeout', cause: 'The execution ran longer than the state machine timeout' };
  // ExecutionError wraps the error the execution ended with: a Fail state's Error/Cause, or an
  // uncaught task error (name and message).
  const cause = error instanceof ExecutionError ? error.cause : error;
  if (cause instanceof Error) return { error: cause.name, cause: cause.message };
  return { error: 'Error', cause: String(cause) };
};

/**
 * How long events still on their way may take once the execution has ended. The stream normally
 * ends with the execution; when the engine throws outside its own try (e.g. cloning an input nested
 * thousands deep) it never ends, and waiting for it would hang the run.
 */
export const EVENT_DRAIN_MS = 2_000;

/**
 * Waits for an execution's outcome, passing its events on meanwhile. The outcome decides: the
 * events are drained for at most `drainMs` after it, and a failed execution is reported even when
 * its event stream broke or never ends.
 */
export const settleExecution = async (
  execution: { result: Promise<unknown>; eventLogs: AsyncIterable<ExecutionEvent> },
  onEvent?: (event: ExecutionEvent) => void,
  drainMs: number = EVENT_DRAIN_MS,
): Promise<ExecutionOutcome> => {
  const pumped = (async () => {
    for await (const event of execution.eventLogs) onEvent?.(event);
  })().then(
    () => ({ ended: true as const }),
    (error: unknown) => ({ ended: true as const, error }),
  );
  let outcome: ExecutionOutcome;
  try {
    outcome = { status: 'SUCCEEDED', output: await execution.result };
  } catch (error) {
    outcome = { status: 'FAILED', ...failureOf(error) };
  }
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    pumped,
    new Promise<{ ended: false }>((resolve) => {
      timer = setTimeout(() => resolve({ ended: false }), drainMs);
    }),
  ]);
  clearTimeout(timer);
  // A broken event stream (or a throwing onEvent) only matters when nothing else went wrong.
  if (outcome.status === 'SUCCEEDED' && 'error' in drained) throw drained.error;
  return outcome;
};

/**
 * Runs the workflow to its end.
 *
 * @returns the execution output, or the error name and cause it failed with, and what it measured
 */
export const executeWorkflow = async (options: ExecuteOptions): Promise<ExecutionOutcome & { stats: ExecutionStats }> => {
  const { workflow, input, name, timeScale } = options;
  const startTime = options.startTime ?? new Date();
  const stats: ExecutionStats = {
    parentEvents: 0,
    children: 0,
    continuations: 0,
    maxChildEvents: 0,
    totalChildEvents: 0,
    maxStatePayloadBytes: 0,
    outputBytes: 0,
  };

  // The ASL's Lambda ARNs are placeholders (arn:aws:lambda:REGION:ACCOUNT:function:ID); the
  // executions' ARNs use the same partition, region and account.
  const [, partition = 'aws', , region = 'us-east-1', accountId = '123456789012'] = (
    Object.values(workflow.tasks)[0]?.functionArn ?? ''
  ).split(':');
  const arnBase = `arn:${partition}:states:${region}:${accountId}`;
  const stateMachineArn = `${arnBase}:stateMachine:${STATE_MACHINE_NAME}`;
  const executionArn = `${arnBase}:execution:${STATE_MACHINE_NAME}:${name}`;
  const { asl: engineAsl, maps } = localizeDistributedMaps(workflow.asl);

  // One engine state machine per definition: constructing one validates the ASL (~250 ms of CPU),
  // too much to pay for each of thousands of child executions.
  const engines = new Map<AslMachine, { definition: EngineDefinition; machine: StateMachine }>();
  const engineFor = (asl: AslMachine) => {
    let engine = engines.get(asl);
    if (!engine) {
      const definition = engineDefinition(asl);
      engine = { definition, machine: new StateMachine(definition.asl as never) };
      engines.set(asl, engine);
    }
    return engine;
  };

  /** One execution of `asl` in the engine, its Tasks bound to the handlers, `extra` for the others. */
  const runMachine = async (
    asl: AslMachine,
    machineInput: unknown,
    ref: ExecutionRef,
    machine: { arn: string; name: string },
    extra: Record<string, (input: unknown) => Promise<unknown>>,
  ): Promise<{ outcome: ExecutionOutcome; events: number }> =>
    whileRunning(ref.executionArn, async () => {
      const engine = engineFor(asl);
      const scaled = createScaledTime(engine.definition.asl, {
        timeScale,
        random: options.random,
        onWait: options.onWait,
        input: machineInput,
      });
      const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
      for (const { name: stateName, state } of walkStates(engine.definition.asl)) {
        if (state.Type !== 'Task') continue;
        const task = workflow.tasks[stateName as keyof LocalWorkflow['tasks']];
        const run = task
          ? (event: unknown) => options.handlers[task.handlerModule](event, createLambdaContext(task))
          : (extra[stateName] ?? engine.definition.handlers[stateName]);
        if (!run) throw new Error(`The local runner has no handler for Task state "${stateName}"`);
        handlers[stateName] = scaled.wrapTask(stateName, run);
      }
      const execution = engine.machine.run(machineInput as never, {
        overrides: {
          taskResourceLocalHandlers: handlers as never,
          waitTimeOverrides: scaled.waitTimeOverrides,
          retryIntervalOverrides: scaled.retryIntervalOverrides,
        },
        context: {
          Execution: {
            Id: ref.executionArn,
            Name: ref.name,
            StartTime: (ref.kind === 'workflow' ? startTime : new Date()).toISOString(),
            Input: machineInput as never,
            RoleArn: `arn:${partition}:iam::${accountId}:role/local-runner`,
          },
          StateMachine: { Id: machine.arn, Name: machine.name },
        },
      });
      let events = 0;
      try {
        const outcome = await settleExecution(execution, (event) => {
          events += historyEventsOf(event);
          stats.maxStatePayloadBytes = Math.max(stats.maxStatePayloadBytes, payloadBytesOf(event));
          options.onEvent?.(event, ref);
        });
        return { outcome, events };
      } finally {
        scaled.dispose();
      }
    });

  const recordChild = (events: number): void => {
    stats.maxChildEvents = Math.max(stats.maxChildEvents, events);
    stats.totalChildEvents += events;
  };

  // `.sync:2` of the continuation: its output (Output parsed), or States.TaskFailed whose cause is
  // the execution's description with its Error and Cause, as Step Functions reports it.
  const continueAsNew = async (parameters: unknown): Promise<unknown> => {
    // The Task's Parameters, as StartExecution takes them: the execution input is `Input` (JSON
    // text or, with `Input.$`, the value itself).
    const given = (parameters as { Input?: unknown } | null)?.Input;
    const taskInput = typeof given === 'string' ? JSON.parse(given) : given;
    const childName = randomUUID();
    const ref: ExecutionRef = {
      kind: 'continuation',
      name: childName,
      executionArn: `${arnBase}:execution:${CONTINUATION_NAME}:${childName}`,
    };
    stats.continuations += 1;
    const { outcome, events } = await runMachine(
      workflow.continuation,
      taskInput,
      ref,
      { arn: `${arnBase}:stateMachine:${CONTINUATION_NAME}`, name: CONTINUATION_NAME },
      { [STATE_NAMES.continueAsNew]: continueAsNew },
    );
    recordChild(events);
    const described = {
      ExecutionArn: ref.executionArn,
      Name: childName,
      Input: JSON.stringify(taskInput),
      StateMachineArn: `${arnBase}:stateMachine:${CONTINUATION_NAME}`,
    };
    if (outcome.status === 'SUCCEEDED') return { ...described, Status: 'SUCCEEDED', Output: outcome.output };
    throw new StatesError(
      'States.TaskFailed',
      JSON.stringify({ ...described, Status: 'FAILED', Error: outcome.error, Cause: outcome.cause }),
    );
  };

  const mapRuns = Object.fromEntries(
    Object.values(maps).map((spec) => [
      spec.stateName,
      async (mapInput: unknown): Promise<unknown> => {
        const { output } = await runMapRun({
          spec,
          input: mapInput,
          context: {
            Execution: { Id: executionArn, Name: name, StartTime: startTime.toISOString() },
            StateMachine: { Id: stateMachineArn, Name: STATE_MACHINE_NAME },
          },
          s3Client: options.s3,
          executionArn,
          stateMachineName: STATE_MACHINE_NAME,
          maxLocalConcurrency: options.maxLocalConcurrency,
          onChild: options.onChild,
          runChild: async (request) => {
            stats.children += 1;
            const { outcome, events } = await runMachine(
              spec.definition,
              request.input,
              { kind: 'pair', name: request.name, executionArn: request.executionArn },
              { arn: request.stateMachineArn, name: STATE_MACHINE_NAME },
              { [STATE_NAMES.continueAsNew]: continueAsNew },
            );
            recordChild(events);
            options.onPairEnded?.(request.input, outcome);
            return { ...outcome, events };
          },
        });
        return output;
      },
    ]),
  );

  const { outcome, events } = await runMachine(
    engineAsl,
    input,
    { kind: 'workflow', name, executionArn },
    { arn: stateMachineArn, name: STATE_MACHINE_NAME },
    mapRuns,
  );
  // The engine logged each Map as a Task; AWS writes a Distributed Map's own events instead (the
  // children's are in their own histories).
  stats.parentEvents = events + Object.keys(maps).length * (HISTORY_EVENTS.distributedMap - HISTORY_EVENTS.task);
  stats.outputBytes = Buffer.byteLength(outcome.status === 'SUCCEEDED' ? (JSON.stringify(outcome.output) ?? '') : outcome.cause, 'utf8');
  return { ...outcome, stats };
};
