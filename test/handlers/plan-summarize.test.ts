/**
 * The run-level handlers against real parts: the Plan discovers contracts through the LinkedIn
 * simulator's finder and writes the run's items to s3rver, or plans a rerun from a run report in
 * s3rver; the Summarize step reads a Map Run's results in AWS's ResultWriter layout from s3rver
 * and writes the run report there.
 */
import { NO_LEDGER_NOTES } from '../../lambdas/shared/workflow/claim-steps';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startSimulator, generatedContractUrn, type Simulator } from '../../local/simulator';
import { TOLERATED_FAILURE_EXCEEDED } from '../../lambdas/shared/contract/map-run';
import { reportUriFromCause, type RunReport, runReportSchema, type RunSummary } from '../../lambdas/shared/contract/run-report';
import type { ExportTask, PlanResult, SummarizeEvent } from '../../lambdas/shared/contract/state';
import { localAuthorizationPlace, plainTokenAuthorizations } from '../../local/runner/local-tokens';
import { createPlanHandler } from '../../lambdas/shared/handlers/plan';
import { createSummarizeHandler } from '../../lambdas/shared/handlers/summarize';
import { createLinkedInClient } from '../../lambdas/shared/linkedin/from-config';
import { runKeys } from '../../lambdas/shared/workflow/keys';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { type Handler, lambdaContext } from '../helpers/lambda-context';
import { rejectionOf } from '../helpers/rejection';
import {
  contractUrn,
  executionArnOf,
  failedChild,
  finishedTask,
  lambdaCause,
  MAP_RUN_ARN,
  NOV_1_TO_8,
  pendingChild,
  plannedPairs,
  putText,
  readJson,
  type ResultFileContent,
  runReportOf,
  succeededChild,
  utcDay,
  writeMapRunResults,
} from '../helpers/run-fixtures';
import { handlerConfig } from '../helpers/runtime-config';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';

const BUCKET = 'exports';
const PREFIX = 'li/';
const TYPES = ['activity', 'activityOutcome', 'seat'] as const;
const STARTED = '2026-11-28T10:00:00Z';
const NOW = Date.parse('2026-11-28T10:30:00Z');

let sim: Simulator;
let s3: LocalS3;

beforeAll(async () => {
  // 25 contracts with reporting access, and the finder lists them all.
  sim = await startSimulator({ contractCount: 25, forbiddenContractCount: 0 });
  s3 = await startLocalS3(BUCKET);
});

beforeEach(() => sim.resetCalls());

afterAll(async () => {
  await Promise.all([sim?.close(), s3?.close()]);
});

/** The Plan handler of a deployment with `env`, wired as the deployed entry wires it, to s3rver and the simulator. */
const planHandler = (env: Record<string, string> = {}): Handler<unknown, PlanResult> => {
  const config = handlerConfig({ LINKEDIN_API_URL: sim.baseUrl, BUCKET_NAME: BUCKET, KEY_PREFIX: PREFIX, ...env });
  return createPlanHandler(() => ({
    config,
    s3: s3.s3Client,
    linkedIn: () => createLinkedInClient(config, async () => sim.token),
    authorizations: () => plainTokenAuthorizations(sim.token),
    authorizationPlace: localAuthorizationPlace,
    now: Date.now,
  })) as unknown as Handler<unknown, PlanResult>;
};

const plan = (input: unknown, executionName: string, env: Record<string, string> = {}): Promise<PlanResult> =>
  planHandler(env)({ input, executionStartTime: STARTED, executionName, executionArn: executionArnOf(executionName) }, lambdaContext());

const itemsOf = async (result: PlanResult): Promise<ExportTask[]> =>
  (await readJson(s3.s3Client, result.run.bucket, result.run.itemsKey)) as ExportTask[];

const exists = async (key: string): Promise<boolean> => {
  const listed = await s3.s3Client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
  return (listed.Contents ?? []).some((object) => object.Key === key);
};

/** Writes the Map Run's result files and manifest to s3rver, as the ResultWriter does. */
const writeResults = (files: Partial<Record<'SUCCEEDED' | 'FAILED' | 'PENDING', ResultFileContent>>) =>
  writeMapRunResults(s3.s3Client, BUCKET, PREFIX, files);

const WEEK = { startAt: '2026-11-01', endAt: '2026-11-08' };

describe('Plan: discovery through the finder', () => {
  it('no contracts configured, discovery on: 25 discovered contracts × 3 types, written to items.json', async () => {
    const result = await plan(WEEK, 'discover-1', { DISCOVER_CONTRACTS: 'true' });
    const expected = Array.from({ length: 25 }, (_, k) => generatedContractUrn(k)).flatMap((urn) => TYPES.map((type) => [urn, type]));
    expect(result).toMatchObject({ pairs: 75, contracts: 25, exportTypes: [...TYPES], window: NOV_1_TO_8 });
    expect(result.run.itemsKey).toBe(runKeys(PREFIX, 'discover-1').itemsKey);
    const items = await itemsOf(result);
    expect(items.map((t) => [t.contract, t.exportType])).toEqual(expected);
    expect(items.every((t) => t.next === 'claim' && t.steps === 0 && t.pending.length === 1)).toBe(true);
    expect(sim.countCalls({ route: 'contracts' })).toBeGreaterThan(0);
    expect(sim.countCalls({ route: 'createJob' })).toBe(0);
  });

  it('the configured contracts come first, a discovered one already configured is planned once', async () => {
    const configured = `${generatedContractUrn(3)},${contractUrn(42)}`;
    const result = await plan(WEEK, 'discover-2', { DISCOVER_CONTRACTS: 'true', CONTRACTS: configured, EXPORT_TYPES: 'seat' });
    const contracts = (await itemsOf(result)).map((t) => t.contract);
    expect(contracts.slice(0, 4)).toEqual([generatedContractUrn(3), contractUrn(42), generatedContractUrn(0), generatedContractUrn(1)]);
    expect(contracts).toHaveLength(26);
    expect(new Set(contracts).size).toBe(26);
    expect(result).toMatchObject({ pairs: 26, contracts: 26, exportTypes: ['seat'] });
  });

  it('contracts named in the input are exactly what is planned: the finder is not asked', async () => {
    const result = await plan({ ...WEEK, contracts: [contractUrn(7)] }, 'discover-3', { DISCOVER_CONTRACTS: 'true' });
    expect((await itemsOf(result)).map((t) => [t.contract, t.exportType])).toEqual(TYPES.map((type) => [contractUrn(7), type]));
    expect(sim.countCalls()).toBe(0);
  });
});

describe('Plan: rerun of an earlier execution', () => {
  const putReport = (executionName: string, report: RunReport | string) =>
    putText(s3.s3Client, BUCKET, runKeys(PREFIX, executionName).reportKey, typeof report === 'string' ? report : JSON.stringify(report));

  it('reads the report from S3 and plans exactly its failed pairs, over their own windows', async () => {
    const week = plannedPairs([101, 102]);
    const long = plannedTask('seat', contractUrn(103), [{ startAt: utcDay('2026-01-01'), endAt: utcDay('2026-07-20') }]);
    await putReport(
      'nightly-1',
      runReportOf('nightly-1', [
        ...week.map((task, i) =>
          task.contract === contractUrn(102) && task.exportType !== 'seat'
            ? failedChild(task, i, 'LinkedInForbidden', lambdaCause('LinkedInForbidden', 'no reporting access'))
            : succeededChild(task, i),
        ),
        failedChild(long, 6, 'PollDeadlineExceeded', 'still PROCESSING'),
      ]),
    );

    const result = await plan({ rerunOf: 'nightly-1' }, 'nightly-1-rerun', { CONTRACTS: contractUrn(999) });
    const items = await itemsOf(result);
    expect(items.map((t) => [t.contract, t.exportType, t.pending])).toEqual([
      [contractUrn(102), 'activity', [NOV_1_TO_8]],
      [contractUrn(102), 'activityOutcome', [NOV_1_TO_8]],
      [
        contractUrn(103),
        'seat',
        [
          { startAt: utcDay('2026-01-01'), endAt: utcDay('2026-04-01') },
          { startAt: utcDay('2026-04-01'), endAt: utcDay('2026-06-30') },
          { startAt: utcDay('2026-06-30'), endAt: utcDay('2026-07-20') },
        ],
      ],
    ]);
    expect(result).toMatchObject({
      pairs: 3,
      contracts: 2,
      exportTypes: ['activity', 'activityOutcome', 'seat'],
      // The run's window spans its pairs' windows.
      window: { startAt: utcDay('2026-01-01'), endAt: NOV_1_TO_8.endAt },
      run: { executionName: 'nightly-1-rerun', itemsKey: 'li/runs/nightly-1-rerun/items.json' },
    });
    expect(sim.countCalls()).toBe(0);
  });

  it('an execution without a report is InvalidInput naming the report key', async () => {
    const error = await rejectionOf(plan({ rerunOf: 'never-summarized' }, 'rerun-2'));
    expect(error.name).toBe('InvalidInput');
    expect(error.message).toBe(
      'Invalid input: rerunOf: no run report for execution never-summarized (s3://exports/li/runs/never-summarized/report.json); ' +
        'did that execution reach "Summarize run"?',
    );
    expect(await exists(runKeys(PREFIX, 'rerun-2').itemsKey)).toBe(false);
  });

  it('a report that is not JSON, or has nothing failed, is InvalidInput and plans nothing', async () => {
    await putReport('garbled', '{"version": 1, "pairs": [');
    const garbled = await rejectionOf(plan({ rerunOf: 'garbled' }, 'rerun-3'));
    expect(garbled).toMatchObject({ name: 'InvalidInput', message: 'Invalid input: rerunOf: the run report of garbled is not JSON' });

    await putReport(
      'all-landed',
      runReportOf(
        'all-landed',
        plannedPairs([1]).map((task, i) => succeededChild(task, i)),
      ),
    );
    const landed = await rejectionOf(plan({ rerunOf: 'all-landed' }, 'rerun-4'));
    expect(landed).toMatchObject({
      name: 'InvalidInput',
      message: 'Invalid input: rerunOf: every pair of all-landed landed; there is nothing to run again',
    });
    expect(await exists(runKeys(PREFIX, 'rerun-3').itemsKey)).toBe(false);
    expect(await exists(runKeys(PREFIX, 'rerun-4').itemsKey)).toBe(false);
  });
});

describe('Summarize: the Map Run results in S3 become the run report', () => {
  const summarize = createSummarizeHandler(() => ({
    config: handlerConfig({ BUCKET_NAME: BUCKET, KEY_PREFIX: PREFIX }),
    s3: s3.s3Client,
    now: () => NOW,
  })) as unknown as Handler<SummarizeEvent, RunSummary>;

  /** What the state machine hands the Summarize step: the Plan's output and the Map's output or error. */
  const summarizeEvent = (
    executionName: string,
    pairs: number,
    map: Pick<SummarizeEvent, 'mapRun' | 'mapFailure'>,
    alreadyLanded: SummarizeEvent['alreadyLanded'] = { pairs: 0, days: 0 },
  ): SummarizeEvent => ({
    run: { bucket: BUCKET, executionName, executionArn: executionArnOf(executionName), ...runKeys(PREFIX, executionName) },
    pairs,
    alreadyLanded,
    contracts: Math.ceil(pairs / 3),
    exportTypes: [...TYPES],
    window: NOV_1_TO_8,
    ...map,
  });

  const reportOf = async (executionName: string): Promise<RunReport> =>
    runReportSchema.parse(await readJson(s3.s3Client, BUCKET, runKeys(PREFIX, executionName).reportKey));

  const reportUri = (executionName: string) => `s3://exports/li/runs/${executionName}/report.json`;

  it('reads the manifest, SUCCEEDED_0.json and FAILED_0.json; writes the report; returns the bounded summary', async () => {
    const pairs = plannedPairs([101, 102]);
    const forbidden = pairs.filter((task) => task.contract === contractUrn(102));
    const landed = pairs.filter((task) => task.contract === contractUrn(101));
    const mapRun = await writeResults({
      SUCCEEDED: landed.map((task, i) => succeededChild(task, i)),
      FAILED: forbidden.map((task, i) =>
        failedChild(task, 3 + i, 'LinkedInForbidden', lambdaCause('LinkedInForbidden', 'LinkedIn answered 403 for urn:li:contract:102')),
      ),
    });

    const summary = await summarize(summarizeEvent('run-1', 6, { mapRun }), lambdaContext());
    expect(summary).toMatchObject({
      outcome: 'partial',
      error: 'PartialFailure',
      counts: { pairs: 6, landed: 3, failed: 3, objects: 3, rows: 30 },
      reportUri: reportUri('run-1'),
      exportsOmitted: 0,
      failedOmitted: 0,
    });
    expect(summary.exports.map((e) => [e.contract, e.exportType])).toEqual(landed.map((t) => [t.contract, t.exportType]));
    expect(summary.failed.map((p) => [p.contract, p.exportType, p.error, p.cause])).toEqual(
      forbidden.map((t) => [t.contract, t.exportType, 'LinkedInForbidden', 'LinkedIn answered 403 for urn:li:contract:102']),
    );
    expect(reportUriFromCause(summary.cause)).toBe(reportUri('run-1'));

    const report = await reportOf('run-1');
    expect(report).toMatchObject({
      version: 1,
      executionName: 'run-1',
      executionArn: executionArnOf('run-1'),
      mapRunArn: MAP_RUN_ARN,
      createdAt: new Date(NOW).toISOString(),
      outcome: 'partial',
      error: 'PartialFailure',
      cause: summary.cause,
      counts: summary.counts,
      failedByError: { LinkedInForbidden: 3 },
    });
    expect(report.pairs.map((p) => [p.contract, p.exportType, p.outcome])).toEqual(
      pairs.map((t) => [t.contract, t.exportType, t.contract === contractUrn(101) ? 'landed' : 'failed']),
    );
  });

  it('every pair landed: succeeded, and the report says so', async () => {
    const pairs = plannedPairs([5]);
    const mapRun = await writeResults({ SUCCEEDED: pairs.map((task, i) => succeededChild(task, i)) });
    const summary = await summarize(summarizeEvent('run-2', 3, { mapRun }), lambdaContext());
    expect(summary).toMatchObject({ outcome: 'succeeded', error: null, cause: null, counts: { landed: 3, failed: 0 } });
    expect(summary.exports).toHaveLength(3);
    expect((await reportOf('run-2')).outcome).toBe('succeeded');
  });

  it('the Map stopped at its tolerated failure threshold: PENDING pairs fail with the Map’s error', async () => {
    const pairs = plannedPairs([1, 2]);
    const mapRun = await writeResults({
      SUCCEEDED: [succeededChild(pairs[0]!, 0)],
      FAILED: [failedChild(pairs[1]!, 1, 'LinkedInAuthError', 'token rejected')],
      PENDING: pairs.slice(2).map((task, i) => pendingChild(task, 2 + i)),
    });
    const summary = await summarize(
      summarizeEvent('run-3', 6, {
        mapRun,
        mapFailure: { Error: TOLERATED_FAILURE_EXCEEDED, Cause: 'The tolerated failure threshold was exceeded.' },
      }),
      lambdaContext(),
    );
    expect(summary).toMatchObject({ outcome: 'partial', error: 'PartialFailure', counts: { pairs: 6, landed: 1, failed: 5 } });
    expect(summary.cause).toContain('The Map stopped at its tolerated failure threshold.');
    const report = await reportOf('run-3');
    expect(report.failedByError).toEqual({ [TOLERATED_FAILURE_EXCEEDED]: 4, LinkedInAuthError: 1 });
    expect(report.pairs.filter((p) => p.error === TOLERATED_FAILURE_EXCEEDED).map((p) => p.cause)).toEqual(
      Array(4).fill('Not run: the Map stopped at its tolerated failure threshold before this pair started.'),
    );
  });

  it('a Map failure without results: failed with the Map’s error, and a report with no pairs', async () => {
    const summary = await summarize(
      summarizeEvent('run-4', 75, {
        mapFailure: { Error: 'States.ItemReaderFailed', Cause: 'Access Denied reading li/runs/run-4/items.json' },
      }),
      lambdaContext(),
    );
    expect(summary).toMatchObject({
      outcome: 'failed',
      error: 'States.ItemReaderFailed',
      cause: `The Distributed Map ended with results for 0 of 75 pairs: States.ItemReaderFailed Access Denied reading li/runs/run-4/items.json. Report: ${reportUri('run-4')}`,
      counts: { pairs: 0, landed: 0, failed: 0 },
      exports: [],
      failed: [],
    });
    const report = await reportOf('run-4');
    expect(report).toMatchObject({ outcome: 'failed', error: 'States.ItemReaderFailed', mapRunArn: null, pairs: [] });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '[{"ExecutionArn": ', /^s3:\/\/exports\/li\/runs\/map-results\/[\w-]+\/FAILED_0\.json is not JSON: /],
    [
      'not an array',
      '{"ExecutionArn": "x"}',
      /^s3:\/\/exports\/li\/runs\/map-results\/[\w-]+\/FAILED_0\.json is not a JSON array of child results$/,
    ],
  ])('a result file that is %s fails with a clear error, and writes no report', async (_case, content, message) => {
    const pairs = plannedPairs([1], ['seat']);
    const mapRun = await writeResults({ SUCCEEDED: [succeededChild(pairs[0]!, 0)], FAILED: content });
    const error = await rejectionOf(summarize(summarizeEvent('run-5', 2, { mapRun }), lambdaContext()));
    expect(error.message).toMatch(message);
    expect(await exists(runKeys(PREFIX, 'run-5').reportKey)).toBe(false);
  });

  describe('what the export ledger changed', () => {
    /** Writes the Plan's list of the pairs it left out, every day landed, as the Plan does. */
    const putAlreadyLanded = (executionName: string, body: unknown) =>
      putText(s3.s3Client, BUCKET, runKeys(PREFIX, executionName).skippedKey, typeof body === 'string' ? body : JSON.stringify(body));

    const NOV_1_TO_3 = { startAt: utcDay('2026-11-01'), endAt: utcDay('2026-11-03') };
    const leftOut = [
      { exportType: 'activity' as const, contract: contractUrn(2), windows: [NOV_1_TO_3], days: 2 },
      { exportType: 'seat' as const, contract: contractUrn(1), windows: [NOV_1_TO_3], days: 2 },
    ];
    const notes = NO_LEDGER_NOTES;

    it('every pair already landed: the Map ran none, the run succeeded, and the report lists the pairs left out', async () => {
      await putAlreadyLanded('ledger-1', leftOut);
      const mapRun = await writeResults({});
      const summary = await summarize(summarizeEvent('ledger-1', 0, { mapRun }, { pairs: 2, days: 4 }), lambdaContext());
      expect(summary).toMatchObject({
        outcome: 'succeeded',
        error: null,
        counts: { pairs: 0, landed: 0, failed: 0, alreadyLandedPairs: 2, skippedDays: 4 },
      });
      const report = await reportOf('ledger-1');
      // In plan order: contract 1 before contract 2.
      expect(report.alreadyLanded).toEqual([leftOut[1], leftOut[0]]);
      expect(report.counts).toEqual(summary.counts);
    });

    it('copies each landed pair’s ledger notes into its report and counts them; no list means none left out', async () => {
      const [activity, seat] = plannedPairs([7], ['activity', 'seat']);
      const ledger = { ...notes, resumedJobIds: [123], superseded: ['li/activity/contract=7/old.csv'], supersededCount: 1 };
      const mapRun = await writeResults({
        SUCCEEDED: [succeededChild(activity!, 0, { ...finishedTask(activity!), ledger })],
        FAILED: [failedChild(seat!, 1, 'LinkedInForbidden', 'no reporting access')],
      });
      const summary = await summarize(summarizeEvent('ledger-2', 2, { mapRun }), lambdaContext());
      expect(summary.counts).toMatchObject({ alreadyLandedPairs: 0, skippedDays: 0, resumedJobs: 1, superseded: 1, unconfirmedCreates: 0 });
      const report = await reportOf('ledger-2');
      expect(report.alreadyLanded).toEqual([]);
      expect(report.pairs.map((pair) => pair.ledger)).toEqual([ledger, undefined]);
    });

    it.each<[string, string, RegExp]>([
      ['not JSON', '[{"exportType": ', /^s3:\/\/exports\/li\/runs\/ledger-3\/already-landed\.json is not JSON: /],
      [
        'not the list',
        JSON.stringify([{ exportType: 'activity', contract: contractUrn(1), windows: [], days: -1 }]),
        /^s3:\/\/exports\/li\/runs\/ledger-3\/already-landed\.json is not the Plan's list of already landed pairs \(0\.days: /,
      ],
      [
        'a list with a field the product does not write',
        JSON.stringify([{ ...leftOut[0], note: 'hand-edited' }]),
        /is not the Plan's list of already landed pairs \(0: /,
      ],
    ])('a list of pairs left out that is %s fails the step, and writes no report', async (_case, body, message) => {
      await putAlreadyLanded('ledger-3', body);
      const mapRun = await writeResults({});
      const error = await rejectionOf(summarize(summarizeEvent('ledger-3', 0, { mapRun }, { pairs: 1, days: 2 }), lambdaContext()));
      expect(error.message).toMatch(message);
      expect(await exists(runKeys(PREFIX, 'ledger-3').reportKey)).toBe(false);
    });
  });

  it('a result entry whose input is not an export task fails naming what is wrong', async () => {
    const [task] = plannedPairs([1], ['seat']);
    const entry = { ...failedChild(task!, 0, 'X', 'y'), Input: JSON.stringify({ exportType: 'seat' }) };
    const mapRun = await writeResults({ FAILED: [entry] });
    const error = await rejectionOf(summarize(summarizeEvent('run-6', 1, { mapRun }), lambdaContext()));
    expect(error.message).toMatch(/^The Map Run result of arn:[^ ]+: its input is not an export task \(/);
    expect(await exists(runKeys(PREFIX, 'run-6').reportKey)).toBe(false);
  });
});
