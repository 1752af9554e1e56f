/**
 * The schema-drift guard end to end (docs/design.md, "Layout"; README, "Schema drift"): the real
 * ASL, copy handler and ledger against the simulator's header faults and s3rver. New columns at
 * the end land, recorded in the manifest, with a SchemaDrift datapoint; any other header change
 * keeps the file under quarantine/, publishes nothing in the table location, and fails the pair
 * with SchemaDrift naming the differences and the setting that would accept the header.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { metrics } from '../../lambdas/shared/powertools';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { runLocal, type RunLocalOptions, type RunLocalResult } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { startSimulator, type Simulator } from '../../local/simulator';

const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1 };
const PREFIX = 'linkedin-sales-navigator';

let dataDir: string;
let simulator: Simulator;
let drift: Array<{ exportType?: string; value: number }>;

beforeAll(async () => {
  await loadLocalWorkflow(STACK_CONFIG);
}, 120_000);

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-schema-drift-'));
  simulator = await startSimulator({ enqueuedMs: 100, processingMs: 300 });
  drift = [];
  // Record the SchemaDrift datapoints the copy handler emits (metrics are disabled in tests).
  jest.spyOn(metrics, 'singleMetric').mockImplementation(() => {
    const dimensions: Record<string, string> = {};
    const single = {
      addDimension: (name: string, value: string) => {
        dimensions[name] = value;
      },
      addMetric: (name: string, _unit: string, value: number) => {
        if (name === 'SchemaDrift') drift.push({ exportType: dimensions.ExportType, value });
      },
    };
    return single as unknown as ReturnType<typeof metrics.singleMetric>;
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  await simulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const run = (options: RunLocalOptions): Promise<RunLocalResult> =>
  runLocal({ simulator, s3Directory: dataDir, stackConfig: STACK_CONFIG, timeScale: 0.5, ...options });

const bucketDir = (result: RunLocalResult): string => path.join(dataDir, result.s3.bucket, PREFIX);
const onDisk = (result: RunLocalResult, s3Uri: string): string =>
  path.join(dataDir, result.s3.bucket, `${s3Uri.slice(`s3://${result.s3.bucket}/`.length)}._S3rver_object`);

/** Every object file under a folder of the bucket (s3rver keeps each object as `<key>._S3rver_object`). */
const objectsUnder = (folder: string): string[] => {
  if (!existsSync(folder)) return [];
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(path.join(dir, entry.name)) : entry.name.endsWith('._S3rver_object') ? [path.join(dir, entry.name)] : [],
    );
  return walk(folder);
};

describe('schema drift', () => {
  it('a column appended at the end lands, is recorded in the manifest and counted as SchemaDrift', async () => {
    simulator.faults.headerChanges = { activity: { append: 'leadSource', value: 'SALES_NAV' } };

    const result = await run({ exportTypes: ['activity'], from: '2025-06-01', to: '2025-06-03' });

    expect(result.status).toBe('SUCCEEDED');
    const [landed] = result.exports;
    const manifest = JSON.parse(readFileSync(onDisk(result, landed!.manifestUri), 'utf8')) as {
      header: string[];
      extraColumns: string[];
      objects: { object: string }[];
    };
    expect(manifest.extraColumns).toEqual(['leadSource']);
    expect(manifest.header).toEqual([...columnNames('activity'), 'leadSource']);
    for (const entry of manifest.objects) {
      expect(readFileSync(onDisk(result, entry.object), 'utf8').split(/\r?\n/)[0]).toBe(
        [...columnNames('activity'), 'leadSource'].join(','),
      );
    }
    expect(drift).toEqual([{ exportType: 'activity', value: 1 }]);
  }, 120_000);

  it.each([
    ['renamed', { rename: 'seatStatus', to: 'status' }, /seatStatus/],
    ['dropped', { drop: 'totalLeadsSaved' }, /totalLeadsSaved/],
    ['moved', { reorder: ['seatHolderName', 'seatStatus'] as [string, string] }, /seatHolderName|seatStatus/],
  ])(
    'a %s column is quarantined: SchemaDrift, nothing in the table location, the setting that accepts it named',
    async (_kind, change, names) => {
      simulator.faults.headerChanges = { seat: change };

      const result = await run({ exportTypes: ['seat'], from: '2025-06-01', to: '2025-06-02' });

      expect(result.status).not.toBe('SUCCEEDED');
      expect(result.error).toBe(ERROR_NAMES.schemaDrift);
      // The run's cause leads with the differences; the pair's whole cause is in the run report.
      expect(result.cause).toMatch(names);
      const report = JSON.parse(readFileSync(onDisk(result, result.reportUri!), 'utf8')) as { pairs: { error: string; cause: string }[] };
      const [pair] = report.pairs;
      expect(pair!.error).toBe(ERROR_NAMES.schemaDrift);
      expect(pair!.cause).toMatch(/Observed header: \[/);
      expect(pair!.cause).toContain('cdk.json "salesNavExport.expectedColumns.seat": [');
      expect(pair!.cause).toContain('/quarantine/seat/contract=123456/2025-06-01_2025-06-02.csv@');
      expect(result.exports).toEqual([]);
      // Nothing in the table location; the whole file, verified, under quarantine/.
      expect(objectsUnder(path.join(bucketDir(result), 'seat'))).toEqual([]);
      const kept = objectsUnder(path.join(bucketDir(result), 'quarantine', 'seat'));
      expect(kept).toHaveLength(1);
      const job = simulator.jobs()[0]!;
      expect(readFileSync(kept[0]!).length).toBeGreaterThan(0);
      expect(pair!.cause).toContain(`job ${job.id}`);
      expect(drift).toEqual([{ exportType: 'seat', value: 1 }]);
    },
    120_000,
  );

  it('the setting the cause names accepts the new header: the same file then lands, without a code change', async () => {
    simulator.faults.headerChanges = { seat: { rename: 'seatStatus', to: 'status' } };
    const accepted = columnNames('seat').map((name) => (name === 'seatStatus' ? 'status' : name));

    const result = await run({
      exportTypes: ['seat'],
      from: '2025-06-01',
      to: '2025-06-02',
      stackConfig: { ...STACK_CONFIG, expectedColumns: { seat: accepted } },
    });

    expect(result.status).toBe('SUCCEEDED');
    expect(objectsUnder(path.join(bucketDir(result), 'seat'))).toHaveLength(1);
    expect(drift).toEqual([]);
  }, 180_000);
});
