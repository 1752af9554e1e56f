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
import { secretTokenSource, tokenFromSecretValue } from '../../lambdas/shared/linkedin/token';
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

const readToken = secretTokenSource(SECRET_ID);

describe('secretTokenSource (Secrets Manager)', () => {
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
  });

  it('a secret without a value (the stack creates it empty) is a LinkedInAuthError saying how to put the token', async () => {
    secrets.on(GetSecretValueCommand).rejects(
      new ResourceNotFoundException({
        message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
        $metadata: {},
      }),
    );
    const error = await errorOf(readToken());
    expect(error.name).toBe('LinkedInAuthError');
    expect(error.message).toContain(`The Secrets Manager secret ${SECRET_ID} has no value yet`);
    expect(error.message).toContain(`aws secretsmanager put-secret-value --secret-id ${SECRET_ID}`);
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

describe('tokenFromSecretValue', () => {
  it.each([
    ['undefined', undefined, 'is empty'],
    ['whitespace', '  \n', 'is empty'],
    ['broken JSON', `{"accessToken": "${TOKEN}"`, 'is not valid JSON'],
    ['JSON without accessToken', JSON.stringify({ token: TOKEN }), 'without a non-empty string "accessToken"'],
    ['JSON with a blank accessToken', JSON.stringify({ accessToken: ' ' }), 'without a non-empty string "accessToken"'],
    ['JSON with a numeric accessToken', JSON.stringify({ accessToken: 5 }), 'without a non-empty string "accessToken"'],
  ])('%s -> LinkedInAuthError that never quotes the value', (_, value, problem) => {
    let error: unknown;
    try {
      tokenFromSecretValue(value, SECRET_ID);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(LinkedInAuthError);
    const message = (error as Error).message;
    expect(message).toContain(problem);
    expect(message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('trims a JSON accessToken', () => {
    expect(tokenFromSecretValue(` {"accessToken": " ${TOKEN} "} `, SECRET_ID)).toBe(TOKEN);
  });
});
