/**
 * Fixtures of a Distributed Map run as AWS leaves it (lambdas/shared/contract/map-run.ts): the
 * planned pairs, their child executions' result entries (JSON text Input/Output, Error/Cause),
 * the ResultWriter's manifest and result files in S3, and the run report the Summarize step
 * writes from them. Pairs finish through the real transitions, reports through the real
 * summarizeRun, so the fixtures follow the code that produces them.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import type { ChildResult, MapRunOutput } from '../../lambdas/shared/contract/map-run';
import { MAP_RESULTS_FOLDER } from '../../lambdas/shared/contract/layout';
import type { RunReport } from '../../lambdas/shared/contract/run-report';
import type { ExportResult, ExportTask, ExportWindow } from '../../lambdas/shared/contract/state';
import { normalizePrefix, runKeys, s3Uri } from '../../lambdas/shared/workflow/keys';
import { pairReportOf, summarizeRun } from '../../lambdas/shared/workflow/summarize';
import { afterCopied, plannedTask } from '../../lambdas/shared/workflow/transitions';

export const DAY = 86_400_000;
/** `2026-11-01` as epoch ms (00:00 UTC). */
export const utcDay = (text: string): number => Date.parse(`${text}T00:00:00Z`);
export const NOV_1_TO_8: ExportWindow = { startAt: utcDay('2026-11-01'), endAt: utcDay('2026-11-08') };

const ARN_BASE = 'arn:aws:states:us-east-1:123456789012';
const STATE_MACHINE = 'LinkedInSalesNavExport';
export const MAP_RUN_ID = '5e3f1c2a-0b1c-4d5e-8f90-1234567890ab';
export const MAP_RUN_ARN = `${ARN_BASE}:mapRun:${STATE_MACHINE}/ExportEach:${MAP_RUN_ID}`;
export const executionArnOf = (name: string): string => `${ARN_BASE}:execution:${STATE_MACHINE}:${name}`;
const childArn = (index: number): string => `${ARN_BASE}:execution:${STATE_MACHINE}/ExportEach:${index}`;

export const contractUrn = (n: number): string => `urn:li:contract:${n}`;

/** Contracts outer, types inner: the Plan's order. */
export const plannedPairs = (
  contracts: readonly number[],
  types: readonly ExportType[] = ['activity', 'activityOutcome', 'seat'],
  window: ExportWindow = NOV_1_TO_8,
): ExportTask[] => contracts.flatMap((n) => types.map((type) => plannedTask(type, contractUrn(n), [window])));

/** A verified object of `task` for `window`. */
export const landedObject = (task: Pick<ExportTask, 'exportType' | 'contract'>, window: ExportWindow, rowCount = 10): ExportResult => {
  const id = task.contract.slice(task.contract.lastIndexOf(':') + 1);
  const key = `li/${task.exportType}/contract=${id}/${new Date(window.startAt).toISOString().slice(0, 10)}_${new Date(window.endAt).toISOString().slice(0, 10)}`;
  return {
    exportType: task.exportType,
    contract: task.contract,
    ...window,
    jobIds: [6_000_000_001],
    rowCount,
    bytes: 100 + rowCount * 50,
    sha256: 'a'.repeat(64),
    s3Uri: `s3://exports/${key}.csv`,
    manifestUri: `s3://exports/${key}.manifest.json`,
    objects: Math.round((window.endAt - window.startAt) / 86_400_000),
    empty: rowCount === 0,
  };
};

/** The final task of a pair whose every pending window landed: what its child execution outputs. */
export const finishedTask = (planned: ExportTask, rowCount = 10): ExportTask => {
  let task = planned;
  for (const window of planned.pending) task = afterCopied({ ...task, next: 'copy' }, landedObject(task, window, rowCount));
  return task;
};

/** A child execution's entry in a result file, as AWS writes it. */
export const succeededChild = (planned: ExportTask, index: number, output: ExportTask = finishedTask(planned)): ChildResult => ({
  ExecutionArn: childArn(index),
  Name: String(index),
  Input: JSON.stringify(planned),
  Output: JSON.stringify(output),
  Status: 'SUCCEEDED',
  StartDate: '2026-11-28T06:00:05.000Z',
  StopDate: '2026-11-28T06:03:05.000Z',
  StateMachineArn: `${ARN_BASE}:stateMachine:${STATE_MACHINE}/ExportEach`,
  RedriveCount: 0,
});

export const failedChild = (planned: ExportTask, index: number, error: string, cause: string, status = 'FAILED'): ChildResult => ({
  ExecutionArn: childArn(index),
  Name: String(index),
  Input: JSON.stringify(planned),
  Status: status,
  Error: error,
  Cause: cause,
  StartDate: '2026-11-28T06:00:05.000Z',
  StopDate: '2026-11-28T06:00:09.000Z',
  StateMachineArn: `${ARN_BASE}:stateMachine:${STATE_MACHINE}/ExportEach`,
  RedriveCount: 0,
});

/** A child the Map never started (it stopped first). */
export const pendingChild = (planned: ExportTask, index: number): ChildResult => ({
  ExecutionArn: childArn(index),
  Name: String(index),
  Input: JSON.stringify(planned),
  Status: 'PENDING',
});

/** A Lambda error's cause as AWS records it: JSON, not the message. */
export const lambdaCause = (errorType: string, errorMessage: string): string =>
  JSON.stringify({ errorType, errorMessage, trace: [`${errorType}: ${errorMessage}`, '    at Runtime.handler (/var/task/index.mjs:1:2)'] });

export const putText = async (s3: S3Client, bucket: string, key: string, body: string): Promise<void> => {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
};

export const readJson = async (s3: S3Client, bucket: string, key: string): Promise<unknown> => {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return JSON.parse((await object.Body?.transformToString('utf8')) ?? '');
};

/** A result file's content: child entries, or raw text (a malformed file). */
export type ResultFileContent = ChildResult[] | string;

/**
 * Writes a Map Run's results as the ResultWriter does: `<prefix>runs/map-results/<map run id>/`
 * `SUCCEEDED_0.json`, `FAILED_0.json`, `PENDING_0.json` (those with content), then `manifest.json`.
 *
 * @returns the Map state's output, which points at the manifest
 */
export const writeMapRunResults = async (
  s3: S3Client,
  bucket: string,
  prefix: string,
  files: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', ResultFileContent>>,
): Promise<MapRunOutput> => {
  const directory = `${normalizePrefix(prefix)}${MAP_RESULTS_FOLDER}/${MAP_RUN_ID}`;
  const resultFiles: Record<string, Array<{ Key: string; Size: number }>> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
  for (const [status, content] of Object.entries(files)) {
    const key = `${directory}/${status}_0.json`;
    const body = typeof content === 'string' ? content : JSON.stringify(content);
    await putText(s3, bucket, key, body);
    resultFiles[status]?.push({ Key: key, Size: Buffer.byteLength(body) });
  }
  const manifestKey = `${directory}/manifest.json`;
  await putText(s3, bucket, manifestKey, JSON.stringify({ DestinationBucket: bucket, MapRunArn: MAP_RUN_ARN, ResultFiles: resultFiles }));
  return { MapRunArn: MAP_RUN_ARN, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
};

/** The run report the Summarize step would write for these child entries. */
export const runReportOf = (executionName: string, entries: readonly ChildResult[], bucket = 'exports', prefix = 'li/'): RunReport =>
  summarizeRun({
    executionName,
    executionArn: executionArnOf(executionName),
    mapRunArn: MAP_RUN_ARN,
    plannedPairs: entries.length,
    pairs: entries.map((entry) => pairReportOf(entry)),
    reportUri: s3Uri(bucket, runKeys(prefix, executionName).reportKey),
    createdAt: '2026-11-28T06:10:00.000Z',
  }).report;
