/**
 * How many events Step Functions would write to an execution's history for what the local engine
 * reports, so a local run can say how close each execution came to the 25,000-event quota. The
 * engine logs one entry per state entered or exited; AWS logs more for a Task (scheduled, started,
 * succeeded or failed): the counts below follow AWS's history event types and add up to the
 * figures infra/history-budget.ts uses for the worst case (HISTORY_EVENTS: a Task 5, a retry 3).
 */
import type { ExecutionEvent } from './local-sfn';

/** History events AWS writes for one engine event. */
export const historyEventsOf = (event: ExecutionEvent): number => {
  switch (event.type) {
    case 'StateEntered':
      // TaskStateEntered, TaskScheduled, TaskStarted (LambdaFunction… for Lambda tasks: as many).
      return event.state.type === 'Task' ? 3 : 1;
    case 'StateExited':
      // TaskSucceeded, TaskStateExited.
      return event.state.type === 'Task' ? 2 : 1;
    case 'StateFailed':
      // TaskFailed (or TaskTimedOut); a Fail state's own failure is ExecutionFailed, counted below.
      return event.state.type === 'Task' ? 1 : 0;
    case 'StateRetried':
      // TaskScheduled, TaskStarted of the next attempt.
      return 2;
    case 'StateCaught':
      return 0;
    default:
      // ExecutionStarted / Succeeded / Failed / Aborted / TimedOut; inline Map and Parallel
      // iteration events (this workflow has none).
      return 1;
  }
};

/** The largest JSON payload an engine event carries (a state's input or output), in bytes. */
export const payloadBytesOf = (event: ExecutionEvent): number => {
  const carried = event as { input?: unknown; output?: unknown; state?: { input?: unknown; output?: unknown } };
  let largest = 0;
  for (const value of [carried.input, carried.output, carried.state?.input, carried.state?.output]) {
    if (value === undefined) continue;
    largest = Math.max(largest, Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8'));
  }
  return largest;
};
