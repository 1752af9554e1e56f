/**
 * The little of the Amazon States Language the runner reads itself (to scale waits and
 * retries): a typed view of states and a walk that visits every state, nested Map and
 * Parallel branches included.
 */

export interface AslRetrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface AslState {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: Array<{ Next?: string; [field: string]: unknown }>;
  Retry?: AslRetrier[];
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
  InputPath?: string | null;
  OutputPath?: string | null;
  ResultPath?: string | null;
  ResultSelector?: unknown;
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
  [field: string]: unknown;
}

export interface AslMachine {
  StartAt: string;
  States: Record<string, AslState>;
  [field: string]: unknown;
}

export interface VisitedState {
  name: string;
  state: AslState;
  /** The (sub-)machine holding the state: its siblings are the states it can transition to. */
  machine: AslMachine;
}

/** Every state of `machine`, depth first, nested machines included. */
export function* walkStates(machine: AslMachine): Generator<VisitedState> {
  for (const [name, state] of Object.entries(machine.States)) {
    yield { name, state, machine };
    const nested = [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])];
    for (const child of nested) if (child) yield* walkStates(child);
  }
}

/** Names of the states that `state` can transition to directly. */
export const successorsOf = (state: AslState): string[] => [
  ...(state.Next ? [state.Next] : []),
  ...(state.Default ? [state.Default] : []),
  ...(state.Choices ?? []).flatMap((choice) => (choice.Next ? [choice.Next] : [])),
];

/** The states of `machine` that transition directly to `target`. */
export const predecessorsOf = (machine: AslMachine, target: string): Array<[string, AslState]> =>
  Object.entries(machine.States).filter(([, state]) => successorsOf(state).includes(target));
