import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  InternalServiceError,
} from '@aws-sdk/client-secrets-manager';
import { clearCaches } from '@aws-lambda-powertools/parameters';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { LinkedInAuthError } from '../../lambdas/shared/linkedin/errors';
import { cachedAuthorizationReader, checkedTokenSource, readSecretAuthorization } from '../../lambdas/shared/linkedin/token';
import {
  type Authorization,
  DAY_MS,
  DEFAULT_AUTHORIZATION,
  parseAuthorization,
  StoredAuthorizationError,
} from '../../lambdas/shared/tokens/authorization';
import type { AuthorizationReader } from '../../lambdas/shared/tokens/ports';
import { rejectionOf } from '../helpers/rejection';

const SECRET_ID = 'linkedin/salesnav/token';
const TOKEN = 'AQX-live-token-0123456789';
const secrets = mockClient(SecretsManagerClient);

const errorOf = rejectionOf;

beforeEach(() => {
  secrets.reset();
  clearCaches();
});

afterAll(() => {
  secrets.restore();
});

const NOW = Date.parse('2026-12-01T00:00:00Z');

const secretReader: AuthorizationReader = {
  read: async (name) => (name === DEFAULT_AUTHORIZATION ? readSecretAuthorization(SECRET_ID) : undefined),
  list: async () => [],
};

/** The default authorization's checked token, as the deployed entries read it. */
const readToken = checkedTokenSource(
  secretReader,
  DEFAULT_AUTHORIZATION,
  () => NOW,
  () => `the Secrets Manager secret ${SECRET_ID}`,
);

/** A reader holding `records` as they are. */
const readerOf = (...records: Authorization[]): AuthorizationReader => ({
  read: async (name) => records.find((record) => record.name === name),
  list: async () => records,
});

describe('the default authorization from the token secret', () => {
  it('returns a plain-text secret as the token', async () => {
    // Prepare
    secrets.on(GetSecretValueCommand, { SecretId: SECRET_ID }).resolves({ SecretString: `${TOKEN}\n` });
    // Act
    const token = await readToken();
    // Assess
    expect(token).toBe(TOKEN);
  });

  it('returns accessToken from a JSON secret, ignoring other keys', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ accessToken: TOKEN, expiresAt: '2027-01-01' }) });
    expect(await readToken()).toBe(TOKEN);
  });

  it('decodes a binary secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(TOKEN) });
    expect(await readToken()).toBe(TOKEN);
  });

  it('caches the secret across calls (one Secrets Manager read)', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: TOKEN });
    await readToken();
    await readToken();
    await readToken();
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
  });

  it('an empty secret is a LinkedInAuthError naming the secret', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '' });
    const error = await errorOf(readToken());
    expect(error).toBeInstanceOf(LinkedInAuthError);
    expect(error.name).toBe('LinkedInAuthError');
    expect(error.message).toContain(`The Secrets Manager secret ${SECRET_ID} is empty`);
    expect(error.message).toContain('npm run cli -- authorize');
  });

  it('a secret without a value (the stack creates it empty) is a LinkedInAuthError: never put, and the command that puts it', async () => {
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        $metadata: {},
      }),
    );
    const error = await errorOf(readToken());
    expect(error.name).toBe('LinkedInAuthError');
    expect(error.message).toContain(`The LinkedIn authorization was never put (the Secrets Manager secret ${SECRET_ID} has no value)`);
    expect(error.message).toContain('run npm run cli -- authorize');
  });

  it('a secret the role may not read is a ConfigError naming the variable', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const error = await errorOf(readToken());
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(`Cannot read the LinkedIn token secret ${SECRET_ID} (AccessDeniedException)`);
    expect(error.message).toContain('LINKEDIN_TOKEN_SECRET_ID');
  });

  it('a transient Secrets Manager failure propagates for the caller to retry', async () => {
    secrets.on(GetSecretValueCommand).rejects(new InternalServiceError({ message: 'boom', $metadata: {} }));
    const error = await errorOf(readToken());
    expect(error.name).toBe('GetParameterError');
    expect(error.message).toContain('boom');
  });
});

describe('parseAuthorization', () => {
  it.each([
    ['undefined', undefined, 'is empty'],
    ['whitespace', '  \n', 'is empty'],
    ['broken JSON', `{"accessToken": "${TOKEN}"`, 'is not valid JSON'],
    ['JSON without accessToken', JSON.stringify({ token: TOKEN }), 'unusable field(s): accessToken'],
    ['JSON with a blank accessToken', JSON.stringify({ accessToken: ' ' }), 'unusable field(s): accessToken'],
    ['JSON with a numeric accessToken', JSON.stringify({ accessToken: 5 }), 'unusable field(s): accessToken'],
    ['JSON with a date that is not one', JSON.stringify({ accessToken: TOKEN, expiresAt: 'soon' }), 'unusable field(s): expiresAt'],
  ])('%s -> StoredAuthorizationError that never quotes the value', (_, value, problem) => {
    let error: unknown;
    try {
      parseAuthorization(value, DEFAULT_AUTHORIZATION, `The Secrets Manager secret ${SECRET_ID}`);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(StoredAuthorizationError);
    const message = (error as Error).message;
    expect(message).toContain(problem);
    expect(message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('trims a JSON accessToken and reads ISO dates and epoch ms alike', () => {
    const record = parseAuthorization(
      ` {"accessToken": " ${TOKEN} ", "expiresAt": "2027-01-30T00:00:00Z", "authorizedAt": ${NOW}} `,
      DEFAULT_AUTHORIZATION,
      'the secret',
    );
    expect(record).toEqual({
      name: DEFAULT_AUTHORIZATION,
      accessToken: TOKEN,
      expiresAt: Date.parse('2027-01-30T00:00:00Z'),
      authorizedAt: NOW,
    });
  });
});

describe('checkedTokenSource', () => {
  it('an expired authorization fails before any call, saying when and naming the command', async () => {
    // Prepare
    const token = checkedTokenSource(readerOf({ name: 'acme', accessToken: TOKEN, expiresAt: NOW - DAY_MS }), 'acme', () => NOW, String);
    // Act
    const error = await errorOf(token());
    // Assess
    expect(error).toBeInstanceOf(LinkedInAuthError);
    expect(error.message).toContain('LinkedIn authorization "acme"\'s access token expired on 2026-11-30');
    expect(error.message).toContain('npm run cli -- authorize --name acme');
    expect(error.message).not.toContain(TOKEN);
  });

  it('a revoked authorization fails as revoked', async () => {
    const token = checkedTokenSource(
      readerOf({ name: DEFAULT_AUTHORIZATION, accessToken: TOKEN, revokedAt: NOW - 1 }),
      DEFAULT_AUTHORIZATION,
      () => NOW,
      String,
    );
    const error = await errorOf(token());
    expect(error.message).toContain('The LinkedIn authorization was revoked');
    expect(error.message).toContain('run npm run cli -- authorize');
  });

  it('a named authorization nobody put is "never put", with where it should be', async () => {
    const token = checkedTokenSource(
      readerOf(),
      'globex',
      () => NOW,
      (name) => `s3://store/authorizations/${name}.json`,
    );
    const error = await errorOf(token());
    expect(error.message).toContain('LinkedIn authorization "globex" was never put (s3://store/authorizations/globex.json has no value)');
  });

  it('a usable authorization gives its token; one of unknown expiry (a plain token) too', async () => {
    expect(await checkedTokenSource(readerOf({ name: 'a', accessToken: TOKEN, expiresAt: NOW + DAY_MS }), 'a', () => NOW, String)()).toBe(
      TOKEN,
    );
    expect(await checkedTokenSource(readerOf({ name: 'b', accessToken: TOKEN }), 'b', () => NOW, String)()).toBe(TOKEN);
  });
});

describe('cachedAuthorizationReader', () => {
  it('reads once per name within the time to live, again after it, and forgets a failed read', async () => {
    // Prepare
    let now = NOW;
    let reads = 0;
    let fail = true;
    const reader = cachedAuthorizationReader(
      {
        read: async (name) => {
          reads += 1;
          if (fail) throw new Error('transient');
          return { name, accessToken: TOKEN };
        },
        list: async () => [],
      },
      60_000,
      () => now,
    );
    // Act / Assess
    await expect(reader.read('a')).rejects.toThrow('transient');
    fail = false;
    await reader.read('a');
    await reader.read('a');
    expect(reads).toBe(2);
    now += 60_000;
    await reader.read('a');
    expect(reads).toBe(3);
  });
});
