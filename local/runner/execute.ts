/**
 * One execution of the synthesized workflow in aws-local-stepfunctions, every Task running the
 * real handler in-process.
 */
import { ExecutionError, ExecutionTimeoutError, StateMachine, type ExecutionEvent } from './local-sfn';
import { createLambdaContext } from './lambda-context';
import type { LambdaHandler } from './handlers';
import type { HandlerModule } from '../../lambdas/shared/contract/names';
import { createScaledTime } from './scaled-time';
import type { LocalWorkflow } from './workflow';

export type ExecutionOutcome = { status: 'SUCCEEDED'; output: unknown } | { status: 'FAILED'; error: string; cause: string };

export interface ExecuteOptions {
  workflow: LocalWorkflow;
  /** The handler behind each Task state's function. */
  handlers: Record<HandlerModule, LambdaHandler>;
  /** The execution input, exactly as a console execution would take it. */
  input: unknown;
  /** Execution name (`$$.Execution.Name`). */
  name: string;
  /** `$$.Execution.StartTime`. @default now */
  startTime?: Date;
  /** Multiplies every Wait and Retry interval. */
  timeScale: number;
  /** Every event of the execution, in order (aws-local-stepfunctions' event log). */
  onEvent?: (event: ExecutionEvent) => void;
  /** Every scaled wait. */
  onWait?: (event: { state: string; seconds: number; sleepMs: number }) => void;
  /** For FULL jitter of retries. @default Math.random */
  random?: () => number;
}

const STATE_MACHINE_NAME = 'LinkedInSalesNavExport-local';

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
 * @returns the execution output, or the error name and cause it failed with
 */
export const executeWorkflow = async (options: ExecuteOptions): Promise<ExecutionOutcome> => {
  const { workflow, input, name, timeScale } = options;
  const startTime = options.startTime ?? new Date();
  const scaled = createScaledTime(workflow.asl, { timeScale, random: options.random, onWait: options.onWait });

  const taskResourceLocalHandlers = Object.fromEntries(
    Object.entries(workflow.tasks).map(([stateName, task]) => [
      stateName,
      scaled.wrapTask(stateName, (event: unknown) => options.handlers[task.handlerModule](event, createLambdaContext(task))),
    ]),
  );

  // The ASL's Lambda ARNs are placeholders (arn:aws:lambda:REGION:ACCOUNT:function:ID); the
  // execution's ARNs use the same partition, region and account.
  const [, partition = 'aws', , region = 'us-east-1', accountId = '123456789012'] = (
    Object.values(workflow.tasks)[0]?.functionArn ?? ''
  ).split(':');
  const stateMachineArn = `arn:${partition}:states:${region}:${accountId}:stateMachine:${STATE_MACHINE_NAME}`;
  const machine = new StateMachine(workflow.asl as never);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: taskResourceLocalHandlers as never,
      waitTimeOverrides: scaled.waitTimeOverrides,
      retryIntervalOverrides: scaled.retryIntervalOverrides,
    },
    context: {
      Execution: {
        Id: `arn:${partition}:states:${region}:${accountId}:execution:${STATE_MACHINE_NAME}:${name}`,
        Name: name,
        StartTime: startTime.toISOString(),
        Input: input as never,
        RoleArn: `arn:${partition}:iam::${accountId}:role/local-runner`,
      },
      StateMachine: { Id: stateMachineArn, Name: STATE_MACHINE_NAME },
    },
  });

  return settleExecution(execution, options.onEvent);
};
