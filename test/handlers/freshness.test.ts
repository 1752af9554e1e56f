/**
 * The freshness handler against s3rver with real export ledgers (written as the product writes
 * them, checked by its own schema): what it reads, what it publishes per export type, what it
 * leaves out, and how long 3,000 ledgers take.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { PassThrough } from 'node:stream';
import { ledgerSchema, type Ledger } from '../../lambdas/shared/contract/ledger';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import { dayObjectKey, manifestKey } from '../../lambdas/shared/contract/layout';
import { createFreshnessHandler, type FreshnessResult } from '../../lambdas/shared/handlers/freshness';
import { scanLedgers } from '../../lambdas/shared/ledger/freshness-scan';
import { emptyLedger } from '../../lambdas/shared/ledger/store';
import { metrics } from '../../lambdas/shared/powertools';
import { ledgerKey } from '../../lambdas/shared/workflow/keys';
import { createStreamLogger } from '../../local/runner/log-stream';
import { type Handler, lambdaContext } from '../helpers/lambda-context';
import { handlerConfig } from '../helpers/runtime-config';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';
import { day, NOW } from '../ledger/fixtures';

const BUCKET = 'freshness';
const PREFIX = 'li/';
const DAY_MS = 86_400_000;

let s3: LocalS3;

beforeAll(async () => {
  s3 = await startLocalS3(BUCKET);
});

afterAll(async () => {
  await s3?.close();
});

const contract = (id: number) => `urn:li:contract:${id}`;

/** A ledger as the copy leaves it: one landed object per day from `from` to `to` (exclusive), none without. */
const ledgerWith = (exportType: ExportType, id: number, prefix: string, from?: string, to?: string): Ledger => {
  const objects = [];
  if (from && to) {
    for (let start = day(from); start < day(to); start += DAY_MS) {
      objects.push({
        startAt: start,
        endAt: start + DAY_MS,
        key: dayObjectKey(prefix, exportType, contract(id), start),
        manifestKey: manifestKey(prefix, exportType, contract(id), { startAt: start, endAt: start + DAY_MS }),
        etag: '"0123456789abcdef0123456789abcdef"',
        sha256: 'a'.repeat(64),
        rows: 10,
        bytes: 1_000,
        jobId: 6_000_000_000 + id,
        landedBy: 'arn:aws:states:us-east-1:123456789012:execution:LinkedInSalesNavExport/ExportPairs:1',
        landedAt: new Date(start + 2 * DAY_MS).toISOString(),
      });
    }
  }
  return ledgerSchema.parse({ ...emptyLedger(exportType, contract(id), NOW), objects });
};

const put = (key: string, body: string) => s3.s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
const putLedger = (ledger: Ledger, prefix = PREFIX) =>
  put(ledgerKey(prefix, ledger.exportType, ledger.contract), `${JSON.stringify(ledger, null, 1)}\n`);

/** Runs `work` over `items`, `limit` at a time. */
const limited = async <T>(items: readonly T[], limit: number, work: (item: T) => Promise<unknown>) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
};

type Published = { exportType?: string; name: string; value: number; unit: string };
/** One JSON log line of the handler. */
type LogLine = { level: string; message: string; [key: string]: unknown };

/** The handler wired as the deployed entry wires it, its metrics and log lines recorded. */
const freshnessRun = async (prefix: string, env: Record<string, string> = {}) => {
  const published: Published[] = [];
  const singles = jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    let exportType: string | undefined;
    const single = {
      addDimension: (name: string, value: string) => {
        if (name === 'ExportType') exportType = value;
        return single;
      },
      addMetric: (name: string, unit: string, value: number) => {
        published.push({ exportType, name, value, unit });
        return single;
      },
    };
    return single as unknown as ReturnType<typeof metrics.singleMetric>;
  });
  // Called through (metrics are disabled in tests), so the middleware finds metrics to flush.
  const plain = jest.spyOn(metrics, 'addMetric');
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createStreamLogger(stream);
  logger.setLogLevel('INFO');
  const config = handlerConfig({ BUCKET_NAME: BUCKET, KEY_PREFIX: prefix, ...env });
  const handler = createFreshnessHandler(() => ({ config, s3: s3.s3Client, now: () => NOW }), { logger }) as unknown as Handler<
    unknown,
    FreshnessResult
  >;
  try {
    const result = await handler({ trigger: 'run', executionName: 'run-1' }, lambdaContext());
    const logs = lines.map((line) => JSON.parse(line) as LogLine);
    for (const [name, unit, value] of plain.mock.calls) published.push({ name, unit, value });
    return { result, published, logs };
  } finally {
    singles.mockRestore();
    plain.mockRestore();
  }
};

describe('freshness against real ledgers', () => {
  const prefix = 'mixed/';

  beforeAll(async () => {
    await Promise.all([
      // activity: two contracts fresh (newest day 2026-11-29, 2 days old on 2026-12-01), one that
      // stopped on 2026-11-24 (7 days old), one that has a ledger (a run claimed) but never landed.
      putLedger(ledgerWith('activity', 1, prefix, '2026-11-20', '2026-11-30'), prefix),
      putLedger(ledgerWith('activity', 2, prefix, '2026-11-29', '2026-11-30'), prefix),
      putLedger(ledgerWith('activity', 3, prefix, '2026-11-01', '2026-11-25'), prefix),
      putLedger(ledgerWith('activity', 4, prefix), prefix),
      // seat: one fresh pair, and a ledger that is not what the product writes.
      putLedger(ledgerWith('seat', 1, prefix, '2026-11-28', '2026-11-30'), prefix),
      put(ledgerKey(prefix, 'seat', contract(2)), '{"ledgerVersion": 1, "truncated'),
      // Not a ledger: left alone.
      put(`${prefix}ledger/seat/notes.txt`, 'hand-written notes'),
      // Another prefix's ledger: not this deployment's.
      putLedger(ledgerWith('activity', 9, 'other/', '2026-01-01', '2026-01-02'), 'other/'),
    ]);
  });

  it('publishes, per export type, the newest day’s age, the stalest pair’s age, pairs never landed and pairs with a ledger', async () => {
    // Act
    const { published } = await freshnessRun(prefix);
    // Assess: activityOutcome is configured but has no ledger: counts of 0, no age (absent, not 0).
    const byType = (exportType: string) =>
      Object.fromEntries(published.filter((p) => p.exportType === exportType).map((p) => [p.name, [p.value, p.unit]]));
    expect(byType('activity')).toEqual({
      NewestDayAgeDays: [2, 'None'],
      StalestPairAgeDays: [7, 'None'],
      PairsNeverLanded: [1, 'Count'],
      PairsWithLedger: [4, 'Count'],
    });
    expect(byType('activityOutcome')).toEqual({ PairsNeverLanded: [0, 'Count'], PairsWithLedger: [0, 'Count'] });
    expect(byType('seat')).toEqual({
      NewestDayAgeDays: [2, 'None'],
      StalestPairAgeDays: [2, 'None'],
      PairsNeverLanded: [0, 'Count'],
      PairsWithLedger: [1, 'Count'],
    });
    // Once per invocation, without the ExportType dimension.
    expect(published.filter((p) => p.exportType === undefined)).toEqual([
      { name: 'LedgersRead', value: 6, unit: 'Count' },
      { name: 'LedgersCorrupt', value: 1, unit: 'Count' },
    ]);
  });

  it('returns the figures and logs one summary naming the stalest and never-landed contracts, and what it left out', async () => {
    // Act
    const { result, logs } = await freshnessRun(prefix);
    // Assess
    expect(result).toEqual({
      publishedAt: new Date(NOW).toISOString(),
      ledgersRead: 6,
      ledgersCorrupt: 1,
      exportTypes: [
        {
          exportType: 'activity',
          pairsWithLedger: 4,
          pairsNeverLanded: 1,
          newestDay: '2026-11-29',
          newestDayAgeDays: 2,
          stalestPairAgeDays: 7,
        },
        {
          exportType: 'activityOutcome',
          pairsWithLedger: 0,
          pairsNeverLanded: 0,
          newestDay: null,
          newestDayAgeDays: undefined,
          stalestPairAgeDays: undefined,
        },
        {
          exportType: 'seat',
          pairsWithLedger: 1,
          pairsNeverLanded: 0,
          newestDay: '2026-11-29',
          newestDayAgeDays: 2,
          stalestPairAgeDays: 2,
        },
      ],
    });
    const summary = logs.find((line) => line.message === 'Freshness published');
    expect(summary).toMatchObject({
      level: 'INFO',
      trigger: 'run',
      executionName: 'run-1',
      ledgersRead: 6,
      exportTypes: [
        {
          exportType: 'activity',
          stalestPairs: [
            { contract: contract(3), newestDay: '2026-11-24', ageDays: 7 },
            { contract: contract(1), newestDay: '2026-11-29', ageDays: 2 },
            { contract: contract(2), newestDay: '2026-11-29', ageDays: 2 },
          ],
          neverLanded: [contract(4)],
        },
        { exportType: 'activityOutcome', stalestPairs: [], neverLanded: [], newestDay: null },
        { exportType: 'seat', stalestPairs: [{ contract: contract(1), newestDay: '2026-11-29', ageDays: 2 }], neverLanded: [] },
      ],
    });
    const corrupt = logs.find((line) => /do not parse/.test(line.message));
    expect(corrupt).toMatchObject({ level: 'WARN', count: 1, first: [{ uri: `s3://${BUCKET}/${prefix}ledger/seat/contract=2.json` }] });
    expect(logs.find((line) => /not ledgers/.test(line.message))).toMatchObject({ count: 1, first: [`${prefix}ledger/seat/notes.txt`] });
  });

  it('reads ledgers at the bucket root too (an empty key prefix)', async () => {
    // Prepare
    await putLedger(ledgerWith('seat', 7, '', '2026-11-27', '2026-11-28'), '');
    // Act
    const scan = await scanLedgers({ s3: s3.s3Client, bucket: BUCKET, prefix: '' });
    // Assess: the other prefixes' ledgers are under `<prefix>ledger/`, not `ledger/`.
    expect(scan.pairs).toEqual([{ exportType: 'seat', contract: contract(7), newestDay: day('2026-11-27') }]);
  });
});

describe('freshness without any ledger', () => {
  it('publishes zero pairs for each configured type and no age: the alarms see no fresh value', async () => {
    // Act
    const { result, published } = await freshnessRun('empty/', { EXPORT_TYPES: 'activity' });
    // Assess
    expect(result).toMatchObject({ ledgersRead: 0, ledgersCorrupt: 0 });
    expect(published).toEqual([
      { exportType: 'activity', name: 'PairsNeverLanded', value: 0, unit: 'Count' },
      { exportType: 'activity', name: 'PairsWithLedger', value: 0, unit: 'Count' },
      { name: 'LedgersRead', value: 0, unit: 'Count' },
      { name: 'LedgersCorrupt', value: 0, unit: 'Count' },
    ]);
  });
});

/**
 * Contracts per export type of the timed run: 100 by default (300 ledgers, seconds); the figure in
 * docs/operations.md is FRESHNESS_CONTRACTS=1000 (3,000 ledgers). At most 1,000: s3rver cannot page
 * a listing past 1,000 keys on this Node (its continuation token uses DES, which OpenSSL 3 refuses).
 */
const CONTRACTS = Math.min(1_000, Number(process.env.FRESHNESS_CONTRACTS ?? 100));

describe(`${CONTRACTS * 3} ledgers (${CONTRACTS} contracts × 3 types) against s3rver`, () => {
  const prefix = 'scale/';
  const TYPES: ExportType[] = ['activity', 'activityOutcome', 'seat'];
  const LEDGERS = CONTRACTS * TYPES.length;

  it('are read in one invocation, each reduced to its newest day; the time is printed', async () => {
    // Prepare: a month of daily objects each (what a ledger holds after 30 scheduled runs); one in
    // fifty pairs stopped a week early.
    const ledgers = TYPES.flatMap((exportType) =>
      Array.from({ length: CONTRACTS }, (_, k) =>
        ledgerWith(exportType, 100_000 + k, prefix, '2026-10-30', k % 50 === 0 ? '2026-11-23' : '2026-11-30'),
      ),
    );
    const bytes = ledgers.reduce((sum, ledger) => sum + JSON.stringify(ledger, null, 1).length + 1, 0);
    const written = Date.now();
    await limited(ledgers, 32, (ledger) => putLedger(ledger, prefix));
    const writeMs = Date.now() - written;
    // Act
    const started = process.hrtime.bigint();
    const { result, published } = await freshnessRun(prefix);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // Assess
    expect(result.ledgersRead).toBe(LEDGERS);
    for (const exportType of TYPES) {
      const values = Object.fromEntries(published.filter((p) => p.exportType === exportType).map((p) => [p.name, p.value]));
      expect(values).toEqual({ NewestDayAgeDays: 2, StalestPairAgeDays: 9, PairsNeverLanded: 0, PairsWithLedger: CONTRACTS });
    }
    // The measurement the Lambda's timeout is sized by (docs/operations.md, "Alarms").
    console.log(
      `freshness: ${LEDGERS} ledgers (${(bytes / LEDGERS / 1024).toFixed(1)} KiB each, 30 objects) read from s3rver in ${(ms / 1000).toFixed(2)} s ` +
        `(${((ms / LEDGERS) * 1000).toFixed(0)} µs per ledger); writing them took ${(writeMs / 1000).toFixed(1)} s`,
    );
  }, 180_000);
});
