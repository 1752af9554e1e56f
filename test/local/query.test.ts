/**
 * `npm run query` over a multi-contract, multi-day landing in the Hive layout
 * (lambdas/shared/contract/layout.ts), read from a directory, from an S3 endpoint (s3rver) and
 * from npm start's local S3: the row counts per (contract, dt) are what was written, the views
 * have Athena's names and types, quoted fields survive, and every bad input is one message and
 * exit 1.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { LEDGER_FOLDER, dayObjectKey, manifestKey, quarantineKey } from '../../lambdas/shared/contract/layout';
import { DAY_MS } from '../../lambdas/shared/contract/linkedin-limits';
import { viewColumns, viewName } from '../../lambdas/shared/contract/tables';
import { parseUtcDay } from '../../lambdas/shared/contract/utc-day';
import { main, type QueryDeps } from '../../local/query/cli';
import { DEFAULT_BUCKET } from '../../local/runner/defaults';
import { startLocalS3 } from '../../local/s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../../local/s3-client';
import { csvChunks } from '../../local/simulator/csv-stream';
import { capture } from '../helpers/cli-run';

const PREFIX = 'linkedin-sales-navigator/';
const C1 = 'urn:li:contract:123456';
const C2 = 'urn:li:contract:777';
const C3 = 'urn:li:contract:42';
const day = (text: string): number => parseUtcDay(text) as number;

/** One day object the simulator renders: its rows spread over that UTC day. */
interface Planned {
  exportType: ExportType;
  contract: string;
  dt: string;
  rows: number;
  lineEnding?: '\n' | '\r\n';
}

/** What lands: three contracts, several days, every export type, a header-only day, CRLF and LF. */
const PLAN: Planned[] = [
  { exportType: 'activity', contract: C1, dt: '2026-11-01', rows: 30 },
  { exportType: 'activity', contract: C1, dt: '2026-11-02', rows: 0 },
  { exportType: 'activity', contract: C1, dt: '2026-11-03', rows: 25 },
  { exportType: 'activity', contract: C2, dt: '2026-11-01', rows: 12, lineEnding: '\r\n' },
  { exportType: 'activity', contract: C2, dt: '2026-11-02', rows: 9 },
  { exportType: 'activityOutcome', contract: C1, dt: '2026-11-01', rows: 8 },
  { exportType: 'activityOutcome', contract: C1, dt: '2026-11-02', rows: 6 },
  { exportType: 'seat', contract: C1, dt: '2026-11-01', rows: 20 },
  { exportType: 'seat', contract: C2, dt: '2026-11-02', rows: 20, lineEnding: '\r\n' },
];

/**
 * Written by hand: a field with a comma, doubled quotes and a line break; an empty field; a seat
 * id beyond 2^53; and a column appended after the schema's (the drift guard lands such files).
 */
const HANDMADE = {
  key: dayObjectKey(PREFIX, 'activity', C3, day('2026-11-05')),
  body: [
    'activityId,activityType,createdAt,seatId,memberIdentityKey,campaignId',
    'q1,SAVED_LEAD,11-05-2026 09:30:00,9007199254740993,"Doe, ""JJ""\r\nJunior",c-1',
    'q2,SENT_INMAIL,11-05-2026 23:59:59,42,,c-2',
    '',
  ].join('\r\n'),
};
const QUIRKY = 'Doe, "JJ"\r\nJunior';

const simulated = (p: Planned): { key: string; body: Buffer } => ({
  key: dayObjectKey(PREFIX, p.exportType, p.contract, day(p.dt)),
  body: Buffer.concat([
    ...csvChunks({
      contract: p.contract,
      exportType: p.exportType,
      startAt: day(p.dt),
      endAt: day(p.dt) + DAY_MS,
      seed: 12,
      rows: p.rows,
      quirks: true,
      lineEnding: p.lineEnding ?? '\n',
    }),
  ]),
});

/** Objects that are not data: beside the tables, or under a table folder but not a day object. */
const NOISE: Array<{ key: string; body: string }> = [
  { key: manifestKey(PREFIX, 'activity', C1, { startAt: day('2026-11-01'), endAt: day('2026-11-04') }), body: '{"manifest":1}' },
  { key: `${PREFIX}${LEDGER_FOLDER}activity/contract=123456.json`, body: '{"ledgerVersion":2}' },
  {
    key: quarantineKey(PREFIX, 'activity', C1, { startAt: day('2026-11-01'), endAt: day('2026-11-02') }, Date.UTC(2026, 10, 2)),
    body: 'renamedColumn,other\nx,y\n',
  },
  { key: `${PREFIX}superseded/activity/contract=123456/dt=2026-11-01/2026-11-01_2026-11-02.csv`, body: 'not,the,header\n1,2,3\n' },
  // The layout before day partitions: under the table folder, so reported and left out.
  { key: `${PREFIX}activity/contract=123456/2026-11-01_2026-11-04.csv`, body: 'old,layout\n1,2\n' },
];

const ALL_OBJECTS = [...PLAN.map(simulated), HANDMADE, ...NOISE];

/** Rows per (contract id, dt) of each type, as written (days without rows have no group). */
const expectedCounts = (exportType: ExportType): Array<{ contract: string; dt: string; n: number }> => {
  const groups = PLAN.filter((p) => p.exportType === exportType && p.rows > 0).map((p) => ({
    contract: p.contract.slice(p.contract.lastIndexOf(':') + 1),
    dt: p.dt,
    n: p.rows,
  }));
  if (exportType === 'activity') groups.push({ contract: '42', dt: '2026-11-05', n: 2 });
  return groups.sort((a, b) => a.contract.localeCompare(b.contract) || a.dt.localeCompare(b.dt));
};

/** Every row of a type as csv-parse reads the written files (the schema's columns only). */
const writtenRows = (exportType: ExportType): string[][] => {
  const names = columnNames(exportType);
  const objects = [...PLAN.filter((p) => p.exportType === exportType).map(simulated), ...(exportType === 'activity' ? [HANDMADE] : [])];
  return objects
    .flatMap((object) => parse(object.body, { columns: true, bom: false }) as Array<Record<string, string>>)
    .map((record) => names.map((name) => record[name]!))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
};

const writeTree = (root: string, objects: ReadonlyArray<{ key: string; body: string | Buffer }>) => {
  for (const { key, body } of objects) {
    const file = path.join(root, ...key.split('/'));
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
  }
};

let scratch: string;
/** Like `aws s3 sync s3://bucket <bucketDir>`: the prefix folder inside. */
let bucketDir: string;
/** Like `aws s3 sync s3://bucket/prefix/ <dataDir>`. */
let dataDir: string;
/** The day objects alone: no warning about other objects. */
let cleanDir: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'query-test-'));
  bucketDir = path.join(scratch, 'bucket');
  dataDir = path.join(bucketDir, ...PREFIX.split('/').filter(Boolean));
  writeTree(bucketDir, ALL_OBJECTS);
  cleanDir = path.join(scratch, 'clean');
  writeTree(
    cleanDir,
    [...PLAN.map(simulated), HANDMADE].map((o) => ({ ...o, key: o.key.slice(PREFIX.length) })),
  );
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** `npm run query -- …argv`, in-process, its output captured. */
const query = async (argv: string[], deps: QueryDeps = {}) => {
  const stdout = capture();
  const stderr = capture();
  const code = await main(argv, { stdout: stdout.stream, stderr: stderr.stream }, deps);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
};

const json = async (argv: string[], deps?: QueryDeps) => {
  const result = await query([...argv, '--json'], deps);
  expect({ code: result.code, stderr: result.stderr.replace(/^warning: .*\n/, '') }).toEqual({ code: 0, stderr: '' });
  return JSON.parse(result.stdout);
};

const COUNTS_SQL = (view: string) => `select contract, dt, count(*) as n from ${view} group by all order by contract, dt`;

const expectEveryCount = async (source: string[], deps?: QueryDeps) => {
  for (const exportType of EXPORT_TYPES) {
    expect({ exportType, counts: await json([COUNTS_SQL(viewName(exportType)), ...source], deps) }).toEqual({
      exportType,
      counts: expectedCounts(exportType),
    });
  }
};

describe('npm run query --dir', () => {
  it('counts exactly the rows written per (contract, dt), in every view', async () => {
    await expectEveryCount(['--dir', dataDir]);
  });

  it('a sync of the whole bucket works too: the prefix folder is found, or named with --prefix', async () => {
    await expectEveryCount(['--dir', bucketDir]);
    expect(await json(['select count(*) as n from seat', '--dir', bucketDir, '--prefix', PREFIX])).toEqual([{ n: 40 }]);
  });

  it("reads every field as the file holds it: the raw relations equal csv-parse's reading of the files", async () => {
    for (const exportType of EXPORT_TYPES) {
      const names = columnNames(exportType);
      const result = await query([
        `select ${names.map((n) => `"${n}"`).join(', ')} from ${viewName(exportType)}_raw`,
        '--dir',
        dataDir,
        '--csv',
      ]);
      expect(result.code).toBe(0);
      const rows = (parse(result.stdout, { from_line: 2 }) as string[][]).sort((a, b) =>
        JSON.stringify(a).localeCompare(JSON.stringify(b)),
      );
      expect(rows).toEqual(writtenRows(exportType));
    }
  });

  it("the views have Athena's names and types, contract and dt as text columns", async () => {
    for (const exportType of EXPORT_TYPES) {
      const described = await json([
        `select column_name as name, column_type as type from (describe ${viewName(exportType)})`,
        '--dir',
        dataDir,
      ]);
      expect(described).toEqual(viewColumns(exportType, 'duckdb'));
    }
    expect(
      await json([
        'select typeof(createdAt) t, typeof(seatId) s, typeof(contract) c, typeof(dt) d from activity limit 1',
        '--dir',
        dataDir,
      ]),
    ).toEqual([{ t: 'TIMESTAMP', s: 'BIGINT', c: 'VARCHAR', d: 'VARCHAR' }]);
  });

  it('createdAt is month first: 11-01-2026 00:00:00 is November 1st, and every row lies in its dt', async () => {
    const [first] = await json([
      "select r.createdAt as text, v.createdAt, month(v.createdAt) as m, day(v.createdAt) as d from activity v join activity_raw r using (activityId) where v.contract = '123456' and v.dt = '2026-11-01' order by v.createdAt limit 1",
      '--dir',
      dataDir,
    ]);
    expect(first).toEqual({ text: '11-01-2026 00:00:00', createdAt: '2026-11-01T00:00:00', m: 11, d: 1 });

    const misplaced = await json([
      "select (select count(*) from activity where strftime(createdAt, '%Y-%m-%d') <> dt) + (select count(*) from seat where strftime(snapshotDate, '%Y-%m-%d') <> dt) as n",
      '--dir',
      dataDir,
    ]);
    expect(misplaced).toEqual([{ n: 0 }]);
    // dt compares as YYYY-MM-DD text, as in Athena: a day range is exact.
    expect(await json(["select count(*) as n from activity where dt between '2026-11-01' and '2026-11-02'", '--dir', dataDir])).toEqual([
      { n: 30 + 12 + 9 },
    ]);
  });

  it('a quoted comma, doubled quotes and a line break survive; a big seat id stays exact; an empty field is empty text', async () => {
    const rows = await json([
      "select activityId, seatId, memberIdentityKey from activity where contract = '42' order by activityId",
      '--dir',
      dataDir,
    ]);
    expect(rows).toEqual([
      { activityId: 'q1', seatId: '9007199254740993', memberIdentityKey: QUIRKY },
      { activityId: 'q2', seatId: 42, memberIdentityKey: '' },
    ]);
  });

  it('a column appended after the schema does not break the view; the raw relation has it', async () => {
    expect(
      await json(['select activityId, campaignId from activity_raw where campaignId is not null order by 1', '--dir', dataDir]),
    ).toEqual([
      { activityId: 'q1', campaignId: 'c-1' },
      { activityId: 'q2', campaignId: 'c-2' },
    ]);
    const viewColumnsNow = await json(["select column_name from (describe activity) where column_name = 'campaignId'", '--dir', dataDir]);
    expect(viewColumnsNow).toEqual([]);
  });

  it('warns once about objects under a table folder that are not day objects, and never reads the sibling folders', async () => {
    const { code, stderr } = await query(['select 1', '--dir', dataDir]);
    expect(code).toBe(0);
    expect(stderr).toBe(
      'warning: ignored 1 object(s) under the table folders that are not at <type>/contract=<id>/dt=<YYYY-MM-DD>/<name>.csv: activity/contract=123456/2026-11-01_2026-11-04.csv\n',
    );
  });

  it('a type with no object is an empty relation with its columns', async () => {
    const onlyActivity = path.join(scratch, 'only-activity');
    writeTree(
      onlyActivity,
      [simulated(PLAN[0]!)].map((o) => ({ ...o, key: o.key.slice(PREFIX.length) })),
    );

    expect(await json(['select * from seat', '--dir', onlyActivity])).toEqual([]);
    const { code, stdout } = await query(['select * from activity_outcome', '--dir', onlyActivity, '--csv']);
    expect({ code, stdout }).toEqual({
      code: 0,
      stdout: `${viewColumns('activityOutcome', 'duckdb')
        .map((c) => c.name)
        .join(',')}\n`,
    });
    expect(await json(['select count(*) as n from activity', '--dir', onlyActivity])).toEqual([{ n: 30 }]);
  });

  it('key=value folders above the data are not partitions', async () => {
    const nested = path.join(scratch, 'team=b');
    writeTree(
      nested,
      [simulated(PLAN[0]!)].map((o) => ({ ...o, key: o.key.slice(PREFIX.length) })),
    );
    const columns = await json(['select column_name as c from (describe activity_raw)', '--dir', nested]);
    expect(columns.map((c: { c: string }) => c.c)).toEqual([...columnNames('activity'), 'contract', 'dt']);
  });
});

describe('output formats', () => {
  const SQL =
    "select activityId, seatId, memberIdentityKey, createdAt, null as nothing from activity where contract = '42' order by activityId";

  it('the default is an aligned table: numbers right-aligned, line breaks escaped, NULL spelled out, the row count last', async () => {
    const { code, stdout } = await query([SQL, '--dir', dataDir]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'activityId            seatId  memberIdentityKey    createdAt            nothing',
        '----------  ----------------  -------------------  -------------------  -------',
        'q1          9007199254740993  Doe, "JJ"\\r\\nJunior  2026-11-05 09:30:00     NULL',
        'q2                        42                       2026-11-05 23:59:59     NULL',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  it('--csv: RFC 4180, the line break kept inside quotes, NULL as an empty field', async () => {
    const { code, stdout } = await query([SQL, '--dir', dataDir, '--csv']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'activityId,seatId,memberIdentityKey,createdAt,nothing',
        'q1,9007199254740993,"Doe, ""JJ""\r\nJunior",2026-11-05 09:30:00,',
        'q2,42,,2026-11-05 23:59:59,',
        '',
      ].join('\n'),
    );
  });

  it('--json: BIGINT as a number when exact, else a string; timestamps ISO 8601; NULL as null', async () => {
    expect(await json([SQL, '--dir', dataDir])).toEqual([
      { activityId: 'q1', seatId: '9007199254740993', memberIdentityKey: QUIRKY, createdAt: '2026-11-05T09:30:00', nothing: null },
      { activityId: 'q2', seatId: 42, memberIdentityKey: '', createdAt: '2026-11-05T23:59:59', nothing: null },
    ]);
  });

  it('without SQL: each view with its rows, contracts, days, columns and a sample', async () => {
    const { code, stdout } = await query(['--dir', dataDir]);
    expect(code).toBe(0);
    expect(stdout).toContain(`Data: ${dataDir}\n`);
    expect(stdout).toContain(
      'activity: 78 row(s), 3 contract(s), first dt 2026-11-01, last 2026-11-05  (activity; text as landed: activity_raw)\n',
    );
    expect(stdout).toContain('activity_outcome: 14 row(s), 1 contract(s), first dt 2026-11-01, last 2026-11-02');
    expect(stdout).toContain('seat: 40 row(s), 2 contract(s), first dt 2026-11-01, last 2026-11-02');
    expect(stdout).toContain('  createdAt          TIMESTAMP\n');
    expect(stdout).toContain('  snapshotDate        DATE\n');
    expect(stdout).toContain('(3 rows)');

    const overview = await json(['--dir', dataDir]);
    expect(overview.views.map((v: { view: string; rows: number; columns: unknown }) => [v.view, v.rows, v.columns])).toEqual(
      EXPORT_TYPES.map((t) => [viewName(t), expectedCounts(t).reduce((sum, g) => sum + g.n, 0), viewColumns(t, 'duckdb')]),
    );
    expect(overview.views[0].sample).toHaveLength(3);
    expect(overview.ignored).toEqual(['activity/contract=123456/2026-11-01_2026-11-04.csv']);
  });

  it('--help prints the usage, exit 0', async () => {
    const { code, stdout } = await query(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run query -- ["<SQL>"] [options]');
  });
});

describe('npm run query against S3', () => {
  let s3Data: string;
  const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

  beforeAll(async () => {
    // npm start's local S3: an s3rver data directory with the default bucket, the objects PUT through the API.
    s3Data = path.join(scratch, 'local-s3');
    const local = await startLocalS3({ bucket: DEFAULT_BUCKET, directory: s3Data });
    const client = new S3Client({ ...s3ClientConfig(local.endpoint), credentials: S3RVER_CREDENTIALS });
    for (const { key, body } of ALL_OBJECTS) await client.send(new PutObjectCommand({ Bucket: DEFAULT_BUCKET, Key: key, Body: body }));
    client.destroy();
    await local.close();
    // --s3-endpoint takes its credentials from the environment, as the SDK does.
    process.env.AWS_ACCESS_KEY_ID = S3RVER_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = S3RVER_CREDENTIALS.secretAccessKey;
  });
  afterAll(() => {
    process.env.AWS_ACCESS_KEY_ID = saved.id;
    process.env.AWS_SECRET_ACCESS_KEY = saved.secret;
  });

  const downloads = () => readdirSync(tmpdir()).filter((name) => name.startsWith('salesnav-query-')).length;

  it("by default reads npm start's local S3 (starting its s3rver), and removes what it downloaded", async () => {
    const before = downloads();
    await expectEveryCount([], { localS3Directory: s3Data });
    expect(downloads()).toBe(before);
    const { stderr } = await query(['select 1'], { localS3Directory: s3Data });
    expect(stderr).toContain('ignored 1 object(s)');
    expect(stderr).toContain(`${PREFIX}activity/contract=123456/2026-11-01_2026-11-04.csv`);
  });

  it('--s3-endpoint and --bucket: any S3 API', async () => {
    const running = await startLocalS3({ bucket: DEFAULT_BUCKET, directory: s3Data });
    try {
      await expectEveryCount(['--s3-endpoint', running.endpoint, '--bucket', DEFAULT_BUCKET]);
      expect(
        await json([
          "select memberIdentityKey from activity where activityId = 'q1'",
          '--s3-endpoint',
          running.endpoint,
          '--bucket',
          DEFAULT_BUCKET,
        ]),
      ).toEqual([{ memberIdentityKey: QUIRKY }]);

      const otherPrefix = await query(['select 1', '--s3-endpoint', running.endpoint, '--bucket', DEFAULT_BUCKET, '--prefix', 'team-b/']);
      expect(otherPrefix).toEqual({
        code: 1,
        stdout: '',
        stderr: `npm run query: no data landed yet under s3://${DEFAULT_BUCKET}/team-b/ at ${running.endpoint} (nothing at <type>/contract=<id>/dt=<YYYY-MM-DD>/*.csv)\n`,
      });
      const noBucket = await query(['select 1', '--s3-endpoint', running.endpoint, '--bucket', 'no-such-bucket']);
      expect(noBucket).toEqual({
        code: 1,
        stdout: '',
        stderr: `npm run query: bucket no-such-bucket does not exist at ${running.endpoint}\n`,
      });
    } finally {
      await running.close();
    }
  });

  it('an endpoint that does not answer: one message, exit 1', async () => {
    // The port of an s3rver just stopped: nothing listens there.
    const stopped = await startLocalS3({ bucket: DEFAULT_BUCKET, directory: path.join(scratch, 'stopped') });
    await stopped.close();
    const { code, stdout, stderr } = await query(['select 1', '--s3-endpoint', stopped.endpoint, '--bucket', DEFAULT_BUCKET]);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(new RegExp(`^npm run query: cannot reach the S3 endpoint ${stopped.endpoint}: .*ECONNREFUSED.*\\n$`));
  });

  it('before any npm start: "no data landed yet: run npm start", and no directory created', async () => {
    const never = path.join(scratch, 'never-run');
    const { code, stdout, stderr } = await query([], { localS3Directory: never });
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr).toMatch(
      /^npm run query: no data landed yet: run npm start \(nothing at .* under s3:\/\/linkedin-salesnav-exports\/linkedin-sales-navigator\/ in npm start's local S3, .*never-run\)\n$/,
    );
    expect(existsSync(never)).toBe(false);
  });
});

describe('bad input: one message on stderr, exit 1, no stack trace', () => {
  const expectOneMessage = (result: { code: number; stdout: string; stderr: string }, message: string | RegExp) => {
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^npm run query: /);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    if (typeof message === 'string') expect(result.stderr).toContain(message);
    else expect(result.stderr).toMatch(message);
  };

  it('bad SQL: DuckDB says where', async () => {
    expectOneMessage(await query(['selec count(*) from activity', '--dir', cleanDir]), 'Parser Error: syntax error at or near "selec"');
  });

  it('an unknown table: DuckDB says so, and the tables there are', async () => {
    const result = await query(['select * from activities', '--dir', cleanDir]);
    expectOneMessage(result, 'Catalog Error: Table with name activities does not exist!');
    expect(result.stderr).toContain('Tables: activity, activity_outcome, seat (typed views); activity_raw, activity_outcome_raw, seat_raw');
    // DuckDB's suggestion of one of its own catalog tables (pg_enum, …) is left out; ours is kept.
    expect(result.stderr).toContain('Did you mean "activity');
    expectOneMessage(await query(['select * from nope', '--dir', cleanDir]), /Table with name nope does not exist!\nTables: /);
    expect((await query(['select * from nope', '--dir', cleanDir])).stderr).not.toContain('pg_');
  });

  it('an unknown column', async () => {
    expectOneMessage(await query(['select activity_type from activity', '--dir', cleanDir]), 'Binder Error');
  });

  it('a row whose value does not read as its type: found by the overview and by a query', async () => {
    const bad = path.join(scratch, 'bad-value');
    writeTree(bad, [
      {
        key: 'activity/contract=1/dt=2026-11-01/2026-11-01_2026-11-02.csv',
        body: 'activityId,activityType,createdAt,seatId,memberIdentityKey\na,SAVED_LEAD,11-01-2026 00:00:00,1,\nb,SAVED_LEAD,yesterday,2,\n',
      },
    ]);
    const message = 'Invalid Input Error: Could not parse string "yesterday" according to format specifier "%m-%d-%Y %H:%M:%S"';
    expectOneMessage(await query(['--dir', bad]), message);
    expectOneMessage(await query(['select max(createdAt) from activity', '--dir', bad]), message);
  });

  it('a file whose rows do not fit its header, or whose header lacks a column: the file is named', async () => {
    const broken = path.join(scratch, 'broken');
    const key = 'seat/contract=1/dt=2026-11-01/2026-11-01_2026-11-02.csv';
    writeTree(broken, [{ key, body: `${columnNames('seat').join(',')}\n1,a,ACTIVE,11-01-2026,1.5,2,3,surplus,fields\n` }]);
    expectOneMessage(
      await query(['select * from seat', '--dir', broken]),
      `npm run query: the seat object ${key} does not read as its table: It was not possible to automatically detect the CSV parsing dialect\n`,
    );

    // Renamed: DuckDB would line it up by name (NULLs), Athena by position: refused, named.
    const renamed = path.join(scratch, 'renamed');
    writeTree(renamed, [
      { key: 'activity/contract=1/dt=2026-11-01/2026-11-01_2026-11-02.csv', body: `${columnNames('activity').join(',')}\n` },
      {
        key: 'activity/contract=777/dt=2026-11-09/2026-11-09_2026-11-10.csv',
        body: 'activityId,activityKind,createdAt,seatId,memberIdentityKey\n',
      },
    ]);
    expectOneMessage(
      await query(['select 1', '--dir', renamed]),
      `npm run query: the activity object activity/contract=777/dt=2026-11-09/2026-11-09_2026-11-10.csv in ${renamed} does not fit its table: ` +
        'its header is activityId,activityKind,createdAt,seatId,memberIdentityKey; the activity table reads ' +
        'activityId,activityType,createdAt,seatId,memberIdentityKey (columns may only be appended at the end)\n',
    );
  });

  it('no data at all', async () => {
    const empty = path.join(scratch, 'empty');
    mkdirSync(empty);
    expectOneMessage(
      await query(['select 1', '--dir', empty]),
      `no data landed yet under ${empty} (nothing at <type>/contract=<id>/dt=<YYYY-MM-DD>/*.csv)`,
    );
    expectOneMessage(await query(['--dir', path.join(scratch, 'missing')]), `--dir ${path.join(scratch, 'missing')}: no such directory`);
    // Only the layout before day partitions: that is why nothing was found.
    const old = path.join(scratch, 'old-layout');
    writeTree(old, [{ key: 'activity/contract=123456/2026-11-01_2026-11-04.csv', body: `${columnNames('activity').join(',')}\n` }]);
    expectOneMessage(
      await query(['--dir', old]),
      `no data landed yet under ${old} (nothing at <type>/contract=<id>/dt=<YYYY-MM-DD>/*.csv; 1 object(s) there in another layout, e.g. activity/contract=123456/2026-11-01_2026-11-04.csv)`,
    );
  });

  it.each([
    [['--bogus'], "Unknown option '--bogus'"],
    [['--dir'], "Option '--dir <value>' argument missing"],
    [['--json', '--csv', 'select 1'], '--json and --csv: choose one'],
    [['--csv'], '--csv prints a query result: give the SQL'],
    [['select', '*', 'from', 'activity'], 'pass the SQL as one quoted argument (got 4 arguments)'],
    [['  '], 'the SQL is empty'],
    [['--dir', '.', '--bucket', 'b-1'], '--dir reads a directory: not with --s3-endpoint or --bucket'],
    [['--s3-endpoint', 'http://127.0.0.1:9'], '--s3-endpoint needs --bucket'],
    [['--s3-endpoint', 'not a url', '--bucket', 'b-1'], '--s3-endpoint "not a url" is not a URL'],
    [['--s3-endpoint', 'ftp://host', '--bucket', 'b-1'], '--s3-endpoint must be an http(s) URL'],
    [['--bucket', 'Not_A_Bucket'], '--bucket "Not_A_Bucket" is not a valid S3 bucket name'],
    [['--region', 'eu-west-1'], '--region is for S3: give --bucket too'],
  ])('usage %j', async (argv, message) => {
    const result = await query(argv);
    expectOneMessage(result, message);
    expect(result.stderr).toContain('Run npm run query -- --help for the options.');
  });
});
