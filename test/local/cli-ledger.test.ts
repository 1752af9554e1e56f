/**
 * `npm run cli -- ledger` against a real local S3: ledgers the workflow would write (and one it
 * would refuse) in s3rver, read through the AWS S3 path (the injected client, as for status's run
 * reports) and through `--local` (an s3rver the command starts over a data directory).
 */
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { type Ledger, ledgerSchema } from '../../lambdas/shared/contract/ledger';
import { parseUtcDay } from '../../lambdas/shared/contract/utc-day';
import { ledgerKey } from '../../lambdas/shared/workflow/keys';
import { main } from '../../local/cli';
import { DEFAULT_BUCKET } from '../../local/runner/defaults';
import { startLocalS3 as startDataS3 } from '../../local/s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { capture, noDeployedStack, runCli } from '../helpers/cli-run';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';

const PREFIX = 'linkedin-sales-navigator/';
const BUCKET = 'test-bucket';
const C1 = 'urn:li:contract:123456';
const C2 = 'urn:li:contract:777';
const day = (text: string): number => parseUtcDay(text) as number;

const cloudFormationMock = mockClient(CloudFormationClient);
let s3: LocalS3;
let scratch: string;

/** The seat ledger of C1: 2026-11-01..2026-11-04 and 2026-11-05..2026-11-06 landed, 11-06..11-07 claimed. */
const seatLedger = (): Ledger =>
  ledgerSchema.parse({
    ledgerVersion: 1,
    exportType: 'seat',
    contract: C1,
    objects: [
      ['2026-11-01', '2026-11-04'],
      ['2026-11-05', '2026-11-06'],
    ].map(([from, to], i) => ({
      startAt: day(from!),
      endAt: day(to!),
      key: `${PREFIX}seat/contract=123456/${from}_${to}.csv`,
      manifestKey: `${PREFIX}seat/contract=123456/${from}_${to}.manifest.json`,
      sha256: 'b'.repeat(64),
      rows: 40,
      bytes: 2_048,
      jobId: 6_000_000_001 + i,
      landedBy: 'arn:aws:states:eu-west-1:111122223333:execution:exports:run-1',
      landedAt: '2026-11-30T10:00:00.000Z',
    })),
    superseded: [],
    claims: [
      {
        startAt: day('2026-11-06'),
        endAt: day('2026-11-07'),
        owner: 'arn:aws:states:eu-west-1:111122223333:execution:exports:run-2',
        claimedAt: '2026-11-30T11:00:00.000Z',
        leaseUntil: day('2099-01-01'),
        jobId: 6_000_000_009,
        jobIds: [6_000_000_009],
        unconfirmedCreates: 0,
      },
    ],
    orphans: [],
    orphanCount: 0,
    updatedAt: '2026-11-30T11:00:00.000Z',
  });

const put = (client: S3Client, bucket: string, key: string, body: string) =>
  client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));

beforeAll(async () => {
  s3 = await startLocalS3(BUCKET);
  await put(s3.s3Client, BUCKET, ledgerKey(PREFIX, 'seat', C1), JSON.stringify(seatLedger()));
  // Not JSON at all, and JSON of another ledger version: both LedgerCorrupt.
  await put(s3.s3Client, BUCKET, ledgerKey(PREFIX, 'activity', C1), '{"truncat');
  await put(s3.s3Client, BUCKET, ledgerKey(PREFIX, 'activityOutcome', C2), JSON.stringify({ ...seatLedger(), ledgerVersion: 2 }));
  scratch = mkdtempSync(path.join(tmpdir(), 'cli-ledger-'));
});
afterAll(async () => {
  await s3.close();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  cloudFormationMock.reset();
  noDeployedStack(cloudFormationMock);
});

const run = (argv: string[]) => runCli(argv, s3.s3Client);

describe('cli ledger', () => {
  it('prints every pair, then the corrupt ledgers, and exits 1 because of them', async () => {
    const { code, stdout, stderr } = await run(['ledger', '--bucket', BUCKET]);

    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(stdout).toContain(
      'Export ledger s3://test-bucket/linkedin-sales-navigator/ledger/: 3 pair(s), 2 corrupt (days from..to, to exclusive, UTC)',
    );
    expect(stdout).toContain(
      `seat ${C1}\n  Landed      4 day(s) in 2 object(s), 80 rows, 4.0 KiB: 2026-11-01..2026-11-04, 2026-11-05..2026-11-06\n`,
    );
    expect(stdout).toContain('  Gaps        2 day(s) of 2026-11-01..2026-11-07: 2026-11-04..2026-11-05, 2026-11-06..2026-11-07\n');
    expect(stdout).toContain(
      '  In flight   2026-11-06..2026-11-07 job 6000000009, owner arn:aws:states:eu-west-1:111122223333:execution:exports:run-2, claimed 2026-11-30T11:00:00.000Z, lease until 2099-01-01T00:00:00.000Z\n',
    );
    const corrupt = stdout.split('\n').filter((line) => line.startsWith('LedgerCorrupt: '));
    expect(corrupt).toEqual([
      'LedgerCorrupt: s3://test-bucket/linkedin-sales-navigator/ledger/activity/contract=123456.json: not JSON, 9 characters',
      'LedgerCorrupt: s3://test-bucket/linkedin-sales-navigator/ledger/activityOutcome/contract=777.json: ledgerVersion 2, this version reads 1',
    ]);
  });

  it('--json: one object, corrupt ledgers as entries with their reason', async () => {
    const { code, stdout } = await run(['ledger', '--bucket', BUCKET, '--from', '2026-11-03', '--to', '2026-11-10', '--json']);

    expect(code).toBe(1);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({
      ledgerFolder: 's3://test-bucket/linkedin-sales-navigator/ledger/',
      range: { from: '2026-11-03', to: '2026-11-10', days: 7 },
      corrupt: 2,
      ignoredKeys: [],
    });
    expect(json.pairs.map((p: { exportType: string; corrupt?: string }) => [p.exportType, p.corrupt ?? 'ok'])).toEqual([
      ['activity', 'not JSON, 9 characters'],
      ['activityOutcome', 'ledgerVersion 2, this version reads 1'],
      ['seat', 'ok'],
    ]);
    expect(json.pairs[2]).toMatchObject({
      landed: [
        { from: '2026-11-03', to: '2026-11-04' },
        { from: '2026-11-05', to: '2026-11-06' },
      ],
      gaps: [
        { from: '2026-11-04', to: '2026-11-05' },
        { from: '2026-11-06', to: '2026-11-10' },
      ],
      gapDays: 5,
      claims: [{ from: '2026-11-06', to: '2026-11-07', jobId: 6_000_000_009, leaseExpired: false }],
    });
  });

  it('--type and --contract narrow the pairs; a sound ledger alone exits 0', async () => {
    const seat = await run(['ledger', '--bucket', BUCKET, '--type', 'seat']);
    expect(seat.code).toBe(0);
    expect(seat.stdout).toContain('1 pair(s) (days');
    expect(seat.stdout).not.toContain('LedgerCorrupt');

    // Both given: the exact keys are read, no listing.
    const exact = await run(['ledger', '--bucket', BUCKET, '--type', 'activityOutcome', '--contract', C2]);
    expect(exact.code).toBe(1);
    expect(exact.stdout).toContain('activityOutcome/contract=777.json: ledgerVersion 2');
    expect(exact.stdout).not.toContain('seat');
  });

  it('no ledger for what was asked: says where it looked, exit 0', async () => {
    const other = await run(['ledger', '--bucket', BUCKET, '--prefix', 'team-b/']);
    expect(other).toMatchObject({ code: 0, stderr: '' });
    expect(other.stdout).toBe('No ledger entries yet under s3://test-bucket/team-b/ledger/ (run npm start or start an execution)\n');

    const contract = await run(['ledger', '--bucket', BUCKET, '--contract', 'urn:li:contract:42', '--json']);
    expect(contract.code).toBe(0);
    expect(JSON.parse(contract.stdout)).toMatchObject({ pairs: [], corrupt: 0 });
  });

  it('finds the bucket in the cdk outputs file when --bucket is not given', async () => {
    const outputsFile = path.join(scratch, 'outputs.json');
    writeFileSync(outputsFile, JSON.stringify({ LinkedInSalesNavExport: { BucketName: BUCKET, StateMachineArn: 'arn:x' } }));

    const { code, stdout } = await run(['ledger', '--outputs-file', outputsFile, '--type', 'seat']);

    expect(code).toBe(0);
    expect(stdout).toContain('s3://test-bucket/linkedin-sales-navigator/ledger/seat/contract=123456.json');
  });

  it.each([
    [['--from', '2026-11-01'], '--from and --to go together'],
    [['--from', '2026-11-31', '--to', '2026-12-02'], '--from "2026-11-31" is not a day written YYYY-MM-DD'],
    [['--from', '2026-11-02', '--to', '2026-11-02'], '--from 2026-11-02 must be before --to 2026-11-02'],
    [['--type', 'seats'], '--type "seats" is not one of activity, activityOutcome, seat, all'],
    [['--contract', '123456'], '--contract "123456" is not a contract URN like urn:li:contract:123456'],
    [['--bucket', 'Not_A_Bucket'], '--bucket "Not_A_Bucket" is not a valid S3 bucket name'],
    [['extra'], 'ledger takes no argument (got extra)'],
    [['--bucket-name', 'x'], "Unknown option '--bucket-name'"],
  ])('usage error %j: exit 2 with %s', async (flags, message) => {
    const { code, stdout, stderr } = await run(['ledger', '--bucket', BUCKET, ...flags]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
  });

  it('without a bucket anywhere: exit 2 saying where it looked', async () => {
    const { code, stderr } = await run(['ledger', '--outputs-file', path.join(scratch, 'none.json')]);
    expect(code).toBe(2);
    expect(stderr).toContain('no export bucket: pass --bucket, --local for npm start');
  });

  it('--local, --bucket and --prefix belong to ledger only', async () => {
    const { code, stderr } = await run(['status', 'x', '--local']);
    expect(code).toBe(2);
    expect(stderr).toContain('--local is an option of ledger, not of status');
  });
});

describe('cli ledger --local', () => {
  /** `npm run cli -- ledger --local …` with npm start's data directory at `directory`. */
  const runLocal = async (argv: string[], directory: string) => {
    const stdout = capture();
    const stderr = capture();
    const code = await main(
      ['ledger', '--local', ...argv],
      { stdout: stdout.stream, stderr: stderr.stream },
      {},
      () => new SFNClient({ region: 'eu-west-1' }),
      undefined,
      () => {
        throw new Error('--local must not use the AWS S3 client');
      },
      directory,
    );
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };

  it('reads what npm start left in its local S3 directory', async () => {
    const directory = path.join(scratch, 'local-s3');
    // What npm start leaves behind: an s3rver data directory with the default bucket.
    const data = await startDataS3({ bucket: DEFAULT_BUCKET, directory });
    const client = new S3Client({ ...s3ClientConfig(data.endpoint), credentials: S3RVER_CREDENTIALS });
    await put(client, DEFAULT_BUCKET, ledgerKey(PREFIX, 'seat', C1), JSON.stringify(seatLedger()));
    client.destroy();
    await data.close();

    const { code, stdout, stderr } = await runLocal([], directory);

    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toContain(`Export ledger s3://${DEFAULT_BUCKET}/linkedin-sales-navigator/ledger/: 1 pair(s)`);
    expect(stdout).toContain('2026-11-01..2026-11-04, 2026-11-05..2026-11-06');
  });

  it('before any local run: the no-ledger message, and no directory created', async () => {
    const directory = path.join(scratch, 'never-run');

    const { code, stdout } = await runLocal([], directory);

    expect(code).toBe(0);
    expect(stdout).toBe(
      `No ledger entries yet under s3://${DEFAULT_BUCKET}/linkedin-sales-navigator/ledger/ (run npm start or start an execution)\n`,
    );
    expect(existsSync(directory)).toBe(false);
  });
});
