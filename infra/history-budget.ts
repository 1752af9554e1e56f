/**
 * The history budget of the workflow, read from its ASL (docs/design.md, "Partner scale"): how many
 * events one execution can write at worst, from the states it has and the Retry policies they
 * carry, so a test can hold the parent and every child below half of Step Functions' 25,000-event
 * quota (test/infra/history-budget.test.ts) and the scale benchmark can print the figures
 * (bench/scale/). Pure: it takes the ASL as extracted from the synthesized template
 * (infra/asl.ts `extractStateMachineAsl`), never a hand-written copy.
 *
 * History events per state (the `HistoryEvent.type` values of the Step Functions API reference):
 * - an execution: `ExecutionStarted` + `ExecutionSucceeded` | `ExecutionFailed` | `ExecutionTimedOut`
 *   | `ExecutionAborted` = 2;
 * - a Task whose Resource is a Lambda function ARN (request/response, as every Lambda Task here):
 *   `TaskStateEntered`, `LambdaFunctionScheduled`, `LambdaFunctionStarted`, `LambdaFunctionSucceeded`,
 *   `TaskStateExited` = 5 (through `arn:aws:states:::lambda:invoke` the three in the middle are
 *   `TaskScheduled`, `TaskStarted`, `TaskSucceeded`: the same count). Each retry adds the failed
 *   attempt's `LambdaFunctionFailed` | `LambdaFunctionTimedOut` and the next attempt's
 *   `LambdaFunctionScheduled` + `LambdaFunctionStarted` = 3;
 * - a Task of the `.sync` or `.waitForTaskToken` pattern (the continuation's
 *   `states:startExecution.sync:2`): `TaskStateEntered`, `TaskScheduled`, `TaskStarted`,
 *   `TaskSubmitted`, `TaskSucceeded`, `TaskStateExited` = 6; each retry adds 4 (`TaskFailed`, then
 *   `TaskScheduled`, `TaskStarted`, `TaskSubmitted`);
 * - Choice: `ChoiceStateEntered`, `ChoiceStateExited` = 2; Wait: `WaitStateEntered`,
 *   `WaitStateExited` = 2; Pass: `PassStateEntered`, `PassStateExited` = 2; Succeed:
 *   `SucceedStateEntered`, `SucceedStateExited` = 2; Fail: `FailStateEntered` = 1 (the execution's
 *   `ExecutionFailed` is its end event, counted with the execution);
 * - a Map in DISTRIBUTED mode: `MapStateEntered`, `MapStateStarted`, `MapRunStarted`,
 *   `MapRunSucceeded` | `MapRunFailed` | `MapRunAborted`, `MapStateSucceeded` | `MapStateFailed`,
 *   `MapStateExited` = 6, whatever the number of items: each child execution writes its own history;
 * - a Map in INLINE mode (the old design, for the baseline only): `MapStateEntered`,
 *   `MapStateStarted`, `MapStateSucceeded`, `MapStateExited` = 4, plus per iteration
 *   `MapIterationStarted` + `MapIterationSucceeded` | `MapIterationFailed` = 2 and the events of its
 *   states, all in the parent's history.
 *
 * Assumed, not documented event by event by AWS: a Catch adds no event of its own (the failed
 * attempt's event is counted, and `TaskStateExited` is counted whether the Task succeeds or is
 * caught, an upper bound either way); a Task's timeout replaces its failure event
 * (`…TimedOut` instead of `…Failed`); a retrier without MaxAttempts retries 3 times (the States
 * Language default), 0 never. A redrive continues the same history (`ExecutionRedriven`, then the
 * states run again): half the quota leaves room for one redrive of an execution at its worst case.
 */
import { HISTORY_EVENT_QUOTA } from '../lambdas/shared/contract/quotas';

/** Events per state type and per retry; see the module comment for the event names. */
export const HISTORY_EVENTS = {
  execution: 2,
  /** A request/response Task (a Lambda function ARN). */
  task: 5,
  /** Per retry of a request/response Task. */
  taskRetry: 3,
  /** A `.sync` / `.waitForTaskToken` Task (TaskSubmitted). */
  syncTask: 6,
  /** Per retry of a `.sync` / `.waitForTaskToken` Task. */
  syncTaskRetry: 4,
  choice: 2,
  wait: 2,
  pass: 2,
  succeed: 2,
  fail: 1,
  distributedMap: 6,
  inlineMap: 4,
  inlineMapIteration: 2,
} as const;

/** The States Language's default MaxAttempts of a retrier. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Half of the history quota: the most any execution of this workflow may write at worst. */
export const HALF_HISTORY_QUOTA = HISTORY_EVENT_QUOTA / 2;

/** The part of the States Language this module reads. */
export interface BudgetRetrier {
  ErrorEquals: string[];
  MaxAttempts?: number;
}
export interface BudgetCatcher {
  ErrorEquals: string[];
  Next: string;
}
export interface BudgetChoiceRule {
  Next?: string;
  Variable?: string;
  NumericGreaterThanEquals?: number;
  And?: BudgetChoiceRule[];
  Or?: BudgetChoiceRule[];
  Not?: BudgetChoiceRule;
  [field: string]: unknown;
}
export interface BudgetState {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: BudgetChoiceRule[];
  Retry?: BudgetRetrier[];
  Catch?: BudgetCatcher[];
  Parameters?: Record<string, unknown>;
  ItemProcessor?: BudgetMachine & { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
  Iterator?: BudgetMachine;
  [field: string]: unknown;
}
export interface BudgetMachine {
  StartAt: string;
  States: Record<string, BudgetState>;
  [field: string]: unknown;
}

/** The ASL as `extractStateMachineAsl` returns it, checked for the fields this module walks. */
export const asMachine = (asl: object): BudgetMachine => {
  const machine = asl as Partial<BudgetMachine>;
  if (typeof machine.StartAt !== 'string' || machine.States === null || typeof machine.States !== 'object') {
    throw new TypeError('Not an ASL document: expected StartAt and States');
  }
  if (!machine.States[machine.StartAt]) throw new TypeError(`StartAt "${machine.StartAt}" names no state`);
  return machine as BudgetMachine;
};

const LAMBDA_FUNCTION_ARN = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:[^:]+(?::[^:]+)?$/;
const LAMBDA_INVOKE = /^arn:[^:]+:states:::lambda:invoke$/;
const SYNC_PATTERN = /\.(?:sync(?::\d+)?|waitForTaskToken)$/;
const START_EXECUTION_SYNC = /^arn:[^:]+:states:::states:startExecution\.sync(?::\d+)?$/;

/** A Task that runs one of the workflow's Lambdas (a step of a pair: create, check, copy). */
export const isLambdaTask = (state: BudgetState): boolean =>
  state.Type === 'Task' &&
  typeof state.Resource === 'string' &&
  (LAMBDA_FUNCTION_ARN.test(state.Resource) || LAMBDA_INVOKE.test(state.Resource));

/** Retries a state can spend with every retrier exhausted (each retrier counts its own attempts). */
export const retriesOf = (state: BudgetState): number =>
  (state.Retry ?? []).reduce((sum, retrier) => sum + Math.max(0, retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS), 0);

/**
 * The most history events one visit of `state` writes, every retry spent unless `retries` says how
 * many. A Map in distributed mode counts its own events only.
 *
 * @throws Error for a state type this workflow does not use (Parallel, inline Map children)
 */
export const stateEvents = (state: BudgetState, retries: number = retriesOf(state)): number => {
  switch (state.Type) {
    case 'Task': {
      const sync = typeof state.Resource === 'string' && SYNC_PATTERN.test(state.Resource);
      return sync
        ? HISTORY_EVENTS.syncTask + retries * HISTORY_EVENTS.syncTaskRetry
        : HISTORY_EVENTS.task + retries * HISTORY_EVENTS.taskRetry;
    }
    case 'Choice':
      return HISTORY_EVENTS.choice;
    case 'Wait':
      return HISTORY_EVENTS.wait;
    case 'Pass':
      return HISTORY_EVENTS.pass;
    case 'Succeed':
      return HISTORY_EVENTS.succeed;
    case 'Fail':
      return HISTORY_EVENTS.fail;
    case 'Map':
      if (state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') return HISTORY_EVENTS.distributedMap;
      throw new Error('An inline Map writes its iterations into this history: count them with the baseline model');
    default:
      throw new Error(`No history budget for a ${state.Type} state`);
  }
};

/** Every state a state can go to next: Next, the Choice rules and Default, and its catchers. */
export const successorsOf = (state: BudgetState): string[] => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Choices ?? []).flatMap((rule) => (rule.Next ? [rule.Next] : [])),
  ...(state.Default ? [state.Default] : []),
  ...(state.Catch ?? []).map((catcher) => catcher.Next),
];

const stateNamed = (machine: BudgetMachine, name: string): BudgetState => {
  const state = machine.States[name];
  if (!state) throw new Error(`The ASL names a state "${name}" it does not define`);
  return state;
};

/**
 * The most events on any path from `from` to the end of the execution (its end event not
 * included), every retry spent.
 *
 * @throws Error when a cycle is reachable from `from` (the path would have no bound)
 */
export const longestPathEvents = (machine: BudgetMachine, from: string): number => {
  const memo = new Map<string, number>();
  const visit = (name: string, onPath: Set<string>): number => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (onPath.has(name)) throw new Error(`The states from "${from}" loop through "${name}": no path bound`);
    const state = stateNamed(machine, name);
    onPath.add(name);
    const next = successorsOf(state).map((successor) => visit(successor, onPath));
    onPath.delete(name);
    const events = stateEvents(state) + Math.max(0, ...next);
    memo.set(name, events);
    return events;
  };
  return visit(from, new Set());
};

/**
 * The definition a pair runs: the Distributed Map's item processor of the parent, or the
 * continuation state machine as it is (it is that loop).
 */
export const childDefinition = (asl: object): BudgetMachine => {
  const machine = asMachine(asl);
  const maps = Object.values(machine.States).filter(
    (state) => state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED',
  );
  if (maps.length > 1) throw new Error(`Expected at most one Distributed Map, found ${maps.length}`);
  const processor = maps[0]?.ItemProcessor;
  return processor ? asMachine(processor) : machine;
};

/** The Route state's guard that sends a pair to a fresh execution, and where it goes. */
export interface ContinuationGuard {
  /** The Choice state holding the guard. */
  choice: string;
  /** `$.steps` at or above this continues in a fresh execution. */
  threshold: number;
  /** The guard's target (the Pass that resets `steps`). */
  next: string;
  /** The `states:startExecution.sync` Task on the path from the guard. */
  task: string;
  /** The state machine that Task starts (the continuation). */
  stateMachineArn: string;
}

const stepsThreshold = (rule: BudgetChoiceRule): number | undefined => {
  if (rule.Variable === '$.steps' && typeof rule.NumericGreaterThanEquals === 'number') return rule.NumericGreaterThanEquals;
  for (const inner of [...(rule.And ?? []), ...(rule.Or ?? [])]) {
    const threshold = stepsThreshold(inner);
    if (threshold !== undefined) return threshold;
  }
  return undefined;
};

/** States reachable from `from`, `from` included. */
const reachable = (machine: BudgetMachine, from: string): Set<string> => {
  const seen = new Set<string>();
  const pending = [from];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (seen.has(name)) continue;
    seen.add(name);
    pending.push(...successorsOf(stateNamed(machine, name)));
  }
  return seen;
};

/**
 * The child's continue-as-new guard: a Choice rule on `$.steps >= N` whose path starts an
 * execution with `.sync` (so this execution ends with the continuation's result). Undefined when
 * the child has none: then its history grows with the pair's work.
 */
export const continuationGuard = (asl: object): ContinuationGuard | undefined => {
  const child = childDefinition(asl);
  for (const [choice, state] of Object.entries(child.States)) {
    if (state.Type !== 'Choice') continue;
    for (const rule of state.Choices ?? []) {
      const threshold = stepsThreshold(rule);
      if (threshold === undefined || !rule.Next) continue;
      for (const name of reachable(child, rule.Next)) {
        const target = stateNamed(child, name);
        if (target.Type !== 'Task' || !START_EXECUTION_SYNC.test(target.Resource ?? '')) continue;
        const arn = target.Parameters?.StateMachineArn;
        if (typeof arn !== 'string') continue;
        return { choice, threshold, next: rule.Next, task: name, stateMachineArn: arn };
      }
    }
  }
  return undefined;
};

/**
 * Events of the non-Task states that can run between the previous step and `task` (the Route
 * Choice, a Wait): at most one of each per step in this loop, and the most of any path here.
 */
const leadInEvents = (machine: BudgetMachine, task: string): number => {
  const visit = (name: string, seen: Set<string>): number => {
    let most = 0;
    for (const [predecessor, state] of Object.entries(machine.States)) {
      if (!successorsOf(state).includes(name) || seen.has(predecessor)) continue;
      if (state.Type === 'Task') continue;
      most = Math.max(most, stateEvents(state) + visit(predecessor, new Set([...seen, predecessor])));
    }
    return most;
  };
  return visit(task, new Set([task]));
};

/**
 * Lambda Tasks that can run one after another without passing a Choice (create, then check at
 * once): the steps one visit of the Route can let through.
 */
const longestTaskChain = (machine: BudgetMachine): number => {
  const chainFrom = (name: string, seen: Set<string>): number => {
    const state = stateNamed(machine, name);
    if (state.Type === 'Choice' || seen.has(name)) return 0;
    const here = isLambdaTask(state) ? 1 : 0;
    const next = state.Next ? chainFrom(state.Next, new Set([...seen, name])) : 0;
    return here + next;
  };
  return Math.max(
    0,
    ...Object.entries(machine.States)
      .filter(([, state]) => isLambdaTask(state))
      .map(([name]) => chainFrom(name, new Set())),
  );
};

/** The child's worst case, part by part. */
export interface ChildHistoryBudget {
  /** Per Lambda Task: its events with every retry spent, plus the Choice and Wait before it. */
  perTask: Record<string, { retries: number; taskEvents: number; leadInEvents: number; stepEvents: number }>;
  /** The most events one step can write: {@link worstCaseEventsPerStep}. */
  perStep: number;
  /** The guard's threshold (MAX_STEPS_PER_EXECUTION as deployed), if the child has a guard. */
  stepThreshold?: number;
  /** Lambda Tasks that can run between two visits of the Route. */
  longestTaskChain: number;
  /** Steps one execution can run: the threshold − 1, then one more chain. */
  stepsPerExecution: number;
  /** The last Route and the hop to the continuation (Pass, `.sync` Task, the end state). */
  endingEvents: number;
  /** Execution start and end. */
  executionEvents: number;
  /** Everything: Infinity without a guard. */
  total: number;
  guard?: ContinuationGuard;
}

/**
 * The worst-case history of one child execution: a pair that runs the most steps an execution
 * allows, each spending every retry of every retrier, then hands the rest to a fresh execution.
 */
export const childHistoryBudget = (asl: object): ChildHistoryBudget => {
  const child = childDefinition(asl);
  const perTask: ChildHistoryBudget['perTask'] = {};
  for (const [name, state] of Object.entries(child.States)) {
    if (!isLambdaTask(state)) continue;
    const taskEvents = stateEvents(state);
    const leadIn = leadInEvents(child, name);
    perTask[name] = { retries: retriesOf(state), taskEvents, leadInEvents: leadIn, stepEvents: taskEvents + leadIn };
  }
  const perStep = Math.max(0, ...Object.values(perTask).map((task) => task.stepEvents));
  const chain = longestTaskChain(child);
  const guard = continuationGuard(asl);
  const executionEvents = HISTORY_EVENTS.execution;
  if (!guard) {
    return { perTask, perStep, longestTaskChain: chain, stepsPerExecution: Infinity, endingEvents: 0, executionEvents, total: Infinity };
  }
  const choice = stateNamed(child, guard.choice);
  // The hop: the Route that sees the threshold, then everything from its guard to the end; any
  // other ending (the Route to the Succeed state, a Catch to a Fail state) writes fewer.
  const hop = stateEvents(choice) + longestPathEvents(child, guard.next);
  const otherEndings = (choice.Choices ?? [])
    .filter((rule) => rule.Next && rule.Next !== guard.next && !reachable(child, rule.Next).has(guard.choice))
    .map((rule) => stateEvents(choice) + longestPathEvents(child, rule.Next!));
  const endingEvents = Math.max(hop, ...otherEndings);
  const stepsPerExecution = guard.threshold - 1 + chain;
  return {
    perTask,
    perStep,
    stepThreshold: guard.threshold,
    longestTaskChain: chain,
    stepsPerExecution,
    endingEvents,
    executionEvents,
    total: executionEvents + stepsPerExecution * perStep + endingEvents,
    guard,
  };
};

/**
 * The most events one loop iteration of a pair can write: the Route, a Wait, and one Lambda Task
 * with every retry of every retrier spent (each retrier's MaxAttempts, read from the ASL).
 *
 * @param asl the parent ASL (its Distributed Map's item processor is read) or the continuation's
 */
export const worstCaseEventsPerStep = (asl: object): number => childHistoryBudget(asl).perStep;

/**
 * The most events one child execution can write: MAX_STEPS_PER_EXECUTION (as the guard deploys it)
 * steps at their worst, the hop to the continuation, and the execution's start and end. Infinity
 * when the child has no continuation guard.
 */
export const worstCaseChildEvents = (asl: object): number => childHistoryBudget(asl).total;

/**
 * The most events the parent execution can write: the longest path through its states (Plan and
 * Summarize with every retry spent, the Distributed Map's own events whatever the number of items,
 * the Choice, the end state) and the execution's start and end.
 *
 * @throws Error when the parent's states loop (its path would have no bound)
 */
export const worstCaseParentEvents = (asl: object): number => {
  const machine = asMachine(asl);
  return HISTORY_EVENTS.execution + longestPathEvents(machine, machine.StartAt);
};

/**
 * The largest MAX_STEPS_PER_EXECUTION that keeps a child within `limit` events (half the quota by
 * default) with the loop as deployed: what the constant may be raised to, or must be lowered to.
 */
export const largestSafeStepThreshold = (asl: object, limit: number = HALF_HISTORY_QUOTA): number => {
  const budget = childHistoryBudget(asl);
  if (budget.perStep === 0) return Infinity;
  return Math.floor((limit - budget.executionEvents - budget.endingEvents) / budget.perStep) + 1 - budget.longestTaskChain;
};

/**
 * Events of one visit of each state of the pair's loop with no retry: what a typical execution
 * writes, for the baseline (the old inline Map) and the model's averages.
 */
export const typicalStateEvents = (asl: object): Record<string, number> => {
  const child = childDefinition(asl);
  return Object.fromEntries(
    Object.entries(child.States)
      .filter(([, state]) => state.Type !== 'Map')
      .map(([name, state]) => [name, stateEvents(state, 0)]),
  );
};

/** One Lambda's size, as the template deploys it. */
export interface LambdaSize {
  logicalId: string;
  memoryMb: number;
  timeoutSeconds: number;
}

type TemplateResources = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/**
 * The memory and timeout of the Lambda behind each Lambda Task of the ASL (parent and item
 * processor), from the synthesized template (infra/functions.ts sets them). The ASL's Lambda ARNs
 * are placeholders whose function name is the logical id (infra/asl.ts).
 */
export const lambdaSizes = (template: object, asl: object): Record<string, LambdaSize> => {
  const resources = (template as TemplateResources).Resources ?? {};
  const sizes: Record<string, LambdaSize> = {};
  const machines = [asMachine(asl), childDefinition(asl)];
  for (const machine of machines) {
    for (const [name, state] of Object.entries(machine.States)) {
      if (!isLambdaTask(state)) continue;
      const logicalId = String(state.Resource).split(':function:')[1]?.split(':')[0] ?? '';
      const properties = resources[logicalId]?.Properties;
      if (resources[logicalId]?.Type !== 'AWS::Lambda::Function' || !properties) {
        throw new Error(`Task "${name}" runs ${logicalId}, which is not a Lambda function of the template`);
      }
      // Lambda's own defaults when CloudFormation leaves them out: 128 MB, 3 s.
      sizes[name] = { logicalId, memoryMb: Number(properties.MemorySize ?? 128), timeoutSeconds: Number(properties.Timeout ?? 3) };
    }
  }
  return sizes;
};
