/**
 * The schema-drift guard's verdicts (lambdas/shared/copy/schema-drift.ts) and the SchemaDrift
 * error a quarantined file fails its pair with.
 */
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import { columnNames, expectedColumnsOf, expectedColumnsProblems } from '../../lambdas/shared/contract/export-schemas';
import {
  acceptingSetting,
  compareHeader,
  describeAppended,
  type DriftSubject,
  type HeaderComparison,
  type HeaderDrift,
  MAX_SCHEMA_DRIFT_MESSAGE_CHARS,
  schemaDriftError,
} from '../../lambdas/shared/copy/schema-drift';
import { changedColumns, type HeaderChange } from '../../local/simulator/header-change';

const SEAT = columnNames('seat');
const with_ = (names: readonly string[], replace: Record<string, string>): string[] => names.map((name) => replace[name] ?? name);
const drift = (observed: readonly string[], expected: readonly string[] = SEAT): HeaderDrift => {
  const verdict = compareHeader(observed, expected);
  if (verdict.kind !== 'drift') throw new Error(`expected drift, got ${verdict.kind}`);
  return verdict;
};

const SUBJECT: DriftSubject = {
  exportType: 'seat',
  contract: 'urn:li:contract:123456',
  window: { startAt: Date.UTC(2026, 10, 28), endAt: Date.UTC(2026, 10, 29) },
  jobId: 6000000003,
};
const KEPT = 's3://exports/linkedin-sales-navigator/quarantine/seat/contract=123456/2026-11-28_2026-11-29.csv@2026-11-30T10-00-00.000Z';

describe('compareHeader', () => {
  it('finds the same columns the same', () => {
    expect(compareHeader([...SEAT], SEAT)).toEqual({ kind: 'same' });
  });

  it('lands new columns appended at the end, naming them', () => {
    expect(compareHeader([...SEAT, 'seatRegion', 'team'], SEAT)).toEqual({ kind: 'appended', extra: ['seatRegion', 'team'] });
  });

  it('calls a column missing', () => {
    const verdict = drift(SEAT.filter((name) => name !== 'seatStatus'));
    expect(verdict).toMatchObject({ missing: ['seatStatus'], unexpected: [], renamed: [], moved: [] });
    expect(verdict.summary).toBe('missing "seatStatus"');
  });

  it('calls a name at the same place under another name renamed', () => {
    const verdict = drift(with_(SEAT, { seatStatus: 'status' }));
    expect(verdict).toMatchObject({
      missing: ['seatStatus'],
      unexpected: ['status'],
      renamed: [{ column: 3, expected: 'seatStatus', observed: 'status' }],
    });
    expect(verdict.summary).toBe('column 3 "seatStatus" is now "status"');
  });

  it('says when only case or spaces differ', () => {
    expect(drift(with_(SEAT, { seatId: 'SeatId', seatHolderName: 'seatHolderName ' })).summary).toBe(
      'column 1 "seatId" is now "SeatId" (only case or spaces differ), column 2 "seatHolderName" is now "seatHolderName " (only case or spaces differ)',
    );
  });

  it('calls two swapped columns one move, not a rename', () => {
    const observed = [...SEAT];
    [observed[2], observed[3]] = [observed[3]!, observed[2]!];
    const verdict = drift(observed);
    expect(verdict).toMatchObject({ missing: [], unexpected: [], renamed: [] });
    expect(verdict.moved).toHaveLength(1);
    expect(verdict.summary).toMatch(/^moved "(seatStatus|snapshotDate)" from column [34] to [34]$/);
  });

  it('calls a new column anywhere but the end drift', () => {
    const observed = [...SEAT.slice(0, 2), 'team', ...SEAT.slice(2)];
    expect(drift(observed).summary).toBe('new "team" (column 3)');
  });

  it('calls a repeated name drift, even at the end', () => {
    expect(drift([...SEAT, 'seatId'])).toMatchObject({ duplicated: ['seatId'], summary: 'repeated "seatId"' });
  });

  it('tells a rename and a drop apart in one header', () => {
    const observed = with_(
      SEAT.filter((name) => name !== 'totalLeadsSaved'),
      { seatHolderName: 'holderName' },
    );
    expect(drift(observed).summary).toBe('column 2 "seatHolderName" is now "holderName"; missing "totalLeadsSaved"');
  });

  it('says an empty file has no header', () => {
    expect(drift([]).summary).toBe('the file has no header line (expected 7 columns)');
  });

  it('lists at most a few names per kind of difference', () => {
    const observed = Array.from({ length: 30 }, (_, i) => `c${i}`);
    const verdict = drift(observed);
    expect(verdict.unexpected).toHaveLength(30);
    expect(verdict.summary).toContain('and 22 more');
  });

  it('compares wide headers quickly (greedy beyond the alignment bound)', () => {
    const expected = Array.from({ length: 3000 }, (_, i) => `c${i}`);
    const observed = expected.filter((_, i) => i !== 1500);
    const started = Date.now();
    expect(drift(observed, expected)).toMatchObject({ missing: ['c1500'], moved: [], renamed: [] });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('the simulated header changes (npm start -- --simulator-header-change)', () => {
  it.each<[string, HeaderChange, HeaderComparison['kind']]>([
    ['append', { append: 'seatRegion' }, 'appended'],
    ['rename', { rename: 'seatStatus', to: 'status' }, 'drift'],
    ['drop', { drop: 'seatStatus' }, 'drift'],
    ['reorder', { reorder: ['seatStatus', 'snapshotDate'] }, 'drift'],
  ])('%s → %s', (_kind, change, verdict) => {
    const observed = changedColumns(SEAT, change).names;
    expect(compareHeader(observed, SEAT).kind).toBe(verdict);
    // Accepting what was observed makes it the same.
    const accepted = expectedColumnsOf('seat', { seat: observed }).map((c) => c.name);
    expect(compareHeader(observed, accepted)).toEqual({ kind: 'same' });
  });
});

describe('acceptingSetting', () => {
  it('is the cdk.json key and the npm start option, with the header as it is', () => {
    const observed = with_(SEAT, { seatStatus: "it's status" });
    const setting = acceptingSetting('seat', observed);
    expect(setting).toEqual({
      kind: 'setting',
      deployed: `cdk.json "salesNavExport.expectedColumns.seat": ${JSON.stringify(observed)}`,
      local: `npm start -- --expected-columns '${JSON.stringify({ seat: observed }).replace("'", "'\\''")}'`,
    });
    // What it sets is valid configuration.
    expect(expectedColumnsProblems({ seat: observed })).toEqual([]);
  });

  it('is none, with the reason, for a header configuration cannot accept', () => {
    expect(acceptingSetting('seat', with_(SEAT, { snapshotDate: 'day' }))).toEqual({
      kind: 'none',
      reason: 'must include "snapshotDate": the copy splits each seat file into days by that column',
    });
    expect(acceptingSetting('seat', [...SEAT, 'a,b'])).toMatchObject({ kind: 'none', reason: expect.stringMatching(/^column 8 "a,b": /) });
  });
});

describe('schemaDriftError', () => {
  it('names the pair, the differences, the observed header, where the file is and the setting that accepts it', () => {
    const observed = with_(SEAT, { seatStatus: 'status' });
    const error = schemaDriftError(SUBJECT, observed, drift(observed), KEPT);
    expect(error).toBeInstanceOf(NamedError);
    expect(error.name).toBe(ERROR_NAMES.schemaDrift);
    expect(error.name).toBe('SchemaDrift');
    expect(error.message).toBe(
      'The seat file of urn:li:contract:123456, 2026-11-28..2026-11-29 (end exclusive, job 6000000003) does not have the expected ' +
        'columns, so nothing was published: column 3 "seatStatus" is now "status". ' +
        `Observed header: ${JSON.stringify(observed)}. The file was kept, verified, at ${KEPT}. ` +
        `To accept it, set cdk.json "salesNavExport.expectedColumns.seat": ${JSON.stringify(observed)} and deploy again; ` +
        `for a local run, the same cdk.json key or npm start -- --expected-columns '${JSON.stringify({ seat: observed })}'.`,
    );
  });

  it('says when configuration cannot accept the header', () => {
    const observed = SEAT.filter((name) => name !== 'snapshotDate');
    expect(schemaDriftError(SUBJECT, observed, drift(observed), KEPT).message).toContain(
      'This header cannot be accepted by configuration (must include "snapshotDate"',
    );
  });

  it('stays under the cause bound for a huge header, differences first, the setting pointed at', () => {
    const observed = [...Array.from({ length: 2000 }, (_, i) => `someVeryLongColumnName${i}`), 'snapshotDate'];
    const error = schemaDriftError({ ...SUBJECT, jobId: undefined }, observed, drift(observed), `${KEPT}${'x'.repeat(1000)}`);
    expect(error.message.length).toBeLessThanOrEqual(MAX_SCHEMA_DRIFT_MESSAGE_CHARS);
    expect(error.message).toMatch(/^The seat file of urn:li:contract:123456, 2026-11-28\.\.2026-11-29 \(end exclusive\) does not/);
    expect(error.message).toContain("(2001 columns; the whole header is the kept file's first line)");
    expect(error.message).toContain('list the kept file\'s first line, name by name, in cdk.json "salesNavExport.expectedColumns.seat"');
  });

  it('keeps the setting exact when it fits, dropping the local repeat first', () => {
    const observed = [...Array.from({ length: 25 }, (_, i) => `column_number_${i}`), 'snapshotDate'];
    const message = schemaDriftError(SUBJECT, observed, drift(observed), KEPT).message;
    expect(message.length).toBeLessThanOrEqual(MAX_SCHEMA_DRIFT_MESSAGE_CHARS);
    expect(message).toContain(`cdk.json "salesNavExport.expectedColumns.seat": ${JSON.stringify(observed)}`);
  });
});

describe('describeAppended', () => {
  it('is the warning for a file that landed with new columns', () => {
    expect(describeAppended(SUBJECT, ['seatRegion'])).toBe(
      'The seat file of urn:li:contract:123456, 2026-11-28..2026-11-29 (end exclusive, job 6000000003) has 1 new column(s) after ' +
        'the expected ones: "seatRegion". It landed; the tables read the expected columns and ignore the new ones until ' +
        'cdk.json "salesNavExport.expectedColumns.seat" lists them.',
    );
  });
});
