/**
 * The ledger benchmark (`npm run bench -- --only ledger`) counts S3 requests at its s3rver by
 * operation and area, splits them where the workflow ends, and checks that each run did what it
 * is for; the benchmark is not part of `npm test`, so these pure parts are checked here.
 */
import { benchDay, checkLedgerRun, ledgerCases, type ObservedRun } from '../../bench/ledger/cases';
import {
  areaOf,
  classifyS3Request,
  operationsSeen,
  type S3RequestLine,
  type S3RequestRecord,
  s3RequestKey,
  splitAtWorkflowEnd,
  tallyS3Requests,
} from '../../bench/ledger/s3-requests';
import { DEFAULT_LEDGER_CONTRACTS, DEFAULT_SCALE_CONTRACTS, parseBenchOptions } from '../../bench/options';
import type { RunCounts } from '../../lambdas/shared/contract/run-report';

const PREFIX = 'linkedin-sales-navigator/';
const line = (method: string, path: string, query: Record<string, string> = {}, headers: S3RequestLine['headers'] = {}): S3RequestLine => ({
  method,
  path,
  query,
  headers,
});

describe('classifyS3Request', () => {
  it.each<[string, S3RequestLine]>([
    ['GET object', line('GET', '/b/p/ledger/activity/contract%3D1.json', { 'x-id': 'GetObject' })],
    ['HEAD object', line('HEAD', '/b/p/a.csv')],
    ['PUT object', line('PUT', '/b/p/runs/x/items.json', { 'x-id': 'PutObject' })],
    ['PUT object, conditional', line('PUT', '/b/p/ledger/a.json', {}, { 'if-none-match': '*' })],
    ['PUT object, conditional', line('PUT', '/b/p/ledger/a.json', {}, { 'if-match': '"abc"' })],
    ['COPY object', line('PUT', '/b/p/superseded/a.csv@t', {}, { 'x-amz-copy-source': '/b/p/a.csv' })],
    ['COPY object, conditional', line('PUT', '/b/p/a.csv', {}, { 'x-amz-copy-source': '/b/x', 'if-none-match': '*' })],
    ['DELETE object', line('DELETE', '/b/p/a.csv')],
    ['DELETE object, conditional', line('DELETE', '/b/p/a.csv', {}, { 'if-match': '"abc"' })],
    ['LIST objects', line('GET', '/b', { 'list-type': '2', prefix: 'p/' })],
    ['LIST objects', line('GET', '/b/')],
    ['LIST multipart uploads', line('GET', '/b', { uploads: '', prefix: 'p/a.csv' })],
    ['multipart create', line('POST', '/b/p/a.csv', { uploads: '' })],
    ['multipart part', line('PUT', '/b/p/a.csv', { partNumber: '1', uploadId: 'u' })],
    ['multipart complete', line('POST', '/b/p/a.csv', { uploadId: 'u' })],
    ['multipart complete, conditional', line('POST', '/b/p/a.csv', { uploadId: 'u' }, { 'if-none-match': '*' })],
    ['multipart abort', line('DELETE', '/b/p/a.csv', { uploadId: 'u' })],
    ['GET tagging', line('GET', '/b/p/a.csv', { tagging: '' })],
    ['PUT tagging', line('PUT', '/b/p/a.csv', { tagging: '' })],
    ['DELETE objects (batch)', line('POST', '/b', { delete: '' })],
    ['HEAD bucket', line('HEAD', '/b')],
    ['other PATCH object', line('PATCH', '/b/p/a.csv')],
    ['other PUT bucket', line('PUT', '/b')],
  ])('%s ← %j', (operation, request) => {
    expect(classifyS3Request(request)).toBe(operation);
  });
});

describe('s3RequestKey and areaOf', () => {
  it('decodes the key, and takes a listing’s prefix as its key', () => {
    expect(s3RequestKey(line('GET', '/b/p/ledger/activity/contract%3D1.json'))).toBe('p/ledger/activity/contract=1.json');
    expect(s3RequestKey(line('GET', '/b', { prefix: 'p/activity/contract=1/' }))).toBe('p/activity/contract=1/');
    expect(s3RequestKey(line('GET', '/b'))).toBe('');
    expect(s3RequestKey(line('GET', '/b/bad%E0'))).toBe('bad%E0');
  });

  it.each([
    [`${PREFIX}ledger/activity/contract=1.json`, 'ledger'],
    [`${PREFIX}superseded/activity/contract=1/a.csv@t`, 'superseded'],
    [`${PREFIX}runs/local-x/items.json`, 'runs'],
    [`${PREFIX}activity/contract=1/2026-11-27_2026-11-28.csv`, 'data'],
    [`${PREFIX}activity/contract=1/`, 'data'],
    [PREFIX, 'elsewhere'],
    ['other/ledger/x.json', 'elsewhere'],
    ['', 'elsewhere'],
  ])('%s is %s', (key, area) => {
    expect(areaOf(key, PREFIX)).toBe(area);
  });
});

describe('tallyS3Requests', () => {
  const record = (operation: S3RequestRecord['operation'], key: string, status: number, at = 0): S3RequestRecord => ({
    operation,
    key,
    status,
    at,
  });

  it('counts by operation and area, and refusals by operation and status', () => {
    const tally = tallyS3Requests(
      [
        record('GET object', `${PREFIX}ledger/a.json`, 404),
        record('GET object', `${PREFIX}ledger/b.json`, 200),
        record('PUT object, conditional', `${PREFIX}ledger/a.json`, 412),
        record('PUT object', `${PREFIX}activity/contract=1/a.csv`, 200),
        record('HEAD bucket', '', 200),
      ],
      PREFIX,
    );
    expect(tally).toEqual({
      total: 5,
      byOperation: { 'GET object': 2, 'PUT object, conditional': 1, 'PUT object': 1, 'HEAD bucket': 1 },
      byArea: { ledger: 3, data: 1, elsewhere: 1 },
      refused: { 'GET object 404': 1, 'PUT object, conditional 412': 1 },
    });
  });

  it('splits at the end of the workflow: a tie is the workflow’s; no end, all the workflow’s', () => {
    const records = [record('GET object', 'k', 200, 1), record('PUT object', 'k', 200, 2), record('HEAD object', 'k', 200, 2.5)];
    expect(splitAtWorkflowEnd(records, 2)).toEqual({ workflow: records.slice(0, 2), afterRun: records.slice(2) });
    expect(splitAtWorkflowEnd(records, null)).toEqual({ workflow: records, afterRun: [] });
  });

  it('lists the operations seen in print order, unknown ones last', () => {
    const a = tallyS3Requests([record('other PATCH object', 'k', 200), record('PUT object', 'k', 200)], PREFIX);
    const b = tallyS3Requests([record('GET object', 'k', 200)], PREFIX);
    expect(operationsSeen([a, b])).toEqual(['GET object', 'PUT object', 'other PATCH object']);
  });
});

describe('ledgerCases', () => {
  const now = Date.parse('2026-11-30T20:25:54Z');

  it('exports the day three days back, forces it, then a window one day wider', () => {
    expect(benchDay(now)).toBe(Date.parse('2026-11-27T00:00:00Z'));
    expect(ledgerCases(now).map(({ name, from, to, force }) => [name, from, to, force])).toEqual([
      ['first', '2026-11-27', '2026-11-28', false],
      ['rerun', '2026-11-27', '2026-11-28', false],
      ['forced', '2026-11-27', '2026-11-28', true],
      ['wider', '2026-11-26', '2026-11-28', false],
    ]);
    expect(ledgerCases(now, false).map((c) => c.name)).toEqual(['first', 'rerun', 'forced']);
  });
});

describe('checkLedgerRun', () => {
  const [first, rerun, forced, wider] = ledgerCases(Date.parse('2026-11-30T00:00:00Z'));
  const counts = (over: Partial<RunCounts>): RunCounts => ({
    pairs: 6,
    landed: 6,
    failed: 0,
    objects: 6,
    rows: 240,
    bytes: 1000,
    alreadyLandedPairs: 0,
    skippedDays: 0,
    resumedJobs: 0,
    superseded: 0,
    unconfirmedCreates: 0,
    ...over,
  });
  const observed = (over: Partial<RunCounts>, run: Partial<ObservedRun> = {}): ObservedRun => {
    const runCounts = counts(over);
    return {
      status: 'SUCCEEDED',
      error: null,
      counts: runCounts,
      creates: runCounts.objects,
      afterRunRequests: 1 + runCounts.objects,
      ledgerObjects: 6,
      ...run,
    };
  };

  it('accepts each run doing exactly what it is for', () => {
    expect(checkLedgerRun(first!, 6, observed({}))).toEqual([]);
    expect(
      checkLedgerRun(rerun!, 6, observed({ pairs: 0, landed: 0, objects: 0, rows: 0, bytes: 0, alreadyLandedPairs: 6, skippedDays: 6 })),
    ).toEqual([]);
    expect(checkLedgerRun(forced!, 6, observed({ superseded: 6 }))).toEqual([]);
    expect(checkLedgerRun(wider!, 6, observed({ skippedDays: 6 }))).toEqual([]);
  });

  it('names every difference', () => {
    expect(checkLedgerRun(rerun!, 6, observed({ alreadyLandedPairs: 6, skippedDays: 6 }, { creates: 1, afterRunRequests: 9 }))).toEqual([
      'rerun: pairs run 6, expected 0',
      'rerun: objects landed 6, expected 0',
      'rerun: LinkedIn job creates 1, expected 0',
      "rerun: requests after Summarize (the runner's report GET + a HEAD per object) 9, expected 7",
    ]);
    expect(checkLedgerRun(first!, 6, { ...observed({}), status: 'FAILED', error: 'PartialFailure', counts: null })).toEqual([
      'first run: execution FAILED PartialFailure, expected SUCCEEDED',
      'first run: no run report',
    ]);
  });
});

describe('--contracts', () => {
  it('sizes both the scale and the ledger runs when given; each has its own default', () => {
    expect(parseBenchOptions(['--only', 'ledger'])).toMatchObject({
      sections: ['ledger'],
      contracts: DEFAULT_SCALE_CONTRACTS,
      ledgerContracts: DEFAULT_LEDGER_CONTRACTS,
    });
    expect(parseBenchOptions(['--only', 'ledger', '--contracts', '20'])).toMatchObject({ contracts: 20, ledgerContracts: 20 });
  });
});
