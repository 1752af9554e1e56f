/**
 * Partner scale through the real ASL (docs/design.md, "Partner scale"): 20 contracts found by the
 * Plan through the contracts finder, each (contract, export type) pair in its own child execution
 * of the emulated Map Run, failures isolated and reported, a rerun of the failed pairs only, and a
 * run in which every pair is refused for the same reason. Each test has an S3 directory of its own:
 * the export ledger there remembers the days landed, and a later run of them would skip them.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSimulator, type Simulator } from '../../local/simulator';
import { runLocal, type RunLocalOptions, type RunLocalResult } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import { EXPORT_TYPES } from '../../lambdas/shared/contract/export-types';
import { PARTIAL_FAILURE, reportUriFromCause } from '../../lambdas/shared/contract/run-report';
import { formatUtcDay } from '../../lambdas/shared/contract/utc-day';
import { HISTORY_EVENT_QUOTA, MAX_RESULTS_IN_TASK, STATE_PAYLOAD_TARGET_BYTES } from '../../lambdas/shared/contract/quotas';

const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1, maxConcurrency: 20 };
const WINDOW = { from: '2025-08-01', to: '2025-08-02' };
const DAY = 86_400_000;

let dataDir: string;
let simulator: Simulator;

beforeAll(async () => {
  await loadLocalWorkflow(STACK_CONFIG);
}, 120_000);

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-partner-'));
  simulator = await startSimulator({ enqueuedMs: 50, processingMs: 150, contractCount: 20 });
});

afterEach(async () => {
  await simulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const run = (options: RunLocalOptions = {}): Promise<RunLocalResult> =>
  runLocal({ simulator, s3Directory: dataDir, stackConfig: STACK_CONFIG, timeScale: 0.2, ...WINDOW, ...options });

/** The local file's modification time of each landed object. */
const mtimes = (result: RunLocalResult): Map<string, number> =>
  new Map(result.exports.map((e) => [e.s3Uri, statSync(result.s3.files[e.s3Uri] ?? '').mtimeMs]));

describe('20 contracts found by the Plan, 2 of them answering 403', () => {
  it('lands 54 objects, reports the 6 failed pairs, and a rerun lands exactly those 6', async () => {
    const refused = [simulator.contracts[3]!.contract, simulator.contracts[11]!.contract];
    simulator.faults.forbiddenContracts = [...refused];

    const first = await run();

    expect(first.status).toBe('FAILED');
    expect(first.error).toBe(PARTIAL_FAILURE);
    expect(first.cause).toMatch(/^6 of 60 pairs failed \(6 LinkedInForbidden\); 54 landed 54 objects\./);
    expect(reportUriFromCause(first.cause)).toBe(first.reportUri);
    expect(first.counts).toMatchObject({ pairs: 60, landed: 54, failed: 6, objects: 54 });
    expect(first.exports).toHaveLength(54);
    expect(new Set(first.exports.map((e) => e.contract)).size).toBe(18);
    expect(first.exports.some((e) => refused.includes(e.contract))).toBe(false);
    expect(first.failed).toHaveLength(6);
    for (const failed of first.failed) {
      expect(refused).toContain(failed.contract);
      expect(failed).toMatchObject({ error: ERROR_NAMES.forbidden, startAt: Date.UTC(2025, 7, 1), endAt: Date.UTC(2025, 7, 2) });
    }
    expect(new Set(first.failed.map((f) => `${f.contract} ${f.exportType}`)).size).toBe(6);
    // No sibling was aborted: every job LinkedIn made ran to COMPLETED and its file was downloaded.
    const jobs = simulator.jobs();
    expect(jobs).toHaveLength(54);
    expect(jobs.every((job) => job.status === 'COMPLETED')).toBe(true);
    expect(simulator.calls.filter((call) => call.route === 'download' && call.status === 200)).toHaveLength(54);
    // Every history and payload stayed far from Step Functions' quotas.
    expect(first.stats).toMatchObject({ children: 60, continuations: 0 });
    expect(first.stats!.maxChildEvents).toBeLessThan(HISTORY_EVENT_QUOTA / 2);
    expect(first.stats!.maxStatePayloadBytes).toBeLessThan(STATE_PAYLOAD_TARGET_BYTES);

    // The 403s are lifted; a rerun of the failed pairs touches nothing that landed.
    delete simulator.faults.forbiddenContracts;
    const landedBefore = mtimes(first);
    simulator.resetCalls();

    const rerun = await run({ rerunOf: first.executionName });

    expect(rerun).toMatchObject({ status: 'SUCCEEDED', error: null, failed: [] });
    expect(rerun.counts).toMatchObject({ pairs: 6, landed: 6, failed: 0, objects: 6 });
    expect(rerun.exports.map((e) => `${e.contract} ${e.exportType}`).sort()).toEqual(
      first.failed.map((f) => `${f.contract} ${f.exportType}`).sort(),
    );
    expect(simulator.countCalls({ route: 'createJob' })).toBe(6);
    expect(simulator.countCalls({ route: 'contracts' })).toBe(0);
    for (const [uri, mtime] of landedBefore) expect(statSync(first.s3.files[uri]!).mtimeMs).toBe(mtime);
  }, 240_000);
});

describe('every pair refused', () => {
  it("ends with the pairs' own error, LinkedInAuthError, when the token is rejected everywhere", async () => {
    const contracts = simulator.contracts.slice(0, 5).map((c) => c.contract);
    simulator.faults.unauthorized = 'revoked';

    const result = await run({ contracts });

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ERROR_NAMES.auth);
    expect(result.cause).toMatch(/^All 15 pairs failed with LinkedInAuthError\. LinkedIn rejected the access token/);
    expect(result.failed).toHaveLength(15);
    expect(result.failed.every((f) => f.error === ERROR_NAMES.auth)).toBe(true);
    expect(result.exports).toEqual([]);
    expect(simulator.jobs()).toHaveLength(0);
  }, 120_000);

  it('fails the Plan, before any job, when discovery itself is refused', async () => {
    simulator.faults.unauthorized = true;

    const result = await run();

    expect(result).toMatchObject({ status: 'FAILED', error: ERROR_NAMES.auth, counts: null, exports: [] });
    expect(simulator.countCalls({ route: 'createJob' })).toBe(0);
  }, 120_000);
});

describe('the run report', () => {
  it('lists every pair in plan order, contracts then export types', async () => {
    const contracts = simulator.contracts.slice(0, 2).map((c) => c.contract);

    const result = await run({ contracts });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.exports.map((e) => [e.contract, e.exportType])).toEqual(
      contracts.flatMap((contract) => EXPORT_TYPES.map((type) => [contract, type])),
    );
  }, 120_000);
});

describe('a pair whose work outgrows one execution', () => {
  it('continues in fresh executions of the continuation machine and lands every day', async () => {
    // 64 days whose files are all "too large": split down to 64 one-day jobs, ~320 Task steps.
    simulator.faults.exceededFileSizeOverDays = 1;
    const contract = simulator.contracts[0]!.contract;

    const result = await run({ contracts: [contract], exportTypes: ['seat'], from: '2025-03-01', to: '2025-05-04' });

    expect(result.status).toBe('SUCCEEDED');
    expect(result.counts).toMatchObject({ pairs: 1, landed: 1, failed: 0, objects: 64 });
    expect(result.stats!.continuations).toBeGreaterThanOrEqual(1);
    expect(result.stats!.maxChildEvents).toBeLessThan(HISTORY_EVENT_QUOTA / 2);
    expect(result.stats!.maxStatePayloadBytes).toBeLessThan(STATE_PAYLOAD_TARGET_BYTES);
    // The pair's state kept the first objects; every one is in S3, one per day.
    expect(result.exports).toHaveLength(MAX_RESULTS_IN_TASK);
    const folder = path.join(dataDir, result.s3.bucket, 'linkedin-sales-navigator', 'seat', `contract=${contract.split(':').pop()}`);
    const days = Array.from({ length: 64 }, (_, k) => Date.UTC(2025, 2, 1) + k * DAY);
    expect(readdirSync(folder).sort()).toEqual(days.map((day) => `dt=${formatUtcDay(day)}`));
    for (const day of days) {
      expect(readdirSync(path.join(folder, `dt=${formatUtcDay(day)}`))).toEqual(
        expect.arrayContaining([`${formatUtcDay(day)}_${formatUtcDay(day + DAY)}.csv._S3rver_object`]),
      );
    }
  }, 240_000);
});
