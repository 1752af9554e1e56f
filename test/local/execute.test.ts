/**
 * How the runner waits for an execution: the outcome decides, the event stream is only drained.
 * aws-local-stepfunctions can end an execution without ending its event stream (an error thrown
 * outside its try); a failure must still be reported, promptly.
 */
import type { ExecutionEvent } from '../../local/runner/local-sfn';
import { settleExecution } from '../../local/runner/execute';

const event = (type: string) => ({ type, timestamp: Date.now() }) as unknown as ExecutionEvent;

/** Yields `events`, then never ends (or ends, when `end` says so). */
async function* stream(events: ExecutionEvent[], end: Promise<void> = new Promise(() => undefined)) {
  for (const item of events) yield item;
  await end;
}

describe('settleExecution', () => {
  it('reports a failed execution although its event stream never ends', async () => {
    const failure = Object.assign(new Error('Maximum call stack size exceeded'), { name: 'RangeError' });
    const seen: string[] = [];
    const started = Date.now();

    const outcome = await settleExecution(
      { result: Promise.reject(failure), eventLogs: stream([event('ExecutionStarted')]) },
      (item) => seen.push(item.type),
      50,
    );

    expect(outcome).toEqual({ status: 'FAILED', error: 'RangeError', cause: 'Maximum call stack size exceeded' });
    expect(seen).toEqual(['ExecutionStarted']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports a succeeded execution although its event stream never ends', async () => {
    const outcome = await settleExecution({ result: Promise.resolve({ exports: [] }), eventLogs: stream([]) }, undefined, 50);
    expect(outcome).toEqual({ status: 'SUCCEEDED', output: { exports: [] } });
  });

  it('still delivers the events that arrive just after the result', async () => {
    const late = new Promise<void>((resolve) => setTimeout(resolve, 20));
    async function* lagging() {
      yield event('ExecutionStarted');
      await late;
      yield event('ExecutionSucceeded');
    }
    const seen: string[] = [];
    const result = Promise.resolve('done');

    const outcome = await settleExecution({ result, eventLogs: lagging() }, (item) => seen.push(item.type), 5_000);

    expect(outcome).toEqual({ status: 'SUCCEEDED', output: 'done' });
    expect(seen).toEqual(['ExecutionStarted', 'ExecutionSucceeded']);
  });

  it('a failed execution is reported even when reading its events throws', async () => {
    async function* broken(): AsyncGenerator<ExecutionEvent> {
      yield event('ExecutionStarted');
      throw new TypeError('event stream broke');
    }
    const outcome = await settleExecution({ result: Promise.reject(new Error('the task failed')), eventLogs: broken() }, undefined, 50);
    expect(outcome).toEqual({ status: 'FAILED', error: 'Error', cause: 'the task failed' });
  });
});
