/**
 * The token secret's rotation (tokens/rotation.ts), step by step as Secrets Manager calls it,
 * against the LinkedIn simulator's OAuth endpoints through the real OAuth client, on both
 * secrets it runs on: Secrets Manager (a fake with real version-stage semantics) and the local
 * files `npm start` uses (local/tokens/local-secret.ts).
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { LinkedInClient } from '../../lambdas/shared/linkedin/client';
import { type Authorization, parseAuthorization, serializeAuthorization } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import { TokenRefreshError } from '../../lambdas/shared/tokens/refresh';
import {
  ROTATION_STEPS,
  RotationError,
  type RotationDependencies,
  type RotationMetric,
  type RotationStep,
  rotateStep,
} from '../../lambdas/shared/tokens/rotation';
import { CURRENT_STAGE, secretsManagerSecret, type VersionedSecret } from '../../lambdas/shared/tokens/versioned-secret';
import { localSecret } from '../../local/tokens/local-secret';
import { type IssuedAuthorization, type Simulator, startSimulator } from '../../local/simulator';
import { rejectionOf } from '../helpers/rejection';
import { SecretsManagerFake } from './secrets-manager-fake';

const DAY = 86_400_000;
const REFRESH_DAYS = 21;
const SECRET = 'linkedin/salesnav/token';

/** One secret the rotation can run on, with what Secrets Manager (or the local runner) does around it. */
interface Backend {
  readonly secret: VersionedSecret;
  /** Puts a value as AWSCURRENT, as an operator or `authorize` would. */
  put(value: string): Promise<string>;
  /** Begins a rotation: the version id every step names. */
  startRotation(): string;
  /**
   * What finishSecret does when nothing was refreshed: Secrets Manager made an empty AWSPENDING
   * version that must be released; the local runner made none.
   */
  readonly emptyFinish: 'released' | 'unchanged';
}

interface LogLine {
  level: 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
}

let sim: Simulator;
const fake = new SecretsManagerFake().install();
const client = new SecretsManagerClient({});
let directory: string;

beforeAll(async () => {
  sim = await startSimulator();
  directory = await mkdtemp(path.join(tmpdir(), 'rotation-'));
});

afterAll(async () => {
  fake.uninstall();
  await sim?.close();
  await rm(directory, { recursive: true, force: true });
});

const backends: Array<[string, () => Backend]> = [
  [
    'Secrets Manager',
    () => {
      fake.reset();
      const arn = fake.create(SECRET);
      return {
        secret: secretsManagerSecret({ client, secretId: arn }),
        put: async (value) => fake.put(SECRET, value),
        startRotation: () => fake.startRotation(SECRET),
        emptyFinish: 'released',
      };
    },
  ],
  [
    'local files',
    () => {
      const secret = localSecret(path.join(directory, randomUUID()));
      // The local runner has no service to make the rotation's version: it picks the id itself.
      return { secret, put: (value) => secret.putCurrent(value), startRotation: () => randomUUID(), emptyFinish: 'unchanged' };
    },
  ],
];

/** What `authorize` would store for a grant of the simulator. */
const recordOf = (issued: IssuedAuthorization): Authorization => ({
  name: 'default',
  accessToken: issued.accessToken,
  expiresAt: issued.expiresAt,
  ...(issued.refreshToken !== undefined && { refreshToken: issued.refreshToken, refreshTokenExpiresAt: issued.refreshTokenExpiresAt }),
  scope: issued.scope,
  authorizedAt: issued.authorizedAt,
});

/** Rotation dependencies over `secret`, recording log lines, metrics and how often the OAuth client was built. */
const harness = (secret: VersionedSecret) => {
  const lines: LogLine[] = [];
  const counted: RotationMetric[] = [];
  let oauthBuilt = 0;
  const line =
    (level: LogLine['level']) =>
    (message: string, ...attributes: Record<string, unknown>[]) =>
      lines.push({ level, message, attributes: Object.assign({}, ...attributes) });
  const deps: RotationDependencies = {
    secret,
    oauth: async () => {
      oauthBuilt += 1;
      return createLinkedInOAuth({
        oauthUrl: sim.oauthUrl,
        credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret },
        now: sim.now,
      });
    },
    now: () => sim.now(),
    refreshDays: REFRESH_DAYS,
    log: { info: line('info'), warn: line('warn'), error: line('error') },
    count: (metric) => counted.push(metric),
  };
  return { deps, lines, counted, oauthBuilt: () => oauthBuilt };
};

/** Runs `steps` for one version, in order, and returns their outcomes. */
const run = async (deps: RotationDependencies, versionId: string, steps: readonly RotationStep[] = ROTATION_STEPS) => {
  const outcomes: string[] = [];
  for (const step of steps) outcomes.push((await rotateStep(step, versionId, deps)).outcome);
  return outcomes;
};

const currentRecord = async (secret: VersionedSecret): Promise<Authorization | undefined> => {
  const value = await secret.value(CURRENT_STAGE);
  return value === undefined ? undefined : parseAuthorization(value, 'default', 'test');
};

/** No secret appears anywhere in `lines` (a masked prefix is not the secret). */
const expectNoSecrets = (lines: readonly unknown[], ...secrets: Array<string | undefined>) => {
  const text = JSON.stringify(lines);
  for (const secret of secrets) if (secret) expect(text).not.toContain(secret);
  expect(text).not.toContain(sim.clientSecret);
};

describe.each(backends)('rotation on %s', (_label, makeBackend) => {
  let backend: Backend;

  beforeEach(() => {
    backend = makeBackend();
    sim.resetCalls();
  });

  it('a due refresh runs all four steps: the tested new token becomes AWSCURRENT and works on the API', async () => {
    // Prepare: 45 days into a 60-day token (15 days left, 21 is the refresh threshold).
    const issued = sim.issueAuthorization();
    const before = await backend.put(serializeAuthorization(recordOf(issued)));
    sim.advanceTime(45 * DAY);
    const { deps, lines, counted } = harness(backend.secret);
    const version = backend.startRotation();
    const started = sim.now();
    // Act
    const outcomes = await run(deps, version);
    const ended = sim.now();
    // Assess
    expect(outcomes).toEqual(['refreshed', 'unchanged', 'tested', 'promoted']);
    const versions = await backend.secret.versions();
    expect(versions.current).toBe(version);
    expect(versions.current).not.toBe(before);
    const current = (await currentRecord(backend.secret))!;
    expect(current.accessToken).not.toBe(issued.accessToken);
    expect(current.expiresAt).toBeGreaterThanOrEqual(started + 60 * DAY - 1_000);
    expect(current.expiresAt).toBeLessThanOrEqual(ended + 60 * DAY);
    expect(current.refreshedAt).toBeGreaterThanOrEqual(started);
    expect(current.refreshedAt).toBeLessThanOrEqual(ended);
    // Refreshing never extends the refresh token: same token, same expiry (LinkedIn counts whole seconds).
    expect(current.refreshToken).toBe(issued.refreshToken);
    expect(Math.abs(current.refreshTokenExpiresAt! - issued.refreshTokenExpiresAt!)).toBeLessThan(1_000);
    expect(current.authorizedAt).toBe(issued.authorizedAt);
    const contracts = await new LinkedInClient({ baseUrl: sim.baseUrl, token: current.accessToken, readRetryDelaysMs: [] }).listContracts();
    expect(contracts.length).toBeGreaterThan(0);
    expect(counted).toEqual(['TokenRefreshed']);
    expect(sim.countCalls({ route: 'accessToken' })).toBe(1);
    expectNoSecrets(lines, issued.accessToken, issued.refreshToken, current.accessToken);
  });

  it('the next rotation after a refresh finds the token not due and leaves everything as it is', async () => {
    // Prepare
    await backend.put(serializeAuthorization(recordOf(sim.issueAuthorization())));
    sim.advanceTime(45 * DAY);
    await run(harness(backend.secret).deps, backend.startRotation());
    const refreshed = await backend.secret.versions();
    const { deps, counted } = harness(backend.secret);
    // Act
    const outcomes = await run(deps, backend.startRotation());
    // Assess
    expect(outcomes).toEqual(['reported', 'unchanged', 'unchanged', backend.emptyFinish]);
    expect((await backend.secret.versions()).current).toBe(refreshed.current);
    expect(counted).toEqual([]);
  });

  it('a token not due is only reported: no version made, AWSCURRENT untouched, the app credentials never read', async () => {
    // Prepare
    const issued = sim.issueAuthorization();
    const value = serializeAuthorization(recordOf(issued));
    const before = await backend.put(value);
    const { deps, lines, counted, oauthBuilt } = harness(backend.secret);
    const version = backend.startRotation();
    // Act
    const outcomes = await run(deps, version);
    // Assess
    expect(outcomes).toEqual(['reported', 'unchanged', 'unchanged', backend.emptyFinish]);
    expect(await backend.secret.versions()).toEqual({ rotationEnabled: true, current: before });
    expect(await backend.secret.value(CURRENT_STAGE)).toBe(value);
    expect(await backend.secret.value(version)).toBeUndefined();
    expect(oauthBuilt()).toBe(0);
    expect(counted).toEqual([]);
    expect(lines[0]).toMatchObject({
      level: 'info',
      message: `No refresh: not due: the access token has more than ${REFRESH_DAYS} day(s) left.`,
      attributes: { tokenDaysRemaining: 59, refreshTokenDaysRemaining: 364 },
    });
    expectNoSecrets(lines, issued.accessToken, issued.refreshToken);
  });

  it('a record without a refresh token is reported with a warning that says why and the days left', async () => {
    // Prepare
    const issued = sim.issueAuthorization({ refresh: false });
    const before = await backend.put(serializeAuthorization(recordOf(issued)));
    sim.advanceTime(50 * DAY);
    const { deps, lines, counted } = harness(backend.secret);
    // Act
    const outcomes = await run(deps, backend.startRotation());
    // Assess
    expect(outcomes).toEqual(['reported', 'unchanged', 'unchanged', backend.emptyFinish]);
    expect((await backend.secret.versions()).current).toBe(before);
    expect((await backend.secret.versions()).pending).toBeUndefined();
    expect(counted).toEqual([]);
    const warning = lines.find((line) => line.level === 'warn')!;
    expect(warning.message).toBe(
      'No refresh: the secret holds no refresh token, so the access token cannot be renewed automatically; ' +
        `it expires on ${new Date(issued.expiresAt).toISOString()}. Run npm run cli -- authorize before it expires (docs/tokens.md).`,
    );
    expect(warning.attributes).toMatchObject({ tokenDaysRemaining: 9, refreshTokenDaysRemaining: null });
    expectNoSecrets(lines, issued.accessToken);
  });

  it('a plain-string secret (today’s format) is reported: its expiry is unknown', async () => {
    // Prepare
    await backend.put(sim.token);
    const { deps, lines } = harness(backend.secret);
    // Act
    const outcomes = await run(deps, backend.startRotation());
    // Assess
    expect(outcomes).toEqual(['reported', 'unchanged', 'unchanged', backend.emptyFinish]);
    expect(await backend.secret.value(CURRENT_STAGE)).toBe(sim.token);
    const warning = lines.find((line) => line.level === 'warn')!;
    expect(warning.message).toContain('the secret holds no refresh token');
    expect(warning.message).toContain('its expiry is unknown (no expiresAt)');
    expect(warning.attributes).toMatchObject({ tokenDaysRemaining: null });
    expectNoSecrets(lines, sim.token);
  });

  it('a secret without a value and a malformed one are reported, never refreshed', async () => {
    // Prepare
    const empty = harness(backend.secret);
    // Act
    const never = await run(empty.deps, backend.startRotation());
    await backend.put('{"refreshToken": "AQX-secret-refresh"}');
    const malformed = harness(backend.secret);
    const broken = await run(malformed.deps, backend.startRotation());
    // Assess
    expect(never).toEqual(['reported', 'unchanged', 'unchanged', backend.emptyFinish]);
    expect(empty.lines[0]).toMatchObject({
      level: 'warn',
      message: 'No refresh: the token secret has no value. Run npm run cli -- authorize (docs/tokens.md).',
    });
    expect(broken).toEqual(['reported', 'unchanged', 'unchanged', backend.emptyFinish]);
    expect(malformed.lines[0]).toMatchObject({
      level: 'error',
      message: 'No refresh: the token secret does not hold a usable authorization',
    });
    expect(malformed.lines[0]!.attributes.problem).toContain('is JSON with unusable field(s): accessToken');
    expectNoSecrets(malformed.lines, 'AQX-secret-refresh');
  });

  it('a revoked refresh token (invalid_grant) fails the rotation: AWSCURRENT stays, TokenRefreshFailed, no token logged', async () => {
    // Prepare
    const issued = sim.issueAuthorization();
    const value = serializeAuthorization(recordOf(issued));
    const before = await backend.put(value);
    sim.advanceTime(45 * DAY);
    sim.revokeToken(issued.refreshToken!);
    const { deps, lines, counted } = harness(backend.secret);
    const version = backend.startRotation();
    // Act
    const error = await rejectionOf<TokenRefreshError>(rotateStep('createSecret', version, deps));
    // Assess
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.revoked).toBe(true);
    expect(error.message).toContain('invalid_grant');
    expect(counted).toEqual(['TokenRefreshFailed']);
    expect((await backend.secret.versions()).current).toBe(before);
    expect(await backend.secret.value(CURRENT_STAGE)).toBe(value);
    expect(await backend.secret.value(version)).toBeUndefined();
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'Token refresh failed: AWSCURRENT stays as it was',
      attributes: { revoked: true },
    });
    expectNoSecrets([...lines, error.message, error.stack], issued.accessToken, issued.refreshToken);
  });

  it('a new token that fails its test in testSecret fails the rotation and is never made current', async () => {
    // Prepare
    const issued = sim.issueAuthorization();
    const before = await backend.put(serializeAuthorization(recordOf(issued)));
    sim.advanceTime(45 * DAY);
    const { deps, lines, counted } = harness(backend.secret);
    const version = backend.startRotation();
    await rotateStep('createSecret', version, deps);
    const candidate = parseAuthorization((await backend.secret.value(version))!, 'default', 'test');
    sim.revokeToken(candidate.accessToken);
    // Act
    const error = await rejectionOf(rotateStep('testSecret', version, deps));
    // Assess
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.message).toBe('LinkedIn says the new access token of "default" is revoked');
    expect(counted).toEqual(['TokenRefreshFailed']);
    expect((await backend.secret.versions()).current).toBe(before);
    expectNoSecrets(lines, issued.accessToken, issued.refreshToken, candidate.accessToken);
  });

  it('every step is idempotent: retried, each does its work once (one refresh, one promotion, one TokenRefreshed)', async () => {
    // Prepare
    await backend.put(serializeAuthorization(recordOf(sim.issueAuthorization())));
    sim.advanceTime(45 * DAY);
    const { deps, counted } = harness(backend.secret);
    const version = backend.startRotation();
    // Act
    const outcomes = await run(
      deps,
      version,
      ROTATION_STEPS.flatMap((step) => [step, step]),
    );
    const createdAgain = await rotateStep('createSecret', version, deps);
    // Assess
    expect(outcomes).toEqual(['refreshed', 'unchanged', 'unchanged', 'unchanged', 'tested', 'tested', 'promoted', 'unchanged']);
    expect(createdAgain.outcome).toBe('unchanged');
    expect((await backend.secret.versions()).current).toBe(version);
    expect(sim.countCalls({ route: 'accessToken' })).toBe(1);
    expect(counted).toEqual(['TokenRefreshed']);
  });

  it('a rotation that refreshed nothing ends cleanly when finishSecret is retried', async () => {
    // Prepare
    const before = await backend.put(sim.token);
    const { deps } = harness(backend.secret);
    const version = backend.startRotation();
    // Act
    const outcomes = await run(deps, version, ['createSecret', 'finishSecret', 'finishSecret']);
    // Assess
    expect(outcomes).toEqual(['reported', backend.emptyFinish, 'unchanged']);
    expect(await backend.secret.versions()).toEqual({ rotationEnabled: true, current: before });
  });

  it('another rotation’s AWSPENDING version stops createSecret before any refresh (one refresh at a time)', async () => {
    // Prepare
    const issued = sim.issueAuthorization();
    const value = serializeAuthorization(recordOf(issued));
    const before = await backend.put(value);
    sim.advanceTime(45 * DAY);
    const foreign = randomUUID();
    await backend.secret.putPending(foreign, value);
    const { deps, lines, counted } = harness(backend.secret);
    // Act
    const error = await rejectionOf(rotateStep('createSecret', randomUUID(), deps));
    // Assess
    expect(error).toBeInstanceOf(RotationError);
    expect(error.message).toContain(
      `Another rotation's version ${foreign} of the ${backend.secret.name} holds AWSPENDING: one refresh at a time.`,
    );
    expect(error.message).toContain(`--version-stage AWSPENDING --remove-from-version-id ${foreign}`);
    expect(lines).toEqual([
      { level: 'error', message: 'Another rotation holds AWSPENDING: not refreshing beside it', attributes: { pendingVersionId: foreign } },
    ]);
    expect(sim.countCalls({ route: 'accessToken' })).toBe(0);
    expect(counted).toEqual([]);
    expect((await backend.secret.versions()).current).toBe(before);
  });
});

describe('rotation on Secrets Manager only', () => {
  beforeEach(() => {
    fake.reset();
  });

  it('a secret whose rotation is not enabled is refused by every step', async () => {
    // Prepare
    const arn = fake.create(SECRET, { value: sim.token });
    fake.setRotationEnabled(SECRET, false);
    const { deps } = harness(secretsManagerSecret({ client, secretId: arn }));
    // Act
    const errors = await Promise.all(ROTATION_STEPS.map((step) => rejectionOf(rotateStep(step, randomUUID(), deps))));
    // Assess
    for (const error of errors) {
      expect(error).toBeInstanceOf(RotationError);
      expect(error.message).toBe(
        `Rotation is not enabled on the Secrets Manager secret ${arn}: this function runs only as its rotation function.`,
      );
    }
  });

  it('after a successful rotation Secrets Manager accepts the next one, and after a no-op rotation too', async () => {
    // Prepare
    const arn = fake.create(SECRET);
    const secret = secretsManagerSecret({ client, secretId: arn });
    fake.put(SECRET, serializeAuthorization(recordOf(sim.issueAuthorization())));
    sim.advanceTime(45 * DAY);
    // Act
    const refreshed = await run(harness(secret).deps, fake.startRotation(SECRET));
    const reported = await run(harness(secret).deps, fake.startRotation(SECRET));
    // Assess
    expect(refreshed).toEqual(['refreshed', 'unchanged', 'tested', 'promoted']);
    expect(reported).toEqual(['reported', 'unchanged', 'unchanged', 'released']);
    expect(() => fake.startRotation(SECRET)).not.toThrow();
  });
});
