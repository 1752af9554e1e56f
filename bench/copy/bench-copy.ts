/**
 * Copy throughput and memory: the project's copy step (LinkedIn simulator → the real copy
 * handler → s3rver) side by side with the two pipes it is made of, (a) download only and
 * (b) upload only, and with (c) what a user would otherwise write, `curl | aws s3 cp -`.
 * Each case runs in a fresh child process (peak RSS is the copier's own), against servers in
 * processes of their own, and s3rver's data directory is deleted after each case.
 */
import { createWriteStream, existsSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { copySettingsFromConfig } from '../../lambdas/shared/copy/settings';
import { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import type { ExportTask } from '../../lambdas/shared/contract/state';
import { S3RVER_CREDENTIALS } from '../../local/s3-client';
import { SERVICE_NAME } from '../../lambdas/shared/contract/names';
import { bundleEntry, PROJECT_ROOT } from '../bundle';
import { cleanEnv, runPipe, runWorker, startServerProcess, type ServerProcess } from '../child';

/** Debian's AWS CLI v2 (an older v1 on PATH may shadow it, so the path is fixed). */
export const AWS_CLI = '/usr/bin/aws';
const BUCKET = 'bench-exports';
const CONTRACT = 'urn:li:contract:123456';
/** The simulator spreads a job's rows evenly over its window. */
const WINDOW = { startAt: Date.UTC(2026, 10, 1), endAt: Date.UTC(2026, 10, 2) };
/** The same rows over 30 days: the copy splits them into one object per day (lambdas/shared/copy/day-split.ts). */
export const SPLIT_DAYS = 30;
const DAYS_WINDOW = { startAt: Date.UTC(2026, 9, 3), endAt: Date.UTC(2026, 10, 2) };
const MB = 1_000_000;

export type CopyCaseName = 'project' | 'projectDays' | 'download' | 'upload' | 'curlAws';

export interface CopyCaseFigures {
  case: CopyCaseName;
  seconds?: number;
  bytes?: number;
  /** 10^6 bytes per second. */
  mbPerSecond?: number;
  peakRssBytes?: number;
  /**
   * project: seconds until the last part reached S3, the stream verified on the way (its upload
   * at the final key); the rest is complete + sha256 tag + manifest.
   */
  streamSeconds?: number;
  skipped?: string;
  error?: string;
}

export interface CopySizeFigures {
  targetMb: number;
  rows: number;
  bytes: number;
  cases: CopyCaseFigures[];
  /** project MB/s ÷ the slower of download-only and upload-only. */
  ratioToSlowerPipe?: number;
  /** project MB/s ÷ curl | aws s3 cp MB/s. */
  ratioToCurlAws?: number;
}

export interface CopyBenchFigures {
  bytesPerRow: number;
  partSizeMb: number;
  queueSize: number;
  sizes: CopySizeFigures[];
}

interface SimInfo {
  baseUrl: string;
  token: string;
}

type Log = (line: string) => void;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Creates an export job at the simulator and waits until it is COMPLETED. */
const completedJob = async (sim: SimInfo, window = WINDOW): Promise<{ id: number; downloadUrl: string; rowCount: number }> => {
  const client = new LinkedInClient({ baseUrl: sim.baseUrl, token: sim.token });
  const { id } = await client.createExportJob('activity', CONTRACT, window.startAt, window.endAt);
  for (let attempt = 0; attempt < 500; attempt++) {
    const job = await client.getExportJob(id, CONTRACT);
    if (job.status === 'COMPLETED' && job.downloadUrl && typeof job.rowCount === 'number') {
      return { id, downloadUrl: job.downloadUrl, rowCount: job.rowCount };
    }
    await sleep(20);
  }
  throw new Error(`simulator job ${id} did not complete`);
};

const contentLength = async (url: string): Promise<number> => {
  const response = await fetch(url, { method: 'HEAD' });
  const length = Number(response.headers.get('content-length'));
  if (response.status !== 200 || !Number.isSafeInteger(length)) throw new Error(`HEAD of the download answered ${response.status}`);
  return length;
};

/** Bytes per data row of the simulator's activity CSV, from the Content-Length of a 200,000-row file. */
export const measureBytesPerRow = async (): Promise<number> => {
  const rows = 200_000;
  const sim = await startServerProcess<SimInfo>('bench/copy/simulator-server.ts', { BENCH_SIM_ROWS: String(rows) });
  try {
    const job = await completedJob(sim.info);
    return (await contentLength(job.downloadUrl)) / rows;
  } finally {
    await sim.stop();
  }
};

/** The ExportTask the state machine hands the copy step when the job is COMPLETED. */
const copyTask = (jobId: number, window = WINDOW): ExportTask => ({
  exportType: 'activity',
  contract: CONTRACT,
  pending: [window],
  results: [],
  landed: { objects: 0, rows: 0, bytes: 0 },
  steps: 0,
  job: { id: jobId, createdAt: Date.now(), polls: 1, status: 'COMPLETED', waitedSeconds: 0 },
  jobIds: [jobId],
  retries: { recreate: 0, dataDelay: 0 },
  next: 'copy',
  reason: 'completed',
  waitSeconds: 0,
});

/** The copier's environment for a simulator and an s3rver: what differs from the deployment's defaults. */
const lambdaEnv = (sim: SimInfo, s3Endpoint: string): Record<string, string> => ({
  ...cleanEnv(),
  LINKEDIN_API_URL: sim.baseUrl,
  BENCH_TOKEN: sim.token,
  BUCKET_NAME: BUCKET,
  BENCH_S3_ENDPOINT: s3Endpoint,
  ALLOWED_DOWNLOAD_HOSTS: new URL(sim.baseUrl).origin,
  AWS_REGION: 'us-east-1',
  POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  POWERTOOLS_METRICS_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
});

/** An s3rver in its own process with a fresh data directory, removed again by `stop`. */
const withS3rver = async <T>(run: (endpoint: string) => Promise<T>): Promise<T> => {
  const directory = mkdtempSync(path.join(tmpdir(), 'bench-s3rver-'));
  let server: ServerProcess<{ endpoint: string }> | undefined;
  try {
    server = await startServerProcess<{ endpoint: string }>('bench/copy/s3rver-server.ts', {
      BENCH_S3_DIR: directory,
      BENCH_S3_BUCKET: BUCKET,
    });
    return await run(server.info.endpoint);
  } finally {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  }
};

const figures = (
  name: CopyCaseName,
  seconds: number,
  bytes: number,
  peakRssBytes: number,
  extra: { streamSeconds?: number } = {},
): CopyCaseFigures => ({
  case: name,
  seconds,
  bytes,
  mbPerSecond: bytes / MB / seconds,
  peakRssBytes,
  ...(extra.streamSeconds !== undefined && { streamSeconds: extra.streamSeconds }),
});

const caught = async (name: CopyCaseName, run: () => Promise<CopyCaseFigures>, log: Log): Promise<CopyCaseFigures> => {
  try {
    return await run();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log(`  ${name}: FAILED ${message}`);
    return { case: name, error: message };
  }
};

const freeBytes = (dir: string): number => {
  const stats = statfsSync(dir);
  return stats.bavail * stats.bsize;
};

/**
 * Runs the copy comparison for each size (in 10^6 bytes).
 *
 * @param log progress lines (stderr)
 */
export const runCopyBench = async (sizesMb: number[], log: Log): Promise<CopyBenchFigures> => {
  const workDir = mkdtempSync(path.join(tmpdir(), 'bench-copy-'));
  try {
    log('copy: bundling the copier like a Lambda (esbuild, infra options)…');
    const copier = await bundleEntry(path.join(PROJECT_ROOT, 'bench', 'copy', 'copier.ts'), workDir, 'copier');
    const bytesPerRow = await measureBytesPerRow();
    log(`copy: the simulator's activity CSV has ${bytesPerRow.toFixed(1)} bytes per row`);
    // The workers run with the Lambda's default part size and queue (nothing overrides them).
    const settings = copySettingsFromConfig(
      { ...RUNTIME_DEFAULTS, BUCKET_NAME: BUCKET },
      { checksumFromS3: false, allowHttpLoopback: true },
    );
    const sizes: CopySizeFigures[] = [];
    for (const targetMb of sizesMb) {
      const needed = 3.5 * targetMb * MB;
      if (freeBytes(tmpdir()) < needed) {
        log(`copy: skipping ${targetMb} MB: less than ${(needed / 1e9).toFixed(1)} GB free in ${tmpdir()}`);
        continue;
      }
      sizes.push(await runSize(targetMb, bytesPerRow, copier.file, workDir, log));
    }
    return { bytesPerRow, partSizeMb: settings.partSizeBytes / 2 ** 20, queueSize: settings.queueSize, sizes };
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
};

const runSize = async (targetMb: number, bytesPerRow: number, copierFile: string, workDir: string, log: Log): Promise<CopySizeFigures> => {
  const rows = Math.round((targetMb * MB) / bytesPerRow);
  const sim = await startServerProcess<SimInfo>('bench/copy/simulator-server.ts', { BENCH_SIM_ROWS: String(rows) });
  try {
    const job = await completedJob(sim.info);
    const bytes = await contentLength(job.downloadUrl);
    log(`copy ${targetMb} MB: ${rows} rows, ${bytes} bytes`);
    const cases: CopyCaseFigures[] = [];

    cases.push(
      await caught(
        'project',
        () =>
          withS3rver(async (endpoint) => {
            const run = await runWorker<{ seconds: number; bytes: number; streamSeconds?: number; maxRssBytes: number }>(copierFile, {
              ...lambdaEnv(sim.info, endpoint),
              BENCH_MODE: 'project',
              BENCH_TASK: JSON.stringify(copyTask(job.id)),
            });
            return figures('project', run.result.seconds, run.result.bytes, run.peakRssBytes, { streamSeconds: run.result.streamSeconds });
          }),
        log,
      ),
    );
    log(`  (P) project copy: ${describe(cases.at(-1)!)}`);

    // The same bytes as a ${SPLIT_DAYS}-day window: verified, split into day files on disk, one upload per day.
    const daysJob = await completedJob(sim.info, DAYS_WINDOW);
    cases.push(
      await caught(
        'projectDays',
        () =>
          withS3rver(async (endpoint) => {
            const run = await runWorker<{ seconds: number; bytes: number; maxRssBytes: number }>(copierFile, {
              ...lambdaEnv(sim.info, endpoint),
              BENCH_MODE: 'project',
              BENCH_TASK: JSON.stringify(copyTask(daysJob.id, DAYS_WINDOW)),
            });
            return figures('projectDays', run.result.seconds, run.result.bytes, run.peakRssBytes);
          }),
        log,
      ),
    );
    log(`  (D) project copy of a ${SPLIT_DAYS}-day window (${SPLIT_DAYS} day objects): ${describe(cases.at(-1)!)}`);

    cases.push(
      await caught(
        'download',
        async () => {
          const run = await runWorker<{ seconds: number; bytes: number; maxRssBytes: number }>(copierFile, {
            ...lambdaEnv(sim.info, 'http://127.0.0.1:9'),
            BENCH_MODE: 'download',
            BENCH_URL: job.downloadUrl,
          });
          return figures('download', run.result.seconds, run.result.bytes, run.peakRssBytes);
        },
        log,
      ),
    );
    log(`  (a) download only: ${describe(cases.at(-1)!)}`);

    cases.push(
      await caught(
        'upload',
        async () => {
          const file = path.join(workDir, `upload-${targetMb}.csv`);
          try {
            const response = await fetch(job.downloadUrl);
            if (!response.body) throw new Error('no body');
            await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(file));
            return await withS3rver(async (endpoint) => {
              const run = await runWorker<{ seconds: number; bytes: number; maxRssBytes: number }>(copierFile, {
                ...lambdaEnv(sim.info, endpoint),
                BENCH_MODE: 'upload',
                BENCH_FILE: file,
              });
              return figures('upload', run.result.seconds, run.result.bytes, run.peakRssBytes);
            });
          } finally {
            rmSync(file, { force: true });
          }
        },
        log,
      ),
    );
    log(`  (b) upload only: ${describe(cases.at(-1)!)}`);

    if (!existsSync(AWS_CLI)) {
      cases.push({ case: 'curlAws', skipped: `skipped: ${AWS_CLI} not installed (apt-get install -y awscli)` });
    } else {
      cases.push(
        await caught(
          'curlAws',
          () =>
            withS3rver(async (endpoint) => {
              const env = {
                ...cleanEnv(),
                AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
                AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
                AWS_DEFAULT_REGION: 'us-east-1',
                AWS_PAGER: '',
              };
              const run = await runPipe(
                { command: 'curl', args: ['-s', '--fail', job.downloadUrl] },
                {
                  command: AWS_CLI,
                  args: ['s3', 'cp', '-', `s3://${BUCKET}/bench/curl-aws.csv`, '--endpoint-url', endpoint, '--no-progress'],
                },
                env,
              );
              if (run.exitCode !== 0) throw new Error(`aws s3 cp exited with ${run.exitCode}: ${run.stderr.trim().slice(0, 300)}`);
              return figures('curlAws', run.seconds, bytes, run.peakRssBytes);
            }),
          log,
        ),
      );
    }
    log(`  (c) curl | aws s3 cp: ${describe(cases.at(-1)!)}`);

    const mbps = (name: CopyCaseName) => cases.find((c) => c.case === name)?.mbPerSecond;
    const project = mbps('project');
    const slower = Math.min(mbps('download') ?? Infinity, mbps('upload') ?? Infinity);
    const curlAws = mbps('curlAws');
    return {
      targetMb,
      rows,
      bytes,
      cases,
      ...(project !== undefined && Number.isFinite(slower) && { ratioToSlowerPipe: project / slower }),
      ...(project !== undefined && curlAws !== undefined && { ratioToCurlAws: project / curlAws }),
    };
  } finally {
    await sim.stop();
  }
};

const describe = (figure: CopyCaseFigures): string =>
  figure.skipped ??
  (figure.error
    ? `error: ${figure.error}`
    : `${figure.mbPerSecond!.toFixed(1)} MB/s in ${figure.seconds!.toFixed(2)} s, peak RSS ${(figure.peakRssBytes! / 2 ** 20).toFixed(0)} MiB`);
