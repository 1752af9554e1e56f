/**
 * Exactly once through the real ASL, the LinkedIn simulator and a local S3 with conditional writes
 * (docs/design.md, "Exactly once"): overlapping windows land each day once, two executions of one
 * window make one LinkedIn job, a lost create answer is accounted for, a run killed after its job
 * COMPLETED is resumed by id, and a landed window is never exported again.
 */
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { hostname } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { LEDGER_VERSION, type Ledger } from '../../lambdas/shared/contract/ledger';
import { ledgerKey } from '../../lambdas/shared/workflow/keys';
import { dayObjectKey, manifestKey } from '../../lambdas/shared/contract/layout';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { startLocalS3, type LocalS3 } from '../../local/s3';
import { summary } from '../../local/runner/render';
import { runLocal, type RunLocalOptions, type RunLocalResult } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { startSimulator, type Simulator } from '../../local/simulator';

const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1, maxConcurrency: 20 };
const PREFIX = 'linkedin-sales-navigator/';
const BUCKET = 'exactly-once';
const TYPE = 'activity';
const day = (iso: string): number => Date.parse(`${iso}T00:00:00Z`);

let dataDir: string;
let s3: LocalS3;
let client: S3Client;
let simulator: Simulator;

const savedEnv = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  // The runs reach the shared s3rver as an S3-compatible endpoint, with credentials from the environment.
  process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  await loadLocalWorkflow(STACK_CONFIG);
}, 120_000);

afterAll(() => {
  for (const [name, value] of [
    ['AWS_ACCESS_KEY_ID', savedEnv.id],
    ['AWS_SECRET_ACCESS_KEY', savedEnv.secret],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-exactly-once-'));
  s3 = await startLocalS3({ bucket: BUCKET, directory: dataDir });
  client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
  simulator = await startSimulator({ enqueuedMs: 50, processingMs: 150 });
});

afterEach(async () => {
  await simulator.close();
  await s3.close();
  client.destroy();
  rmSync(dataDir, { recursive: true, force: true });
});

const contract = () => simulator.contracts[0]!.contract;

/** One run of the activity export of the simulator's first contract over [from, to). */
const run = (from: string, to: string, extra: Record<string, unknown> = {}, options: RunLocalOptions = {}): Promise<RunLocalResult> =>
  runLocal({
    simulator,
    s3Endpoint: s3.endpoint,
    bucket: BUCKET,
    stackConfig: STACK_CONFIG,
    timeScale: 0.2,
    inputText: JSON.stringify({ exportTypes: [TYPE], contracts: [contract()], startAt: from, endAt: to, ...extra }),
    ...options,
  });

const creates = (): number => simulator.countCalls({ route: 'createJob' });

/** The CSVs in the data location of the pair, with their days. */
const dataObjects = async (): Promise<Array<{ key: string; startAt: number; endAt: number }>> => {
  const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}${TYPE}/` }));
  return (listed.Contents ?? [])
    .map((o) => o.Key ?? '')
    .filter((key) => key.endsWith('.csv'))
    .map((key) => {
      const [, start, end] = /(\d{4}-\d{2}-\d{2})_(\d{4}-\d{2}-\d{2})\.csv$/.exec(key) ?? [];
      return { key, startAt: day(start ?? ''), endAt: day(end ?? '') };
    });
};

/** How many objects of the data location hold each day. */
const copiesPerDay = (objects: Array<{ startAt: number; endAt: number }>): Record<string, number> => {
  const copies: Record<string, number> = {};
  for (const o of objects) {
    for (let t = o.startAt; t < o.endAt; t += 86_400_000) {
      const iso = new Date(t).toISOString().slice(0, 10);
      copies[iso] = (copies[iso] ?? 0) + 1;
    }
  }
  return copies;
};

const readLedgerObject = async (): Promise<Ledger> => {
  const object = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: ledgerKey(PREFIX, TYPE, contract()) }));
  return JSON.parse((await object.Body?.transformToString()) ?? '') as Ledger;
};

describe('overlapping windows', () => {
  it('land each day exactly once, and the third run creates no LinkedIn job', async () => {
    const first = await run('2025-11-01', '2025-11-03');
    const second = await run('2025-11-02', '2025-11-04');
    const createsBeforeThird = creates();
    const third = await run('2025-11-01', '2025-11-04');

    expect([first.status, second.status, third.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(createsBeforeThird).toBe(2);
    expect(creates()).toBe(2);
    // The second run exported only the day the first had not.
    expect(second.exports.map((e) => [e.startAt, e.endAt])).toEqual([[day('2025-11-03'), day('2025-11-04')]]);
    expect(second.counts).toMatchObject({ skippedDays: 1 });
    expect(third.exports).toEqual([]);
    expect(third.counts).toMatchObject({ alreadyLandedPairs: 1, skippedDays: 3 });
    expect(copiesPerDay(await dataObjects())).toEqual({ '2025-11-01': 1, '2025-11-02': 1, '2025-11-03': 1 });
  }, 120_000);

  it('with force, the third run lands the three days again at their keys and keeps the older objects under superseded/', async () => {
    await run('2025-11-01', '2025-11-03');
    await run('2025-11-02', '2025-11-04');

    const forced = await run('2025-11-01', '2025-11-04', { force: true });

    expect(forced.status).toBe('SUCCEEDED');
    expect(creates()).toBe(3);
    const objects = await dataObjects();
    // A day always has the same key, so the forced run replaced the three day objects in place.
    expect(objects.map((o) => o.key)).toEqual(
      ['2025-11-01', '2025-11-02', '2025-11-03'].map((d) => dayObjectKey(PREFIX, TYPE, contract(), day(d))),
    );
    expect(copiesPerDay(objects)).toEqual({ '2025-11-01': 1, '2025-11-02': 1, '2025-11-03': 1 });
    expect(forced.counts).toMatchObject({ superseded: 3 });
    const ledger = await readLedgerObject();
    expect(ledger.objects.map((o) => o.manifestKey)).toEqual(
      Array(3).fill(manifestKey(PREFIX, TYPE, contract(), { startAt: day('2025-11-01'), endAt: day('2025-11-04') })),
    );
    expect(ledger.superseded.map((s) => [s.key.split('/').pop(), s.moved])).toEqual([
      ['2025-11-01_2025-11-02.csv', true],
      ['2025-11-02_2025-11-03.csv', true],
      ['2025-11-03_2025-11-04.csv', true],
    ]);
    // Recoverable: each superseded object and manifest is kept under superseded/.
    for (const entry of ledger.superseded) {
      await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: entry.movedTo }))).resolves.toBeDefined();
      await expect(client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: entry.manifestMovedTo }))).resolves.toBeDefined();
    }
  }, 120_000);
});

describe('two executions of the same window started together', () => {
  it('make one LinkedIn job per pair and land one object whose tag and manifest match it', async () => {
    const [a, b] = await Promise.all([run('2025-11-01', '2025-11-02'), run('2025-11-01', '2025-11-02')]);

    expect([a.status, b.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(creates()).toBe(1);
    expect(simulator.jobs()).toHaveLength(1);
    const objects = await dataObjects();
    expect(objects).toHaveLength(1);
    const key = objects[0]!.key;
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const manifestBody = await client.send(
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: manifestKey(PREFIX, TYPE, contract(), { startAt: day('2025-11-01'), endAt: day('2025-11-02') }),
      }),
    );
    const manifest = JSON.parse((await manifestBody.Body?.transformToString()) ?? '') as { objects: { etag: string; sha256: string }[] };
    expect(manifest.objects[0]!.etag).toBe(head.ETag);
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
    expect(tags.TagSet).toEqual([{ Key: 'sha256', Value: manifest.objects[0]!.sha256 }]);
    // One landed, the other waited for it and found the day landed.
    const landed = [a, b].map((r) => r.exports.length).sort();
    expect(landed).toEqual([0, 1]);
    const ledger = await readLedgerObject();
    expect(ledger.claims).toEqual([]);
    expect(ledger.objects.map((o) => o.etag)).toEqual([head.ETag]);
  }, 120_000);
});

describe('a create whose answer is lost after LinkedIn made the job', () => {
  it('ends with exactly one object, and the unanswered create is counted in the ledger', async () => {
    simulator.faults.dropCreateResponses = { count: 1 };

    const result = await run('2025-11-01', '2025-11-02');

    expect(result.status).toBe('SUCCEEDED');
    // LinkedIn made two jobs (the first one's answer never came back); one object landed.
    expect(simulator.jobs()).toHaveLength(2);
    expect(await dataObjects()).toHaveLength(1);
    const ledger = await readLedgerObject();
    expect(ledger.orphanCount).toBe(1);
    expect(ledger.orphans).toEqual([expect.objectContaining({ reason: 'unconfirmedCreate', startAt: day('2025-11-01') })]);
    expect(ledger.objects[0]!.jobId).toBe(simulator.jobs()[1]!.id);
    expect(result.counts).toMatchObject({ unconfirmedCreates: 1 });
  }, 120_000);
});

describe('a run killed after its job COMPLETED', () => {
  it('is resumed by a rerun: no new LinkedIn job, the object lands, no multipart upload stays open', async () => {
    // What a killed run leaves: its claim (its execution is gone), the job it made, and the
    // multipart upload its copy had opened.
    const job = await fetch(`${simulator.baseUrl}/salesAnalyticsExportJobs?action=exportActivityData`, {
      method: 'POST',
      headers: { authorization: `Bearer ${simulator.token}`, 'content-type': 'application/json', 'x-restli-protocol-version': '2.0.0' },
      body: JSON.stringify({ contract: contract(), startAt: day('2025-11-01'), endAt: day('2025-11-02') }),
    }).then((r) => r.json() as Promise<{ value: { id: number } }>);
    const jobId = job.value.id;
    await new Promise((resolve) => setTimeout(resolve, 400));
    const createdAt = Date.now();
    const killed: Ledger = {
      ledgerVersion: LEDGER_VERSION,
      exportType: TYPE,
      contract: contract(),
      objects: [],
      superseded: [],
      claims: [
        {
          startAt: day('2025-11-01'),
          endAt: day('2025-11-02'),
          owner: 'arn:aws:states:us-east-1:123456789012:execution:LinkedInSalesNavExport-local/ExportPairs:killed',
          // A process of this host that no longer exists.
          process: { host: hostname(), pid: 2 ** 22 + 12_345 },
          claimedAt: new Date(createdAt).toISOString(),
          leaseUntil: createdAt + 86_400_000,
          jobId,
          jobCreatedAt: createdAt,
          jobIds: [jobId],
          unconfirmedCreates: 0,
        },
      ],
      orphans: [],
      orphanCount: 0,
      updatedAt: new Date(createdAt).toISOString(),
    };
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: ledgerKey(PREFIX, TYPE, contract()), Body: JSON.stringify(killed) }));
    const csvKey = dayObjectKey(PREFIX, TYPE, contract(), day('2025-11-01'));
    const upload = await client.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: csvKey }));
    await client.send(
      new UploadPartCommand({
        Bucket: BUCKET,
        Key: csvKey,
        UploadId: upload.UploadId,
        PartNumber: 1,
        Body: Buffer.alloc(5 * 1024 * 1024, 1),
      }),
    );
    simulator.resetCalls();

    const rerun = await run('2025-11-01', '2025-11-02');

    expect(rerun.status).toBe('SUCCEEDED');
    expect(creates()).toBe(0);
    expect(rerun.exports).toHaveLength(1);
    expect(rerun.exports[0]!.jobIds).toEqual([jobId]);
    expect(rerun.counts).toMatchObject({ resumedJobs: 1 });
    expect((await client.send(new ListMultipartUploadsCommand({ Bucket: BUCKET }))).Uploads ?? []).toEqual([]);
  }, 120_000);
});

describe('rerunning a landed window', () => {
  it('makes no LinkedIn call that creates a job and says "already landed"', async () => {
    await run('2025-11-01', '2025-11-03');
    simulator.resetCalls();
    const again = await run('2025-11-01', '2025-11-03');

    expect(again.status).toBe('SUCCEEDED');
    expect(creates()).toBe(0);
    expect(simulator.calls.filter((c) => c.route !== 'contracts')).toEqual([]);
    expect(again.counts).toMatchObject({ alreadyLandedPairs: 1, skippedDays: 2 });
    // What npm start prints at the end of the run.
    expect(summary(again)).toMatch(/already landed/);
    expect(summary(again)).toContain('2025-11-01');
  }, 120_000);
});

describe('a ledger that is not what the product writes', () => {
  it('fails its pair with LedgerCorrupt naming the key, exports nothing, and is never overwritten; force keeps it and lands', async () => {
    const key = ledgerKey(PREFIX, TYPE, contract());
    const truncated = '{"ledgerVersion":1,"exportType":"activity","contr';
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: truncated }));

    const refused = await run('2025-11-01', '2025-11-02');

    expect(refused.status).toBe('FAILED');
    expect(refused.error).toBe('LedgerCorrupt');
    expect(refused.cause).toContain(`s3://${BUCKET}/${key}`);
    expect(refused.cause).toContain('not JSON');
    expect(creates()).toBe(0);
    expect(await dataObjects()).toEqual([]);
    const untouched = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await untouched.Body?.transformToString()).toBe(truncated);

    const forced = await run('2025-11-01', '2025-11-02', { force: true });

    expect(forced.status).toBe('SUCCEEDED');
    expect(creates()).toBe(1);
    expect(await dataObjects()).toHaveLength(1);
    expect((await readLedgerObject()).objects).toHaveLength(1);
    // The corrupt ledger is kept, recoverable, under superseded/.
    const kept = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}superseded/ledger/` }));
    const keptKey = kept.Contents?.[0]?.Key ?? '';
    expect(keptKey).toMatch(new RegExp(`^${PREFIX}superseded/ledger/${TYPE}/contract=\\d+\\.json@`));
    const keptBody = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: keptKey }));
    expect(await keptBody.Body?.transformToString()).toBe(truncated);
  }, 120_000);
});
