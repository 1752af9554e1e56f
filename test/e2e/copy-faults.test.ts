/**
 * The copy's failure modes end to end: the synthesized state machine (its Retry and Catch
 * included) runs every Task with the real handler against the LinkedIn simulator, whose faults
 * break the download, and a separately started s3rver. Each failing case asserts the error name
 * the execution ends with, that no reader of the bucket can see a CSV at the export's final key,
 * and that no multipart upload is left open.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dayObjectKey, manifestKey } from '../../lambdas/shared/contract/layout';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import { startSimulator, type FaultSettings, type Simulator } from '../../local/simulator';
import { runLocal, SIMULATOR_CONTRACT, type RunLocalResult } from '../../local/runner/run-local';
import { applyEnv } from '../helpers/env';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { S3RVER_CREDENTIALS } from '../../local/s3-client';
import { startLocalS3, type LocalS3 } from '../helpers/s3rver';
import { headOutcome, listKeys, readLanded } from './copy-faults-helpers';

/**
 * Short waits through the stack's own keys. One URL refresh per copy attempt: enough for a URL
 * that expires once, and quick to exhaust when it keeps expiring.
 */
const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1, maxUrlRefreshes: 1 };
/**
 * The copy Lambda's timeout is 15 min (infra/stack.ts) and the runner's Lambda context counts
 * it down in real time; a margin of 899 s leaves each copy attempt a 1 s budget.
 */
const COPY_LAMBDA_TIMEOUT_SECONDS = 900;
const DEADLINE_CONFIG = { ...STACK_CONFIG, copySafetyMarginSeconds: COPY_LAMBDA_TIMEOUT_SECONDS - 1 };
/** Waits and retry intervals at 1% (the copy's 30/60/120 s retries take 0.3/0.6/1.2 s). */
const TIME_SCALE = 0.01;
/** Enough for every download of every attempt: 4 state-machine attempts × (1 + refresh or re-download). */
const PERSISTENT = 50;

const EXPORT_TYPE: ExportType = 'activity';
const FROM = '2025-06-01';
const TO = '2025-06-02';
const WINDOW = { startAt: Date.UTC(2025, 5, 1), endAt: Date.UTC(2025, 5, 2) };
const BUCKET = 'copy-faults';

let s3: LocalS3;
let simulator: Simulator;
let restoreEnv: () => void;
let caseNumber = 0;
let prefix: string;

beforeAll(async () => {
  // s3rver only accepts its own key pair; the Lambdas and the runner's check read it from the env.
  restoreEnv = applyEnv({
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_SESSION_TOKEN: undefined,
  });
  s3 = await startLocalS3(BUCKET);
  // Synthesis takes seconds (cached on disk afterwards); keep it out of the tests' own time.
  await loadLocalWorkflow(STACK_CONFIG);
  await loadLocalWorkflow(DEADLINE_CONFIG);
}, 120_000);

afterAll(async () => {
  await s3?.close();
  restoreEnv?.();
});

beforeEach(async () => {
  // Each case writes under its own prefix, so one case's leftovers cannot hide another's.
  caseNumber += 1;
  prefix = `faults-${caseNumber}/`;
  simulator = await startSimulator({ enqueuedMs: 50, processingMs: 150, rowsPerDay: 30 });
});

afterEach(async () => {
  await simulator.close();
});

const run = (faults: FaultSettings, stackConfig = STACK_CONFIG, exportType: ExportType = EXPORT_TYPE): Promise<RunLocalResult> => {
  Object.assign(simulator.faults, faults);
  return runLocal({
    simulator,
    s3Endpoint: s3.endpoint,
    bucket: BUCKET,
    prefix,
    stackConfig,
    timeScale: TIME_SCALE,
    exportTypes: [exportType],
    from: FROM,
    to: TO,
  });
};

const finalKeys = (exportType: ExportType = EXPORT_TYPE) => ({
  csvKey: dayObjectKey(prefix, exportType, SIMULATOR_CONTRACT, WINDOW.startAt),
  manifestKey: manifestKey(prefix, exportType, SIMULATOR_CONTRACT, WINDOW),
});
const downloads = () => simulator.calls.filter((call) => call.route === 'download');

/** The run failed with `error`, and the bucket shows nothing of it: no CSV, no manifest, no open upload. */
const expectFailedCleanly = async (result: RunLocalResult, error: string, exportType: ExportType = EXPORT_TYPE): Promise<void> => {
  expect({ status: result.status, error: result.error }).toEqual({ status: 'FAILED', error });
  expect(result.exports).toEqual([]);
  expect(await headOutcome(s3.s3Client, BUCKET, finalKeys(exportType).csvKey)).toBe('NotFound');
  expect(await headOutcome(s3.s3Client, BUCKET, finalKeys(exportType).manifestKey)).toBe('NotFound');
  expect((await listKeys(s3.s3Client, BUCKET, prefix)).filter((key) => key.endsWith('.csv'))).toEqual([]);
  expect(await s3.openUploads()).toEqual([]);
};

describe('copy failures through the real workflow (runLocal + simulator + s3rver)', () => {
  it('a body that keeps getting cut off fails with TruncatedDownload after every retry', async () => {
    const result = await run({ cutAfterBytes: { count: PERSISTENT, bytes: 100 } });

    await expectFailedCleanly(result, ERROR_NAMES.truncated);
    // The copy re-downloads a dropped body once, and the state machine retries the step.
    expect(downloads().length).toBeGreaterThan(2);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(1);
  });

  it('a Content-Length larger than the body fails with TruncatedDownload', async () => {
    // The engine cannot tell "announced too much" from "the connection dropped before the end":
    // both are a body that ends short of Content-Length, retried, then named TruncatedDownload.
    const result = await run({ contentLengthDelta: { count: PERSISTENT, delta: 500 } });

    await expectFailedCleanly(result, ERROR_NAMES.truncated);
    expect(downloads().length).toBeGreaterThan(2);
  });

  it('a Content-Length smaller than the body, cutting off rows, fails and lands nothing', async () => {
    // The engine names this RowCountMismatch, not ContentLengthMismatch: fetch (undici) stops
    // reading at Content-Length and drops the rest, so the copy never sees a byte too many; the
    // short file is caught only because whole rows are missing. See the next case.
    const result = await run({ contentLengthDelta: { count: PERSISTENT, delta: -100 } });

    await expectFailedCleanly(result, ERROR_NAMES.rowCount);
  });

  // The row count still matches here (the cut falls inside the last record), and so may the
  // shape: the seat file's last field is a number, and a cut inside it ("…,26341,1990" arriving
  // as "…,26341,199") keeps every field. What is missing is the line break every file ends with
  // (REQUIRE_FINAL_LINE_BREAK, on by default), so the copy names it a truncation.
  it.each([-1, -3])(
    'a Content-Length %i bytes smaller than the seat file, cutting inside its last field, fails with TruncatedDownload',
    async (delta) => {
      const result = await run({ contentLengthDelta: { count: PERSISTENT, delta } }, STACK_CONFIG, 'seat');

      await expectFailedCleanly(result, ERROR_NAMES.truncated, 'seat');
      expect(result.cause).toMatch(/without a line break after its last record/);
      // Each attempt of the state machine fetched a fresh URL and met the same short length.
      expect(downloads().length).toBeGreaterThan(1);
    },
  );

  it('a Content-Length smaller than the activity file, cutting inside its last row, fails with TruncatedDownload', async () => {
    const result = await run({ contentLengthDelta: { count: PERSISTENT, delta: -3 } });

    await expectFailedCleanly(result, ERROR_NAMES.truncated);
  });

  it('a rowCount that differs from the rows in the file fails with RowCountMismatch', async () => {
    const result = await run({ rowCountDelta: { count: 1, delta: 2 } });

    await expectFailedCleanly(result, ERROR_NAMES.rowCount);
    expect(result.cause).toMatch(/32 data rows, the file has 30/);
  });

  it('a URL that expires mid-download once is refreshed with a GET of the same job, and the copy lands verified', async () => {
    const result = await run({ expireMidDownload: { count: 1, bytes: 200 } });

    expect({ status: result.status, error: result.error }).toEqual({ status: 'SUCCEEDED', error: null });
    expect(result.exports).toHaveLength(1);
    const [landed] = result.exports;
    expect(landed!.jobIds).toHaveLength(1);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(1);
    // Cut mid-body, the URL then answers 403; a fresh GET of the job gives a URL that works.
    expect(downloads().map((call) => call.status)).toEqual([200, 403, 200]);

    const { csvKey } = finalKeys();
    expect(landed!.s3Uri).toBe(`s3://${BUCKET}/${csvKey}`);
    const object = await readLanded(s3.s3Client, BUCKET, csvKey);
    expect(object).toMatchObject({ bytes: landed!.bytes, sha256: landed!.sha256, dataRows: landed!.rowCount });
    expect(landed!.rowCount).toBe(30);
    expect(await headOutcome(s3.s3Client, BUCKET, finalKeys().manifestKey)).toBe('Found');
    expect(await s3.openUploads()).toEqual([]);
  });

  it('a URL that keeps expiring mid-download fails with DownloadUrlExpired once the refreshes are spent', async () => {
    // Each expiry shows first as a dropped connection, then as a 403 on the re-download; every
    // fresh URL gets a fresh drop allowance, so the refresh limit decides when to give up.
    const result = await run({ expireMidDownload: { count: PERSISTENT, bytes: 200 } });

    await expectFailedCleanly(result, ERROR_NAMES.urlExpired);
    expect(downloads().some((call) => call.status === 403)).toBe(true);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(1);
  });

  it('a URL that is already expired every time it is fetched fails with DownloadUrlExpired once the refreshes are spent', async () => {
    const result = await run({ expiredUrl: { count: PERSISTENT } });

    await expectFailedCleanly(result, ERROR_NAMES.urlExpired);
    expect(result.cause).toMatch(/after 1 refresh/);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(1);
  });

  it('a copy still running near the Lambda time limit stops with CopyDeadlineExceeded', async () => {
    // 30 rows are a few KB; at 500 B/s the download needs several seconds, the budget is 1 s.
    const result = await run({ trickle: { count: PERSISTENT, bytesPerSecond: 500 } }, DEADLINE_CONFIG);

    await expectFailedCleanly(result, ERROR_NAMES.copyDeadline);
    expect(downloads().length).toBeGreaterThan(0);
  });

  it('a download URL on a host outside the allowlist fails with DownloadHostNotAllowed, never requested', async () => {
    // The runner allows the simulator's own host, 127.0.0.1; "localhost" is another host name.
    const result = await run({ downloadHost: 'localhost' });

    await expectFailedCleanly(result, ERROR_NAMES.hostNotAllowed);
    expect(result.cause).toMatch(/"localhost"/);
    expect(simulator.countCalls({ route: 'download' })).toBe(0);
  });

  describe("another service on the same machine (the simulator's host, another port)", () => {
    let other: Server;
    let requests: IncomingHttpHeaders[];
    let otherHost: string;
    beforeEach(async () => {
      requests = [];
      other = createServer((req, res) => {
        requests.push(req.headers);
        res.end('a,b\n1,2\n');
      });
      await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
      otherHost = `127.0.0.1:${(other.address() as AddressInfo).port}`;
    });
    afterEach(async () => {
      await new Promise((resolve) => other.close(resolve));
    });

    it('a download URL on it fails with DownloadHostNotAllowed, the service never contacted', async () => {
      // The runner allows the simulator's origin, port included, not every port of its host.
      const result = await run({ downloadHost: otherHost });

      await expectFailedCleanly(result, ERROR_NAMES.hostNotAllowed);
      expect(result.cause).toContain(`"http://${otherHost}"`);
      expect(requests).toEqual([]);
      expect(simulator.countCalls({ route: 'download' })).toBe(0);
    });

    it('a redirect to it fails with DownloadHostNotAllowed, the service never contacted', async () => {
      const result = await run({ redirect: { count: PERSISTENT, host: otherHost } });

      await expectFailedCleanly(result, ERROR_NAMES.hostNotAllowed);
      expect(downloads().map((call) => call.status)).toEqual([302]);
      expect(requests).toEqual([]);
    });
  });

  it('a redirect to another host fails with DownloadHostNotAllowed, the target never contacted', async () => {
    const result = await run({ redirect: { count: PERSISTENT, host: 'localhost' } });

    await expectFailedCleanly(result, ERROR_NAMES.hostNotAllowed);
    // One request: the 302 from the allowed host. The hop to "localhost" (the same simulator
    // under another name, so it would be recorded with `hop=1`) is never made, nor retried.
    expect(downloads().map((call) => call.status)).toEqual([302]);
    expect(downloads().some((call) => call.path.includes('hop=1'))).toBe(false);
  });
});
