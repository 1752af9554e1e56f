/**
 * The one definition of each export type's columns (lambdas/shared/contract/export-schemas.ts):
 * what each type reads as, and that the simulator's files (quirks included: quoted fields with
 * commas, quotes and line breaks) parse with those types row by row, so a file whose rows do not
 * fit the tables is found here and not by a user.
 */
import { parse } from 'csv-parse/sync';
import { columnNames, EXPORT_COLUMNS, type ExportColumn, fieldFits } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import { CSV_HEADERS, type CsvSpec, TILE_ROWS } from '../../local/simulator/csv-rows';
import { csvChunks } from '../../local/simulator/csv-stream';

const col = (type: ExportColumn['type'], nullable = false): ExportColumn => ({ name: 'c', type, nullable, source: 'assumed' });

describe('fieldFits', () => {
  it.each([
    ['string', '', true],
    ['string', 'a, "quoted"\nvalue', true],
    ['bigint', '123456789012345', true],
    ['bigint', '12a', false],
    ['bigint', '', false],
    ['integer', '2147483647', true],
    ['integer', '2147483648', false],
    ['decimal', '87.25', true],
    ['decimal', '87.', false],
    ['timestamp', '11-30-2026 23:59:59', true],
    ['timestamp', '2026-11-30 23:59:59', false],
    ['timestamp', '13-01-2026 00:00:00', false],
    ['timestamp', '02-30-2026 00:00:00', false],
    ['timestamp', '11-30-2026 24:00:00', false],
    ['date', '11-30-2026', true],
    ['date', '30-11-2026', false],
  ] as const)('%s %j → %s', (type, value, fits) => {
    expect(fieldFits(value, col(type))).toBe(fits);
  });

  it('takes an empty field only where the column may be empty', () => {
    expect(fieldFits('', col('bigint', true))).toBe(true);
    expect(fieldFits('', col('timestamp'))).toBe(false);
  });
});

describe('the columns', () => {
  it('are the documented activity columns, and assumptions for outcome and seat', () => {
    expect(columnNames('activity')).toEqual(['activityId', 'activityType', 'createdAt', 'seatId', 'memberIdentityKey']);
    expect(EXPORT_COLUMNS.activity.every((c) => c.source === 'documented')).toBe(true);
    expect(EXPORT_COLUMNS.activityOutcome.every((c) => c.source === 'assumed')).toBe(true);
    expect(EXPORT_COLUMNS.seat.every((c) => c.source === 'assumed')).toBe(true);
    expect(EXPORT_COLUMNS.activity.find((c) => c.name === 'createdAt')?.type).toBe('timestamp');
  });

  it('are the simulator headers', () => {
    for (const exportType of EXPORT_TYPES) expect([...CSV_HEADERS[exportType]]).toEqual(columnNames(exportType));
  });
});

describe.each(EXPORT_TYPES)('a simulated %s file', (exportType) => {
  const spec: CsvSpec = {
    contract: 'urn:li:contract:123456',
    exportType,
    startAt: Date.UTC(2026, 10, 1),
    endAt: Date.UTC(2026, 10, 8),
    seed: 7,
    rows: 2 * TILE_ROWS + 17,
    // Quirks: quoted fields holding commas, quotes and line breaks; CR LF line endings.
    quirks: true,
    lineEnding: '\r\n',
  };

  it('has the header of its columns, and every row parses with their types', () => {
    const text = Buffer.concat([...csvChunks(spec)]).toString('utf8');
    // The quirks are there: a quoted field with a comma, one with a line break, an escaped quote.
    expect(text).toMatch(/"[^"]*,[^"]*"/);
    expect(text).toMatch(/"[^"]*\n[^"]*"/);
    expect(text).toContain('""');
    const [header, ...rows] = parse(text, { relax_column_count: true }) as string[][];
    const columns = EXPORT_COLUMNS[exportType];

    expect(header).toEqual(columnNames(exportType));
    expect(rows).toHaveLength(spec.rows);
    const misfits = rows.flatMap((row, i) =>
      row.length !== columns.length
        ? [`row ${i}: ${row.length} fields`]
        : columns.flatMap((c, k) => (fieldFits(row[k] ?? '', c) ? [] : [`row ${i} ${c.name}: ${JSON.stringify(row[k])}`])),
    );
    expect(misfits).toEqual([]);
  });
});
