/**
 * The Distributed Map transform (local/runner/distributed.ts): what the engine gets instead of the
 * Map, what the Map Run gets, what is refused; and, end to end, aws-local-stepfunctions running a
 * transformed ASL whose Map state's handler is overridden by state name with a real Map Run.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mapRunOutputSchema, TOLERATED_FAILURE_EXCEEDED } from '../../lambdas/shared/contract/map-run';
import type { AslMachine, AslState } from '../../local/runner/asl-walk';
import {
  ENGINE_TASK_TIMEOUT_SECONDS,
  evaluateTemplate,
  LOCAL_MAP_RUN_RESOURCE,
  localizeDistributedMaps,
  parseReferencePath,
  readPath,
} from '../../local/runner/distributed';
import { StateMachine } from '../../local/runner/local-sfn';
import { type ChildOutcome, type ChildRequest, readMapRunResults, runMapRun } from '../../local/runner/map-run';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';

const MAP = 'Export each contract and type';

const distributedMap = (fields: Partial<AslState> = {}): AslState => ({
  Type: 'Map',
  Comment: 'one child execution per pair',
  InputPath: '$',
  ItemProcessor: {
    ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
    StartAt: 'Echo',
    States: { Echo: { Type: 'Pass', Parameters: { 'pair.$': '$.pair', 'index.$': '$.index' }, End: true } },
  },
  ItemReader: {
    Resource: 'arn:aws:states:::s3:getObject',
    ReaderConfig: { InputType: 'JSON' },
    Parameters: { 'Bucket.$': '$.run.bucket', 'Key.$': '$.run.itemsKey' },
  },
  ItemSelector: { 'pair.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index' },
  MaxConcurrency: 2,
  ToleratedFailurePercentage: 0,
  ResultWriter: {
    Resource: 'arn:aws:states:::s3:putObject',
    Parameters: { 'Bucket.$': '$.run.bucket', Prefix: 'exports/runs/map-results' },
  },
  ResultPath: '$.mapRun',
  Retry: [{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 0 }],
  Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapFailure', Next: 'Summarize' }],
  Next: 'Summarize',
  ...fields,
});

const workflow = (map: AslState = distributedMap()): AslMachine => ({
  StartAt: 'Plan',
  States: {
    Plan: { Type: 'Pass', Next: MAP },
    [MAP]: map,
    Summarize: { Type: 'Succeed' },
  },
});

describe('localizeDistributedMaps', () => {
  it('swaps the Distributed Map for a Task that keeps its paths, Retry, Catch and Next', () => {
    const asl = workflow();
    const original = structuredClone(asl);

    const { asl: engineAsl, maps } = localizeDistributedMaps(asl);

    expect(asl).toEqual(original);
    expect(engineAsl.States[MAP]).toEqual({
      Type: 'Task',
      Resource: LOCAL_MAP_RUN_RESOURCE,
      TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS,
      Comment: 'one child execution per pair',
      InputPath: '$',
      ResultPath: '$.mapRun',
      Retry: [{ ErrorEquals: ['States.ItemReaderFailed'], MaxAttempts: 0 }],
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.mapFailure', Next: 'Summarize' }],
      Next: 'Summarize',
    });
    expect(engineAsl.States.Plan).toEqual(asl.States.Plan);
    expect(Object.keys(maps)).toEqual([MAP]);
    expect(maps[MAP]!.state).toEqual(asl.States[MAP]);
    expect(maps[MAP]!.definition).toEqual({ StartAt: 'Echo', States: asl.States[MAP]!.ItemProcessor!.States });
    // The engine validates what it is given (ARNs, paths) and accepts it.
    expect(() => new StateMachine(engineAsl as never)).not.toThrow();
    expect(() => new StateMachine(maps[MAP]!.definition as never)).not.toThrow();
  });

  it('keeps End, ResultSelector and OutputPath, and leaves inline Maps alone', () => {
    const inline: AslState = { Type: 'Map', ItemProcessor: { StartAt: 'P', States: { P: { Type: 'Pass', End: true } } }, Next: MAP };
    const map = distributedMap({
      Next: undefined,
      Catch: undefined,
      End: true,
      ResultSelector: { 'arn.$': '$.MapRunArn' },
      OutputPath: '$.x',
    });
    delete map.Next;
    delete map.Catch;
    const { asl, maps } = localizeDistributedMaps({ StartAt: 'Inline', States: { Inline: inline, [MAP]: map } });
    expect(asl.States.Inline).toEqual(inline);
    expect(asl.States[MAP]).toMatchObject({ End: true, ResultSelector: { 'arn.$': '$.MapRunArn' }, OutputPath: '$.x' });
    expect(asl.States[MAP]).not.toHaveProperty('Next');
    expect(Object.keys(maps)).toEqual([MAP]);
  });

  it.each([
    ['ItemBatcher', { ItemBatcher: { MaxItemsPerBatch: 10 } }, /ItemBatcher is not supported/],
    ['MaxConcurrencyPath', { MaxConcurrency: undefined, MaxConcurrencyPath: '$.n' }, /MaxConcurrencyPath is not supported/],
    ['ToleratedFailurePercentagePath', { ToleratedFailurePercentagePath: '$.p' }, /ToleratedFailurePercentagePath is not supported/],
    ['ToleratedFailureCountPath', { ToleratedFailureCountPath: '$.c' }, /ToleratedFailureCountPath is not supported/],
    ['ItemsPath with ItemReader', { ItemsPath: '$.items' }, /ItemsPath with ItemReader is not supported/],
    [
      'a CSV reader',
      {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'CSV', CSVHeaderLocation: 'FIRST_ROW' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
      },
      /ItemReader.ReaderConfig.CSVHeaderLocation is not supported/,
    ],
    [
      'a manifest reader',
      {
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'MANIFEST' },
          Parameters: { Bucket: 'b', Key: 'k' },
        },
      },
      /InputType "MANIFEST"/,
    ],
    [
      'a listObjectsV2 reader',
      { ItemReader: { Resource: 'arn:aws:states:::s3:listObjectsV2', Parameters: { Bucket: 'b' } } },
      /ItemReader.Resource/,
    ],
    ['no ResultWriter', { ResultWriter: undefined }, /missing ResultWriter/],
    [
      'a FLATTEN writer',
      {
        ResultWriter: {
          WriterConfig: { Transformation: 'FLATTEN' },
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: 'b' },
        },
      },
      /Transformation "FLATTEN"/,
    ],
    [
      'EXPRESS children',
      {
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
          StartAt: 'P',
          States: { P: { Type: 'Pass', End: true } },
        },
      },
      /EXPRESS/,
    ],
    ['a label with whitespace', { Label: 'Export each' }, /Label "Export each" is not a valid label/],
    [
      'an intrinsic function',
      { ItemSelector: { 'key.$': "States.Format('{}', $.a)" } },
      /ItemSelector: key.\$: Not a JSONPath reference path/,
    ],
    ['a wildcard path', { ItemSelector: { 'all.$': '$.items[*]' } }, /Not a JSONPath reference path/],
    ['a fractional MaxConcurrency', { MaxConcurrency: 1.5 }, /MaxConcurrency must be a non-negative integer/],
    ['a percentage above 100', { ToleratedFailurePercentage: 101 }, /ToleratedFailurePercentage must be a number from 0 to 100/],
    ['JSONata', { QueryLanguage: 'JSONata' }, /QueryLanguage "JSONata"/],
  ])('refuses %s, naming the field', (_what, fields, message) => {
    const map = distributedMap(fields as Partial<AslState>);
    for (const [key, value] of Object.entries(map)) if (value === undefined) delete map[key];
    expect(() => localizeDistributedMaps(workflow(map))).toThrow(message);
    expect(() => localizeDistributedMaps(workflow(map))).toThrow(`Distributed Map "${MAP}"`);
  });

  it('refuses a Distributed Map nested in an inline Map or a Parallel branch', () => {
    const inner = { ...distributedMap(), Next: undefined, Catch: undefined, End: true };
    const branch = { StartAt: 'Inner', States: { Inner: inner } };
    const inline: AslState = { Type: 'Map', ItemProcessor: branch, End: true };
    const parallel: AslState = { Type: 'Parallel', Branches: [branch], End: true };
    expect(() => localizeDistributedMaps({ StartAt: 'Outer', States: { Outer: inline } })).toThrow(
      'Distributed Map "Inner" is nested inside "Outer": the local runner emulates top-level Distributed Maps only',
    );
    expect(() => localizeDistributedMaps({ StartAt: 'Outer', States: { Outer: parallel } })).toThrow(/nested inside "Outer"/);
    const outer = distributedMap({ ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, ...branch } });
    expect(() => localizeDistributedMaps(workflow(outer))).toThrow(`"Inner" is nested inside Distributed Map "${MAP}"`);
  });

  it('refuses two Distributed Maps with one Label', () => {
    const asl: AslMachine = {
      StartAt: 'A',
      States: {
        A: { ...distributedMap({ Label: 'same' }), Next: 'B', Catch: undefined },
        B: { ...distributedMap({ Label: 'same' }), Next: undefined, Catch: undefined, End: true },
      },
    };
    for (const state of Object.values(asl.States))
      for (const [key, value] of Object.entries(state)) if (value === undefined) delete state[key];
    expect(() => localizeDistributedMaps(asl)).toThrow(/share the Label "same"/);
  });
});

describe('payload templates', () => {
  const input = { run: { bucket: 'b', 'odd key': [10, 20] } };
  const context = { Map: { Item: { Index: 3, Value: { id: 'x' } } }, Execution: { Name: 'run-1' } };

  it('reads reference paths in the input and in the context', () => {
    expect(readPath('$', input, context)).toBe(input);
    expect(readPath('$.run.bucket', input, context)).toBe('b');
    expect(readPath("$.run['odd key'][1]", input, context)).toBe(20);
    expect(readPath('$$.Map.Item.Value.id', input, context)).toBe('x');
    expect(parseReferencePath('$$.Map.Item.Index')).toEqual({ root: '$$', segments: ['Map', 'Item', 'Index'] });
  });

  it('fails with States.Runtime when a path selects nothing', () => {
    expect(() => readPath('$.run.key', input, context)).toThrow(
      expect.objectContaining({ name: 'States.Runtime', message: expect.stringContaining('$.run.key') }),
    );
    expect(() => readPath('$.run.bucket[0]', input, context)).toThrow(/could not be found/);
  });

  it('evaluates nested templates and leaves literals', () => {
    expect(
      evaluateTemplate(
        { 'pair.$': '$$.Map.Item.Value', fixed: { n: 1, 'index.$': '$$.Map.Item.Index' }, list: [{ 'b.$': '$.run.bucket' }, 2] },
        input,
        context,
      ),
    ).toEqual({ pair: { id: 'x' }, fixed: { n: 1, index: 3 }, list: [{ b: 'b' }, 2] });
  });
});

describe('the engine with a Distributed Map handled by its Map Run', () => {
  let s3: LocalS3;
  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => {
    await s3.close();
  });

  const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:Toy:run-1';

  /** Runs the transformed `asl` in aws-local-stepfunctions, the map state overridden by its Map Run. */
  const run = async (asl: AslMachine, input: unknown) => {
    const { asl: engineAsl, maps } = localizeDistributedMaps(asl);
    const spec = maps[MAP]!;
    let children = 0;
    // One machine for every child: constructing one validates the ASL, which takes long.
    const childMachine = new StateMachine(spec.definition as never);
    const runChild = async (request: ChildRequest): Promise<ChildOutcome> => {
      children++;
      const execution = childMachine.run(request.input as never, {
        context: { Execution: { Id: request.executionArn, Name: request.name }, StateMachine: { Id: request.stateMachineArn } },
      });
      let events = 0;
      const counted = (async () => {
        for await (const _event of execution.eventLogs) events++;
      })();
      try {
        const output = await execution.result;
        await counted;
        return { status: 'SUCCEEDED', output, events };
      } catch (error) {
        await counted.catch(() => undefined);
        const cause = (error as { cause?: Error }).cause ?? (error as Error);
        return { status: 'FAILED', error: cause.name, cause: cause.message, events };
      }
    };
    const machine = new StateMachine(engineAsl as never);
    const execution = machine.run(input as never, {
      overrides: {
        taskResourceLocalHandlers: {
          [MAP]: async (stateInput: unknown) =>
            (
              await runMapRun({
                spec,
                input: stateInput,
                s3Client: s3.s3Client,
                executionArn: EXECUTION_ARN,
                stateMachineName: 'Toy',
                runChild,
              })
            ).output,
        } as never,
      },
    });
    return { output: (await execution.result) as Record<string, unknown>, children: () => children };
  };

  const putItems = async (key: string, items: unknown[]) => {
    await s3.s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: JSON.stringify(items) }));
    return { run: { bucket: s3.bucket, itemsKey: key } };
  };

  it('runs the Map Run through the override and continues at Next with the result at ResultPath', async () => {
    const input = await putItems('toy/items.json', ['a', 'b', 'c']);

    const { output, children } = await run(workflow(), input);

    expect(children()).toBe(3);
    expect(output.run).toEqual(input.run);
    expect(output).not.toHaveProperty('mapFailure');
    const mapRun = mapRunOutputSchema.parse(output.mapRun);
    expect(mapRun.MapRunArn).toMatch(/^arn:aws:states:us-east-1:123456789012:mapRun:Toy\/[0-9a-f-]{36}:[0-9a-f-]{36}$/);
    const { entries } = await readMapRunResults(s3.s3Client, mapRun);
    expect(entries.SUCCEEDED.map((entry) => JSON.parse(entry.Output!))).toEqual([
      { pair: 'a', index: 0 },
      { pair: 'b', index: 1 },
      { pair: 'c', index: 2 },
    ]);
  });

  it('a Map Run past its threshold is caught by the Catch, with the error at its ResultPath', async () => {
    const input = await putItems('toy/failing.json', [1, 2, 3]);
    const failing = distributedMap({
      MaxConcurrency: 1,
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Boom',
        States: { Boom: { Type: 'Fail', Error: 'Export.Failed', Cause: 'no luck' } },
      },
    });

    const { output, children } = await run(workflow(failing), input);

    expect(children()).toBe(1);
    expect(output).not.toHaveProperty('mapRun');
    expect(output.mapFailure).toEqual({
      Error: TOLERATED_FAILURE_EXCEEDED,
      Cause: expect.stringMatching(/^1 of 3 child executions failed/),
    });
  });
});
