import { StateMachine } from '../../local/runner/local-sfn';
import { createScaledTime, matchingRetrier, retryDelaySeconds } from '../../local/runner/scaled-time';
import type { AslMachine } from '../../local/runner/asl-walk';

/**
 * A toy machine with the workflow's shape (Map → Task → Choice → Wait(SecondsPath) → Task),
 * to pin the scaling mechanism down independently of the real ASL (the e2e tests run that).
 */
const loopMachine = (): AslMachine => ({
  StartAt: 'Each',
  States: {
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      MaxConcurrency: 2,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: 'arn:aws:lambda:us-east-1:123456789012:function:work',
            Retry: [
              { ErrorEquals: ['Flaky'], IntervalSeconds: 10, BackoffRate: 2, MaxAttempts: 3, MaxDelaySeconds: 25 },
              { ErrorEquals: ['States.ALL'], IntervalSeconds: 1, MaxAttempts: 1 },
            ],
            Next: 'Route',
          },
          Route: {
            Type: 'Choice',
            Choices: [{ Variable: '$.next', StringEquals: 'wait', Next: 'Pause' }],
            Default: 'Done',
          },
          Pause: { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Work' },
          Done: { Type: 'Succeed' },
        },
      },
      End: true,
    },
  },
});

interface Item {
  id: string;
  waits: number[];
  flaky?: number;
  round?: number;
}

describe('createScaledTime', () => {
  it('scales each Map iteration’s own SecondsPath wait, and retry backoff per iteration', async () => {
    const waits: Array<{ state: string; seconds: number; sleepMs: number }> = [];
    const asl = loopMachine();
    const scaled = createScaledTime(asl, { timeScale: 0.001, random: () => 1, onWait: (event) => waits.push(event) });
    const flakyLeft = new Map<string, number>();
    const work = scaled.wrapTask('Work', async (item: Item) => {
      // Different latencies interleave the iterations, which is what the frames must survive.
      await new Promise((resolve) => setTimeout(resolve, item.id === 'b' ? 15 : 3));
      const left = flakyLeft.get(item.id) ?? item.flaky ?? 0;
      if (left > 0) {
        flakyLeft.set(item.id, left - 1);
        throw Object.assign(new Error('try again'), { name: 'Flaky' });
      }
      flakyLeft.set(item.id, -1);
      const round = item.round ?? 0;
      const waitSeconds = item.waits[round];
      return waitSeconds === undefined ? { ...item, next: 'done' } : { ...item, round: round + 1, next: 'wait', waitSeconds };
    });
    const retried: number[] = [];
    const execution = new StateMachine(asl as never).run(
      {
        items: [
          { id: 'a', waits: [7, 11] },
          { id: 'b', waits: [300], flaky: 2 },
          { id: 'c', waits: [2] },
        ],
      },
      {
        overrides: {
          taskResourceLocalHandlers: { Work: work as never },
          waitTimeOverrides: scaled.waitTimeOverrides,
          retryIntervalOverrides: new Proxy(scaled.retryIntervalOverrides, {
            get: (target, state) => {
              const value = Reflect.get(target, state) as number[] | undefined;
              if (value) retried.push(value[0] ?? -1);
              return value;
            },
          }),
        },
      },
    );

    const output = (await execution.result) as Array<{ id: string }>;

    expect(output.map((item) => item.id)).toEqual(['a', 'b', 'c']);
    expect(waits.map((event) => event.seconds).sort((x, y) => x - y)).toEqual([2, 7, 11, 300]);
    expect(waits.every((event) => event.state === 'Pause' && event.sleepMs === Math.round(event.seconds))).toBe(true);
    // b failed twice: 10 s then 20 s (exponential), each scaled by 0.001 → 10 ms, 20 ms.
    expect([...new Set(retried)]).toEqual([10, 20]);
  });

  it('refuses a Wait whose input a Task does not hand over unchanged', () => {
    const asl = loopMachine();
    const processor = asl.States.Each!.ItemProcessor!;
    processor.States.Route!.OutputPath = '$.inner';
    expect(() => createScaledTime(asl, { timeScale: 1 })).toThrow(/cannot scale Wait "Pause"/);
  });

  it('refuses a path it cannot read and a negative scale', () => {
    const asl = loopMachine();
    asl.States.Each!.ItemProcessor!.States.Pause!.SecondsPath = '$.waits[0]';
    expect(() => createScaledTime(asl, { timeScale: 1 })).toThrow(/only "\$.field" paths/);
    expect(() => createScaledTime(loopMachine(), { timeScale: -1 })).toThrow(RangeError);
  });
});

describe('retry arithmetic', () => {
  const retrier = { ErrorEquals: ['X'], IntervalSeconds: 10, BackoffRate: 2, MaxDelaySeconds: 300 };

  it('backs off exponentially up to MaxDelaySeconds', () => {
    expect([1, 2, 3, 6, 7].map((n) => retryDelaySeconds(retrier, n, () => 1))).toEqual([10, 20, 40, 300, 300]);
  });

  it('applies FULL jitter as a fraction of the capped delay', () => {
    expect(retryDelaySeconds({ ...retrier, JitterStrategy: 'FULL' }, 2, () => 0.25)).toBe(5);
  });

  it('picks the retrier Step Functions would pick', () => {
    const state = { Type: 'Task', Retry: [{ ErrorEquals: ['A'] }, { ErrorEquals: ['States.TaskFailed'] }] };
    expect(matchingRetrier(state, 'A')).toBe(0);
    expect(matchingRetrier(state, 'B')).toBe(1);
    expect(matchingRetrier(state, 'States.Timeout')).toBe(-1);
  });
});
