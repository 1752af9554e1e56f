/**
 * The rotation function as Secrets Manager invokes it (handlers/rotate-token.ts and the deployed
 * entry lambdas/rotate-token.ts): the middy chain, the event check, the secret it may rotate, the
 * app credentials read from their own secret only when needed, its JSON log lines and the EMF
 * lines of the refresh metrics, against the LinkedIn simulator and a Secrets Manager fake.
 */
import { PassThrough } from 'node:stream';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { encodeRuntimeEnvironment, RUNTIME_DEFAULTS, type RuntimeConfig } from '../../lambdas/shared/contract/runtime-config';
import { createRotateTokenHandler, isSameSecret, type RotationEvent } from '../../lambdas/shared/handlers/rotate-token';
import { readAppCredentials } from '../../lambdas/shared/tokens/app-credentials';
import { type Authorization, parseAuthorization, serializeAuthorization } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import { ROTATION_STEPS, type StepResult } from '../../lambdas/shared/tokens/rotation';
import { CURRENT_STAGE, secretsManagerSecret } from '../../lambdas/shared/tokens/versioned-secret';
import { createStreamLogger } from '../../local/runner/log-stream';
import { type IssuedAuthorization, type Simulator, startSimulator } from '../../local/simulator';
import { applyEnv } from '../helpers/env';
import { type Handler, lambdaContext } from '../helpers/lambda-context';
import { rejectionOf } from '../helpers/rejection';
import { SecretsManagerFake } from './secrets-manager-fake';

const DAY = 86_400_000;
const TOKEN_SECRET = 'linkedin/salesnav/token';
const APP_SECRET = 'linkedin/salesnav/app';

let sim: Simulator;
const fake = new SecretsManagerFake().install();
const client = new SecretsManagerClient({});
let tokenArn: string;
let appArn: string;

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  fake.uninstall();
  await sim?.close();
});

beforeEach(() => {
  fake.reset();
  sim.resetCalls();
  tokenArn = fake.create(TOKEN_SECRET);
  appArn = fake.create(APP_SECRET, { value: JSON.stringify({ clientId: sim.clientId, clientSecret: sim.clientSecret }) });
});

const recordOf = (issued: IssuedAuthorization): Authorization => ({
  name: 'default',
  accessToken: issued.accessToken,
  expiresAt: issued.expiresAt,
  refreshToken: issued.refreshToken!,
  refreshTokenExpiresAt: issued.refreshTokenExpiresAt!,
  scope: issued.scope,
  authorizedAt: issued.authorizedAt,
});

/** An authorization 45 days into its 60: due for a refresh (TOKEN_REFRESH_DAYS 21). */
const putDueAuthorization = (): IssuedAuthorization => {
  const issued = sim.issueAuthorization();
  fake.put(TOKEN_SECRET, serializeAuthorization(recordOf(issued)));
  sim.advanceTime(45 * DAY);
  return issued;
};

interface Captured {
  /** The handler's JSON log lines. */
  logs: Array<Record<string, unknown>>;
  /** The EMF documents printed on stdout. */
  emf: Array<{ _aws: { CloudWatchMetrics: Array<{ Dimensions: string[][]; Metrics: Array<{ Name: string }> }> }; [key: string]: unknown }>;
  /** Every line printed, for the no-secret checks. */
  text: string;
}

/**
 * Runs `work` with metrics enabled and stdout captured: a single metric reads
 * POWERTOOLS_METRICS_DISABLED when it is made, so its EMF line is printed as in Lambda.
 */
const capturingMetrics = async <T>(work: () => Promise<T>): Promise<{ value?: T; error?: Error; printed: string[] }> => {
  const printed: string[] = [];
  const restore = applyEnv({ POWERTOOLS_METRICS_DISABLED: 'false' });
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    printed.push(...chunk.toString().split('\n').filter(Boolean));
    return true;
  });
  try {
    return { value: await work(), printed };
  } catch (error) {
    return { error: error as Error, printed };
  } finally {
    write.mockRestore();
    restore();
  }
};

/** The handler wired as the deployed entry wires it (credentials from their secret), its output captured. */
const rotationHandler = (configured: string = tokenArn) => {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
  // Made at INFO, not set to it: Powertools restores a Logger's initial level on every invocation after the first.
  const restore = applyEnv({ POWERTOOLS_LOG_LEVEL: 'INFO' });
  const logger = createStreamLogger(stream);
  restore();
  const config: Pick<RuntimeConfig, 'LINKEDIN_TOKEN_SECRET_ID' | 'TOKEN_REFRESH_DAYS'> = {
    LINKEDIN_TOKEN_SECRET_ID: configured,
    TOKEN_REFRESH_DAYS: 21,
  };
  const handler = createRotateTokenHandler(
    () => ({
      config,
      secret: secretsManagerSecret({ client, secretId: configured }),
      oauth: async () =>
        createLinkedInOAuth({ oauthUrl: sim.oauthUrl, credentials: await readAppCredentials({ client, secretId: appArn }), now: sim.now }),
      now: sim.now,
    }),
    { logger },
  ) as unknown as Handler<unknown, StepResult>;
  return { handler, lines };
};

/** Invokes every step of one rotation, stopping at the first failure, and captures what was printed. */
const rotate = async (handler: Handler<unknown, StepResult>, lines: string[], secretId = tokenArn) => {
  const version = fake.startRotation(TOKEN_SECRET);
  const results: StepResult[] = [];
  const { error, printed } = await capturingMetrics(async () => {
    for (const Step of ROTATION_STEPS) {
      const event: RotationEvent = { SecretId: secretId, ClientRequestToken: version, Step };
      results.push(await handler({ ...event, RotationToken: 'opaque-rotation-token' }, lambdaContext()));
    }
  });
  const emf = printed.filter((line) => line.includes('"_aws"')).map((line) => JSON.parse(line) as Captured['emf'][number]);
  const captured: Captured = { logs: lines.map((line) => JSON.parse(line)), emf, text: [...lines, ...printed].join('\n') };
  return { version, results, error, ...captured };
};

/** The metric names in EMF documents with the dimensions {service, Authorization}, and the Authorization value. */
/** The fleet-wide counts (no Authorization dimension), as the dashboard reads them. */
const fleetMetrics = (emf: Captured['emf']) =>
  emf.flatMap((doc) =>
    doc._aws.CloudWatchMetrics.filter((set) => set.Dimensions.every((dims) => !dims.includes('Authorization'))).flatMap((set) =>
      set.Metrics.filter((metric) => metric.Name.startsWith('TokenRefresh')).map((metric) => ({
        name: metric.Name,
        value: doc[metric.Name],
      })),
    ),
  );

const authorizationMetrics = (emf: Captured['emf']) =>
  emf.flatMap((doc) =>
    doc._aws.CloudWatchMetrics.filter((set) => set.Dimensions.some((dims) => dims.includes('Authorization'))).flatMap((set) =>
      set.Metrics.map((metric) => ({ name: metric.Name, authorization: doc.Authorization, service: doc.service, value: doc[metric.Name] })),
    ),
  );

describe('createRotateTokenHandler', () => {
  it('rotates a due token through the four invocations and publishes TokenRefreshed, fleet-wide', async () => {
    // Prepare
    const issued = putDueAuthorization();
    const { handler, lines } = rotationHandler();
    // Act
    const { version, results, error, emf, logs, text } = await rotate(handler, lines);
    // Assess
    expect(error).toBeUndefined();
    expect(results.map((result) => result.outcome)).toEqual(['refreshed', 'unchanged', 'tested', 'promoted']);
    expect(fake.versionWith(TOKEN_SECRET, CURRENT_STAGE)).toBe(version);
    const current = parseAuthorization(fake.valueOf(TOKEN_SECRET, CURRENT_STAGE), 'default', 'test');
    expect(current.accessToken).not.toBe(issued.accessToken);
    expect(fleetMetrics(emf)).toEqual([{ name: 'TokenRefreshed', value: 1 }]);
    expect(authorizationMetrics(emf)).toEqual([]);
    // The app credentials are read for the refresh and for the test, not for setSecret or finishSecret.
    expect(fake.count('GetSecretValue', APP_SECRET)).toBe(2);
    expect(logs.filter((log) => log.message === 'Rotation step done').map((log) => [log.rotationStep, log.outcome, log.versionId])).toEqual(
      [
        ['createSecret', 'refreshed', version],
        ['setSecret', 'unchanged', version],
        ['testSecret', 'tested', version],
        ['finishSecret', 'promoted', version],
      ],
    );
    for (const secret of [issued.accessToken, issued.refreshToken!, current.accessToken, sim.clientSecret])
      expect(text).not.toContain(secret);
  });

  it('a token not due: AWSCURRENT untouched, the rotation’s empty version released, the app credentials never read', async () => {
    // Prepare
    const issued = sim.issueAuthorization();
    const before = fake.put(TOKEN_SECRET, serializeAuthorization(recordOf(issued)));
    const { handler, lines } = rotationHandler();
    // Act
    const { results, error, emf } = await rotate(handler, lines);
    // Assess
    expect(error).toBeUndefined();
    expect(results.map((result) => result.outcome)).toEqual(['reported', 'unchanged', 'unchanged', 'released']);
    expect(fake.stages(TOKEN_SECRET)).toEqual({ [before]: [CURRENT_STAGE] });
    expect(fake.count('GetSecretValue', APP_SECRET)).toBe(0);
    expect(authorizationMetrics(emf)).toEqual([]);
  });

  it('invalid_grant (the member revoked the app): the invocation fails, AWSCURRENT stays, TokenRefreshFailed is in the EMF, no secret printed', async () => {
    // Prepare
    const issued = putDueAuthorization();
    const before = fake.versionWith(TOKEN_SECRET, CURRENT_STAGE);
    sim.revokeToken(issued.refreshToken!);
    const { handler, lines } = rotationHandler();
    // Act
    const { results, error, emf, logs, text } = await rotate(handler, lines);
    // Assess
    expect(results).toEqual([]);
    expect(error?.name).toBe('TokenRefreshError');
    expect(error?.message).toContain('invalid_grant');
    expect(fake.versionWith(TOKEN_SECRET, CURRENT_STAGE)).toBe(before);
    expect(authorizationMetrics(emf)).toEqual([
      { name: 'TokenRefreshFailed', authorization: 'default', service: 'linkedin-salesnav-export', value: 1 },
    ]);
    expect(logs.find((log) => log.message === 'Invocation failed')).toMatchObject({
      errorName: 'TokenRefreshError',
      rotationStep: 'createSecret',
    });
    for (const secret of [issued.accessToken, issued.refreshToken!, sim.clientSecret]) expect(text).not.toContain(secret);
  });

  it('refuses a secret other than the configured token secret, before touching any secret', async () => {
    // Prepare
    const other = fake.create('someone/else', { value: 'their-secret-value' });
    const { handler } = rotationHandler();
    // Act
    const error = await rejectionOf(
      handler({ SecretId: other, ClientRequestToken: 'f3c9f1d2-1111-4222-8333-944455556666', Step: 'createSecret' }, lambdaContext()),
    );
    // Assess
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(`This function rotates only the LinkedIn token secret ${tokenArn}; it was invoked for ${other}.`);
    expect(fake.calls).toEqual([]);
  });

  it('refuses an event that is not a rotation step', async () => {
    // Prepare
    const { handler } = rotationHandler();
    // Act
    const error = await rejectionOf(handler({ SecretId: tokenArn, ClientRequestToken: 'v1', Step: 'rotateSecret' }, lambdaContext()));
    // Assess
    expect(error.name).toBe('ParseError');
    expect(fake.calls).toEqual([]);
  });

  it('accepts the secret’s ARN when the configuration names the secret by its name', async () => {
    // Prepare
    fake.put(TOKEN_SECRET, sim.token);
    const { handler, lines } = rotationHandler(TOKEN_SECRET);
    // Act
    const { results, error } = await rotate(handler, lines, tokenArn);
    // Assess
    expect(error).toBeUndefined();
    expect(results.map((result) => result.outcome)).toEqual(['reported', 'unchanged', 'unchanged', 'released']);
  });
});

describe('isSameSecret', () => {
  const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:linkedin/salesnav/token-AbC123';

  it.each([
    [arn, arn, true],
    ['linkedin/salesnav/token', arn, true],
    ['linkedin/salesnav', arn, false],
    ['linkedin/salesnav/token-AbC123', arn, false],
    ['arn:aws:secretsmanager:us-east-1:123456789012:secret:linkedin/salesnav/token-XyZ789', arn, false],
    ['linkedin/salesnav/token', 'linkedin/salesnav/token', true],
  ])('configured %s, given %s: %s', (configured, given, same) => {
    expect(isSameSecret(configured, given)).toBe(same);
  });
});

describe('the deployed entry (lambdas/rotate-token.ts)', () => {
  it('reads its configuration from the environment and the app credentials from their secret', async () => {
    // Prepare: a simulator of its own, whose clock is the real one (the entry's `now` is Date.now),
    // and a token issued with 15 days to live (due: TOKEN_REFRESH_DAYS defaults to 21).
    const linkedIn = await startSimulator();
    fake.put(APP_SECRET, JSON.stringify({ clientId: linkedIn.clientId, clientSecret: linkedIn.clientSecret }));
    const issued = linkedIn.issueAuthorization({ accessTokenLifetimeMs: 15 * DAY });
    fake.put(TOKEN_SECRET, serializeAuthorization(recordOf(issued)));
    const restore = applyEnv({
      ...encodeRuntimeEnvironment(RUNTIME_DEFAULTS),
      BUCKET_NAME: 'exports',
      TOKEN_STORE_BUCKET: 'tokens',
      LINKEDIN_TOKEN_SECRET_ID: tokenArn,
      LINKEDIN_APP_SECRET_ID: appArn,
      LINKEDIN_OAUTH_URL: linkedIn.oauthUrl,
    });
    try {
      const { handler } = (await import('../../lambdas/rotate-token')) as unknown as { handler: Handler<unknown, StepResult> };
      // Act
      const { results, error } = await rotate(handler, []);
      // Assess
      expect(error).toBeUndefined();
      expect(results.map((result) => result.outcome)).toEqual(['refreshed', 'unchanged', 'tested', 'promoted']);
      const current = parseAuthorization(fake.valueOf(TOKEN_SECRET, CURRENT_STAGE), 'default', 'test');
      expect(current.accessToken).not.toBe(issued.accessToken);
      expect(linkedIn.countCalls({ route: 'accessToken', status: 200 })).toBe(1);
      expect(fake.count('GetSecretValue', APP_SECRET)).toBe(2);
    } finally {
      restore();
      await linkedIn.close();
    }
  });
});
