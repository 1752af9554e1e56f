/**
 * The pure parts of `npm run query` (local/query/): which keys are data, which headers fit a
 * table, the raw relation's SQL, and how values print in each format (values from a real DuckDB).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { formatCsv, formatJson, formatTable, jsonRows } from '../../local/query/format';
import { ancestorPartitionKeys, openSession, QueryError, rawRelationSql, type QueryResult } from '../../local/query/session';
import { classifyKeys, dayObjectOf, headerProblem, s3FailureMessage } from '../../local/query/sources';

let instance: DuckDBInstance;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
});
afterAll(() => instance.closeSync());

const run = async (sql: string): Promise<QueryResult> => {
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    const types = reader.columnTypes();
    return { columns: reader.columnNames().map((name, i) => ({ name, type: types[i]! })), rows: reader.getRows() };
  } finally {
    connection.closeSync();
  }
};

describe('day objects', () => {
  it('are exactly <type>/contract=<digits>/dt=<calendar day>/<plain name>.csv', () => {
    expect(dayObjectOf('activity/contract=123456/dt=2026-11-01/2026-11-01_2026-11-02.csv')).toEqual({
      exportType: 'activity',
      contract: '123456',
      dt: '2026-11-01',
      relativeKey: 'activity/contract=123456/dt=2026-11-01/2026-11-01_2026-11-02.csv',
    });
    expect(dayObjectOf('activityOutcome/contract=1/dt=2026-12-31/part-2.csv')?.exportType).toBe('activityOutcome');
    for (const key of [
      'activity/contract=123456/2026-11-01_2026-11-04.csv', // the layout before day partitions
      'activity/contract=123456/dt=2026-02-30/x.csv', // not a calendar day
      'activity/contract=abc/dt=2026-11-01/x.csv',
      'activity/contract=1/dt=2026-11-01/x.csv.tmp',
      'activity/contract=1/dt=2026-11-01/.hidden.csv',
      'activity/contract=1/dt=2026-11-01/sub/x.csv',
      'activity/contract=1/dt=2026-11-01/..\\..\\x.csv',
      'seats/contract=1/dt=2026-11-01/x.csv',
      'manifests/activity/contract=1/2026-11-01_2026-11-02.manifest.json',
    ]) {
      expect({ key, object: dayObjectOf(key) }).toEqual({ key, object: undefined });
    }
  });

  it('classifyKeys sorts day objects and the rest', () => {
    expect(classifyKeys(['seat/contract=1/dt=2026-11-02/b.csv', 'x', 'seat/contract=1/dt=2026-11-01/a.csv'])).toEqual({
      objects: [expect.objectContaining({ dt: '2026-11-01' }), expect.objectContaining({ dt: '2026-11-02' })],
      ignored: ['x'],
    });
  });
});

describe('headers', () => {
  const header = columnNames('activity').join(',');

  it('the schema, or the schema with columns appended, fits', () => {
    expect(headerProblem('activity', header)).toBeUndefined();
    expect(headerProblem('activity', `${header},campaignId,"quoted"`)).toBeUndefined();
  });

  it('a column missing, renamed or moved does not; nor does an empty file', () => {
    expect(headerProblem('activity', 'activityId,activityType,createdAt,seatId')).toContain(
      'its header is activityId,activityType,createdAt,seatId;',
    );
    expect(headerProblem('activity', header.replace('activityType', 'type'))).toContain('(columns may only be appended at the end)');
    expect(headerProblem('activity', 'activityType,activityId,createdAt,seatId,memberIdentityKey')).toBeDefined();
    expect(headerProblem('seat', undefined)).toBe('the file is empty (not even a header)');
  });
});

describe('raw relations', () => {
  it('key=value folders above the data are excluded; a contract= or dt= folder above it is refused', () => {
    expect(ancestorPartitionKeys('/data/env=prod/team=b/x')).toEqual(['env', 'team']);
    expect(ancestorPartitionKeys('/tmp/salesnav-query-abc')).toEqual([]);
    expect(() => ancestorPartitionKeys('/data/dt=2026-11-01/x')).toThrow(QueryError);
  });

  it('a type without objects is an empty relation with its columns, all text', async () => {
    const result = await run(rawRelationSql('seat', []));
    expect(result.rows).toEqual([]);
    expect(result.columns.map((c) => [c.name, c.type.toString()])).toEqual(
      [...columnNames('seat'), 'contract', 'dt'].map((name) => [name, 'VARCHAR']),
    );
  });

  it('a session refuses, naming the file, an object whose header lacks a column of its table', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'query-units-'));
    try {
      const file = path.join(root, 'activity', 'contract=1', 'dt=2026-11-01', '2026-11-01_2026-11-02.csv');
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, 'activityId,activityKind,createdAt,seatId,memberIdentityKey\na,b,11-01-2026 00:00:00,1,\n');
      await expect(openSession({ activity: [file], activityOutcome: [], seat: [] }, root)).rejects.toThrow(
        new QueryError(
          'the activity object activity/contract=1/dt=2026-11-01/2026-11-01_2026-11-02.csv does not read as its table: ' +
            'no column activityType in its header (activityId,activityKind,createdAt,seatId,memberIdentityKey,contract,dt)',
        ),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('file names are SQL literals', () => {
    expect(rawRelationSql('seat', ["/it's/seat/contract=1/dt=2026-11-01/a.csv"], ['env'])).toContain(
      `SELECT * EXCLUDE ("env") FROM read_csv(['/it''s/seat/contract=1/dt=2026-11-01/a.csv'], `,
    );
  });
});

describe('formats', () => {
  it('JSON: whole numbers exact (strings beyond 2^53), decimals as numbers when exact, times ISO 8601, nested values kept', async () => {
    const result = await run(
      "select 9007199254740991::bigint as safe, 9007199254740993::bigint as big, 170141183460469231731687303715884105727::hugeint as huge, 41.850::decimal(6,3) as dec, 0.1::double as dbl, timestamp '2026-11-01 00:00:00' as ts, timestamp '2026-11-01 00:00:00.123456' as ts_us, timestamptz '2026-11-01 01:02:03.5+00' as tstz, date '2026-11-01' as d, [1, 2] as list, {'a': 1::bigint} as struct, true as b, null as n",
    );
    expect(jsonRows(result)).toEqual([
      {
        safe: 9007199254740991,
        big: '9007199254740993',
        huge: '170141183460469231731687303715884105727',
        dec: 41.85,
        dbl: 0.1,
        ts: '2026-11-01T00:00:00',
        ts_us: '2026-11-01T00:00:00.123456',
        tstz: '2026-11-01T01:02:03.500Z',
        d: '2026-11-01',
        list: [1, 2],
        struct: { a: 1 },
        b: true,
        n: null,
      },
    ]);
    expect(JSON.parse(formatJson(result))).toEqual(jsonRows(result));
  });

  it('CSV: quotes only what needs it; header names too', async () => {
    const result = await run(`select 'a,b' as "x,y", 'say "hi"' as q, E'two\\nlines' as nl, 'plain' as p, null as n, [1, 2] as l`);
    expect(formatCsv(result)).toBe('"x,y",q,nl,p,n,l\n"a,b","say ""hi""","two\nlines",plain,,"[1,2]"');
  });

  it('text: at most maxRows rows, then how many there are', async () => {
    const result = await run('select range as n from range(5)');
    expect(formatTable(result, 2)).toBe(['n', '-', '0', '1', '(5 rows, the first 2 shown; --csv or --json print them all)'].join('\n'));
    expect(formatTable(await run('select 1 as one'))).toBe('one\n---\n  1\n(1 row)');
    expect(formatTable(await run("select 'x' as a where false"))).toBe('a\n-\n(0 rows)');
  });
});

describe('S3 failures', () => {
  const where = { endpoint: 'http://127.0.0.1:9', bucket: 'exports' };
  it('say what to do in one line', () => {
    expect(s3FailureMessage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }), where)).toBe(
      'cannot reach the S3 endpoint http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9',
    );
    expect(s3FailureMessage(Object.assign(new Error('The specified bucket does not exist'), { name: 'NoSuchBucket' }), where)).toBe(
      'bucket exports does not exist at http://127.0.0.1:9',
    );
    expect(s3FailureMessage(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }), { bucket: 'exports' })).toBe(
      'AccessDenied: Access Denied (bucket exports at AWS S3)',
    );
    expect(s3FailureMessage(Object.assign(new Error('Could not load credentials'), { name: 'CredentialsProviderError' }), where)).toContain(
      'credentials come from the environment',
    );
  });
});
