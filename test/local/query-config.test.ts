/**
 * What `npm run query` takes from the deployment's configuration and the landed data beyond the
 * CSVs: cdk.json's `expectedColumns` (the tables' columns in Athena too), and zero-byte objects
 * (LinkedIn's empty file for a day without rows), which hold no rows.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { expectedColumnsFromCdkJson } from '../../local/query/cli';
import { checkHeaders, type LocalData, SourceError } from '../../local/query/sources';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'query-config-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const cdkJson = (context: unknown): string => {
  const file = path.join(dir, 'cdk.json');
  writeFileSync(file, JSON.stringify({ app: 'x', context }));
  return file;
};

describe('expectedColumnsFromCdkJson', () => {
  it('reads salesNavExport.expectedColumns, and nothing when absent', () => {
    const seat = [...columnNames('seat'), 'region'];
    expect(expectedColumnsFromCdkJson(cdkJson({ salesNavExport: { expectedColumns: { seat } } }))).toEqual({ seat });
    expect(expectedColumnsFromCdkJson(cdkJson({ salesNavExport: { contracts: [] } }))).toBeUndefined();
    expect(expectedColumnsFromCdkJson(path.join(dir, 'missing.json'))).toBeUndefined();
  });

  it('refuses a setting the deployment would refuse, naming it', () => {
    const file = cdkJson({ salesNavExport: { expectedColumns: { seats: ['seatId'] } } });
    expect(() => expectedColumnsFromCdkJson(file)).toThrow(SourceError);
    expect(() => expectedColumnsFromCdkJson(file)).toThrow(/"salesNavExport\.expectedColumns": unknown export type "seats"/);
  });
});

describe('checkHeaders', () => {
  const data = (files: Record<string, string>): LocalData => {
    const paths = Object.entries(files).map(([name, text]) => {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      return file;
    });
    return {
      root: dir,
      description: 'test data',
      files: { activity: paths, activityOutcome: [], seat: [] },
      ignored: [],
      close: async () => undefined,
    };
  };

  it('leaves out zero-byte objects and keeps the others', () => {
    const header = `${columnNames('activity').join(',')}\n`;
    const checked = checkHeaders(data({ 'empty.csv': '', 'day.csv': header }));
    expect(checked.files.activity.map((f) => path.basename(f))).toEqual(['day.csv']);
  });

  it('checks each file against the configured columns', () => {
    const configured = [...columnNames('activity').slice(0, 2), 'when', ...columnNames('activity').slice(3)];
    const files = data({ 'day.csv': `${configured.join(',')}\n` });
    expect(() => checkHeaders(files)).toThrow(/does not fit its table/);
    expect(checkHeaders(files, () => configured).files.activity).toHaveLength(1);
  });
});
