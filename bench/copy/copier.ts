/**
 * The measured process of the copy benchmark, bundled like a Lambda (bench/bundle.ts) and run
 * once per case with plain `node`. BENCH_MODE picks the case:
 * - `project`: the real copy handler (lambdas/shared/handlers/copy-to-s3.ts, built by the local runner's
 *   wiring) on BENCH_TASK (an ExportTask whose job is COMPLETED), with a Lambda context that has 15
 *   minutes left;
 * - `download`: GET of BENCH_URL with the same fetch, the body read and dropped;
 * - `upload`: BENCH_FILE through the same S3 client and lib-storage upload (part size, queue,
 *   content type, metadata) the copy uses, without the CSV verification.
 * The result (seconds, bytes, maxRssBytes) goes to BENCH_RESULT_FILE as JSON.
 */
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { S3Client } from '@aws-sdk/client-s3';
import { encodeRuntimeEnvironment, parseHandlerConfig, RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import type { ExportTask } from '../../lambdas/shared/contract/state';
import { streamToObject } from '../../lambdas/shared/copy/s3-publish';
import { copySettingsFromConfig } from '../../lambdas/shared/copy/settings';
import { emptyLedger, writeLedger } from '../../lambdas/shared/ledger/store';
import { createLocalHandlers } from '../../local/runner/handlers';
import { createLambdaContext } from '../../local/runner/lambda-context';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';

interface CaseResult {
  seconds: number;
  bytes: number;
  /** project only: seconds until the last part was uploaded (streamed and verified); the rest is complete + tag + manifest. */
  streamSeconds?: number;
}

const elapsed = (since: bigint): number => Number(process.hrtime.bigint() - since) / 1e9;

const required = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

/** The deployment's defaults with what the benchmark sets (LINKEDIN_API_URL, BUCKET_NAME, ALLOWED_DOWNLOAD_HOSTS). */
const config = () => parseHandlerConfig({ ...encodeRuntimeEnvironment(RUNTIME_DEFAULTS), ...process.env });
const s3Client = () => new S3Client({ ...s3ClientConfig(required('BENCH_S3_ENDPOINT')), credentials: S3RVER_CREDENTIALS });

/** The claim the state machine's claim step would have taken: only the claim's holder may copy. */
const claimWindow = async (task: ExportTask, owner: string): Promise<void> => {
  const [window] = task.pending;
  if (!window || !task.job) throw new Error('BENCH_TASK has no window or job');
  const { KEY_PREFIX, BUCKET_NAME } = config();
  const now = Date.now();
  const at = { s3: s3Client(), bucket: BUCKET_NAME, prefix: KEY_PREFIX, exportType: task.exportType, contract: task.contract };
  const claim = {
    ...window,
    owner,
    claimedAt: new Date(now).toISOString(),
    leaseUntil: now + 3_600_000,
    jobId: task.job.id,
    jobCreatedAt: now,
    jobIds: [task.job.id],
    unconfirmedCreates: 0,
  };
  await writeLedger(at, { ...emptyLedger(task.exportType, task.contract, now), claims: [claim] }, undefined);
};

const runProject = async (): Promise<CaseResult> => {
  const owner = 'arn:aws:states:us-east-1:123456789012:execution:bench-copy:project';
  const task = { ...(JSON.parse(required('BENCH_TASK')) as ExportTask), owner };
  await claimWindow(task, owner);
  const context = createLambdaContext({
    functionName: 'bench-copy',
    functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-copy',
    timeoutSeconds: 900,
    memoryMb: 256,
  });
  let streamedAt: bigint | undefined;
  const handlers = createLocalHandlers({
    config: config(),
    token: required('BENCH_TOKEN'),
    s3: s3Client(),
    s3IsAws: false,
    allowHttpLoopback: true,
    onProgress: ({ bytes, total }) => {
      if (bytes >= total) streamedAt ??= process.hrtime.bigint();
    },
  });
  const started = process.hrtime.bigint();
  const output = (await handlers['copy-to-s3'](task, context)) as ExportTask;
  const seconds = elapsed(started);
  const landed = output.results.at(-1);
  if (!landed) throw new Error('the copy handler returned no result');
  return { seconds, bytes: landed.bytes, ...(streamedAt !== undefined && { streamSeconds: Number(streamedAt - started) / 1e9 }) };
};

const runDownload = async (): Promise<CaseResult> => {
  const url = required('BENCH_URL');
  const started = process.hrtime.bigint();
  const response = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  if (response.status !== 200 || !response.body) throw new Error(`download answered HTTP ${response.status}`);
  let bytes = 0;
  for await (const chunk of response.body) bytes += (chunk as Uint8Array).length;
  return { seconds: elapsed(started), bytes };
};

const runUpload = async (): Promise<CaseResult> => {
  const file = required('BENCH_FILE');
  const settings = copySettingsFromConfig(config(), { checksumFromS3: false, allowHttpLoopback: true });
  const started = process.hrtime.bigint();
  await streamToObject({
    s3: s3Client(),
    bucket: settings.bucket,
    key: 'bench/upload-only.csv',
    body: createReadStream(file),
    metadata: { bench: 'upload-only' },
    partSizeBytes: settings.partSizeBytes,
    queueSize: settings.queueSize,
  });
  return { seconds: elapsed(started), bytes: statSync(file).size };
};

const main = async (): Promise<void> => {
  const mode = required('BENCH_MODE');
  const result =
    mode === 'project' ? await runProject() : mode === 'download' ? await runDownload() : mode === 'upload' ? await runUpload() : undefined;
  if (!result) throw new Error(`unknown BENCH_MODE ${mode}`);
  writeFileSync(required('BENCH_RESULT_FILE'), JSON.stringify({ ...result, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const file = process.env.BENCH_RESULT_FILE;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (file) writeFileSync(file, JSON.stringify({ error: message, maxRssBytes: 0 }));
    process.exit(1);
  },
);
