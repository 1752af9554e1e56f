/**
 * The tokens benchmark (`npm run bench -- --only tokens`) is not part of `npm test`, so its
 * machinery is checked here at 20 authorizations: both cases run in their workers against the
 * simulator and the counting s3rver, and report counts that agree with each other and with what
 * each case must do. Never its times: they are the benchmark's to report, not a test's to judge.
 */
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startCountingS3 } from '../../bench/ledger/counting-s3';
import { OPT_IN_SECTIONS, parseBenchOptions, SECTIONS } from '../../bench/options';
import { checkTokensRun, TOKENS_CASES } from '../../bench/tokens/cases';
import { printTokens, tokensFailed, tokensTargets } from '../../bench/tokens/report';
import { runTokensRuns, type TokensFigures } from '../../bench/tokens/runs';
import { useSingleDesForS3rver } from '../../bench/tokens/single-des';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';

const N = 20;

describe('the tokens bench at 20 authorizations', () => {
  let figures: TokensFigures;

  beforeAll(async () => {
    figures = await runTokensRuns({ authorizations: N });
  }, 120_000);

  it('runs the baseline, then every authorization due, each exactly as it must', () => {
    expect(figures.cases.map((run) => run.case.name)).toEqual(['report', 'refresh']);
    expect(figures.cases.flatMap((run) => run.mismatches)).toEqual([]);
    expect(tokensFailed(figures)).toBeUndefined();
    expect(tokensTargets(figures).map((target) => target.ok)).toEqual([true, true, true]);
  });

  it('(R) reads every authorization once, after one listing, and asks LinkedIn nothing', () => {
    const [report] = figures.cases;
    expect(report?.counts).toEqual({ checked: N, refreshed: 0, refreshFailed: 0, refreshPostponed: 0, unusable: 0 });
    expect(report?.s3.byOperation).toEqual({ 'LIST objects': 1, 'GET object': N });
    expect(report?.s3.refused).toEqual({});
    expect(report?.oauth).toEqual({ total: 0, byRoute: {}, refused: 0 });
  });

  it('(F) also refreshes, introspects and writes back each one with If-Match: one of each per authorization', () => {
    const [, refresh] = figures.cases;
    expect(refresh?.counts).toEqual({ checked: N, refreshed: N, refreshFailed: 0, refreshPostponed: 0, unusable: 0 });
    expect(refresh?.s3.byOperation).toEqual({ 'LIST objects': 1, 'GET object': N, 'PUT object, conditional': N });
    expect(refresh?.s3.total).toBe(1 + 2 * N);
    expect(refresh?.oauth).toEqual({ total: 2 * N, byRoute: { accessToken: N, introspect: N }, refused: 0 });
  });

  it('reports figures that agree with the counts: a time per case, a rate from it, memory from the worker', () => {
    for (const run of figures.cases) {
      expect(run.wallSeconds).toBeGreaterThan(0);
      expect(run.authorizationsPerSecond).toBeCloseTo(N / run.wallSeconds, 6);
      expect(run.workerSeconds).toBeGreaterThanOrEqual(run.wallSeconds);
      expect(run.rssPeakSampledBytes).toBeGreaterThanOrEqual(run.rssBeforeBytes);
      expect(run.peakRssBytes).toBeGreaterThan(0);
      expect(run.soonestListed).toBe(10);
    }
  });

  it('prints one table with both cases and their ratio', () => {
    const lines: string[] = [];
    const log = jest.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
    try {
      printTokens(figures);
    } finally {
      log.mockRestore();
    }
    const table = lines.find((line) => line.startsWith('figure'));
    expect(table).toMatch(/^figure +\(R\) report only +\(F\) all due +F \/ R\n/);
    expect(table).toMatch(/\n {2}PUT object, conditional \(If-Match\) +0 +20 +–\n/);
    expect(table).toMatch(/\n {2}introspect +0 +20 +–$/);
  });
});

describe('what a case must do', () => {
  it('names each difference', () => {
    const [report] = TOKENS_CASES;
    const observed = {
      counts: { checked: 3, refreshed: 1, refreshFailed: 0, refreshPostponed: 0, unusable: 0 },
      s3: { total: 4, byOperation: { 'LIST objects': 1, 'GET object': 3 } as const, byArea: {}, refused: {} },
      oauthByRoute: { accessToken: 1 },
      oauthRefused: 0,
    };
    expect(checkTokensRun(report!, 3, observed)).toEqual([
      '(R) report only: refreshed 1, expected 0',
      '(R) report only: OAuth accessToken calls 1, expected 0',
      '(R) report only: OAuth calls 1, expected 0',
    ]);
  });

  it('expects one listing per 1,000 authorizations', () => {
    const [, refresh] = TOKENS_CASES;
    const observed = {
      counts: { checked: 2500, refreshed: 2500, refreshFailed: 0, refreshPostponed: 0, unusable: 0 },
      s3: {
        total: 3 + 2 * 2500,
        byOperation: { 'LIST objects': 3, 'GET object': 2500, 'PUT object, conditional': 2500 } as const,
        byArea: {},
        refused: {},
      },
      oauthByRoute: { accessToken: 2500, introspect: 2500 },
      oauthRefused: 0,
    };
    expect(checkTokensRun(refresh!, 2500, observed)).toEqual([]);
  });
});

describe('the options', () => {
  it('take --authorizations, and leave tokens out of the default run but not out of --full or --only', () => {
    expect(OPT_IN_SECTIONS).toEqual(['tokens']);
    expect(parseBenchOptions([]).sections).toEqual(SECTIONS.filter((section) => section !== 'tokens'));
    expect(parseBenchOptions(['--full']).sections).toEqual(SECTIONS);
    expect(parseBenchOptions(['--only', 'tokens'])).toMatchObject({ sections: ['tokens'], authorizations: 1000 });
    expect(parseBenchOptions(['--only', 'tokens', '--authorizations=2500']).authorizations).toBe(2500);
    expect(() => parseBenchOptions(['--authorizations', '0'])).toThrow(/--authorizations takes a whole number/);
  });
});

describe('s3rver listings past the first page', () => {
  it('work while the bench redirects its single-DES continuation tokens, and are s3rver’s own pages', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tokens-des-'));
    const restore = useSingleDesForS3rver();
    const s3 = await startCountingS3({ bucket: 'paged', directory: dir });
    const client = new S3Client({ ...s3ClientConfig(s3.endpoint), credentials: S3RVER_CREDENTIALS });
    try {
      for (const key of ['a', 'b', 'c', 'd', 'e']) await client.send(new PutObjectCommand({ Bucket: 'paged', Key: key, Body: key }));
      const keys: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: 'paged', MaxKeys: 2, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
        pages += 1;
      } while (token);
      expect(keys).toEqual(['a', 'b', 'c', 'd', 'e']);
      expect(pages).toBe(3);
    } finally {
      client.destroy();
      await s3.close();
      restore();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
