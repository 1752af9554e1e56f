/**
 * The Lambda handlers, through their middy chains, against the LinkedIn simulator and a
 * real s3rver with S3's conditional writes (the export ledger's), built by their factories with the
 * deployed token source (Secrets Manager, the only mock: it has no local server). A pair's window
 * is claimed in the export ledger by the real claim handler before its job is created, as the
 * state machine does. The deployed entries (lambdas/*.ts) are checked at the end.
 */
import { createHash } from 'node:crypto';
import { GetObjectCommand, GetObjectTaggingCommand, HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'csv-parse/sync';
import { startSimulator, type Simulator } from '../../local/simulator';
import type { CopyDependencies } from '../../lambdas/shared/handlers/dependencies';
import type { OwnerCheck } from '../../lambdas/shared/ledger/liveness';
import { ledgerOf } from '../../lambdas/shared/ledger/location';
import { readLedger } from '../../lambdas/shared/ledger/store';
import { encodeRuntimeEnvironment, RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { createLinkedInClient } from '../../lambdas/shared/linkedin/from-config';
import { checkedTokenSource, readSecretAuthorization } from '../../lambdas/shared/linkedin/token';
import { DEFAULT_AUTHORIZATION } from '../../lambdas/shared/tokens/authorization';
import type { AuthorizationReader } from '../../lambdas/shared/tokens/ports';
import { plannedTask } from '../../lambdas/shared/workflow/transitions';
import { handlerConfig } from '../helpers/runtime-config';
import type { ClaimEvent, ExportTask, ExportWindow, PlanResult } from '../../lambdas/shared/contract/state';
import { runKeys } from '../../lambdas/shared/workflow/keys';
import { type Handler, lambdaContext } from '../helpers/lambda-context';
import { readJson } from '../helpers/run-fixtures';
import { startLocalS3, type LocalS3 } from '../helpers/s3rver';
import { rejectionOf } from '../helpers/rejection';

const SECRET_ID = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:linkedin-token-AbCdEf';
const CONTRACT = 'urn:li:contract:123456';
const DAY = 86_400_000;
const NOV_1 = Date.UTC(2026, 10, 1);

const secrets = mockClient(SecretsManagerClient);
let sim: Simulator;
let s3: LocalS3;

let plan: Handler<unknown, PlanResult>;
let claimWindow: Handler<ClaimEvent, ExportTask>;
let createJob: Handler<ExportTask, ExportTask>;
let checkJob: Handler<ExportTask, ExportTask>;
let copyToS3: Handler<ExportTask, ExportTask>;

const errorOf = rejectionOf;

const useSecret = (value: string) => {
  clearCaches();
  secrets.reset();
  secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: value });
};

/** The Plan's event as the state machine builds it. */
const planEvent = (input: unknown, executionStartTime: string, executionName = 'console-run-1') => ({
  input,
  executionStartTime,
  executionName,
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:LinkedInSalesNavExport:${executionName}`,
});

/** The tasks the Plan wrote for the Map's ItemReader. */
const itemsOf = async (result: PlanResult): Promise<ExportTask[]> =>
  (await readJson(s3.s3Client, result.run.bucket, result.run.itemsKey)) as ExportTask[];

const task = (window = { startAt: NOV_1, endAt: NOV_1 + 7 * DAY }): ExportTask => plannedTask('activity', CONTRACT, [window]);

let executions = 0;
/** A new child execution of the Map (`$$.Execution.Id`): the owner of the claims it makes. */
const newExecutionArn = (): string => {
  executions += 1;
  return `arn:aws:states:us-east-1:123456789012:execution:LinkedInSalesNavExport/ExportEach:pair-${executions}`;
};

/**
 * Every other claim's owner still runs, so nothing is taken over. The tests of this file share one
 * pair, whose ledger keeps every claim and landing they make: each test claims days of its own.
 */
const everyOwnerRuns: OwnerCheck = async () => 'running';

/** The pair's export ledger as S3 holds it. */
const ledgerNow = async () => (await readLedger(ledgerOf(dependencies(), task()))).ledger;

/**
 * The planned task of `window`, claimed in the export ledger by a new execution through the real
 * claim handler: what "Create export job" receives.
 */
const claimedTask = async (window?: ExportWindow, claim = claimWindow): Promise<ExportTask> => {
  const executionArn = newExecutionArn();
  const claimed = await claim({ task: task(window), executionArn }, lambdaContext());
  expect(claimed).toMatchObject({ owner: executionArn, next: 'create', reason: 'claimed', pending: task(window).pending });
  return claimed;
};

/** Checks until the job leaves ENQUEUED/PROCESSING (the simulator finishes in ~1.5 s). */
const checkUntilSettled = async (created: ExportTask): Promise<ExportTask> => {
  let current = created;
  for (let i = 0; i < 40; i += 1) {
    current = await checkJob(current, lambdaContext());
    if (current.next !== 'poll') return current;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('job did not settle');
};

/** The default authorization from the (mocked) token secret, read as the deployed entries read it. */
const secretAuthorizations: AuthorizationReader = {
  read: async (name) => (name === DEFAULT_AUTHORIZATION ? readSecretAuthorization(SECRET_ID) : undefined),
  list: async () => {
    const fallback = await readSecretAuthorization(SECRET_ID);
    return fallback ? [fallback] : [];
  },
};

/** The copy handler's dependencies as the deployed entry builds them, with s3rver and the simulator. */
const dependencies = (): CopyDependencies => {
  const config = handlerConfig({
    LINKEDIN_API_URL: sim.baseUrl,
    CONTRACTS: CONTRACT,
    BUCKET_NAME: s3.bucket,
    KEY_PREFIX: 'li/',
    ALLOWED_DOWNLOAD_HOSTS: new URL(sim.baseUrl).origin,
  });
  const token = checkedTokenSource(secretAuthorizations, DEFAULT_AUTHORIZATION, Date.now, () => SECRET_ID);
  const linkedIn = createLinkedInClient(config, token);
  return {
    config,
    token: () => token(),
    linkedIn: () => linkedIn,
    now: Date.now,
    s3: s3.s3Client,
    s3IsAws: false,
    allowHttpLoopback: true,
  };
};

/** Fresh handlers from the factories (fresh modules give a fresh Powertools logger). */
const buildHandlers = async () => {
  const deps = dependencies();
  // middy's type adds an options parameter that Lambda (and Step Functions) never pass.
  return {
    plan: (await import('../../lambdas/shared/handlers/plan')).createPlanHandler(() => ({
      config: deps.config,
      s3: deps.s3,
      linkedIn: deps.linkedIn,
      authorizations: () => secretAuthorizations,
      authorizationPlace: () => `the Secrets Manager secret ${SECRET_ID}`,
      now: deps.now,
    })) as unknown as Handler<unknown, PlanResult>,
    claimWindow: (await import('../../lambdas/shared/handlers/claim-window')).createClaimHandler(() => ({
      config: deps.config,
      s3: deps.s3,
      now: deps.now,
      ownerCheck: everyOwnerRuns,
    })) as unknown as Handler<ClaimEvent, ExportTask>,
    createJob: (await import('../../lambdas/shared/handlers/create-job')).createCreateJobHandler(() => deps) as unknown as Handler<
      ExportTask,
      ExportTask
    >,
    checkJob: (await import('../../lambdas/shared/handlers/check-job')).createCheckJobHandler(() => deps) as unknown as Handler<
      ExportTask,
      ExportTask
    >,
    copyToS3: (await import('../../lambdas/shared/handlers/copy-to-s3')).createCopyHandler(() => deps) as unknown as Handler<
      ExportTask,
      ExportTask
    >,
  };
};

beforeAll(async () => {
  sim = await startSimulator({ enqueuedMs: 100, processingMs: 300 });
  s3 = await startLocalS3('exports', { conditionalWrites: true });
  ({ plan, claimWindow, createJob, checkJob, copyToS3 } = await buildHandlers());
});

beforeEach(() => {
  useSecret(sim.token);
  sim.clearFaults();
  sim.resetCalls();
});

afterAll(async () => {
  await Promise.all([sim?.close(), s3?.close()]);
});

describe('plan', () => {
  it('turns a console window into one task per configured contract and export type, written to S3 for the Map', async () => {
    const result = await plan(planEvent({ startAt: '2026-11-01', endAt: '2026-11-08' }, '2026-11-28T10:00:00Z'), lambdaContext());
    const keys = runKeys('li/', 'console-run-1');
    expect(result).toEqual({
      run: {
        bucket: 'exports',
        executionName: 'console-run-1',
        executionArn: 'arn:aws:states:us-east-1:123456789012:execution:LinkedInSalesNavExport:console-run-1',
        itemsKey: 'li/runs/console-run-1/items.json',
        reportKey: 'li/runs/console-run-1/report.json',
        skippedKey: 'li/runs/console-run-1/already-landed.json',
      },
      pairs: 3,
      // Nothing has landed yet: no pair is left out.
      alreadyLanded: { pairs: 0, days: 0 },
      contracts: 1,
      exportTypes: ['activity', 'activityOutcome', 'seat'],
      window: { startAt: NOV_1, endAt: NOV_1 + 7 * DAY },
    });
    expect(keys).toEqual({ itemsKey: result.run.itemsKey, reportKey: result.run.reportKey, skippedKey: result.run.skippedKey });
    expect(await readJson(s3.s3Client, 'exports', result.run.skippedKey)).toEqual([]);
    const items = await itemsOf(result);
    expect(items.map((t) => t.exportType)).toEqual(['activity', 'activityOutcome', 'seat']);
    expect(items[0]).toMatchObject({ contract: CONTRACT, pending: [{ startAt: NOV_1, endAt: NOV_1 + 7 * DAY }], next: 'claim', steps: 0 });
    // Without discovery the Plan never calls LinkedIn.
    expect(sim.countCalls()).toBe(0);
  });

  it('derives the window of a scheduled run from its scheduled time', async () => {
    const result = await plan(planEvent({ scheduledTime: '2026-11-28T06:00:00Z' }, '2026-11-28T06:03:11Z', 'scheduled-1'), lambdaContext());
    expect(result.window).toEqual({ startAt: Date.UTC(2026, 10, 26), endAt: Date.UTC(2026, 10, 27) });
    const items = await itemsOf(result);
    expect(items).toHaveLength(3);
    for (const item of items) expect(item.pending).toEqual([{ startAt: Date.UTC(2026, 10, 26), endAt: Date.UTC(2026, 10, 27) }]);
  });

  it('fails invalid console input as InvalidInput naming the field, before any LinkedIn call', async () => {
    const error = await errorOf(
      plan(planEvent({ startAt: '2026-11-08', endAt: '2026-11-01' }, '2026-11-28T10:00:00Z', 'invalid-1'), lambdaContext()),
    );
    expect(error.name).toBe('InvalidInput');
    expect(error.message).toMatch(/startAt/);
    expect(sim.countCalls()).toBe(0);
    // Nothing is written for the Map either.
    const listed = await s3.s3Client.send(new ListObjectsV2Command({ Bucket: 'exports', Prefix: 'li/runs/invalid-1/' }));
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});

describe('claim, create job, check job, copy to S3', () => {
  it('exports a window end to end: window claimed, job created, polled to COMPLETED, CSV verified and landed in the ledger', async () => {
    const claimed = await claimedTask();
    expect(sim.countCalls()).toBe(0);
    const created = await createJob(claimed, lambdaContext());
    expect(created.job).toMatchObject({ status: 'ENQUEUED', polls: 0 });
    expect(created.jobIds).toEqual([created.job?.id]);
    expect(created.job!.id).toBeGreaterThan(2 ** 31);
    expect(sim.countCalls({ route: 'createJob' })).toBe(1);
    // The claim names the job: an execution taking over from a dead owner resumes it instead of creating another.
    expect((await ledgerNow())?.claims).toContainEqual(
      expect.objectContaining({ owner: claimed.owner, startAt: NOV_1, endAt: NOV_1 + 7 * DAY, jobId: created.job!.id }),
    );

    const ready = await checkUntilSettled(created);
    expect(ready.next).toBe('copy');
    expect(ready.job?.status).toBe('COMPLETED');

    const copied = await copyToS3(ready, lambdaContext());
    expect(copied.next).toBe('done');
    expect(copied.pending).toEqual([]);
    expect(copied.job).toBeUndefined();
    const [result] = copied.results;
    expect(result).toMatchObject({
      exportType: 'activity',
      contract: CONTRACT,
      startAt: NOV_1,
      jobIds: [created.job!.id],
      s3Uri: `s3://exports/li/activity/contract=123456/dt=2026-11-01/2026-11-01_2026-11-02.csv`,
      manifestUri: 's3://exports/li/manifests/activity/contract=123456/2026-11-01_2026-11-08.manifest.json',
      objects: 7,
      empty: false,
    });

    // Seven days: one object per day, each with the header, its own rows, its metadata and sha256 tag.
    let rowsLanded = 0;
    for (let d = 0; d < 7; d++) {
      const day = new Date(NOV_1 + d * DAY).toISOString().slice(0, 10);
      const next = new Date(NOV_1 + (d + 1) * DAY).toISOString().slice(0, 10);
      const key = `li/activity/contract=123456/dt=${day}/${day}_${next}.csv`;
      const object = await s3.s3Client.send(new GetObjectCommand({ Bucket: 'exports', Key: key }));
      const body = await object.Body!.transformToString();
      const rows = parse(body, { columns: true }) as Array<Record<string, string>>;
      for (const row of rows) expect(row.createdAt!.slice(0, 10)).toBe(`${day.slice(5, 7)}-${day.slice(8, 10)}-${day.slice(0, 4)}`);
      expect(Object.keys(rows[0] ?? { activityId: '', activityType: '', createdAt: '', seatId: '' })).toEqual(
        expect.arrayContaining(['activityId', 'activityType', 'createdAt', 'seatId']),
      );
      expect(object.Metadata).toMatchObject({ day, rows: String(rows.length), 'job-id': String(created.job!.id) });
      const tags = await s3.s3Client.send(new GetObjectTaggingCommand({ Bucket: 'exports', Key: key }));
      expect(tags.TagSet).toEqual([{ Key: 'sha256', Value: createHash('sha256').update(body).digest('hex') }]);
      rowsLanded += rows.length;
    }
    expect(rowsLanded).toBe(result!.rowCount);

    // The ledger records the landing (a day per object) and the claim is released.
    const ledger = await ledgerNow();
    expect(ledger?.objects.filter((landed) => landed.startAt >= NOV_1 && landed.startAt < NOV_1 + 7 * DAY)).toHaveLength(7);
    expect(ledger?.objects).toContainEqual(
      expect.objectContaining({
        startAt: NOV_1,
        endAt: NOV_1 + DAY,
        key: 'li/activity/contract=123456/dt=2026-11-01/2026-11-01_2026-11-02.csv',
        manifestKey: 'li/manifests/activity/contract=123456/2026-11-01_2026-11-08.manifest.json',
        jobId: created.job!.id,
        landedBy: claimed.owner,
      }),
    );
    expect(ledger?.claims.filter((claim) => claim.owner === claimed.owner)).toEqual([]);
    // Without the claim, the same copy again is refused before LinkedIn is asked or anything is written.
    const calls = sim.countCalls();
    const again = await errorOf(copyToS3(ready, lambdaContext()));
    expect(again.name).toBe('ClaimLost');
    expect(sim.countCalls()).toBe(calls);
    expect((await ledgerNow())?.objects.filter((landed) => landed.startAt === NOV_1)).toHaveLength(1);

    // State never carries the URL: nothing the handlers return mentions the download host path.
    expect(JSON.stringify([claimed, created, ready, copied])).not.toMatch(/ambry|x-li-ambry-ep|downloadUrl/);
    expect(JSON.stringify([claimed, created, ready, copied])).not.toContain(sim.token);
  });

  it('logs every step at DEBUG without the token or the download URL', async () => {
    // Powertools resets the level on every invocation to the one it was built with, so build
    // fresh handlers (and a fresh logger) with DEBUG in the environment.
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
    try {
      jest.resetModules();
      const { claimWindow: debugClaim, createJob: debugCreate, checkJob: debugCheck, copyToS3: debugCopy } = await buildHandlers();
      const claimed = await claimedTask({ startAt: NOV_1 + 14 * DAY, endAt: NOV_1 + 15 * DAY }, debugClaim);
      let state = await debugCreate(claimed, lambdaContext());
      for (let i = 0; i < 40 && state.next === 'poll'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        state = await debugCheck(state, lambdaContext());
      }
      expect((await debugCopy(state, lambdaContext())).results).toHaveLength(1);
    } finally {
      process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
      write.mockRestore();
    }
    const logs = lines.join('');
    expect(logs).toContain('Window claimed');
    expect(logs).toContain('Export job created');
    expect(logs).toContain('Export job checked');
    expect(logs).toContain('Export copied');
    expect(logs).not.toContain(sim.token);
    expect(logs).not.toMatch(/ambry|x-li-ambry-ep/);
  });

  it('an empty export lands a header-only object flagged empty', async () => {
    sim.faults.emptyJobs = { count: 1 };
    const claimed = await claimedTask({ startAt: NOV_1 + 10 * DAY, endAt: NOV_1 + 11 * DAY });
    const ready = await checkUntilSettled(await createJob(claimed, lambdaContext()));
    const copied = await copyToS3(ready, lambdaContext());
    expect(copied.results[0]).toMatchObject({ rowCount: 0, empty: true });
  });

  it('a window too large for LinkedIn is split in halves, the job forgotten, each half claimed on its own', async () => {
    sim.faults.exceededFileSizeOverDays = 3;
    const window = { startAt: NOV_1 + 22 * DAY, endAt: NOV_1 + 29 * DAY };
    const claimed = await claimedTask(window);
    const settled = await checkUntilSettled(await createJob(claimed, lambdaContext()));
    expect(settled.next).toBe('claim');
    expect(settled.job).toBeUndefined();
    expect(settled.pending).toEqual([
      { startAt: NOV_1 + 22 * DAY, endAt: NOV_1 + 26 * DAY },
      { startAt: NOV_1 + 26 * DAY, endAt: NOV_1 + 29 * DAY },
    ]);

    // Claimed again, the first half replaces the claim on the whole window; the job is created for it.
    const half = await claimWindow({ task: settled, executionArn: newExecutionArn() }, lambdaContext());
    expect(half).toMatchObject({ owner: claimed.owner, next: 'create', reason: 'claimed', pending: settled.pending });
    expect((await ledgerNow())?.claims.filter((claim) => claim.owner === claimed.owner)).toEqual([
      expect.objectContaining({ startAt: NOV_1 + 22 * DAY, endAt: NOV_1 + 26 * DAY }),
    ]);
  });

  it('an unknown LinkedIn status fails at once as UnknownJobStatus', async () => {
    sim.faults.terminalStatus = { status: 'FAILED_DUE_TO_SOMETHING_NEW', count: 1 };
    const created = await createJob(await claimedTask({ startAt: NOV_1 + 7 * DAY, endAt: NOV_1 + 9 * DAY }), lambdaContext());
    const error = await errorOf(checkUntilSettled(created));
    expect(error.name).toBe('UnknownJobStatus');
    expect(error.message).toContain('FAILED_DUE_TO_SOMETHING_NEW');
  });

  it('a token LinkedIn rejects fails as LinkedInAuthError, naming the command that renews it and never quoting it', async () => {
    useSecret('an-expired-token');
    const claimed = await claimedTask({ startAt: NOV_1 + 11 * DAY, endAt: NOV_1 + 12 * DAY });
    const error = await errorOf(createJob(claimed, lambdaContext()));
    expect(error.name).toBe('LinkedInAuthError');
    expect(error.message).toContain('renew the authorization with npm run cli -- authorize');
    expect(error.message).not.toContain('an-expired-token');
    expect(sim.countCalls({ route: 'createJob', status: 401 })).toBe(1);
  });

  it('a secret with the token in JSON works too', async () => {
    useSecret(JSON.stringify({ accessToken: sim.token }));
    const created = await createJob(await claimedTask({ startAt: NOV_1 + 12 * DAY, endAt: NOV_1 + 13 * DAY }), lambdaContext());
    expect(created.job?.id).toEqual(expect.any(Number));
  });

  it('throttling surfaces as LinkedInThrottled for the state machine to retry', async () => {
    sim.faults.throttle = { count: 1 };
    const error = await errorOf(createJob(await claimedTask({ startAt: NOV_1 + 13 * DAY, endAt: NOV_1 + 14 * DAY }), lambdaContext()));
    expect(error.name).toBe('LinkedInThrottled');
  });

  it('a window not claimed by the task owner fails as ClaimLost, before any LinkedIn create', async () => {
    const window = { startAt: NOV_1 + 15 * DAY, endAt: NOV_1 + 16 * DAY };
    const ledgerUri = 's3://exports/li/ledger/activity/contract=123456.json';
    // The Plan's task as it comes: never claimed, no owner.
    const unclaimed = await errorOf(createJob(task(window), lambdaContext()));
    expect(unclaimed.name).toBe('ClaimLost');
    expect(unclaimed.message).toContain(ledgerUri);
    // Claimed by one execution, presented by another: the claim is not this one's.
    const claimed = await claimedTask(window);
    const other = await errorOf(createJob({ ...claimed, owner: newExecutionArn() }, lambdaContext()));
    expect(other.name).toBe('ClaimLost');
    expect(other.message).toContain(ledgerUri);

    expect(sim.countCalls({ route: 'createJob' })).toBe(0);
    // The holder's claim is untouched: no create recorded in it, in flight or done.
    const held = (await ledgerNow())?.claims.find((claim) => claim.owner === claimed.owner);
    expect(held).toMatchObject({ startAt: window.startAt, endAt: window.endAt, jobIds: [], unconfirmedCreates: 0 });
    expect(held).not.toHaveProperty('creating');
    expect(held).not.toHaveProperty('jobId');
  });

  it('a copy whose rows disagree with rowCount fails by name and leaves nothing at the final key', async () => {
    sim.faults.rowCountDelta = { count: 1, delta: 1 };
    const window = { startAt: NOV_1 + 20 * DAY, endAt: NOV_1 + 21 * DAY };
    const ready = await checkUntilSettled(await createJob(await claimedTask(window), lambdaContext()));
    const error = await errorOf(copyToS3(ready, lambdaContext()));
    expect(error.name).toBe('RowCountMismatch');
    const head = await errorOf(
      s3.s3Client.send(new HeadObjectCommand({ Bucket: 'exports', Key: 'li/activity/contract=123456/2026-11-21_2026-11-22.csv' })),
    );
    expect(head.name).toBe('NotFound');
    const listed = await s3.s3Client.send(new ListObjectsV2Command({ Bucket: 'exports', Prefix: 'li/activity/' }));
    expect((listed.Contents ?? []).map((o) => o.Key)).not.toContain('li/activity/contract=123456/2026-11-21_2026-11-22.csv');
    expect(await s3.openUploads()).toEqual([]);
    // Nothing landed: the days stay claimed, for the retry to copy.
    const ledger = await ledgerNow();
    expect(ledger?.objects.map((object) => object.key)).not.toContain('li/activity/contract=123456/2026-11-21_2026-11-22.csv');
    expect(ledger?.claims).toContainEqual(expect.objectContaining({ owner: ready.owner, startAt: window.startAt, endAt: window.endAt }));
  });

  it('a task in the wrong phase is refused by the parser (mismatched deployments)', async () => {
    const error = await errorOf(checkJob({ ...task(), next: 'sideways' } as unknown as ExportTask, lambdaContext()));
    expect(error.name).toBe('ParseError');
  });
});

describe('deployed entries (lambdas/*.ts): configuration from the environment the stack sets', () => {
  const deployedEnvironment = (): Record<string, string> => ({
    ...encodeRuntimeEnvironment(RUNTIME_DEFAULTS),
    CONTRACTS: CONTRACT,
    BUCKET_NAME: 'exports',
    LINKEDIN_TOKEN_SECRET_ID: SECRET_ID,
    LINKEDIN_APP_SECRET_ID: 'linkedin/salesnav/app',
    // No named authorization: the store is an empty prefix of s3rver's bucket.
    TOKEN_STORE_BUCKET: s3.bucket,
    // The deployed S3 client (new S3Client({})) reaches s3rver through the SDK's endpoint variable
    // (an IP endpoint: path-style) with s3rver's credentials.
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
  });

  /** Imports the deployed plan entry fresh, with exactly `env` as its variables. */
  const deployedPlan = async (env: Record<string, string>) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    jest.resetModules();
    // The fresh modules load a fresh Secrets Manager client: the Plan reads the token secret every
    // run (the authorizations), so mock that one.
    const sdk = await import('@aws-sdk/client-secrets-manager');
    const freshSecrets = (await import('aws-sdk-client-mock')).mockClient(sdk.SecretsManagerClient);
    freshSecrets.on(sdk.GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: 'a-plain-token' });
    try {
      const { handler } = await import('../../lambdas/plan');
      return await (handler as unknown as Handler<unknown, PlanResult>)(
        planEvent({ startAt: '2026-11-01', endAt: '2026-11-02' }, '2026-11-28T10:00:00Z', 'deployed-1'),
        lambdaContext(),
      );
    } finally {
      freshSecrets.restore();
      for (const name of Object.keys(env)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  };

  it('plans with a complete environment', async () => {
    const result = await deployedPlan(deployedEnvironment());
    expect(result).toMatchObject({ pairs: 3, run: { bucket: 'exports', itemsKey: 'linkedin-sales-navigator/runs/deployed-1/items.json' } });
    expect((await itemsOf(result)).map((t) => [t.exportType, t.contract, t.pending])).toEqual([
      ['activity', CONTRACT, [{ startAt: NOV_1, endAt: NOV_1 + DAY }]],
      ['activityOutcome', CONTRACT, [{ startAt: NOV_1, endAt: NOV_1 + DAY }]],
      ['seat', CONTRACT, [{ startAt: NOV_1, endAt: NOV_1 + DAY }]],
    ]);
  });

  it('a variable missing (or misspelt) fails the invocation as ConfigError naming it, instead of using a default', async () => {
    const { POLL_MAX_SECONDS, ...rest } = deployedEnvironment();
    const error = await errorOf(deployedPlan({ ...rest, POLL_MAX_SECNDS: POLL_MAX_SECONDS! }));
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('Invalid Lambda configuration: POLL_MAX_SECONDS: required (it is not set)');
  });

  it('a bad value fails as ConfigError naming the variable and the value', async () => {
    const error = await errorOf(deployedPlan({ ...deployedEnvironment(), PART_SIZE_MB: '2' }));
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe('Invalid Lambda configuration: PART_SIZE_MB: expected at least 5 (got "2")');
  });
});
