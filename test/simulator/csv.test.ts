import { parse } from 'csv-parse/sync';
import { CSV_HEADERS, renderRow, rowModel, TILE_ROWS, type CsvSpec } from '../../local/simulator/csv-rows';
import { csvByteSize, csvChunks } from '../../local/simulator/csv-stream';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';

const spec = (overrides: Partial<CsvSpec> = {}): CsvSpec => ({
  contract: 'urn:li:contract:123456',
  exportType: 'activity',
  startAt: Date.UTC(2026, 0, 1),
  endAt: Date.UTC(2026, 0, 31),
  seed: 1,
  rows: 2 * TILE_ROWS + 345,
  quirks: true,
  lineEnding: '\n',
  ...overrides,
});

const file = (s: CsvSpec, chunkBytes?: number): Buffer => Buffer.concat([...csvChunks(s, chunkBytes)]);

describe.each(EXPORT_TYPES)('%s CSV', (exportType) => {
  it('streams exactly the header plus every rendered row, across tiles and chunk sizes', () => {
    const s = spec({ exportType });
    const model = rowModel(s);
    const expected = model.header.toString() + Array.from({ length: s.rows }, (_, i) => renderRow(model, i)).join('');
    expect(file(s).toString('utf8')).toBe(expected);
    expect(file(s, 1000).toString('utf8')).toBe(expected);
  });

  it('computes its byte size without rendering, exactly', () => {
    for (const rows of [0, 1, TILE_ROWS - 1, TILE_ROWS, 3 * TILE_ROWS + 7]) {
      const s = spec({ exportType, rows });
      expect(csvByteSize(s)).toBe(file(s).length);
    }
    const model = rowModel(spec({ exportType }));
    const mismatches = Array.from({ length: 3000 }, (_, i) => i).filter(
      (i) => model.rowBytes(i) !== Buffer.byteLength(renderRow(model, i)),
    );
    expect(mismatches).toEqual([]);
  });

  it('parses with a real CSV parser: documented header, exactly `rows` records, quoted newlines included', () => {
    const s = spec({ exportType });
    const text = file(s).toString('utf8');
    const records = parse(text, { columns: true }) as Record<string, string>[];
    expect(Object.keys(records[0]!)).toEqual(CSV_HEADERS[exportType]);
    expect(records).toHaveLength(s.rows);
    // The quirks put quoted commas, quotes and newlines into the file: a line count would be wrong.
    expect(text.split('\n').length - 2).toBeGreaterThan(s.rows);
    expect(records.some((record) => Object.values(record).some((value) => value.includes('\n')))).toBe(true);
    expect(records.some((record) => Object.values(record).some((value) => value.includes('"')))).toBe(true);
  });

  it('is deterministic in (contract, type, window, seed) and changes with each of them', () => {
    const base = file(spec({ exportType }));
    expect(file(spec({ exportType })).equals(base)).toBe(true);
    for (const change of [{ contract: 'urn:li:contract:999' }, { seed: 2 }, { startAt: Date.UTC(2026, 0, 2) }]) {
      expect(file(spec({ exportType, ...change })).equals(base)).toBe(false);
    }
  });

  it('is a header-only file with zero rows', () => {
    expect(file(spec({ exportType, rows: 0 })).toString()).toBe(`${CSV_HEADERS[exportType].join(',')}\n`);
  });

  it('supports CRLF line endings and plain values without quirks', () => {
    const s = spec({ exportType, lineEnding: '\r\n', quirks: false });
    const text = file(s).toString('utf8');
    expect(text.split('\r\n')).toHaveLength(s.rows + 2);
    expect(csvByteSize(s)).toBe(Buffer.byteLength(text));
  });
});

describe('activity CSV content', () => {
  const records = parse(file(spec()), { columns: true }) as Record<string, string>[];

  it('writes createdAt as MM-DD-YYYY HH:MM:SS (UTC), spread over the window in order', () => {
    const times = records.map((record) => {
      const match = /^(\d\d)-(\d\d)-(\d{4}) (\d\d):(\d\d):(\d\d)$/.exec(record.createdAt!);
      expect(match).not.toBeNull();
      const [, mm, dd, yyyy, h, m, sec] = match!.map(Number) as number[];
      return Date.UTC(yyyy!, mm! - 1, dd, h, m, sec);
    });
    expect(times[0]).toBe(Date.UTC(2026, 0, 1));
    expect(times.at(-1)!).toBeLessThan(Date.UTC(2026, 0, 31));
    expect(times.at(-1)!).toBeGreaterThan(Date.UTC(2026, 0, 30));
    expect(times.every((t, k) => k === 0 || t >= times[k - 1]!)).toBe(true);
  });

  it('has unique activity ids, numeric seat ids, and memberIdentityKey empty for non-lead activities', () => {
    expect(new Set(records.map((record) => record.activityId)).size).toBe(records.length);
    expect(records.every((record) => /^\d+$/.test(record.seatId!))).toBe(true);
    expect(records.filter((r) => r.activityType === 'SAVED_ACCOUNT').every((r) => r.memberIdentityKey === '')).toBe(true);
    expect(records.filter((r) => r.activityType === 'SAVED_LEAD').every((r) => r.memberIdentityKey !== '')).toBe(true);
  });
});
