/**
 * The local Map Run (local/runner/map-run.ts) against a real s3rver: items read through the
 * ItemReader, children at most MaxConcurrency at a time, tolerated failures, AWS's result layout
 * read back with the contract's schemas, and redrive.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type ChildResult,
  childResultSchema,
  mapRunManifestSchema,
  mapRunOutputSchema,
  TOLERATED_FAILURE_EXCEEDED,
} from '../../lambdas/shared/contract/map-run';
import type { AslMachine, AslState } from '../../local/runner/asl-walk';
import { localizeDistributedMaps } from '../../local/runner/distributed';
import {
  type ChildOutcome,
  type ChildRequest,
  MapRunError,
  type MapRunOptions,
  mapRunLabel,
  readMapRunResults,
  runMapRun,
  toleratedFailureExceeded,
} from '../../local/runner/map-run';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';

const STATE = 'Export each contract and type';
const PREFIX = 'exports/runs/map-results';
const EXECUTION_ARN = 'arn:aws:states:eu-west-1:111122223333:execution:LinkedInSalesNavExport:run-1';

let s3: LocalS3;
beforeAll(async () => {
  s3 = await startLocalS3();
});
afterAll(async () => {
  await s3.close();
});

/** A Distributed Map as the workflow has it, through the real transform. */
const specOf = (fields: Partial<AslState> = {}) => {
  const asl: AslMachine = {
    StartAt: STATE,
    States: {
      [STATE]: {
        Type: 'Map',
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Work',
          States: { Work: { Type: 'Pass', End: true } },
        },
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { 'Bucket.$': '$.run.bucket', 'Key.$': '$.run.itemsKey' },
        },
        ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { 'Bucket.$': '$.run.bucket', Prefix: PREFIX } },
        ResultPath: '$.mapRun',
        End: true,
        ...fields,
      },
    },
  };
  return localizeDistributedMaps(asl).maps[STATE]!;
};

let keyCount = 0;
/** Puts `items` (JSON) in the bucket and returns the state input pointing at them. */
const stateInput = async (items: unknown, body = JSON.stringify(items)) => {
  const itemsKey = `runs/run-${++keyCount}/items.json`;
  await s3.s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: itemsKey, Body: body }));
  return { run: { bucket: s3.bucket, itemsKey } };
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A child that echoes its input, or fails for the indexes in `failing`. */
const child =
  (failing: (index: number) => boolean = () => false, delayMs = 0) =>
  async ({ input, index }: ChildRequest): Promise<ChildOutcome> => {
    if (delayMs) await sleep(delayMs);
    if (failing(index)) return { status: 'FAILED', error: 'Export.Failed', cause: `item ${index} failed`, events: 5 };
    return { status: 'SUCCEEDED', output: { echoed: input }, events: 4 + index };
  };

const options = (spec: ReturnType<typeof specOf>, input: unknown, runChild: MapRunOptions['runChild']): MapRunOptions => ({
  spec,
  input,
  s3Client: s3.s3Client,
  executionArn: EXECUTION_ARN,
  stateMachineName: 'LinkedInSalesNavExport',
  runChild,
});

const exists = async (key: string) =>
  s3.s3Client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key })).then(
    () => true,
    () => false,
  );

const thrown = async (promise: Promise<unknown>): Promise<MapRunError> => {
  try {
    await promise;
  } catch (error) {
    return error as MapRunError;
  }
  throw new Error('expected a rejection');
};

describe('runMapRun', () => {
  it('reads the items through the ItemReader with .$ parameters, runs one child each and writes AWS layout', async () => {
    const spec = specOf({
      ItemSelector: {
        'pair.$': '$$.Map.Item.Value',
        'index.$': '$$.Map.Item.Index',
        'bucket.$': '$.run.bucket',
        'execution.$': '$$.Execution.Name',
      },
    });
    const input = await stateInput([{ contract: 'a' }, { contract: 'b' }, { contract: 'c' }]);
    const seen: ChildRequest[] = [];
    const runChild = async (request: ChildRequest) => {
      seen.push(request);
      return child()(request);
    };

    const { output, stats } = await runMapRun({ ...options(spec, input, runChild), context: { Execution: { Name: 'run-1' } } });

    // Children get the selected items, named and addressed as AWS names them.
    expect(seen.map((request) => request.input)).toEqual(
      ['a', 'b', 'c'].map((contract, index) => ({ pair: { contract }, index, bucket: s3.bucket, execution: 'run-1' })),
    );
    const label = mapRunLabel(spec);
    expect(label).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const arnBase = 'arn:aws:states:eu-west-1:111122223333';
    for (const request of seen) {
      expect(request.executionArn).toBe(`${arnBase}:execution:LinkedInSalesNavExport/${label}:${request.name}`);
      expect(request.stateMachineArn).toBe(`${arnBase}:stateMachine:LinkedInSalesNavExport/${label}`);
    }
    expect(new Set(seen.map((request) => request.name)).size).toBe(3);

    // The Map's output, the manifest and the result file, read back with the contract's schemas.
    mapRunOutputSchema.parse(output);
    const id = /^arn:aws:states:eu-west-1:111122223333:mapRun:LinkedInSalesNavExport\/[^/:]+:([0-9a-f-]{36})$/.exec(output.MapRunArn)?.[1];
    expect(id).toBeDefined();
    expect(output.ResultWriterDetails).toEqual({ Bucket: s3.bucket, Key: `${PREFIX}/${id}/manifest.json` });
    const { manifest, entries } = await readMapRunResults(s3.s3Client, output);
    expect(mapRunManifestSchema.parse(manifest)).toEqual({
      DestinationBucket: s3.bucket,
      MapRunArn: output.MapRunArn,
      ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [{ Key: `${PREFIX}/${id}/SUCCEEDED_0.json`, Size: expect.any(Number) }] },
    });
    expect(entries.SUCCEEDED).toHaveLength(3);
    entries.SUCCEEDED.forEach((entry, index) => {
      childResultSchema.parse(entry);
      expect(entry).toEqual({
        ExecutionArn: seen[index]!.executionArn,
        Name: seen[index]!.name,
        Input: JSON.stringify(seen[index]!.input),
        Output: JSON.stringify({ echoed: seen[index]!.input }),
        Status: 'SUCCEEDED',
        StartDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        StopDate: expect.stringMatching(/Z$/),
        StateMachineArn: seen[index]!.stateMachineArn,
        RedriveCount: 0,
      });
    });
    expect(await exists(`${PREFIX}/${id}/FAILED_0.json`)).toBe(false);
    expect(stats).toEqual({ items: 3, childrenRun: 3, succeeded: 3, failed: 0, pending: 0, kept: 0, maxChildEvents: 6, totalEvents: 15 });
  });

  it('takes literal ItemReader and ResultWriter parameters, a Label, and MaxItems', async () => {
    const input = await stateInput(range(5));
    const spec = specOf({
      Label: 'exportEach',
      ItemReader: {
        Resource: 'arn:aws:states:::s3:getObject',
        ReaderConfig: { InputType: 'JSON', MaxItems: 2 },
        Parameters: { Bucket: s3.bucket, Key: input.run.itemsKey },
      },
      ResultWriter: { Resource: 'arn:aws:states:::s3:putObject', Parameters: { Bucket: s3.bucket, Prefix: 'literal/prefix/' } },
    });
    const { output, stats } = await runMapRun(options(spec, {}, child()));
    expect(output.MapRunArn).toMatch(/:mapRun:LinkedInSalesNavExport\/exportEach:[0-9a-f-]{36}$/);
    expect(output.ResultWriterDetails.Key).toMatch(/^literal\/prefix\/[0-9a-f-]{36}\/manifest\.json$/);
    expect(stats.items).toBe(2);
  });

  it('never runs more children at once than MaxConcurrency (0: the local cap)', async () => {
    const measure = async (spec: ReturnType<typeof specOf>, extra: Partial<MapRunOptions> = {}) => {
      let running = 0;
      let most = 0;
      const runChild = async (request: ChildRequest) => {
        running++;
        most = Math.max(most, running);
        try {
          return await child(() => false, 5 + (request.index % 3))(request);
        } finally {
          running--;
        }
      };
      const { stats } = await runMapRun({ ...options(spec, await stateInput(range(20)), runChild), ...extra });
      expect(stats.succeeded).toBe(20);
      return most;
    };
    expect(await measure(specOf({ MaxConcurrency: 3 }))).toBe(3);
    expect(await measure(specOf({ MaxConcurrency: 1 }))).toBe(1);
    expect(await measure(specOf({ MaxConcurrency: 0 }), { maxLocalConcurrency: 4 })).toBe(4);
    expect(await measure(specOf({ MaxConcurrency: 50 }), { maxLocalConcurrency: 6 })).toBe(6);
  });

  it('with ToleratedFailurePercentage 100 failures do not fail the Map Run and land in FAILED_0.json', async () => {
    const spec = specOf({ ToleratedFailurePercentage: 100 });
    const { output, stats } = await runMapRun(
      options(
        spec,
        await stateInput(range(6)),
        child((index) => index % 2 === 1),
      ),
    );

    const { manifest, entries } = await readMapRunResults(s3.s3Client, output);
    expect(manifest.ResultFiles.FAILED).toEqual([
      { Key: output.ResultWriterDetails.Key.replace('manifest.json', 'FAILED_0.json'), Size: expect.any(Number) },
    ]);
    expect(entries.FAILED.map((entry) => [JSON.parse(entry.Input), entry.Status, entry.Error, entry.Cause, entry.Output])).toEqual([
      [1, 'FAILED', 'Export.Failed', 'item 1 failed', undefined],
      [3, 'FAILED', 'Export.Failed', 'item 3 failed', undefined],
      [5, 'FAILED', 'Export.Failed', 'item 5 failed', undefined],
    ]);
    expect(entries.SUCCEEDED.map((entry) => JSON.parse(entry.Input))).toEqual([0, 2, 4]);
    expect(entries.PENDING).toEqual([]);
    expect(stats).toMatchObject({ succeeded: 3, failed: 3, pending: 0 });
  });

  it('past the threshold starts no more children, writes PENDING and fails with States.ExceedToleratedFailureThreshold', async () => {
    const spec = specOf({ MaxConcurrency: 1, ToleratedFailureCount: 1 });
    const started: number[] = [];
    const runChild = async (request: ChildRequest) => {
      started.push(request.index);
      return child((index) => index === 1 || index === 3)(request);
    };

    const error = await thrown(runMapRun(options(spec, await stateInput(range(10)), runChild)));

    expect(error).toBeInstanceOf(MapRunError);
    expect(error.name).toBe(TOLERATED_FAILURE_EXCEEDED);
    expect(error.message).toMatch(/^2 of 10 child executions failed/);
    expect(started).toEqual([0, 1, 2, 3]);
    const { entries } = await readMapRunResults(s3.s3Client, error.output!);
    expect(entries.SUCCEEDED.map((entry) => JSON.parse(entry.Input))).toEqual([0, 2]);
    expect(entries.FAILED.map((entry) => JSON.parse(entry.Input))).toEqual([1, 3]);
    expect(entries.PENDING.map((entry) => JSON.parse(entry.Input))).toEqual([4, 5, 6, 7, 8, 9]);
    for (const entry of entries.PENDING) {
      expect(entry).toMatchObject({ Status: 'PENDING', RedriveCount: 0 });
      expect(entry.StartDate).toBeUndefined();
      expect(entry.Output).toBeUndefined();
    }
    expect(error.stats).toMatchObject({ items: 10, childrenRun: 4, succeeded: 2, failed: 2, pending: 6 });
  });

  it('lets the running children finish once the threshold is passed (they are not aborted)', async () => {
    const spec = specOf({ MaxConcurrency: 4 });
    // Item 0 fails at once (no tolerance by default); items 1-3 are already running and finish.
    const error = await thrown(
      runMapRun(
        options(
          spec,
          await stateInput(range(12)),
          child((index) => index === 0, 0),
        ),
      ),
    );
    expect(error.name).toBe(TOLERATED_FAILURE_EXCEEDED);
    const { entries } = await readMapRunResults(s3.s3Client, error.output!);
    expect(entries.FAILED).toHaveLength(1);
    expect(entries.SUCCEEDED.length + entries.FAILED.length + entries.PENDING.length).toBe(12);
    expect(entries.SUCCEEDED.length).toBeGreaterThanOrEqual(3);
  });

  it('redrive reruns only the failed and pending children and keeps the succeeded entries', async () => {
    const spec = specOf({ MaxConcurrency: 1, ToleratedFailureCount: 1 });
    const input = await stateInput(range(8).map((n) => ({ n })));
    const first = await thrown(
      runMapRun(
        options(
          spec,
          input,
          child((index) => index === 2 || index === 4),
        ),
      ),
    );
    const before = await readMapRunResults(s3.s3Client, first.output!);
    expect(before.entries.PENDING.map((entry) => JSON.parse(entry.Input).n)).toEqual([5, 6, 7]);

    const rerun: ChildRequest[] = [];
    const runChild = async (request: ChildRequest) => {
      rerun.push(request);
      return child()(request);
    };
    const { output, stats } = await runMapRun({ ...options(spec, input, runChild), redrive: first.output });

    expect(rerun.map((request) => [request.index, request.input])).toEqual([2, 4, 5, 6, 7].map((n) => [n, { n }]));
    // Same Map Run, same place; failed children keep their execution ARN.
    expect(output).toEqual(first.output);
    const failedArns = before.entries.FAILED.map((entry) => entry.ExecutionArn);
    expect(rerun.slice(0, 2).map((request) => request.executionArn)).toEqual(failedArns);

    const after = await readMapRunResults(s3.s3Client, output);
    expect(after.manifest.ResultFiles).toEqual({
      FAILED: [],
      PENDING: [],
      SUCCEEDED: [{ Key: expect.stringMatching(/SUCCEEDED_0\.json$/), Size: expect.any(Number) }],
    });
    const byInput = new Map(after.entries.SUCCEEDED.map((entry): [number, ChildResult] => [JSON.parse(entry.Input).n, entry]));
    expect([...byInput.keys()].sort()).toEqual(range(8));
    for (const kept of before.entries.SUCCEEDED) expect(after.entries.SUCCEEDED).toContainEqual(kept);
    expect(byInput.get(2)!.RedriveCount).toBe(1);
    expect(byInput.get(4)!.RedriveCount).toBe(1);
    expect(byInput.get(5)!.RedriveCount).toBe(0);
    expect(byInput.get(0)!.RedriveCount).toBe(0);
    // The files the new manifest no longer lists are gone with the old manifest.
    expect(await exists(output.ResultWriterDetails.Key.replace('manifest.json', 'FAILED_0.json'))).toBe(false);
    expect(await exists(output.ResultWriterDetails.Key.replace('manifest.json', 'PENDING_0.json'))).toBe(false);
    expect(stats).toMatchObject({ items: 8, childrenRun: 5, succeeded: 8, failed: 0, pending: 0, kept: 3 });
  });

  it('a redrive that fails again writes the new failures under the same Map Run', async () => {
    const spec = specOf({ ToleratedFailurePercentage: 100 });
    const input = await stateInput(range(4));
    const first = await runMapRun(
      options(
        spec,
        input,
        child((index) => index === 3),
      ),
    );
    const second = await runMapRun({
      ...options(
        spec,
        input,
        child((index) => index === 3),
      ),
      redrive: first.output,
    });
    const { entries } = await readMapRunResults(s3.s3Client, second.output);
    expect(second.output).toEqual(first.output);
    expect(entries.FAILED).toEqual([expect.objectContaining({ Input: '3', Status: 'FAILED', RedriveCount: 1 })]);
    expect(entries.SUCCEEDED).toHaveLength(3);
  });

  it('fails with States.ItemReaderFailed when the items object is missing, not JSON or not an array', async () => {
    const spec = specOf();
    const missing = await thrown(runMapRun(options(spec, { run: { bucket: s3.bucket, itemsKey: 'runs/none/items.json' } }, child())));
    expect(missing.name).toBe('States.ItemReaderFailed');
    expect(missing.message).toContain(`s3://${s3.bucket}/runs/none/items.json`);
    expect(missing.message).toContain('NoSuchKey');

    const object = await thrown(runMapRun(options(spec, await stateInput({ items: [1] }), child())));
    expect(object.name).toBe('States.ItemReaderFailed');
    expect(object.message).toMatch(/holds object, not a JSON array of items$/);

    const notJson = await thrown(runMapRun(options(spec, await stateInput(undefined, '[1, 2'), child())));
    expect(notJson.name).toBe('States.ItemReaderFailed');
    expect(notJson.message).toMatch(/is not JSON/);
  });

  it('fails with States.Runtime when an ItemReader path selects nothing in the input', async () => {
    const error = await thrown(runMapRun(options(specOf(), { run: { bucket: s3.bucket } }, child())));
    expect(error.name).toBe('States.Runtime');
    expect(error.message).toContain('$.run.itemsKey');
  });

  it('an empty item list succeeds with an empty manifest', async () => {
    const { output, stats } = await runMapRun(options(specOf(), await stateInput([]), child()));
    const { manifest } = await readMapRunResults(s3.s3Client, output);
    expect(manifest.ResultFiles).toEqual({ FAILED: [], PENDING: [], SUCCEEDED: [] });
    expect(stats.items).toBe(0);
  });

  it('runs 3,000 items with a flat worker pool', async () => {
    const started = Date.now();
    const ended: number[] = [];
    const { output, stats } = await runMapRun({
      ...options(specOf({ MaxConcurrency: 0 }), await stateInput(range(3_000)), child()),
      onChild: (event) => {
        if (event.type === 'ended') ended.push(event.index);
      },
    });
    expect(stats).toMatchObject({ items: 3_000, childrenRun: 3_000, succeeded: 3_000, maxChildEvents: 3_003 });
    expect(ended).toHaveLength(3_000);
    const { entries } = await readMapRunResults(s3.s3Client, output);
    expect(entries.SUCCEEDED.map((entry) => Number(entry.Input))).toEqual(range(3_000));
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('rethrows a runChild rejection (a runner bug) instead of recording it', async () => {
    const runChild = async (request: ChildRequest) => {
      if (request.index === 1) throw new TypeError('runner bug');
      return child()(request);
    };
    const error = await thrown(runMapRun(options(specOf({ MaxConcurrency: 1 }), await stateInput(range(3)), runChild)));
    expect(error).toBeInstanceOf(TypeError);
  });
});

describe('toleratedFailureExceeded', () => {
  it('defaults to no tolerated failure', () => {
    expect(toleratedFailureExceeded({}, 0, 10)).toBe(false);
    expect(toleratedFailureExceeded({}, 1, 10)).toBe(true);
  });
  it('passes the count only when failures exceed it', () => {
    expect(toleratedFailureExceeded({ ToleratedFailureCount: 2 }, 2, 10)).toBe(false);
    expect(toleratedFailureExceeded({ ToleratedFailureCount: 2 }, 3, 10)).toBe(true);
    expect(toleratedFailureExceeded({ ToleratedFailureCount: 0 }, 1, 10)).toBe(true);
  });
  it('passes the percentage only when failed/total exceeds it', () => {
    expect(toleratedFailureExceeded({ ToleratedFailurePercentage: 10 }, 1, 10)).toBe(false);
    expect(toleratedFailureExceeded({ ToleratedFailurePercentage: 10 }, 2, 10)).toBe(true);
    expect(toleratedFailureExceeded({ ToleratedFailurePercentage: 100 }, 10, 10)).toBe(false);
  });
  it('with both, passes when either is exceeded', () => {
    expect(toleratedFailureExceeded({ ToleratedFailureCount: 5, ToleratedFailurePercentage: 10 }, 2, 10)).toBe(true);
    expect(toleratedFailureExceeded({ ToleratedFailureCount: 1, ToleratedFailurePercentage: 50 }, 2, 10)).toBe(true);
    expect(toleratedFailureExceeded({ ToleratedFailureCount: 2, ToleratedFailurePercentage: 50 }, 2, 10)).toBe(false);
  });
});
