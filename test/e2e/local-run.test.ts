/**
 * End to end through the local runner: the ASL CDK synthesizes, executed by
 * aws-local-stepfunctions, every Task running the real handler, against the LinkedIn simulator
 * and s3rver. Each test asserts the run's result and the objects s3rver holds, in an S3 directory
 * of its own: the export ledger there remembers every day landed, and a later run skips them.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { startSimulator, CSV_HEADERS, type Simulator } from '../../local/simulator';
import { summary } from '../../local/runner/render';
import { runLocal, type RunLocalOptions, type RunLocalResult } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { DAY_COLUMN } from '../../lambdas/shared/contract/export-schemas';

// Short, real waits: the Lambdas' policy shrunk through the stack's own configuration keys.
const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1 };
const FAST_SIMULATOR = { enqueuedMs: 100, processingMs: 300 };
const DAY = 86_400_000;

let dataDir: string;
let simulator: Simulator;

beforeAll(async () => {
  // Synthesis takes seconds; do it once, outside the tests' own time.
  await loadLocalWorkflow(STACK_CONFIG);
}, 120_000);

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-local-run-'));
  simulator = await startSimulator(FAST_SIMULATOR);
});

afterEach(async () => {
  await simulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const run = (options: RunLocalOptions): Promise<RunLocalResult> =>
  runLocal({ simulator, s3Directory: dataDir, stackConfig: STACK_CONFIG, timeScale: 0.5, ...options });

/** Parses a landed CSV from the file s3rver keeps it in. */
const landedRows = (result: RunLocalResult, s3Uri: string): string[][] => {
  const file = result.s3.files[s3Uri];
  if (!file) throw new Error(`no local file for ${s3Uri}`);
  return parse(readFileSync(file), { relaxQuotes: false }) as string[][];
};

/** The file s3rver keeps an object of the run's bucket in. */
const onDisk = (result: RunLocalResult, s3Uri: string): string =>
  path.join(dataDir, result.s3.bucket, `${s3Uri.slice(`s3://${result.s3.bucket}/`.length)}._S3rver_object`);

/** Every CSV object key s3rver holds under the bucket. */
const csvKeysOnDisk = (result: RunLocalResult): string[] => {
  const root = path.join(dataDir, result.s3.bucket);
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory()
        ? walk(path.join(dir, entry.name))
        : entry.name.endsWith('.csv._S3rver_object')
          ? [path.relative(root, path.join(dir, entry.name))]
          : [],
    );
  return walk(root).sort();
};

describe('npm start, in-process (runLocal)', () => {
  it.each(EXPORT_TYPES.map((type) => [type]))('lands a verified %s export with its documented header', async (type: ExportType) => {
    const result = await run({ exportTypes: [type], from: '2025-06-01', to: '2025-06-03' });

    expect(result).toMatchObject({ status: 'SUCCEEDED', error: null, cause: null });
    expect(result.exports).toHaveLength(1);
    const [landed] = result.exports;
    expect(landed).toMatchObject({
      exportType: type,
      contract: 'urn:li:contract:123456',
      startAt: Date.UTC(2025, 5, 1),
      endAt: Date.UTC(2025, 5, 3),
      empty: false,
    });
    // Two days: one object per day, each with the header and only its day's rows (its dt partition).
    expect(landed!.objects).toBe(2);
    const manifest = JSON.parse(readFileSync(onDisk(result, landed!.manifestUri), 'utf8')) as {
      objects: { day: string; object: string; rows: number; bytes: number }[];
    };
    expect(manifest.objects.map((o) => o.day)).toEqual(['2025-06-01', '2025-06-02']);
    expect(manifest.objects[0]!.object).toBe(landed!.s3Uri);
    let dataRows = 0;
    for (const entry of manifest.objects) {
      const file = onDisk(result, entry.object);
      expect(entry.object).toContain(`/dt=${entry.day}/`);
      expect(readFileSync(file).length).toBe(entry.bytes);
      const [header, ...rows] = parse(readFileSync(file), { relaxQuotes: false }) as string[][];
      expect(header).toEqual([...CSV_HEADERS[type]]);
      expect(rows).toHaveLength(entry.rows);
      const dayColumn = header!.indexOf(DAY_COLUMN[type]);
      const [yyyy, mm, dd] = entry.day.split('-');
      for (const row of rows) expect(row[dayColumn]!.slice(0, 10)).toBe(`${mm}-${dd}-${yyyy}`);
      dataRows += rows.length;
    }
    expect(dataRows).toBe(landed!.rowCount);
  });

  it('splits a window LinkedIn finds too large and lands one object per part', async () => {
    simulator.faults.exceededFileSizeOverDays = 1;

    const result = await run({ exportTypes: ['activity'], from: '2025-06-01', to: '2025-06-05' });

    expect(result.status).toBe('SUCCEEDED');
    const windows = result.exports.map((e) => [e.startAt, e.endAt]);
    expect(windows).toEqual([0, 1, 2, 3].map((d) => [Date.UTC(2025, 5, 1) + d * DAY, Date.UTC(2025, 5, 1) + (d + 1) * DAY]));
    for (const landed of result.exports) expect(landedRows(result, landed.s3Uri).length - 1).toBe(landed.rowCount);
    // 4 days → 2 × 2 days → 4 × 1 day: 1 + 2 + 4 jobs.
    expect(simulator.countCalls({ route: 'createJob' })).toBe(7);
  });

  it('waits out DATA_DELAY, creates a new job and lands it', async () => {
    simulator.faults.terminalStatus = { status: 'FAILED_DUE_TO_DATA_DELAY', count: 1 };

    const result = await run({ exportTypes: ['seat'], from: '2025-06-01', to: '2025-06-02' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.exports).toHaveLength(1);
    expect(result.exports[0]!.jobIds).toHaveLength(2);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(2);
  });

  it('refreshes an expired download URL with a new GET of the job, not a new job', async () => {
    simulator.faults.expiredUrl = { count: 1 };

    const result = await run({ exportTypes: ['activityOutcome'], from: '2025-06-01', to: '2025-06-02' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.exports[0]!.jobIds).toHaveLength(1);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(1);
    // The check that saw COMPLETED, then the copy's own GET (expired URL) and its refresh.
    expect(simulator.calls.filter((call) => call.route === 'download').every((call) => call.status === 200)).toBe(true);
    expect(landedRows(result, result.exports[0]!.s3Uri).length - 1).toBe(result.exports[0]!.rowCount);
  });

  it('exports nothing when the same command runs twice (already landed), and with force writes the same keys again', async () => {
    const request: RunLocalOptions = { exportTypes: ['activity', 'seat'], from: '2025-07-01', to: '2025-07-02' };

    const first = await run(request);
    const keysAfterFirst = csvKeysOnDisk(first);
    const createsByFirst = simulator.countCalls({ route: 'createJob' });
    const second = await run(request);
    const createsBySecond = simulator.countCalls({ route: 'createJob' }) - createsByFirst;
    const keysAfterSecond = csvKeysOnDisk(second);
    const forced = await run({ ...request, force: true });
    const createsByForced = simulator.countCalls({ route: 'createJob' }) - createsByFirst - createsBySecond;

    expect([first.status, second.status, forced.status]).toEqual(['SUCCEEDED', 'SUCCEEDED', 'SUCCEEDED']);
    expect(first.exports).toHaveLength(2);
    expect(createsByFirst).toBe(2);
    // The second run: every day had landed, so no LinkedIn job, nothing exported, nothing written.
    expect(createsBySecond).toBe(0);
    expect(second.exports).toEqual([]);
    expect(second.counts).toMatchObject({ pairs: 0, alreadyLandedPairs: 2, skippedDays: 2, objects: 0 });
    expect(summary(second)).toMatch(/already landed/);
    expect(keysAfterSecond).toEqual(keysAfterFirst);
    // Forced: new jobs, and the same keys with the same content again.
    expect(createsByForced).toBe(2);
    expect(forced.exports.map((e) => e.s3Uri)).toEqual(first.exports.map((e) => e.s3Uri));
    expect(forced.exports.map((e) => e.sha256)).toEqual(first.exports.map((e) => e.sha256));
    expect(csvKeysOnDisk(forced)).toEqual(keysAfterFirst);
  });

  it('fails an invalid --input with InvalidInput before any LinkedIn call', async () => {
    const result = await run({ inputText: '{"startAt": "2025-13-01", "endAt": "2025-06-02"}' });

    expect(result).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.invalidInput, exports: [] });
    expect(result.cause).toMatch(/startAt/);
    expect(simulator.calls).toHaveLength(0);
  });

  it.each([
    ['null', 'null'],
    ['a number', '5'],
    ['an array', '[]'],
    ['a string', '"x"'],
  ])('fails --input %s with InvalidInput from the Plan before any LinkedIn call', async (_kind, inputText) => {
    const result = await run({ inputText });

    expect(result).toMatchObject({
      status: 'FAILED',
      error: ERROR_NAMES.invalidInput,
      cause: `Invalid input: expected a JSON object such as {} or {"startAt": "2026-11-01", "endAt": "2026-11-08"}, got ${
        inputText === '[]' ? 'an array' : inputText
      }`,
      exports: [],
    });
    expect(simulator.countCalls()).toBe(0);
  });

  it('reports --input that is not JSON as InvalidInput too', async () => {
    const result = await run({ inputText: '{startAt: 1' });

    expect(result).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.invalidInput });
    expect(simulator.calls).toHaveLength(0);
  });
});
