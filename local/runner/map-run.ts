/**
 * One Map Run of a Distributed Map, emulated for the local runner: the items read through the
 * ItemReader, one child execution per item (run by the caller, at most MaxConcurrency at a time),
 * the tolerated failure threshold, and the results written through the ResultWriter in AWS's
 * layout (lambdas/shared/contract/map-run.ts), so the steps after the Map read the same files
 * locally as on AWS. Redrive reruns the unsuccessful children of an earlier Map Run.
 */
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { readS3Text, writeS3Json } from '../../lambdas/shared/s3-json';
import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import {
  type ChildResult,
  childResultSchema,
  type MapRunManifest,
  type MapRunOutput,
  mapRunManifestSchema,
  mapRunOutputSchema,
  TOLERATED_FAILURE_EXCEEDED,
} from '../../lambdas/shared/contract/map-run';
import { type DistributedMapSpec, type DistributedMapState, evaluateTemplate, readPath, StatesError } from './distributed';

/** What the caller runs for one item: a STANDARD child execution of the Map's ItemProcessor. */
export interface ChildRequest {
  /** The item (after ItemSelector): the child execution's input. */
  input: unknown;
  /** `$$.Execution.Name` of the child. */
  name: string;
  /** `$$.Execution.Id` of the child. */
  executionArn: string;
  /** `$$.StateMachine.Id` of the child: the parent's ARN qualified with the Map's label. */
  stateMachineArn: string;
  /** The item's index in the items read. */
  index: number;
}

/** How a child ended; `events` is the length of its event history (the caller counts, never keeps them). */
export type ChildOutcome =
  | { status: 'SUCCEEDED'; output: unknown; events: number }
  | { status: 'FAILED' | 'TIMED_OUT' | 'ABORTED'; error: string; cause: string; events: number };

export type ChildEvent =
  | { type: 'started'; index: number; name: string; executionArn: string }
  | { type: 'ended'; index: number; name: string; executionArn: string; status: ChildOutcome['status']; events: number };

export interface MapRunOptions {
  spec: DistributedMapSpec;
  /** The state's effective input (after InputPath): `$` of ItemReader, ItemSelector and ResultWriter. */
  input: unknown;
  /** The parent's context object (`$$`): Execution, StateMachine… `Map.Item` is added per item. */
  context?: Record<string, unknown>;
  s3Client: S3Client;
  /** The parent execution: its partition, region and account make the Map Run's ARNs. */
  executionArn: string;
  stateMachineName: string;
  runChild: (request: ChildRequest) => Promise<ChildOutcome>;
  /** The output of an earlier Map Run of this state: rerun its unsuccessful children only. */
  redrive?: MapRunOutput;
  onChild?: (event: ChildEvent) => void;
  /** Children at once when MaxConcurrency is 0 or above it. @default 1000 */
  maxLocalConcurrency?: number;
  /** @default () => new Date() */
  now?: () => Date;
}

export interface MapRunStats {
  /** Items of the Map Run (for a redrive: every item, the kept ones too). */
  items: number;
  /** Children started by this call. */
  childrenRun: number;
  /** Entries written per status; `kept` of the succeeded ones came from the redriven run. */
  succeeded: number;
  failed: number;
  pending: number;
  kept: number;
  /** The longest child event history, and all of them together. */
  maxChildEvents: number;
  totalEvents: number;
}

export interface MapRunResult {
  output: MapRunOutput;
  stats: MapRunStats;
}

/**
 * A failed Map Run, with the Step Functions error name (States.ExceedToleratedFailureThreshold,
 * States.ItemReaderFailed, States.ResultWriterFailed, States.Runtime). When the threshold was
 * passed the results were written: `output` is where (what a redrive takes), `stats` the counts.
 */
export class MapRunError extends StatesError {
  constructor(
    name: string,
    message: string,
    readonly output?: MapRunOutput,
    readonly stats?: MapRunStats,
  ) {
    super(name, message);
  }
}

/** Children at once when MaxConcurrency is 0 (AWS: up to 10,000) or higher. */
export const DEFAULT_MAX_LOCAL_CONCURRENCY = 1_000;

const FAILED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

// ---------------------------------------------------------------------------------------------
// Names and ARNs

/**
 * The Map's label in its ARNs. AWS uses the state's Label, and generates a unique one when there
 * is none (the state name cannot serve: labels allow no whitespace and at most 40 characters).
 * Locally the generated label is a UUID derived from the state name, stable from run to run.
 */
export const mapRunLabel = (spec: Pick<DistributedMapSpec, 'stateName' | 'state'>): string =>
  spec.state.Label ?? nameUuid(`label:${spec.stateName}`);

/** A name-based (version 3, MD5) UUID, like the child names AWS gives; deterministic. */
const nameUuid = (name: string): string => {
  const hex = createHash('md5').update(name).digest('hex');
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-3${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
};

/** The child name of item `index`: derived from the Map Run, so a redrive finds the index again. */
const childName = (mapRunArn: string, index: number): string => nameUuid(`${mapRunArn}#${index}`);

const arnParts = (executionArn: string): { partition: string; region: string; account: string } => {
  const [arn, partition, service, region, account, type] = executionArn.split(':');
  if (arn !== 'arn' || service !== 'states' || type !== 'execution' || !partition || !region || !account) {
    throw new RangeError(`Not an execution ARN: ${JSON.stringify(executionArn)}`);
  }
  return { partition, region, account };
};

export interface MapRunArns {
  /** `arn:<partition>:states:<region>:<account>:mapRun:<state machine>/<label>:<id>` */
  mapRunArn: string;
  /** `…:stateMachine:<state machine>/<label>`: the children's state machine. */
  childStateMachineArn: string;
  /** `…:execution:<state machine>/<label>:<name>` */
  childExecutionArn: (name: string) => string;
}

export const mapRunArns = (executionArn: string, stateMachineName: string, label: string, mapRunId: string): MapRunArns => {
  const { partition, region, account } = arnParts(executionArn);
  const base = `arn:${partition}:states:${region}:${account}`;
  return {
    mapRunArn: `${base}:mapRun:${stateMachineName}/${label}:${mapRunId}`,
    childStateMachineArn: `${base}:stateMachine:${stateMachineName}/${label}`,
    childExecutionArn: (name) => `${base}:execution:${stateMachineName}/${label}:${name}`,
  };
};

// ---------------------------------------------------------------------------------------------
// Tolerated failures

/**
 * Whether `failed` of `total` children pass the Map's threshold: more than ToleratedFailureCount,
 * or more than ToleratedFailurePercentage percent (either, when both are set). With neither the
 * tolerated percentage is 0: one failure fails the Map Run.
 */
export const toleratedFailureExceeded = (
  state: Pick<DistributedMapState, 'ToleratedFailureCount' | 'ToleratedFailurePercentage'>,
  failed: number,
  total: number,
): boolean => {
  const { ToleratedFailureCount: count, ToleratedFailurePercentage: percentage } = state;
  if (count === undefined && percentage === undefined) return failed > 0;
  if (count !== undefined && failed > count) return true;
  return percentage !== undefined && total > 0 && (failed / total) * 100 > percentage;
};

// ---------------------------------------------------------------------------------------------
// S3

const stringParameter = (
  parameters: Record<string, unknown>,
  name: string,
  input: unknown,
  context: unknown,
  error: string,
): string | undefined => {
  const value = parameters[`${name}.$`] !== undefined ? readPath(parameters[`${name}.$`] as string, input, context) : parameters[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '')
    throw new StatesError(error, `${name} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
};

/** The items, per ItemReader (an S3 object holding a JSON array) or else ItemsPath (default `$`). */
const readItems = async (spec: DistributedMapSpec, input: unknown, context: unknown, s3: S3Client): Promise<unknown[]> => {
  const reader = spec.state.ItemReader;
  if (!reader) {
    const items = readPath(spec.state.ItemsPath ?? '$', input, context);
    if (!Array.isArray(items)) throw new StatesError('States.Runtime', `The items of Map "${spec.stateName}" are not an array`);
    return items;
  }
  const failed = 'States.ItemReaderFailed';
  const bucket = stringParameter(reader.Parameters, 'Bucket', input, context, failed)!;
  const key = stringParameter(reader.Parameters, 'Key', input, context, failed)!;
  let text: string;
  try {
    text = await readS3Text(s3, bucket, key);
  } catch (error) {
    throw new MapRunError(
      failed,
      `The ItemReader could not read s3://${bucket}/${key}: ${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (error) {
    throw new MapRunError(failed, `s3://${bucket}/${key} is not JSON: ${(error as Error).message}`);
  }
  if (!Array.isArray(items))
    throw new MapRunError(failed, `s3://${bucket}/${key} holds ${items === null ? 'null' : typeof items}, not a JSON array of items`);
  const max = reader.ReaderConfig.MaxItems;
  return max ? items.slice(0, max) : items;
};

const resultFileListSchema = z.array(childResultSchema);

/**
 * Every child entry of a Map Run, read from its manifest and result files and checked with the
 * contract's schemas.
 */
export const readMapRunResults = async (
  s3: S3Client,
  output: MapRunOutput,
): Promise<{ manifest: MapRunManifest; entries: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', ChildResult[]> }> => {
  const { Bucket, Key } = mapRunOutputSchema.parse(output).ResultWriterDetails;
  const manifest = mapRunManifestSchema.parse(JSON.parse(await readS3Text(s3, Bucket, Key)));
  const entries = { SUCCEEDED: [] as ChildResult[], FAILED: [] as ChildResult[], PENDING: [] as ChildResult[] };
  for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
    for (const file of manifest.ResultFiles[status] ?? []) {
      entries[status].push(...resultFileListSchema.parse(JSON.parse(await readS3Text(s3, manifest.DestinationBucket, file.Key))));
    }
  }
  return { manifest, entries };
};

// ---------------------------------------------------------------------------------------------
// The run

/** One child to run: its item and the names it runs under. */
interface Job {
  index: number;
  input: unknown;
  /** The input as JSON text, as the result files record it. */
  inputText: string;
  name: string;
  executionArn: string;
  redriveCount: number;
}

interface Plan {
  mapRunArn: string;
  bucket: string;
  /** `<prefix>/<map run id>`: the manifest and result files go under it. */
  directory: string;
  childStateMachineArn: string;
  jobs: Job[];
  kept: ChildResult[];
  /** Keys the redriven run wrote (stale ones are removed once the new results are written). */
  previousKeys: string[];
}

/** A new Map Run: read the items, apply ItemSelector, name each child. */
const planNewRun = async (options: MapRunOptions): Promise<Plan> => {
  const { spec, input, s3Client } = options;
  const context = options.context ?? {};
  const writer = spec.state.ResultWriter.Parameters;
  const failed = 'States.ResultWriterFailed';
  const bucket = stringParameter(writer, 'Bucket', input, context, failed)!;
  const prefix = (stringParameter(writer, 'Prefix', input, context, failed) ?? '').replace(/\/+$/, '');
  const items = await readItems(spec, input, context, s3Client);
  const mapRunId = randomUUID();
  const arns = mapRunArns(options.executionArn, options.stateMachineName, mapRunLabel(spec), mapRunId);
  const selector = spec.state.ItemSelector ?? spec.state.Parameters;
  const jobs = items.map((item, index): Job => {
    const childInput =
      selector === undefined ? item : evaluateTemplate(selector, input, { ...context, Map: { Item: { Index: index, Value: item } } });
    const name = childName(arns.mapRunArn, index);
    return {
      index,
      input: childInput,
      inputText: JSON.stringify(childInput),
      name,
      executionArn: arns.childExecutionArn(name),
      redriveCount: 0,
    };
  });
  return {
    mapRunArn: arns.mapRunArn,
    bucket,
    directory: prefix ? `${prefix}/${mapRunId}` : mapRunId,
    childStateMachineArn: arns.childStateMachineArn,
    jobs,
    kept: [],
    previousKeys: [],
  };
};

/** A redrive: the earlier run's succeeded entries stay, its failed and pending ones run again. */
const planRedrive = async (options: MapRunOptions, redrive: MapRunOutput): Promise<Plan> => {
  const { manifest, entries } = await readMapRunResults(options.s3Client, redrive);
  if (manifest.MapRunArn !== redrive.MapRunArn)
    throw new Error(`The manifest of ${redrive.MapRunArn} names another Map Run: ${manifest.MapRunArn}`);
  const { Key } = redrive.ResultWriterDetails;
  if (!Key.endsWith('/manifest.json')) throw new Error(`Not a Map Run manifest key: ${Key}`);
  const directory = Key.slice(0, -'/manifest.json'.length);
  const rerun = [...entries.FAILED, ...entries.PENDING];
  const total = entries.SUCCEEDED.length + rerun.length;
  // Child names encode the item index (childName), so the index is found again.
  const indexOf = new Map(Array.from({ length: total }, (_, index) => [childName(redrive.MapRunArn, index), index]));
  const jobs = rerun.map((entry, position): Job => {
    const name = entry.Name ?? entry.ExecutionArn.slice(entry.ExecutionArn.lastIndexOf(':') + 1);
    return {
      index: indexOf.get(name) ?? position,
      input: JSON.parse(entry.Input),
      inputText: entry.Input,
      name,
      executionArn: entry.ExecutionArn,
      // A child that ran is redriven (one more redrive); a pending one starts for the first time.
      redriveCount: entry.Status === 'PENDING' ? (entry.RedriveCount ?? 0) : (entry.RedriveCount ?? 0) + 1,
    };
  });
  jobs.sort((a, b) => a.index - b.index);
  const previousKeys = (['SUCCEEDED', 'FAILED', 'PENDING'] as const).flatMap((status) =>
    (manifest.ResultFiles[status] ?? []).map((file) => file.Key),
  );
  // arn:…:mapRun:<state machine>/<label>:<id> → arn:…:stateMachine:<state machine>/<label>
  const childStateMachineArn = redrive.MapRunArn.replace(':mapRun:', ':stateMachine:').replace(/:[^:]*$/, '');
  return {
    mapRunArn: redrive.MapRunArn,
    bucket: manifest.DestinationBucket,
    directory,
    childStateMachineArn,
    jobs,
    kept: entries.SUCCEEDED,
    previousKeys,
  };
};

const entryOf = (
  plan: Plan,
  job: Job,
  started: Date | undefined,
  stopped: Date | undefined,
  outcome: ChildOutcome | undefined,
): ChildResult => ({
  ExecutionArn: job.executionArn,
  Name: job.name,
  Input: job.inputText,
  ...(outcome?.status === 'SUCCEEDED' && { Output: JSON.stringify(outcome.output ?? null) }),
  Status: outcome?.status ?? 'PENDING',
  ...(outcome && outcome.status !== 'SUCCEEDED' && { Error: outcome.error, Cause: outcome.cause }),
  ...(started && { StartDate: started.toISOString() }),
  ...(stopped && { StopDate: stopped.toISOString() }),
  StateMachineArn: plan.childStateMachineArn,
  RedriveCount: job.redriveCount,
});

/** Writes the result files (one per status with entries) and then the manifest. */
const writeResults = async (
  s3: S3Client,
  plan: Plan,
  groups: Record<'SUCCEEDED' | 'FAILED' | 'PENDING', ChildResult[]>,
): Promise<MapRunOutput> => {
  const manifestKey = `${plan.directory}/manifest.json`;
  // AWS starts another file (SUCCEEDED_1.json…) past 5 GB; local runs never come near that.
  const resultFiles: MapRunManifest['ResultFiles'] = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  const written = new Set<string>([manifestKey]);
  try {
    for (const status of ['SUCCEEDED', 'FAILED', 'PENDING'] as const) {
      if (groups[status].length === 0) continue;
      const key = `${plan.directory}/${status}_0.json`;
      resultFiles[status]!.push({ Key: key, Size: await writeS3Json(s3, plan.bucket, key, groups[status]) });
      written.add(key);
    }
    const manifest = mapRunManifestSchema.parse({ DestinationBucket: plan.bucket, MapRunArn: plan.mapRunArn, ResultFiles: resultFiles });
    await writeS3Json(s3, plan.bucket, manifestKey, manifest);
    // A redrive's manifest replaces the earlier one; files it no longer lists go with it.
    for (const key of plan.previousKeys) if (!written.has(key)) await s3.send(new DeleteObjectCommand({ Bucket: plan.bucket, Key: key }));
  } catch (error) {
    throw new MapRunError(
      'States.ResultWriterFailed',
      `The ResultWriter could not write to s3://${plan.bucket}/${plan.directory}/: ${(error as Error).message}`,
    );
  }
  return mapRunOutputSchema.parse({ MapRunArn: plan.mapRunArn, ResultWriterDetails: { Bucket: plan.bucket, Key: manifestKey } });
};

/**
 * Runs one Map Run (or a redrive of one) and writes its results.
 *
 * Children run through `runChild`, at most MaxConcurrency at a time (0 means
 * `maxLocalConcurrency`). Once failed children pass the tolerated failure threshold no further
 * child starts; the running ones finish (AWS may likewise run children after the threshold is
 * passed, but then stops the Map Run: children still running there end ABORTED, locally they end
 * as they would), the children never started are written as PENDING, and the Map Run fails.
 *
 * @returns the Map state's result ({MapRunArn, ResultWriterDetails}) and counts
 * @throws MapRunError States.ExceedToleratedFailureThreshold (results written; `output` says
 *   where), States.ItemReaderFailed, States.ResultWriterFailed, States.Runtime (a path that
 *   selects nothing); a rejection of `runChild` or `onChild` is rethrown once the running children end
 */
export const runMapRun = async (options: MapRunOptions): Promise<MapRunResult> => {
  const { spec, s3Client, runChild, onChild } = options;
  const now = options.now ?? (() => new Date());
  const plan = options.redrive ? await planRedrive(options, options.redrive) : await planNewRun(options);
  const { jobs } = plan;
  const total = plan.kept.length + jobs.length;
  const cap = options.maxLocalConcurrency ?? DEFAULT_MAX_LOCAL_CONCURRENCY;
  const limit = Math.max(1, Math.min(spec.state.MaxConcurrency || cap, cap));

  // One slot per job, filled as children end: entries are small (input and output text); the
  // children's events are only counted.
  const results: Array<ChildResult | undefined> = new Array(jobs.length);
  const stats: MapRunStats = {
    items: total,
    childrenRun: 0,
    succeeded: 0,
    failed: 0,
    pending: 0,
    kept: plan.kept.length,
    maxChildEvents: 0,
    totalEvents: 0,
  };
  let next = 0;
  let failures = 0;
  let exceeded = false;
  let broken: { error: unknown } | undefined;

  const worker = async (): Promise<void> => {
    while (!exceeded && !broken && next < jobs.length) {
      const position = next++;
      const job = jobs[position]!;
      try {
        const started = now();
        stats.childrenRun++;
        onChild?.({ type: 'started', index: job.index, name: job.name, executionArn: job.executionArn });
        const outcome = await runChild({
          input: job.input,
          name: job.name,
          executionArn: job.executionArn,
          stateMachineArn: plan.childStateMachineArn,
          index: job.index,
        });
        results[position] = entryOf(plan, job, started, now(), outcome);
        stats.maxChildEvents = Math.max(stats.maxChildEvents, outcome.events);
        stats.totalEvents += outcome.events;
        if (FAILED_STATUSES.has(outcome.status)) failures++;
        onChild?.({
          type: 'ended',
          index: job.index,
          name: job.name,
          executionArn: job.executionArn,
          status: outcome.status,
          events: outcome.events,
        });
        if (toleratedFailureExceeded(spec.state, failures, total)) exceeded = true;
      } catch (error) {
        broken ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
  if (broken) throw broken.error;

  const groups = { SUCCEEDED: [...plan.kept], FAILED: [] as ChildResult[], PENDING: [] as ChildResult[] };
  jobs.forEach((job, position) => {
    const entry = results[position] ?? entryOf(plan, job, undefined, undefined, undefined);
    (entry.Status === 'SUCCEEDED' ? groups.SUCCEEDED : entry.Status === 'PENDING' ? groups.PENDING : groups.FAILED).push(entry);
  });
  stats.succeeded = groups.SUCCEEDED.length;
  stats.failed = groups.FAILED.length;
  stats.pending = groups.PENDING.length;
  const output = await writeResults(s3Client, plan, groups);
  if (exceeded) {
    throw new MapRunError(
      TOLERATED_FAILURE_EXCEEDED,
      `${failures} of ${total} child executions failed, more than the Map Run "${spec.stateName}" tolerates; ${stats.pending} not started`,
      output,
      stats,
    );
  }
  return { output, stats };
};
