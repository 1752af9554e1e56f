/**
 * The query layer over a real local run (README, "Query your data"): `npm run query`'s DuckDB
 * console over what the ASL, the copy and s3rver landed for several contracts and days returns
 * exactly the rows the manifests report, with `contract` and `dt` as columns, `createdAt` a
 * timestamp of its own day and quoted fields intact.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../local/query/cli';
import { runLocal } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { startSimulator, type Simulator } from '../../local/simulator';

const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1 };

let dataDir: string;
let simulator: Simulator;

beforeAll(async () => {
  await loadLocalWorkflow(STACK_CONFIG);
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-query-'));
  simulator = await startSimulator({ enqueuedMs: 100, processingMs: 300, contractCount: 3 });
}, 120_000);

afterAll(async () => {
  await simulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** `npm run query -- …` against the run's local S3; stdout parsed as JSON. */
const query = async (sql: string): Promise<Array<Record<string, unknown>>> => {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => err.push(chunk));
  const status = await main([sql, '--json'], { stdout, stderr }, { localS3Directory: dataDir });
  if (status !== 0) throw new Error(`query failed: ${Buffer.concat(err).toString('utf8')}`);
  return JSON.parse(Buffer.concat(out).toString('utf8')) as Array<Record<string, unknown>>;
};

it('DuckDB over a multi-day, multi-contract run returns exactly the rows the manifests report, by contract and dt', async () => {
  const contracts = simulator.contracts.slice(0, 2).map((c) => c.contract);
  const result = await runLocal({
    simulator,
    s3Directory: dataDir,
    stackConfig: STACK_CONFIG,
    timeScale: 0.5,
    contracts,
    exportTypes: ['activity', 'seat'],
    from: '2025-06-01',
    to: '2025-06-04',
  });
  expect(result.status).toBe('SUCCEEDED');
  expect(result.exports).toHaveLength(4);

  // What the manifests say landed: rows per (type, contract, day).
  const expected: Record<string, number> = {};
  for (const landed of result.exports) {
    const file = path.join(dataDir, result.s3.bucket, `${landed.manifestUri.slice(`s3://${result.s3.bucket}/`.length)}._S3rver_object`);
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as { objects: { day: string; rows: number }[] };
    expect(manifest.objects).toHaveLength(3);
    for (const o of manifest.objects) expected[`${landed.exportType} ${landed.contract.split(':').pop()} ${o.day}`] = o.rows;
  }

  const counted: Record<string, number> = {};
  for (const [type, view] of [
    ['activity', 'activity'],
    ['seat', 'seat'],
  ] as const) {
    for (const row of await query(`select contract, dt, count(*) as n from ${view} group by 1, 2`)) {
      counted[`${type} ${row.contract} ${row.dt}`] = Number(row.n);
    }
  }
  // Days with no rows have header-only objects: they count 0 and do not show in a GROUP BY.
  expect(counted).toEqual(Object.fromEntries(Object.entries(expected).filter(([, rows]) => rows > 0)));

  // createdAt is a timestamp, of the day its dt partition names; dt BETWEEN is exact.
  const [types] = await query(
    "select any_value(typeof(createdAt)) as t, count(*) filter (where strftime(createdAt, '%Y-%m-%d') <> dt) as misplaced from activity",
  );
  expect(types).toEqual({ t: 'TIMESTAMP', misplaced: 0 });
  const [between] = await query("select count(*) as n from activity where dt between '2025-06-02' and '2025-06-03'");
  const wanted = Object.entries(expected)
    .filter(([key]) => key.startsWith('activity ') && (key.endsWith('2025-06-02') || key.endsWith('2025-06-03')))
    .reduce((sum, [, rows]) => sum + rows, 0);
  expect(Number(between!.n)).toBe(wanted);
  const [seatTypes] = await query(
    'select typeof(seatId) as id, typeof(snapshotDate) as day, typeof(totalConnections) as n from seat limit 1',
  );
  expect(seatTypes).toEqual({ id: 'BIGINT', day: 'DATE', n: 'INTEGER' });
}, 180_000);
