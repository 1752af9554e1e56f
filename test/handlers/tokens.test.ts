/**
 * The hourly token check (lambdas/shared/handlers/tokens.ts) against the LinkedIn simulator's OAuth
 * endpoints, a local S3 token store with conditional writes, and a local token secret: which
 * authorizations it refreshes and how it commits them, what a refused refresh leaves behind, the
 * EMF it prints (values and dimensions, as CloudWatch reads them), and that no token reaches a log
 * line, a metric or the returned summary.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  createTokensHandler,
  REFRESH_TIME_MARGIN_MS,
  type TokensDependencies,
  type TokensResult,
} from '../../lambdas/shared/handlers/tokens';
import { SERVICE_NAME } from '../../lambdas/shared/contract/names';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { type Authorization, DAY_MS, serializeAuthorization } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import type { ConditionalAuthorizationStore, LinkedInOAuth } from '../../lambdas/shared/tokens/ports';
import { s3AuthorizationStore } from '../../lambdas/shared/tokens/s3-store';
import { authorizationInSecret } from '../../lambdas/shared/tokens/secret-store';
import { createStreamLogger } from '../../local/runner/log-stream';
import { type Simulator, startSimulator } from '../../local/simulator';
import { localSecret } from '../../local/tokens/local-secret';
import { localAuthorizationStore } from '../../local/tokens/local-store';
import { type Handler, lambdaContext } from '../helpers/lambda-context';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';

const BUCKET = 'token-store';
const HOUR_MS = 3_600_000;

let s3: LocalS3;
let sim: Simulator;
let secretDirectory: string;
let store: ConditionalAuthorizationStore;

beforeEach(async () => {
  s3 = await startLocalS3(BUCKET, { conditionalWrites: true });
  sim = await startSimulator();
  secretDirectory = await mkdtemp(path.join(tmpdir(), 'token-secret-'));
  store = s3AuthorizationStore({ s3: s3.s3Client, bucket: BUCKET });
});

afterEach(async () => {
  await sim.close();
  await s3.close();
  await rm(secretDirectory, { recursive: true, force: true });
});

/** The token secret's default authorization, on files (local/tokens/local-secret.ts) as `npm start` keeps it. */
const tokenSecret = () => authorizationInSecret(localSecret(secretDirectory));

/** LinkedIn's OAuth endpoints on the simulator, on the simulator's clock. */
const simulatorOAuth = (): LinkedInOAuth =>
  createLinkedInOAuth({ oauthUrl: sim.oauthUrl, credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret }, now: sim.now });

/** A member's authorization, as `authorize --name <name>` stores it. */
const authorize = (name: string, request: { accessTokenLifetimeMs: number; refresh?: boolean }): Authorization => {
  const issued = sim.issueAuthorization(request);
  return { name, ...issued };
};

const apiAnswers = async (token: string): Promise<number> =>
  (
    await fetch(`${sim.baseUrl}/salesContracts?q=contractsByMember`, {
      headers: { Authorization: `Bearer ${token}`, 'X-Restli-Protocol-Version': '2.0.0' },
    })
  ).status;

/** One CloudWatch datapoint of the printed EMF. */
interface Datapoint {
  name: string;
  value: number;
  unit: string;
  /** The dimension set's names and values, `service` included. */
  dimensions: Record<string, string>;
}

interface EmfBlob {
  _aws: { CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: string }> }> };
  [key: string]: unknown;
}

/** The datapoints CloudWatch would extract from one EMF blob. */
const datapointsOf = (blob: EmfBlob): Datapoint[] =>
  blob._aws.CloudWatchMetrics.flatMap((directive) =>
    directive.Metrics.flatMap((metric) =>
      directive.Dimensions.map((names) => ({
        name: metric.Name,
        value: blob[metric.Name] as number,
        unit: metric.Unit,
        dimensions: Object.fromEntries(names.map((dimension) => [dimension, String(blob[dimension])])),
      })),
    ),
  );

/** One JSON log line of the handler. */
type LogLine = { level: string; message: string; [key: string]: unknown };

interface Run {
  result: TokensResult;
  datapoints: Datapoint[];
  /** The raw EMF and log lines, as printed. */
  printed: string;
  logs: LogLine[];
}

/**
 * One invocation, with the EMF every Metrics instance would print (the handler's and its single
 * metrics; tests disable the printing itself) and its log lines. Every run also checks that no
 * token the simulator ever issued, and not the client secret, was printed or returned.
 */
const check = async (over: Partial<TokensDependencies> = {}, remainingMs?: number, event?: unknown): Promise<Run> => {
  const blobs: EmfBlob[] = [];
  const publish = Metrics.prototype.publishStoredMetrics;
  const flushes = jest.spyOn(Metrics.prototype, 'publishStoredMetrics').mockImplementation(function (this: Metrics) {
    if (this.hasStoredMetrics()) blobs.push(this.serializeMetrics() as unknown as EmfBlob);
    return publish.call(this);
  });
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  const logger = createStreamLogger(stream);
  logger.setLogLevel('INFO');
  const dependencies: TokensDependencies = {
    config: RUNTIME_DEFAULTS,
    defaultAuthorization: tokenSecret(),
    named: store,
    oauth: async () => simulatorOAuth(),
    now: sim.now,
    ...over,
  };
  const handler = createTokensHandler(() => dependencies, { logger }) as unknown as Handler<unknown, TokensResult>;
  try {
    const result = await handler(
      event === undefined ? { scheduledTime: new Date(sim.now()).toISOString() } : event,
      lambdaContext(remainingMs),
    );
    const printed = [...blobs.map((blob) => JSON.stringify(blob)), ...lines, JSON.stringify(result)].join('\n');
    const issued = sim.tokens();
    for (const secret of [...issued.accessTokens, ...issued.refreshTokens].map((record) => record.token).concat(sim.clientSecret)) {
      expect(printed).not.toContain(secret);
    }
    return {
      result,
      datapoints: blobs.flatMap(datapointsOf).filter((point) => point.name !== 'ColdStart'),
      printed,
      logs: lines.map((line) => JSON.parse(line) as LogLine),
    };
  } finally {
    flushes.mockRestore();
  }
};

const SERVICE = { service: SERVICE_NAME };

/** The datapoints of `name`: per authorization (keyed by it) and without the dimension (key ''). */
const valuesOf = (run: Run, name: string): Record<string, number> =>
  Object.fromEntries(
    run.datapoints.filter((point) => point.name === name).map((point) => [point.dimensions.Authorization ?? '', point.value]),
  );

describe('refreshing the named authorizations', () => {
  it('refreshes one 5 days from expiry (tested, committed, working on the API) and leaves one 40 days out alone', async () => {
    // Prepare
    const soon = authorize('soon', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS });
    const later = authorize('later', { accessTokenLifetimeMs: 40 * DAY_MS + HOUR_MS });
    await store.write(soon);
    await store.write(later);
    const laterVersion = (await store.readVersioned('later'))?.version;
    // Act
    const run = await check();
    // Assess
    expect(run.result).toMatchObject({ checked: 2, refreshed: 1, refreshFailed: 0, refreshPostponed: 0, unusable: 0 });
    const stored = await store.read('soon');
    expect(stored?.accessToken).not.toBe(soon.accessToken);
    expect(stored).toMatchObject({ refreshToken: soon.refreshToken, authorizedAt: soon.authorizedAt, scope: 'r_sales_nav_analytics' });
    // LinkedIn gives the refresh token's remaining lifetime again, in whole seconds: the same instant, to the second.
    expect(Math.abs(stored!.refreshTokenExpiresAt! - soon.refreshTokenExpiresAt!)).toBeLessThan(1_000);
    expect(stored?.expiresAt).toBeGreaterThan(sim.now() + 59 * DAY_MS);
    expect(stored?.refreshedAt).toBeLessThanOrEqual(sim.now());
    expect(await apiAnswers(stored!.accessToken)).toBe(200);
    expect((await store.readVersioned('later'))?.version).toBe(laterVersion);
    expect(valuesOf(run, 'TokenRefreshed')).toEqual({ '': 1 });
    expect(valuesOf(run, 'TokenRefreshFailed')).toEqual({ '': 0 });
    // The report is about the refreshed token: 59 whole days left, not 5.
    expect(valuesOf(run, 'TokenDaysRemaining')).toEqual({ '': 40, soon: 59, later: 40 });
  });

  it('never refreshes the default authorization (the secret’s rotation does), only reports it', async () => {
    // Prepare
    const theDefault = authorize('default', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS });
    await tokenSecret().write(theDefault);
    // Act
    const run = await check();
    // Assess
    expect(run.result).toMatchObject({ checked: 1, refreshed: 0 });
    await expect(tokenSecret().read('default')).resolves.toEqual(theDefault);
    expect(valuesOf(run, 'TokenDaysRemaining')).toEqual({ '': 5, default: 5 });
    expect(run.datapoints.find((point) => point.dimensions.Authorization === 'default')?.dimensions).toEqual({
      ...SERVICE,
      Authorization: 'default',
    });
  });

  it('reads the default once and leaves it alone when the named store lists it too (npm start’s local store)', async () => {
    // Prepare: one directory holds both, as `npm start` keeps them.
    const local = localAuthorizationStore(secretDirectory);
    const theDefault = authorize('default', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS });
    await local.write(theDefault);
    await local.write(authorize('acme', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS }));
    // Act
    const run = await check({ defaultAuthorization: local, named: local });
    // Assess
    expect(run.result).toMatchObject({ checked: 2, refreshed: 1 });
    await expect(local.read('default')).resolves.toEqual(theDefault);
    expect(valuesOf(run, 'TokenDaysRemaining')).toEqual({ '': 5, default: 5, acme: 59 });
  });

  it('records a refresh token LinkedIn refused as revoked, keeps the current token, and counts the failure with and without the name', async () => {
    // Prepare
    const gone = authorize('gone', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS });
    await store.write(gone);
    sim.revokeToken(gone.refreshToken!);
    // Act
    const run = await check();
    // Assess
    expect(run.result).toMatchObject({ checked: 1, refreshed: 0, refreshFailed: 1, unusable: 1 });
    const stored = await store.read('gone');
    expect(stored).toMatchObject({ accessToken: gone.accessToken, refreshToken: gone.refreshToken, expiresAt: gone.expiresAt });
    expect(stored?.revokedAt).toBeLessThanOrEqual(sim.now());
    const failed = run.datapoints.filter((point) => point.name === 'TokenRefreshFailed');
    expect(failed).toEqual([
      { name: 'TokenRefreshFailed', value: 1, unit: 'Count', dimensions: { ...SERVICE, Authorization: 'gone' } },
      { name: 'TokenRefreshFailed', value: 1, unit: 'Count', dimensions: SERVICE },
    ]);
    expect(run.logs.find((line) => line.message.startsWith('Refreshing LinkedIn authorization "gone" failed'))).toMatchObject({
      level: 'WARN',
      authorization: 'gone',
      mustAuthorizeAgain: true,
      reason: expect.stringContaining('invalid_grant'),
    });
    expect(run.logs.find((line) => line.authorization === 'gone' && line.problem === 'revoked')?.message).toContain(
      'npm run cli -- authorize --name gone',
    );
  });

  it('keeps an authorization made while it was being refreshed (the compare-and-set loses on purpose)', async () => {
    // Prepare: the member authorizes again while LinkedIn answers the refresh.
    const soon = authorize('acme', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS });
    await store.write(soon);
    const again = authorize('acme', { accessTokenLifetimeMs: 60 * DAY_MS });
    const real = simulatorOAuth();
    const meanwhile: LinkedInOAuth = {
      ...real,
      refresh: async (refreshToken) => {
        await store.write(again);
        return real.refresh(refreshToken);
      },
    };
    // Act
    const run = await check({ oauth: async () => meanwhile });
    // Assess
    expect(run.result).toMatchObject({ refreshed: 0, refreshFailed: 0 });
    await expect(store.read('acme')).resolves.toEqual(again);
    expect(run.logs.find((line) => /re-authorized while it was being refreshed/.test(line.message))).toMatchObject({
      authorization: 'acme',
    });
    expect(valuesOf(run, 'TokenDaysRemaining')).toEqual({ '': 59, acme: 59 });
  });

  it('without app credentials, refreshes nothing, says so, and still reports', async () => {
    // Prepare
    await store.write(authorize('soon', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS }));
    // Act
    const run = await check({ oauth: async () => undefined });
    // Assess
    expect(run.result).toMatchObject({ checked: 1, refreshed: 0, refreshFailed: 0, refreshPostponed: 1 });
    expect(run.logs.find((line) => /no LinkedIn app credentials are configured/.test(line.message))).toMatchObject({
      level: 'WARN',
      due: 1,
    });
    expect(valuesOf(run, 'TokenDaysRemaining')).toEqual({ '': 5, soon: 5 });
    expect(valuesOf(run, 'TokenRefreshFailed')).toEqual({ '': 0 });
  });

  it('counts every due refresh as failed when the app credentials cannot be read', async () => {
    // Prepare
    await store.write(authorize('soon', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS }));
    const unreadable = Object.assign(new Error('The LinkedIn app-credentials secret app-secret has no value'), {
      name: 'AppCredentialsError',
    });
    // Act
    const run = await check({ oauth: () => Promise.reject(unreadable) });
    // Assess
    expect(run.result).toMatchObject({ refreshed: 0, refreshFailed: 1 });
    expect(valuesOf(run, 'TokenRefreshFailed')).toEqual({ soon: 1, '': 1 });
    expect(run.logs.find((line) => line.level === 'ERROR')).toMatchObject({ errorName: 'AppCredentialsError', due: 1 });
  });

  it('starts no refresh with too little of the invocation left: the next hour does it', async () => {
    // Prepare
    const soon = authorize('soon', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS });
    await store.write(soon);
    // Act
    const run = await check({}, REFRESH_TIME_MARGIN_MS - 1);
    // Assess
    expect(run.result).toMatchObject({ refreshed: 0, refreshPostponed: 1 });
    await expect(store.read('soon')).resolves.toEqual(soon);
    expect(run.logs.find((line) => /not started: too little of this invocation/.test(line.message))).toMatchObject({ postponed: 1 });
  });

  it('goes on past a malformed object, counting it unusable and naming its key', async () => {
    // Prepare
    await store.write(authorize('soon', { accessTokenLifetimeMs: 5 * DAY_MS + HOUR_MS }));
    await s3.s3Client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'authorizations/broken.json', Body: '{"accessToken": 7}' }));
    // Act
    const run = await check();
    // Assess
    expect(run.result).toMatchObject({ checked: 2, refreshed: 1, unusable: 1 });
    expect(valuesOf(run, 'AuthorizationsUnusable')).toEqual({ '': 1 });
    expect(run.logs.find((line) => line.authorization === 'broken')).toMatchObject({
      level: 'WARN',
      problem: 'unreadable',
      message: expect.stringContaining(`s3://${BUCKET}/authorizations/broken.json`),
    });
  });
});

describe('the expiry metrics', () => {
  it('follow an access token across its alarm threshold, under its name and without', async () => {
    // Prepare: no refresh token, so nothing renews it; 14 days and 12 hours left.
    await store.write(authorize('manual', { accessTokenLifetimeMs: 14 * DAY_MS + 12 * HOUR_MS, refresh: false }));
    sim.oauth.refreshTokenLifetimeMs = 100 * DAY_MS + 12 * HOUR_MS;
    await tokenSecret().write(authorize('default', { accessTokenLifetimeMs: 50 * DAY_MS + 12 * HOUR_MS }));
    // Act
    const before = await check();
    sim.advanceTime(DAY_MS);
    const after = await check();
    // Assess: 14 is the threshold (TOKEN_ALARM_DAYS), not under it.
    expect(valuesOf(before, 'TokenDaysRemaining')).toEqual({ '': 14, manual: 14, default: 50 });
    expect(before.logs.filter((line) => line.level === 'WARN')).toEqual([]);
    expect(after.datapoints.filter((point) => point.name === 'TokenDaysRemaining')).toEqual([
      { name: 'TokenDaysRemaining', value: 13, unit: 'None', dimensions: { ...SERVICE, Authorization: 'manual' } },
      { name: 'TokenDaysRemaining', value: 49, unit: 'None', dimensions: { ...SERVICE, Authorization: 'default' } },
      { name: 'TokenDaysRemaining', value: 13, unit: 'None', dimensions: SERVICE },
    ]);
    expect(valuesOf(after, 'RefreshTokenDaysRemaining')).toEqual({ '': 99, default: 99 });
    expect(after.logs.find((line) => line.authorization === 'manual')).toMatchObject({
      level: 'WARN',
      tokenDaysRemaining: 13,
      command: 'npm run cli -- authorize --name manual',
      message: expect.stringContaining('its access token expires in 13 days'),
    });
    expect(valuesOf(after, 'AuthorizationsChecked')).toEqual({ '': 2 });
    expect(after.result.soonest).toEqual([
      { name: 'manual', tokenDaysRemaining: 13, refreshTokenDaysRemaining: null },
      { name: 'default', tokenDaysRemaining: 49, refreshTokenDaysRemaining: 99 },
    ]);
  });

  it('name only the 100 soonest to expire of 150 authorizations; the counts and the smallest cover all 150', async () => {
    // Prepare: records as `authorize` leaves them, 30 to 179 days out (none due for a refresh).
    const now = sim.now();
    const authorizations = Array.from({ length: 150 }, (_, k) => ({
      name: `customer-${String(k).padStart(3, '0')}`,
      accessToken: `AQV-customer-${k}-0123456789abcdef`,
      expiresAt: now + (30 + k) * DAY_MS + HOUR_MS,
    }));
    await Promise.all(
      authorizations.map((authorization) =>
        s3.s3Client.send(
          new PutObjectCommand({
            Bucket: BUCKET,
            Key: `authorizations/${authorization.name}.json`,
            Body: serializeAuthorization(authorization),
          }),
        ),
      ),
    );
    // Act
    const run = await check({ oauth: () => Promise.reject(new Error('no refresh is due: LinkedIn must not be asked')) });
    // Assess
    const named = run.datapoints.filter((point) => point.name === 'TokenDaysRemaining' && point.dimensions.Authorization !== undefined);
    expect(named).toHaveLength(100);
    expect(named.map((point) => point.dimensions.Authorization)).toEqual(authorizations.slice(0, 100).map((a) => a.name));
    expect(valuesOf(run, 'TokenDaysRemaining')['']).toBe(30);
    expect(valuesOf(run, 'AuthorizationsChecked')).toEqual({ '': 150 });
    expect(run.result.soonest).toHaveLength(10);
    for (const authorization of authorizations) expect(run.printed).not.toContain(authorization.accessToken);
  });
});

describe('the event', () => {
  it.each([
    ['EventBridge Scheduler’s', { scheduledTime: '2026-12-01T12:00:00Z', trigger: 'schedule' }, 'schedule'],
    ['a console test’s {}', {}, 'manual'],
    ['none', null, 'manual'],
  ])('%s is accepted and only says who asked', async (_, event, trigger) => {
    // Prepare
    await store.write(authorize('acme', { accessTokenLifetimeMs: 40 * DAY_MS + HOUR_MS }));
    // Act
    const run = await check({}, undefined, event);
    // Assess
    expect(run.result).toMatchObject({ checked: 1, refreshed: 0 });
    expect(run.logs.find((line) => line.message === 'Authorizations checked')).toMatchObject({ trigger, checked: 1 });
  });
});
