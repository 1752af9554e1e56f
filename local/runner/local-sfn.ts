/**
 * aws-local-stepfunctions, loaded after the Node 20 polyfill it needs. Import the state
 * machine from here, never from the package directly.
 */
import './polyfill';

export { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
export type { RunOptions, StateMachineDefinition } from 'aws-local-stepfunctions';

import type { StateMachine } from 'aws-local-stepfunctions';

/** One entry of `execution.eventLogs` (the package does not export the union). */
export type ExecutionEvent = ReturnType<StateMachine['run']>['eventLogs'] extends AsyncGenerator<infer E> ? E : never;
