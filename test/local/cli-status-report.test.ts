import { NO_LEDGER_NOTES } from '../../lambdas/shared/workflow/claim-steps';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, type DescribeExecutionCommandOutput, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { executionArnOf } from '../../local/runner/deployed';
import { MAX_PAIR_ROWS, readRunReport } from '../../local/runner/run-report-view';
import { type PairReport, type RunReport, type RunSummary, reportLine, runReportSchema } from '../../lambdas/shared/contract/run-report';
import type { ExportResult } from '../../lambdas/shared/contract/state';
import { runKeys } from '../../lambdas/shared/workflow/keys';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';
import { runCli } from '../helpers/cli-run';

const SM = 'arn:aws:states:eu-west-1:111122223333:stateMachine:exports';
const NAME = 'export-2026-01-01_2026-01-08-0123456789ab';
const ARN = executionArnOf(SM, NAME);
const PREFIX = 'linkedin-sales-navigator/';
const BUCKET = 'test-bucket';
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const END = START + 7 * DAY;

const sfnMock = mockClient(SFNClient);
let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3(BUCKET);
});
afterAll(async () => {
  await s3.close();
});
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(GetExecutionHistoryCommand).resolves({
    events: [{ id: 9, type: 'FailStateEntered', timestamp: new Date(), stateEnteredEventDetails: { name: 'Some exports failed' } }],
  });
});

const run = (argv: string[], s3Client: S3Client = s3.s3Client) => runCli(argv, s3Client);

const reportUriOf = (executionName: string) => `s3://${BUCKET}/${runKeys(PREFIX, executionName).reportKey}`;

const object = (exportType: PairReport['exportType'], contract: string, rowCount: number): ExportResult => ({
  exportType,
  contract,
  startAt: START,
  endAt: END,
  jobIds: [7001],
  rowCount,
  bytes: rowCount * 100,
  sha256: 'a'.repeat(64),
  s3Uri: `s3://${BUCKET}/${PREFIX}${exportType}/contract=${contract.split(':').pop()}/2026-01-01_2026-01-08.csv`,
  manifestUri: `s3://${BUCKET}/${PREFIX}${exportType}/contract=${contract.split(':').pop()}/2026-01-01_2026-01-08.manifest.json`,
  objects: 7,
  empty: rowCount === 0,
});

const landedPair = (exportType: PairReport['exportType'], contract: string, rowCount: number): PairReport => {
  const o = object(exportType, contract, rowCount);
  return {
    exportType,
    contract,
    window: { startAt: START, endAt: END },
    outcome: 'landed',
    executionArn: `arn:aws:states:eu-west-1:111122223333:execution:exports/map:${exportType}-${contract}`,
    jobIds: o.jobIds,
    landed: { objects: 1, rows: rowCount, bytes: o.bytes },
    objects: [o],
  };
};

const failedPair = (exportType: PairReport['exportType'], contract: string, error: string, cause: string): PairReport => ({
  exportType,
  contract,
  window: { startAt: START, endAt: END },
  outcome: 'failed',
  error,
  cause,
  executionArn: `arn:aws:states:eu-west-1:111122223333:execution:exports/map:${exportType}-${contract}`,
  jobIds: [],
  landed: { objects: 0, rows: 0, bytes: 0 },
  objects: [],
});

const reportOf = (pairs: PairReport[], executionName = NAME): RunReport => {
  const failed = pairs.filter((p) => p.outcome === 'failed');
  const failedByError: Record<string, number> = {};
  for (const p of failed) failedByError[p.error!] = (failedByError[p.error!] ?? 0) + 1;
  const sum = (f: (p: PairReport) => number) => pairs.reduce((n, p) => n + f(p), 0);
  const outcome = failed.length === 0 ? 'succeeded' : failed.length === pairs.length ? 'failed' : 'partial';
  return runReportSchema.parse({
    version: 1,
    executionName,
    executionArn: executionArnOf(SM, executionName),
    mapRunArn: `arn:aws:states:eu-west-1:111122223333:mapRun:exports/map:1`,
    createdAt: '2026-01-08T06:30:00.000Z',
    outcome,
    error: outcome === 'succeeded' ? null : 'PartialFailure',
    cause: outcome === 'succeeded' ? null : `${failed.length} of ${pairs.length} pairs failed`,
    counts: {
      pairs: pairs.length,
      landed: pairs.length - failed.length,
      failed: failed.length,
      objects: sum((p) => p.landed.objects),
      rows: sum((p) => p.landed.rows),
      bytes: sum((p) => p.landed.bytes),
    },
    failedByError,
    pairs,
  });
};

const put = async (key: string, body: string) => {
  await s3.s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/json' }));
};
const putReport = (report: RunReport) => put(runKeys(PREFIX, report.executionName).reportKey, JSON.stringify(report));

const failedExecution = (cause: string, over: Partial<DescribeExecutionCommandOutput> = {}): DescribeExecutionCommandOutput => ({
  $metadata: {},
  executionArn: ARN,
  name: NAME,
  stateMachineArn: SM,
  status: 'FAILED',
  startDate: new Date('2026-01-08T06:00:00Z'),
  stopDate: new Date('2026-01-08T06:30:00Z'),
  input: '{}',
  error: 'PartialFailure',
  cause,
  redriveCount: 0,
  redriveStatus: 'REDRIVABLE',
  ...over,
});

const PARTIAL = reportOf([
  landedPair('activity', 'urn:li:contract:1', 12),
  failedPair('seat', 'urn:li:contract:1', 'LinkedInAuthError', 'token expired'),
  landedPair('activity', 'urn:li:contract:2', 30),
  failedPair('activityOutcome', 'urn:li:contract:2', 'LinkedInJobFailed', 'job 7002 failed 3 times'),
]);
const partialCause = () => `2 of 4 pairs failed: LinkedInAuthError 1, LinkedInJobFailed 1.\n${reportLine(reportUriOf(NAME))}`;

describe('cli status of a distributed run', () => {
  it('shows the counts, the failures by error and the pairs, failed first, from the report in S3', async () => {
    await putReport(PARTIAL);
    sfnMock.on(DescribeExecutionCommand).resolves(failedExecution(partialCause()));

    const { code, stdout, stderr } = await run(['status', NAME, '--state-machine-arn', SM]);

    expect(stderr).toBe('');
    expect(code).toBe(1);
    expect(stdout).toMatch(/Status +FAILED/);
    expect(stdout).toMatch(/Error +PartialFailure/);
    expect(stdout).toMatch(/Pairs +4: 2 landed, 2 failed/);
    expect(stdout).toMatch(/Landed +2 object\(s\), 42 row\(s\), 4\.1 KiB/);
    expect(stdout).toMatch(/Failed by +LinkedInAuthError 1, LinkedInJobFailed 1/);
    expect(stdout).toContain(`Report     ${reportUriOf(NAME)}`);
    const table = stdout.slice(stdout.indexOf('TYPE')).split('\n');
    expect(table[0]).toMatch(/^TYPE +CONTRACT +WINDOW \(end excl\.\) +OUTCOME +ERROR +OBJECTS +ROWS$/);
    expect(table.slice(2, 6)).toEqual([
      expect.stringMatching(/^seat +urn:li:contract:1 +2026-01-01\.\.2026-01-08 +failed +LinkedInAuthError +0 +0$/),
      expect.stringMatching(/^activityOutcome +urn:li:contract:2 +2026-01-01\.\.2026-01-08 +failed +LinkedInJobFailed +0 +0$/),
      expect.stringMatching(/^activity +urn:li:contract:1 +2026-01-01\.\.2026-01-08 +landed +1 +12$/),
      expect.stringMatching(/^activity +urn:li:contract:2 +2026-01-01\.\.2026-01-08 +landed +1 +30$/),
    ]);
    expect(stdout).not.toContain('more (see report');
  });

  it('--json adds the report and the failed pairs', async () => {
    await putReport(PARTIAL);
    sfnMock.on(DescribeExecutionCommand).resolves(failedExecution(partialCause()));

    const { code, stdout } = await run(['status', ARN, '--json']);

    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out).toMatchObject({ name: NAME, status: 'FAILED', error: 'PartialFailure', reportUri: reportUriOf(NAME) });
    expect(out.reportError).toBeUndefined();
    expect(out.report).toEqual({
      uri: reportUriOf(NAME),
      outcome: 'partial',
      createdAt: '2026-01-08T06:30:00.000Z',
      mapRunArn: PARTIAL.mapRunArn,
      // A report without the ledger's counts and list (as written before it) reads as none.
      counts: {
        pairs: 4,
        landed: 2,
        failed: 2,
        objects: 2,
        rows: 42,
        bytes: 4200,
        alreadyLandedPairs: 0,
        skippedDays: 0,
        resumedJobs: 0,
        superseded: 0,
        unconfirmedCreates: 0,
      },
      failedByError: { LinkedInAuthError: 1, LinkedInJobFailed: 1 },
      pairs: [PARTIAL.pairs[1], PARTIAL.pairs[3], PARTIAL.pairs[0], PARTIAL.pairs[2]],
      alreadyLanded: [],
    });
    expect(out.failed).toEqual([
      { exportType: 'seat', contract: 'urn:li:contract:1', startAt: START, endAt: END, error: 'LinkedInAuthError', cause: 'token expired' },
      {
        exportType: 'activityOutcome',
        contract: 'urn:li:contract:2',
        startAt: START,
        endAt: END,
        error: 'LinkedInJobFailed',
        cause: 'job 7002 failed 3 times',
      },
    ]);
  });

  it('says what the export ledger changed: days already landed, jobs resumed, objects superseded, creates unconfirmed', async () => {
    const name = `${NAME}-ledger`;
    const notes = NO_LEDGER_NOTES;
    const resumed: PairReport = {
      ...landedPair('activity', 'urn:li:contract:1', 12),
      ledger: {
        ...notes,
        skipped: [{ startAt: START + 5 * DAY, endAt: END }],
        skippedDays: 2,
        resumedJobIds: [123],
        superseded: [`${PREFIX}activity/contract=1/2025-12-25_2026-01-08.csv`],
        supersededCount: 2,
        unconfirmedCreates: 1,
      },
    };
    const leftOut = { exportType: 'seat' as const, contract: 'urn:li:contract:1', windows: [{ startAt: START, endAt: END }], days: 7 };
    const base = reportOf([resumed], name);
    const report = runReportSchema.parse({
      ...base,
      counts: { ...base.counts, alreadyLandedPairs: 1, skippedDays: 9, resumedJobs: 1, superseded: 2, unconfirmedCreates: 1 },
      alreadyLanded: [leftOut],
    });
    await putReport(report);
    const summary: RunSummary = {
      outcome: 'succeeded',
      error: null,
      cause: null,
      counts: report.counts,
      reportUri: reportUriOf(name),
      exports: [],
      exportsOmitted: 1,
      failed: [],
      failedOmitted: 0,
    };
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...failedExecution('', { name, executionArn: executionArnOf(SM, name) }),
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
      output: JSON.stringify(summary),
    });

    const text = await run(['status', executionArnOf(SM, name)]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(
      [
        `Report     ${reportUriOf(name)}`,
        '',
        'Already landed (skipped): 2 pairs, 9 days',
        '  activity urn:li:contract:1 2026-01-06 → 2026-01-08 (end exclusive) already landed',
        '  seat urn:li:contract:1 2026-01-01 → 2026-01-08 (end exclusive) already landed',
        'Resumed LinkedIn jobs: 1 (job 123)',
        'Superseded: 2 objects moved to superseded/',
        `  ${PREFIX}activity/contract=1/2025-12-25_2026-01-08.csv`,
        '  … and 1 more',
        'Unconfirmed creates: 1 (see npm run cli -- ledger)',
      ].join('\n'),
    );

    const json = JSON.parse((await run(['status', executionArnOf(SM, name), '--json'])).stdout);
    expect(json.report.counts).toMatchObject({
      alreadyLandedPairs: 1,
      skippedDays: 9,
      resumedJobs: 1,
      superseded: 2,
      unconfirmedCreates: 1,
    });
    expect(json.report.alreadyLanded).toEqual([leftOut]);
    expect(json.report.pairs[0].ledger).toEqual(resumed.ledger);
  });

  it(`shows at most ${MAX_PAIR_ROWS} pairs in text, and says where the rest are`, async () => {
    const name = `${NAME}-many`;
    const pairs = Array.from({ length: MAX_PAIR_ROWS + 5 }, (_, i) =>
      i % 10 === 9
        ? failedPair('seat', `urn:li:contract:${i}`, 'LinkedInAuthError', 'token expired')
        : landedPair('activity', `urn:li:contract:${i}`, i),
    );
    await putReport(reportOf(pairs, name));
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(
        failedExecution(`2 of 25 pairs failed.\n${reportLine(reportUriOf(name))}`, { name, executionArn: executionArnOf(SM, name) }),
      );

    const text = await run(['status', executionArnOf(SM, name)]);
    const rows = text.stdout.slice(text.stdout.indexOf('TYPE')).split('\n').slice(2);
    expect(rows.filter((r) => /urn:li:contract:/.test(r))).toHaveLength(MAX_PAIR_ROWS);
    expect(rows[0]).toMatch(/^seat +urn:li:contract:9 +.* failed +LinkedInAuthError/);
    expect(rows[1]).toMatch(/^seat +urn:li:contract:19 +.* failed/);
    expect(text.stdout).toContain(`… and 5 more (see report ${reportUriOf(name)})`);

    const json = await run(['status', executionArnOf(SM, name), '--json']);
    expect(JSON.parse(json.stdout).report.pairs).toHaveLength(MAX_PAIR_ROWS + 5);
  });

  it('reads the report of a SUCCEEDED run from its RunSummary output, and still lists its exports', async () => {
    const name = `${NAME}-ok`;
    const report = reportOf([landedPair('activity', 'urn:li:contract:1', 12), landedPair('seat', 'urn:li:contract:1', 3)], name);
    await putReport(report);
    const summary: RunSummary = {
      outcome: 'succeeded',
      error: null,
      cause: null,
      counts: report.counts,
      reportUri: reportUriOf(name),
      exports: [report.pairs[0]!.objects[0]!],
      exportsOmitted: 1,
      failed: [],
      failedOmitted: 0,
    };
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...failedExecution('', { name, executionArn: executionArnOf(SM, name) }),
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
      output: JSON.stringify(summary),
    });

    const text = await run(['status', executionArnOf(SM, name)]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
    expect(text.stdout).toMatch(/Pairs +2: 2 landed, 0 failed/);
    expect(text.stdout).not.toMatch(/Failed by/);
    expect(text.stdout).toMatch(/activity +urn:li:contract:1 +2026-01-01\.\.2026-01-08 +12 +1200 +s3:\/\//);
    expect(text.stdout).toContain(`… and 1 more landed object(s) (see report ${reportUriOf(name)})`);

    const json = JSON.parse((await run(['status', executionArnOf(SM, name), '--json'])).stdout);
    expect(json).toMatchObject({ status: 'SUCCEEDED', exportsOmitted: 1, reportUri: reportUriOf(name), failed: [] });
    expect(json.exports).toHaveLength(1);
    expect(json.report.counts).toEqual(report.counts);
  });

  it('warns, and shows the execution all the same, when the report is missing', async () => {
    const uri = `s3://${BUCKET}/${PREFIX}runs/${NAME}-gone/report.json`;
    sfnMock.on(DescribeExecutionCommand).resolves(failedExecution(`1 of 2 pairs failed.\n${reportLine(uri)}`));

    const text = await run(['status', ARN]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/Status +FAILED/);
    expect(text.stdout).toMatch(/Error +PartialFailure/);
    expect(text.stdout).not.toMatch(/Pairs/);
    expect(text.stderr).toBe(`warning: could not read the run report ${uri}: NoSuchKey: the object does not exist\n`);

    const json = await run(['status', ARN, '--json']);
    expect(json.code).toBe(1);
    const out = JSON.parse(json.stdout);
    expect(out).toMatchObject({ status: 'FAILED', reportUri: uri, reportError: 'NoSuchKey: the object does not exist' });
    expect(out.report).toBeUndefined();
    expect(out.failed).toBeUndefined();
  });

  it('a SUCCEEDED run whose report is missing still exits 0', async () => {
    const uri = `s3://${BUCKET}/nowhere/report.json`;
    sfnMock.on(DescribeExecutionCommand).resolves({
      ...failedExecution(''),
      status: 'SUCCEEDED',
      error: undefined,
      cause: undefined,
      output: JSON.stringify({ outcome: 'succeeded', reportUri: uri, exports: [], exportsOmitted: 0, failed: [], failedOmitted: 0 }),
    });
    const { code, stderr } = await run(['status', ARN]);
    expect(code).toBe(0);
    expect(stderr).toContain(`warning: could not read the run report ${uri}: NoSuchKey`);
  });

  it.each([
    ['not JSON', 'runs/bad-json/report.json', '{"version": 1,', /^not JSON \(/],
    ['not a run report', 'runs/bad-schema/report.json', JSON.stringify({ version: 2 }), /^not a run report \(version: /],
    ['of another execution', 'runs/other/report.json', JSON.stringify(reportOf([], 'export-other')), /report of execution export-other$/],
  ])('warns when the report is %s', async (_what, key, body, reason) => {
    await put(key, body);
    const uri = `s3://${BUCKET}/${key}`;
    sfnMock.on(DescribeExecutionCommand).resolves(failedExecution(`failed.\n${reportLine(uri)}`));

    const { code, stdout, stderr } = await run(['status', ARN, '--json']);

    expect(code).toBe(1);
    const out = JSON.parse(stdout);
    expect(out.reportError).toMatch(reason);
    expect(stderr).toBe(`warning: could not read the run report ${uri}: ${out.reportError}\n`);
  });

  it('warns on a bucket it may not read, naming AccessDenied', async () => {
    const denied = {
      send: async () => {
        throw Object.assign(new Error('Access Denied'), { name: 'AccessDenied' });
      },
    } as unknown as S3Client;
    sfnMock.on(DescribeExecutionCommand).resolves(failedExecution(partialCause()));

    const { code, stdout, stderr } = await run(['status', ARN], denied);

    expect(code).toBe(1);
    expect(stdout).toMatch(/Status +FAILED/);
    expect(stderr).toBe(
      `warning: could not read the run report ${reportUriOf(NAME)}: AccessDenied: these credentials may not read it (s3:GetObject): Access Denied\n`,
    );
  });

  it('reads nothing from S3 when the execution names no report', async () => {
    const send = jest.fn();
    sfnMock.on(DescribeExecutionCommand).resolves(failedExecution('token expired', { error: 'LinkedInAuthError' }));
    const { code, stderr } = await run(['status', ARN], { send } as unknown as S3Client);
    expect(code).toBe(1);
    expect(stderr).toBe('');
    expect(send).not.toHaveBeenCalled();
  });

  it('readRunReport never throws on a bad URI', async () => {
    await expect(readRunReport(s3.s3Client, 'https://example.com/report.json')).resolves.toEqual({
      ok: false,
      reason: expect.stringContaining('Not an s3:// URI'),
    });
  });
});
