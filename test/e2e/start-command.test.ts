/**
 * The `npm start` command itself: against a separately started simulator and S3 (the flags a
 * user points at real endpoints with), and once as a real child process. Every run writes to an
 * S3 of its own (a fresh directory): the export ledger remembers the days landed, so a run on
 * data shared with another run (or the developer's .local/s3) could find them landed and export nothing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startSimulator, type Simulator } from '../../local/simulator';
import { type LocalS3, startLocalS3 } from '../../local/s3';
import { parseS3Uri, S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { main } from '../../local/start';
import { applyEnv } from '../helpers/env';
import { DEFAULT_BUCKET } from '../../local/runner/defaults';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { capture } from '../helpers/cli-run';

const ROOT = path.resolve(__dirname, '..', '..');

describe('npm start -- --linkedin-url … --s3-endpoint … --bucket … --json', () => {
  let simulator: Simulator;
  let s3: LocalS3;
  let dataDir: string;
  let restoreEnv: () => void;

  beforeAll(async () => {
    await loadLocalWorkflow(); // synthesis, outside the test's own time
    dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-start-'));
    simulator = await startSimulator({ enqueuedMs: 100, processingMs: 300 });
    s3 = await startLocalS3({ bucket: 'separate-bucket', directory: dataDir });
    // "credentials from the standard AWS chain": the environment, here s3rver's key pair.
    restoreEnv = applyEnv({ AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey });
  }, 120_000);

  afterAll(async () => {
    restoreEnv();
    await simulator.close();
    await s3.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exports from that API into that bucket and prints only the JSON document on stdout', async () => {
    const stdout = capture();
    const stderr = capture();

    const status = await main(
      [
        '--linkedin-url',
        simulator.baseUrl,
        '--token',
        simulator.token,
        '--s3-endpoint',
        s3.endpoint,
        '--bucket',
        'separate-bucket',
        '--prefix',
        'team-a/',
        '--type',
        'seat',
        '--from',
        '2025-05-01',
        '--to',
        '2025-05-02',
        '--time-scale',
        '0.02',
        '--json',
      ],
      { stdout: stdout.stream, stderr: stderr.stream },
    );

    expect(status).toBe(0);
    const document = JSON.parse(stdout.text());
    expect(Object.keys(document)).toEqual([
      'status',
      'error',
      'cause',
      'executionName',
      'counts',
      'reportUri',
      'exports',
      'failed',
      'ledger',
    ]);
    expect(document).toMatchObject({
      status: 'SUCCEEDED',
      error: null,
      cause: null,
      counts: { pairs: 1, landed: 1, failed: 0, objects: 1 },
      reportUri: expect.stringMatching(/^s3:\/\/separate-bucket\/team-a\/runs\/local-[^/]+\/report\.json$/),
      failed: [],
      // A fresh bucket: the export ledger had nothing to skip, resume or supersede.
      ledger: { counts: { alreadyLandedPairs: 0, skippedDays: 0, resumedJobs: 0, superseded: 0, unconfirmedCreates: 0 }, skipped: [] },
    });
    // Without --contract against an API: every contract with reporting access (the simulator lists
    // one with and one without).
    expect(document.exports).toEqual([
      {
        exportType: 'seat',
        contract: 'urn:li:contract:123456',
        startAt: Date.UTC(2025, 4, 1),
        endAt: Date.UTC(2025, 4, 2),
        jobIds: [expect.any(Number)],
        rowCount: expect.any(Number),
        bytes: expect.any(Number),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        s3Uri: 's3://separate-bucket/team-a/seat/contract=123456/dt=2025-05-01/2025-05-01_2025-05-02.csv',
        manifestUri: 's3://separate-bucket/team-a/manifests/seat/contract=123456/2025-05-01_2025-05-02.manifest.json',
        objects: 1,
        empty: false,
      },
    ]);
    expect(simulator.countCalls({ route: 'contracts' })).toBeGreaterThan(0);
    expect(stderr.text()).toMatch(/landed s3:\/\/separate-bucket\//);

    const client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
    const { bucket, key } = parseS3Uri(document.exports[0].s3Uri);
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await object.Body!.transformToByteArray();
    client.destroy();
    expect(body.length).toBe(document.exports[0].bytes);
  });

  it('exits 2 with a usage message for a bad option, before doing anything', async () => {
    const stderr = capture();
    const status = await main(['--type', 'everything'], { stdout: capture().stream, stderr: stderr.stream });
    expect(status).toBe(2);
    expect(stderr.text()).toMatch(/--type "everything" is not one of/);
  });
});

/**
 * `npx tsx local/start.ts --json` for one export type, into the default bucket of `s3`; the child
 * uses the workflow cached on disk by the tests above (or synthesizes). `npm start` has no option
 * for the directory of its own s3rver (always .local/s3 of the repository), so the child writes to
 * a fresh s3rver through --s3-endpoint instead, with s3rver's credentials from the environment.
 */
const runStart = async (type: string, logLevel: string, s3: LocalS3) => {
  const child = spawn(
    'npx',
    ['tsx', 'local/start.ts', '--json', '--type', type, '--time-scale', '0.02', '--s3-endpoint', s3.endpoint, '--bucket', s3.bucket],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: logLevel,
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr };
};

describe('the real command: npx tsx local/start.ts --json', () => {
  let s3: LocalS3;
  let dataDir: string;

  beforeEach(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-start-child-'));
    s3 = await startLocalS3({ bucket: DEFAULT_BUCKET, directory: dataDir });
  });

  afterEach(async () => {
    await s3.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('exits 0 and prints the JSON document of a default run', async () => {
    const { code, stdout, stderr } = await runStart('activity', 'SILENT', s3);

    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    const document = JSON.parse(stdout);
    expect(document.status).toBe('SUCCEEDED');
    expect(document.exports).toHaveLength(1);
    expect(document.exports[0].s3Uri).toMatch(/^s3:\/\/linkedin-salesnav-exports\/linkedin-sales-navigator\/activity\/contract=123456\//);
  }, 120_000);

  it('with --json and POWERTOOLS_LOG_LEVEL=DEBUG, stdout is still only the document; the log lines go to stderr', async () => {
    const { code, stdout, stderr } = await runStart('seat', 'DEBUG', s3);

    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(stdout)).toMatchObject({ status: 'SUCCEEDED', exports: [{ exportType: 'seat' }] });
    const logs = stderr
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line));
    expect(logs.map((log) => log.message)).toEqual(expect.arrayContaining(['Planned exports', 'Export job created', 'Export copied']));
    expect(logs.find((log) => log.message === 'Export job created')).toMatchObject({ level: 'INFO', exportType: 'seat' });
  }, 120_000);
});
