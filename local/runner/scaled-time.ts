/**
 * Real waits, scaled: `--time-scale F` multiplies every Wait state and every Retry interval of
 * the synthesized ASL by F, without changing the ASL.
 *
 * Why this is not just a table of overrides: aws-local-stepfunctions takes fixed milliseconds
 * per state name, but the workflow's waits come from `SecondsPath` (computed by the Lambdas per
 * export, and Step Functions wants an integer there) and its retries back off exponentially with
 * jitter. So the overrides are live objects: each lookup computes the scaled value for the Map
 * iteration that asks.
 *
 * How a lookup knows its iteration: every Task handler runs through {@link ScaledTime.wrapTask},
 * which enters an AsyncLocalStorage frame before its first await. The library's own continuations
 * (Choice, Wait, the retry decision) are registered after that point, so they run inside the
 * frame of the last Task of their own iteration and find its output there. A retry of a state
 * reuses the frame of the first attempt, because the library continues in that frame afterwards.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { predecessorsOf, walkStates, type AslMachine, type AslRetrier, type AslState } from './asl-walk';

/** Step Functions' defaults when a retrier leaves a field out. */
const DEFAULT_INTERVAL_SECONDS = 1;
const DEFAULT_BACKOFF_RATE = 2;

interface TaskFrame {
  /** The state whose handler is running or failed in this frame (cleared on success). */
  pendingState?: string;
  /** The last successful Task output in this branch: the input a following Wait sees. */
  lastOutput?: unknown;
  /** Failures per retrier of `pendingState`, for the exponential backoff. */
  failures: number[];
}

export interface ScaledTime {
  /** Pass as `overrides.waitTimeOverrides`. */
  readonly waitTimeOverrides: Record<string, number>;
  /** Pass as `overrides.retryIntervalOverrides`. */
  readonly retryIntervalOverrides: Record<string, number[]>;
  /** Wraps a Task state's local handler so waits and retries after it can be scaled. */
  wrapTask<I, O>(stateName: string, handler: (input: I) => Promise<O>): (input: I) => Promise<O>;
  /**
   * Call once the execution has ended. Node keeps every enabled AsyncLocalStorage in a global
   * list that each new async resource copies from: thousands of child executions that never
   * disable theirs make every await slower and every resource bigger.
   */
  dispose(): void;
}

export interface ScaledTimeOptions {
  /** Multiplies every wait; 1 is real time, 0 skips waiting. */
  timeScale: number;
  /** For FULL jitter; injectable so tests are deterministic. @default Math.random */
  random?: () => number;
  /** Called with every scaled wait (state name, the ASL's seconds, the milliseconds slept). */
  onWait?: (event: { state: string; seconds: number; sleepMs: number }) => void;
  /**
   * The execution's input: what a Wait reached before any Task sees (a pair continued in a fresh
   * execution may start by waiting for its job).
   */
  input?: unknown;
}

/** `$.a.b` → ['a', 'b']; anything fancier is refused up front rather than misread. */
const parseSimplePath = (path: string, where: string): string[] => {
  if (!/^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path)) {
    throw new Error(`The local runner cannot scale ${where}: only "$.field" paths are supported, got ${JSON.stringify(path)}`);
  }
  return path.split('.').slice(1);
};

const readPath = (value: unknown, fields: string[]): unknown =>
  fields.reduce<unknown>(
    (current, field) => (current !== null && typeof current === 'object' ? (current as Record<string, unknown>)[field] : undefined),
    value,
  );

const passesInputThrough = (state: AslState): boolean =>
  (state.InputPath === undefined || state.InputPath === '$') && (state.OutputPath === undefined || state.OutputPath === '$');

/**
 * A SecondsPath Wait reads the output of the last Task of its branch only if every path from a
 * Task to it goes through states that pass their input through unchanged (Choice states).
 */
const assertWaitInputIsTaskOutput = (machine: AslMachine, waitName: string): void => {
  const seen = new Set<string>();
  const visit = (name: string): void => {
    for (const [fromName, from] of predecessorsOf(machine, name)) {
      if (seen.has(fromName)) continue;
      seen.add(fromName);
      const problem =
        from.Type === 'Task'
          ? from.ResultSelector !== undefined || (from.ResultPath !== undefined && from.ResultPath !== '$') || !passesInputThrough(from)
          : from.Type === 'Choice'
            ? !passesInputThrough(from)
            : true;
      if (problem) {
        throw new Error(
          `The local runner cannot scale Wait "${waitName}": its input may not be the output of a Task (state "${fromName}" reshapes it)`,
        );
      }
      if (from.Type === 'Choice') visit(fromName);
    }
  };
  visit(waitName);
};

/** Full-jitter exponential backoff of one retrier after `failures` failures, in seconds. */
export const retryDelaySeconds = (retrier: AslRetrier, failures: number, random: () => number): number => {
  const interval = retrier.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  const rate = retrier.BackoffRate ?? DEFAULT_BACKOFF_RATE;
  const uncapped = interval * rate ** Math.max(0, failures - 1);
  const capped = retrier.MaxDelaySeconds === undefined ? uncapped : Math.min(uncapped, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? random() * capped : capped;
};

/** The first retrier that Step Functions would pick for an error of this name. */
export const matchingRetrier = (state: AslState, errorName: string): number =>
  (state.Retry ?? []).findIndex((retrier) =>
    retrier.ErrorEquals.some(
      (pattern) =>
        pattern === errorName ||
        pattern === 'States.ALL' ||
        (pattern === 'States.TaskFailed' && state.Type === 'Task' && errorName !== 'States.Timeout'),
    ),
  );

/**
 * Builds the live overrides for one execution of `asl`.
 *
 * @throws Error when a Wait's seconds cannot be found from a Task output (the ASL changed shape)
 */
export const createScaledTime = (asl: AslMachine, options: ScaledTimeOptions): ScaledTime => {
  const { timeScale, random = Math.random, onWait, input } = options;
  if (!Number.isFinite(timeScale) || timeScale < 0) throw new RangeError(`time scale must be a number >= 0, got ${timeScale}`);

  const frames = new AsyncLocalStorage<TaskFrame>();
  const waitSeconds = new Map<string, (frame: TaskFrame | undefined) => number>();
  const retriable = new Map<string, AslState>();

  for (const { name, state, machine } of walkStates(asl)) {
    if (state.Retry?.length) retriable.set(name, state);
    if (state.Type !== 'Wait') continue;
    if (typeof state.Seconds === 'number') {
      const seconds = state.Seconds;
      waitSeconds.set(name, () => seconds);
    } else if (typeof state.SecondsPath === 'string') {
      const fields = parseSimplePath(state.SecondsPath, `Wait "${name}"`);
      assertWaitInputIsTaskOutput(machine, name);
      waitSeconds.set(name, (frame) => {
        const value = readPath(frame && 'lastOutput' in frame ? frame.lastOutput : input, fields);
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
          throw new Error(`Wait "${name}": ${state.SecondsPath} is ${JSON.stringify(value)}, not a number of seconds`);
        }
        return value;
      });
    }
    // Timestamp waits name an absolute time: there is nothing to scale, the library waits for it.
  }

  const waitTimeOverrides = new Proxy<Record<string, number>>(
    {},
    {
      has: (_target, state) => typeof state === 'string' && waitSeconds.has(state),
      get: (_target, state) => {
        const seconds = typeof state === 'string' ? waitSeconds.get(state)?.(frames.getStore()) : undefined;
        if (seconds === undefined) return undefined;
        const sleepMs = Math.round(seconds * timeScale * 1000);
        onWait?.({ state: state as string, seconds, sleepMs });
        return sleepMs;
      },
    },
  );

  const retryIntervalOverrides = new Proxy<Record<string, number[]>>(
    {},
    {
      has: (_target, state) => typeof state === 'string' && retriable.has(state),
      get: (_target, state) => {
        const definition = typeof state === 'string' ? retriable.get(state) : undefined;
        if (!definition) return undefined;
        const frame = frames.getStore();
        const failures = frame?.pendingState === state ? frame.failures : [];
        return (definition.Retry ?? []).map((retrier, index) =>
          Math.round(retryDelaySeconds(retrier, Math.max(1, failures[index] ?? 0), random) * timeScale * 1000),
        );
      },
    },
  );

  const wrapTask =
    <I, O>(stateName: string, handler: (input: I) => Promise<O>) =>
    async (input: I): Promise<O> => {
      const inherited = frames.getStore();
      // A retry continues in the first attempt's frame; anything else starts a fresh one.
      const frame: TaskFrame = inherited?.pendingState === stateName ? inherited : { failures: [] };
      frame.pendingState = stateName;
      frames.enterWith(frame); // before the first await: see the module comment
      try {
        const output = await handler(input);
        frame.pendingState = undefined;
        frame.failures = [];
        frame.lastOutput = output;
        return output;
      } catch (error) {
        const definition = retriable.get(stateName);
        const index = definition ? matchingRetrier(definition, error instanceof Error ? error.name : 'Error') : -1;
        if (index >= 0) frame.failures[index] = (frame.failures[index] ?? 0) + 1;
        throw error;
      }
    };

  return { waitTimeOverrides, retryIntervalOverrides, wrapTask, dispose: () => frames.disable() };
};
