/**
 * Where aws-local-stepfunctions 3.0.0 departs from Step Functions on ASL this workflow uses, and
 * the runner's faithful rewrite of each, applied to a definition before the engine runs it:
 * - a Pass state whose `Result` is falsy (`0`, `false`, `""`, `null`) passes its input instead:
 *   it becomes a Task whose local handler returns the Result (ResultPath and the rest kept);
 * - a Task without `TimeoutSeconds` times out after 60 s (AWS: no timeout, e.g. a `.sync`
 *   start of another execution): it gets the longest timer Node can hold;
 * - a machine `TimeoutSeconds` beyond that timer (the continuation's 35 days) fires at once:
 *   it is capped to it.
 */
import type { AslMachine, AslState } from './asl-walk';
import { ENGINE_TASK_TIMEOUT_SECONDS } from './distributed';

/** The Resource of a Task the rewrite introduced (its handler is always overridden by state name). */
const LOCAL_PASS_RESOURCE = 'arn:aws:states:::local-runner:pass';

export interface EngineDefinition {
  asl: AslMachine;
  /** Local handlers of the Task states the rewrite introduced, by state name. */
  handlers: Record<string, (input: unknown) => Promise<unknown>>;
}

const rewriteState = (name: string, state: AslState, handlers: EngineDefinition['handlers']): AslState => {
  if (state.Type === 'Pass' && 'Result' in state && !state.Result) {
    const { Result: result, Parameters: _parameters, ...rest } = state;
    handlers[name] = async () => result;
    return { ...rest, Type: 'Task', Resource: LOCAL_PASS_RESOURCE, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS };
  }
  if (state.Type === 'Task' && state.TimeoutSeconds === undefined && state.TimeoutSecondsPath === undefined) {
    return { ...state, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS };
  }
  return state;
};

/**
 * The definition the engine runs for `asl` (top-level states only: the workflow's nested machines,
 * the Map's item processor, run as executions of their own).
 */
export const engineDefinition = (asl: AslMachine): EngineDefinition => {
  const handlers: EngineDefinition['handlers'] = {};
  const states = Object.fromEntries(Object.entries(asl.States).map(([name, state]) => [name, rewriteState(name, state, handlers)]));
  const timeout = typeof asl.TimeoutSeconds === 'number' ? Math.min(asl.TimeoutSeconds, ENGINE_TASK_TIMEOUT_SECONDS) : undefined;
  return { asl: { ...asl, States: states, ...(timeout !== undefined && { TimeoutSeconds: timeout }) }, handlers };
};
