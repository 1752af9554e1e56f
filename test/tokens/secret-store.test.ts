/**
 * The default authorization in the Secrets Manager token secret (secret-store.ts), the secret's
 * versions as the rotation uses them (versioned-secret.ts) and the app-credentials secret
 * (app-credentials.ts), against a Secrets Manager fake with real version-stage semantics.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { readSecretAuthorization } from '../../lambdas/shared/linkedin/token';
import { AppCredentialsError, readAppCredentials } from '../../lambdas/shared/tokens/app-credentials';
import { type Authorization, serializeAuthorization, StoredAuthorizationError } from '../../lambdas/shared/tokens/authorization';
import { secretAuthorizationStore } from '../../lambdas/shared/tokens/secret-store';
import { CURRENT_STAGE, PENDING_STAGE, PREVIOUS_STAGE, secretsManagerSecret } from '../../lambdas/shared/tokens/versioned-secret';
import { rejectionOf } from '../helpers/rejection';
import { awsFailure, SecretsManagerFake } from './secrets-manager-fake';

const SECRET = 'linkedin/salesnav/token';
const APP_SECRET = 'linkedin/salesnav/app';
const ACCESS_TOKEN = 'AQV-access-token-0123456789abcdef';
const REFRESH_TOKEN = 'AQX-refresh-token-0123456789abcdef';
const CLIENT_SECRET = 'client-secret-0123456789';
const NOW = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;

const fake = new SecretsManagerFake().install();
const client = new SecretsManagerClient({});

afterAll(() => fake.uninstall());

const record: Authorization = {
  name: 'default',
  accessToken: ACCESS_TOKEN,
  expiresAt: NOW + 40 * DAY,
  refreshToken: REFRESH_TOKEN,
  refreshTokenExpiresAt: NOW + 300 * DAY,
  scope: 'r_sales_nav_analytics',
  authorizedAt: NOW - 65 * DAY,
};

let arn: string;

beforeEach(() => {
  clearCaches();
  fake.reset();
  arn = fake.create(SECRET);
});

describe('secretAuthorizationStore', () => {
  const store = () => secretAuthorizationStore({ client, secretId: arn });

  it('reads a plain-string secret (today’s format) as an authorization with an unknown expiry', async () => {
    // Prepare
    fake.put(SECRET, `${ACCESS_TOKEN}\n`);
    // Act
    const read = await store().read('default');
    // Assess
    expect(read).toEqual({ name: 'default', accessToken: ACCESS_TOKEN });
  });

  it('reads a JSON record with every field, dates included', async () => {
    // Prepare
    fake.put(SECRET, serializeAuthorization(record));
    // Act
    const read = await store().read('default');
    // Assess
    expect(read).toEqual(record);
    expect(fake.count('GetSecretValue')).toBe(1);
    // Reading needs GetSecretValue only: the workflow's functions have no other permission.
    expect(fake.calls.map((call) => call.command)).toEqual(['GetSecretValue']);
  });

  it('a secret created without a value (the stack’s) or holding only whitespace has no authorization', async () => {
    // Act
    const never = await store().read('default');
    const listed = await store().list();
    fake.put(SECRET, '  \n');
    const blank = await store().read('default');
    // Assess
    expect(never).toBeUndefined();
    expect(listed).toEqual([]);
    expect(blank).toBeUndefined();
  });

  it('holds only the default authorization: another name reads as absent and cannot be written', async () => {
    // Prepare
    fake.put(SECRET, serializeAuthorization(record));
    // Act
    const other = await store().read('acme');
    const error = await rejectionOf(store().write({ ...record, name: 'acme' }));
    // Assess
    expect(other).toBeUndefined();
    expect(error.message).toBe('The token secret holds only the "default" authorization, not "acme"');
    expect(fake.count('PutSecretValue')).toBe(0);
  });

  it('write puts a new AWSCURRENT version, keeps the old as AWSPREVIOUS, and the workflow’s token source reads it', async () => {
    // Prepare
    const first = fake.put(SECRET, ACCESS_TOKEN);
    const renewed: Authorization = { ...record, accessToken: 'AQV-renewed-token-abcdef0123456789' };
    // Act
    await store().write(renewed);
    // Assess
    const current = fake.versionWith(SECRET, CURRENT_STAGE)!;
    expect(current).not.toBe(first);
    expect(fake.versionWith(SECRET, PREVIOUS_STAGE)).toBe(first);
    expect(await store().read('default')).toEqual(renewed);
    expect(await store().list()).toEqual([renewed]);
    clearCaches();
    expect(await readSecretAuthorization(arn)).toEqual(renewed);
  });

  it('a value that is not a usable record is a StoredAuthorizationError naming the secret, never quoting the value', async () => {
    // Prepare
    fake.put(SECRET, `{"accessToken": "", "refreshToken": "${REFRESH_TOKEN}"}`);
    // Act
    const error = await rejectionOf(store().read('default'));
    // Assess
    expect(error).toBeInstanceOf(StoredAuthorizationError);
    expect(error.message).toBe(
      `Secrets Manager secret ${arn} is JSON with unusable field(s): accessToken (a non-empty string "accessToken" is required)`,
    );
    expect(error.message).not.toContain(REFRESH_TOKEN);
  });

  it.each([
    ['AccessDeniedException', 'secretsmanager:GetSecretValue on it'],
    ['DecryptionFailure', "kms:Decrypt on the secret's KMS key"],
  ] as const)('a read refused with %s is a ConfigError naming the secret and the permission', async (name, permission) => {
    // Prepare
    fake.put(SECRET, ACCESS_TOKEN);
    fake.failNext.set('GetSecretValue', awsFailure(name));
    // Act
    const error = await rejectionOf(store().read('default'));
    // Assess
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(`Cannot read the Secrets Manager secret ${arn} (${name}): the function role needs ${permission}.`);
  });

  it('a write refused for lack of permission says which one', async () => {
    // Prepare
    fake.failNext.set('PutSecretValue', awsFailure('AccessDeniedException'));
    // Act
    const error = await rejectionOf(store().write(record));
    // Assess
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain('the function role needs secretsmanager:PutSecretValue on it');
    expect(error.message).not.toContain(ACCESS_TOKEN);
  });
});

describe('secretsManagerSecret (the versions a rotation works with)', () => {
  const secret = () => secretsManagerSecret({ client, secretId: arn });

  it('reports the versions holding AWSCURRENT and AWSPENDING, and whether rotation is on', async () => {
    // Prepare
    const current = fake.put(SECRET, ACCESS_TOKEN);
    const pending = fake.startRotation(SECRET);
    // Act
    const versions = await secret().versions();
    fake.setRotationEnabled(SECRET, false);
    const disabled = await secret().versions();
    // Assess
    expect(versions).toEqual({ rotationEnabled: true, current, pending });
    expect(disabled.rotationEnabled).toBe(false);
  });

  it('the empty version a rotation starts with has no value; a stage or a version id reads a value', async () => {
    // Prepare
    const current = fake.put(SECRET, ACCESS_TOKEN);
    const pending = fake.startRotation(SECRET);
    // Act
    const [byStage, byId, empty, emptyStage] = await Promise.all([
      secret().value(CURRENT_STAGE),
      secret().value(current),
      secret().value(pending),
      secret().value(PENDING_STAGE),
    ]);
    // Assess
    expect([byStage, byId, empty, emptyStage]).toEqual([ACCESS_TOKEN, ACCESS_TOKEN, undefined, undefined]);
  });

  it('putPending fills the rotation’s version, idempotently; another value for the same version is refused', async () => {
    // Prepare
    fake.put(SECRET, ACCESS_TOKEN);
    const pending = fake.startRotation(SECRET);
    // Act
    await secret().putPending(pending, 'candidate');
    await secret().putPending(pending, 'candidate');
    const conflict = await rejectionOf(secret().putPending(pending, 'another candidate'));
    // Assess
    expect(fake.valueOf(SECRET, pending)).toBe('candidate');
    expect(fake.stages(SECRET)[pending]).toEqual([PENDING_STAGE]);
    expect(conflict.name).toBe('ResourceExistsException');
  });

  it('promote moves AWSCURRENT (the old version becomes AWSPREVIOUS) and is a no-op once done', async () => {
    // Prepare
    const old = fake.put(SECRET, ACCESS_TOKEN);
    const pending = fake.startRotation(SECRET);
    await secret().putPending(pending, 'candidate');
    // Act
    await secret().promote(pending);
    await secret().promote(pending);
    // Assess
    expect(fake.stages(SECRET)).toEqual({ [old]: [PREVIOUS_STAGE], [pending]: [PENDING_STAGE, CURRENT_STAGE] });
    expect(fake.count('UpdateSecretVersionStage')).toBe(1);
  });

  it('dropPending takes AWSPENDING off the empty version, so the next rotation can start', async () => {
    // Prepare
    const current = fake.put(SECRET, ACCESS_TOKEN);
    const pending = fake.startRotation(SECRET);
    const refused = (() => {
      try {
        fake.startRotation(SECRET);
      } catch (error) {
        return error as Error;
      }
      return undefined;
    })();
    // Act
    await secret().dropPending(pending);
    // Assess
    expect(refused?.message).toBe("A previous rotation isn't complete. That rotation will be reattempted.");
    expect(fake.stages(SECRET)).toEqual({ [current]: [CURRENT_STAGE] });
    expect(() => fake.startRotation(SECRET)).not.toThrow();
  });

  it('putCurrent returns the new AWSCURRENT version id', async () => {
    // Act
    const version = await secret().putCurrent(ACCESS_TOKEN);
    // Assess
    expect(fake.versionWith(SECRET, CURRENT_STAGE)).toBe(version);
  });

  it('a label change refused for lack of permission names secretsmanager:UpdateSecretVersionStage', async () => {
    // Prepare
    fake.put(SECRET, ACCESS_TOKEN);
    const pending = fake.startRotation(SECRET);
    fake.failNext.set('UpdateSecretVersionStage', awsFailure('AccessDeniedException'));
    // Act
    const error = await rejectionOf(secret().dropPending(pending));
    // Assess
    expect(error.message).toBe(
      `Cannot change the Secrets Manager secret ${arn} (AccessDeniedException): the function role needs secretsmanager:UpdateSecretVersionStage on it.`,
    );
  });
});

describe('readAppCredentials', () => {
  let appArn: string;
  const read = () => readAppCredentials({ client, secretId: appArn });

  beforeEach(() => {
    appArn = fake.create(APP_SECRET);
  });

  it('reads {"clientId", "clientSecret"}', async () => {
    // Prepare
    fake.put(APP_SECRET, JSON.stringify({ clientId: 'app-id', clientSecret: CLIENT_SECRET, note: 'from the developer portal' }));
    // Act
    const credentials = await read();
    // Assess
    expect(credentials).toEqual({ clientId: 'app-id', clientSecret: CLIENT_SECRET });
  });

  it('a secret without a value says how to put the credentials', async () => {
    // Act
    const error = await rejectionOf(read());
    // Assess
    expect(error).toBeInstanceOf(AppCredentialsError);
    expect(error.message).toBe(
      `The LinkedIn app-credentials secret ${appArn} has no value: put the LinkedIn app's credentials with ` +
        `aws secretsmanager put-secret-value --secret-id ${appArn} --secret-string '{"clientId":"<client id>","clientSecret":"<client secret>"}'`,
    );
  });

  it.each([
    ['not JSON', CLIENT_SECRET, 'is not JSON'],
    ['without clientSecret', JSON.stringify({ clientId: 'app-id', secret: CLIENT_SECRET }), 'lacks a non-empty string clientSecret'],
    ['with an empty clientId', JSON.stringify({ clientId: ' ', clientSecret: CLIENT_SECRET }), 'lacks a non-empty string clientId'],
  ])('a value %s is refused, naming the secret and the field but never the value', async (_case, value, problem) => {
    // Prepare
    fake.put(APP_SECRET, value);
    // Act
    const error = await rejectionOf(read());
    // Assess
    expect(error).toBeInstanceOf(AppCredentialsError);
    expect(error.message).toContain(`The LinkedIn app-credentials secret ${appArn} ${problem}`);
    expect(error.message).not.toContain(CLIENT_SECRET);
  });

  it('a read refused with AccessDeniedException is a ConfigError naming the permission', async () => {
    // Prepare
    fake.failNext.set('GetSecretValue', awsFailure('AccessDeniedException'));
    // Act
    const error = await rejectionOf(read());
    // Assess
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(`${appArn} (AccessDeniedException): the function role needs secretsmanager:GetSecretValue`);
  });
});
