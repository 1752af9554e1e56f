/**
 * The simulator's header-change fault (local/simulator/header-change.ts): LinkedIn changing an
 * export's columns, applied to the header and every row alike, per export type.
 */
import { parse } from 'csv-parse/sync';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { parseCli } from '../../local/simulator/cli';
import type { CsvSpec } from '../../local/simulator/csv-rows';
import { csvByteSize, csvChunks } from '../../local/simulator/csv-stream';
import {
  changedColumns,
  type HeaderChange,
  headerChangeProblem,
  headerChangesFromFlags,
  parseHeaderChangeFlag,
  rawFields,
} from '../../local/simulator/header-change';
import { parseFaults, type Simulator, startSimulator } from '../../local/simulator';
import { completedJob, readAll, WINDOW } from './helpers';

const spec = (exportType: ExportType, overrides: Partial<CsvSpec> = {}): CsvSpec => ({
  contract: 'urn:li:contract:123456',
  exportType,
  startAt: Date.UTC(2026, 0, 1),
  endAt: Date.UTC(2026, 0, 4),
  seed: 1,
  // Row by row under a change (no tiles): a few hundred rows hold every quirk (quoted commas, quotes, line breaks).
  rows: 300,
  quirks: true,
  lineEnding: '\n',
  ...overrides,
});

const file = (s: CsvSpec, chunkBytes?: number): Buffer => Buffer.concat([...csvChunks(s, chunkBytes)]);
const records = (bytes: Buffer): string[][] => parse(bytes, { relax_column_count: true }) as string[][];

/** One change of each kind for a type, on its second and third columns. */
const changesOf = (exportType: ExportType): Array<[string, HeaderChange]> => {
  const [, second, third] = columnNames(exportType) as [string, string, string];
  return [
    ['append', { append: 'seatRegion' }],
    ['append with a value that needs quoting', { append: 'note', value: 'a, "b"' }],
    ['rename', { rename: second, to: `${second} (renamed)` }],
    ['drop', { drop: second }],
    ['reorder', { reorder: [second, third] }],
  ];
};

describe.each(EXPORT_TYPES)('a %s file with a header change', (exportType) => {
  const original = records(file(spec(exportType)));

  it.each(changesOf(exportType))('%s: header and rows change alike, and the size is exact', (_kind, change) => {
    const s = spec(exportType, { headerChange: change });
    const bytes = file(s);
    expect(file(s, 1000).equals(bytes)).toBe(true);
    expect(csvByteSize(s)).toBe(bytes.length);

    const changed = records(bytes);
    const { names, sources } = changedColumns(columnNames(exportType), change);
    expect(changed[0]).toEqual(names);
    expect(changed).toHaveLength(original.length);
    const expected = original
      .slice(1)
      .map((row, r) =>
        sources.map((source) =>
          'from' in source ? row[source.from] : 'value' in change && change.value !== undefined ? change.value : String(r + 1),
        ),
      );
    expect(changed.slice(1)).toEqual(expected);
    expect(original.some((row) => row.some((field) => field.includes('\n')))).toBe(true);
  });

  it('keeps a header-only file to the changed header', () => {
    const bytes = file(spec(exportType, { rows: 0, headerChange: { drop: columnNames(exportType)[1]! } }));
    expect(records(bytes)).toEqual([columnNames(exportType).filter((_, i) => i !== 1)]);
  });

  it('writes CRLF files too', () => {
    const s = spec(exportType, { rows: 50, lineEnding: '\r\n', quirks: false, headerChange: { append: 'x' } });
    const text = file(s).toString();
    expect(text.split('\r\n')).toHaveLength(52);
    expect(text.startsWith(`${[...columnNames(exportType), 'x'].join(',')}\r\n`)).toBe(true);
  });
});

describe('header change rules', () => {
  it.each<[unknown, RegExp | undefined]>([
    [{ append: 'seatRegion' }, undefined],
    [{ append: 'seatId' }, /already a seat column/],
    [{ append: '' }, /not a column name/],
    [{ append: 'x', value: 'y'.repeat(101) }, /at most 100 characters/],
    [{ rename: 'seatStatus', to: 'status' }, undefined],
    [{ rename: 'status', to: 'x' }, /"status" is not a seat column/],
    [{ rename: 'seatStatus', to: 'seatId' }, /already a seat column/],
    [{ drop: 'seatStatus' }, undefined],
    [{ drop: 'nope' }, /not a seat column/],
    [{ reorder: ['seatId', 'seatStatus'] }, undefined],
    [{ reorder: ['seatId', 'seatId'] }, /two different column names/],
    [{ reorder: 'seatId' }, /two different column names/],
    [{ drop: 'seatId', rename: 'seatStatus' }, /exactly one of/],
    [{ drop: 'seatId', to: 'x' }, /unexpected "to" in a drop change/],
    [{}, /exactly one of/],
    ['drop', /expected one of/],
  ])('%j → %s', (change, problem) => {
    const found = headerChangeProblem('seat', change);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toMatch(problem);
  });

  it('is a fault the fault parser checks', () => {
    expect(parseFaults({ headerChanges: { seat: { drop: 'seatStatus' } } })).toEqual({ headerChanges: { seat: { drop: 'seatStatus' } } });
    expect(() => parseFaults({ headerChanges: { clicks: { drop: 'x' } } })).toThrow(/unknown export type "clicks"/);
    expect(() => parseFaults({ headerChanges: { activity: { drop: 'seatStatus' } } })).toThrow(
      /headerChanges\.activity.*"seatStatus" is not a activity column/,
    );
    expect(() => parseFaults({ headerChanges: [] })).toThrow(/must be an object/);
  });

  it('splits rendered rows into raw fields, quotes kept', () => {
    const fields = rawFields(Buffer.from('a,"b, ""c""\nd",,e'));
    expect(fields.map((field) => Buffer.from(field).toString())).toEqual(['a', '"b, ""c""\nd"', '', 'e']);
  });
});

describe('header change flags', () => {
  it.each<[string, ExportType, HeaderChange]>([
    ['seat:append:seatRegion', 'seat', { append: 'seatRegion' }],
    ['seat:append:seatRegion=EMEA', 'seat', { append: 'seatRegion', value: 'EMEA' }],
    ['activityOutcome:rename:activityOutcome=outcome', 'activityOutcome', { rename: 'activityOutcome', to: 'outcome' }],
    ['activity:drop:memberIdentityKey', 'activity', { drop: 'memberIdentityKey' }],
    ['activity:reorder:createdAt,seatId', 'activity', { reorder: ['createdAt', 'seatId'] }],
    ['activity:append:a:b', 'activity', { append: 'a:b' }],
  ])('%s', (text, exportType, change) => {
    expect(parseHeaderChangeFlag(text)).toEqual({ exportType, change });
  });

  it.each([
    ['clicks:drop:x', /is not TYPE:append/],
    ['seat:drop', /is not TYPE:append/],
    ['seat:swap:a,b', /unknown change "swap"/],
    ['seat:rename:seatStatus', /"" is not a column name/],
    ['seat:reorder:seatId', /"" is not a seat column/],
  ])('refuses %s', (text, message) => {
    expect(() => parseHeaderChangeFlag(text)).toThrow(message);
  });

  it('takes one change per export type', () => {
    expect(headerChangesFromFlags(['seat:drop:seatStatus', 'activity:append:x'])).toEqual({
      seat: { drop: 'seatStatus' },
      activity: { append: 'x' },
    });
    expect(() => headerChangesFromFlags(['seat:drop:seatStatus', 'seat:append:x'])).toThrow(/one header change per export type/);
  });

  it('reaches the simulator from its CLI, beside --faults', () => {
    expect(
      parseCli([
        '--faults',
        '{"throttle":{"count":1}}',
        '--header-change',
        'seat:rename:seatStatus=status',
        '--header-change',
        'activity:append:x',
      ]),
    ).toMatchObject({
      faults: { throttle: { count: 1 }, headerChanges: { seat: { rename: 'seatStatus', to: 'status' }, activity: { append: 'x' } } },
    });
    expect(() => parseCli(['--header-change', 'seat:drop:nope'])).toThrow(/^--header-change "seat:drop:nope": "nope" is not a seat column/);
  });
});

describe('the simulator under a header change', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator({ rowsPerDay: 5 });
  });
  afterEach(() => sim.close());

  const download = async (action: string) => {
    const job = await completedJob(sim, undefined, action);
    const res = await fetch(job.downloadUrl!);
    const { bytes } = await readAll(res);
    expect(Number(res.headers.get('content-length'))).toBe(bytes.length);
    return { job, rows: records(bytes) };
  };

  it('serves the changed file for that type only, with its rowCount, and a job keeps the header it was made with', async () => {
    sim.faults.headerChanges = { seat: { rename: 'seatStatus', to: 'status' } };
    const seat = await download('exportSeatData');
    expect(seat.rows[0]).toEqual(columnNames('seat').map((name) => (name === 'seatStatus' ? 'status' : name)));
    expect(seat.rows).toHaveLength(seat.job.rowCount! + 1);
    expect((await download('exportActivityData')).rows[0]).toEqual(columnNames('activity'));

    // Lifted: a new job has the built-in header; the earlier one still serves its own file.
    sim.clearFaults();
    expect((await download('exportSeatData')).rows[0]).toEqual(columnNames('seat'));
    expect(records((await readAll(await fetch(seat.job.downloadUrl!))).bytes)[0]).toContain('status');
  });

  it('applies to every window length (3 days here)', async () => {
    sim.faults.headerChanges = { activity: { append: 'campaignId', value: 'c-1' } };
    const { rows, job } = await download('exportActivityData');
    expect(job.rowCount).toBe(15);
    expect(rows.slice(1).every((row) => row.at(-1) === 'c-1' && row.length === 6)).toBe(true);
    expect(WINDOW.endAt - WINDOW.startAt).toBe(3 * 86_400_000);
  });
});
