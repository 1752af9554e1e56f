/**
 * The LinkedIn OAuth client against the simulator's copy of LinkedIn's OAuth endpoints
 * (local/simulator/oauth.ts, docs/linkedin-api.md §9): the authorization URL, the code and refresh
 * grants, introspection, LinkedIn's errors. What the simulator does not model (a gateway echoing
 * the request, a non-JSON answer, silence, a closed port) uses the HTTP stub.
 */
import { ANALYTICS_SCOPE, DAY_MS } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth, MAX_DESCRIPTION_LENGTH, normalizeScope, OAuthError } from '../../lambdas/shared/tokens/oauth-client';
import type { LinkedInOAuth } from '../../lambdas/shared/tokens/ports';
import { refreshAuthorization, TokenRefreshError } from '../../lambdas/shared/tokens/refresh';
import { type Simulator, startSimulator } from '../../local/simulator';
import { rejectionOf } from '../helpers/rejection';
import { closedPortUrl, reply, startHttpStub, startSilentServer } from '../linkedin/http-stub';

const REDIRECT_URI = 'http://127.0.0.1:8765/callback';
const STATE = 'state-0123456789';

let sim: Simulator;
let oauth: LinkedInOAuth;
/** Every request the client sent: URL and body. */
let sent: Array<{ url: string; body: string }>;

const recordingFetch: typeof fetch = async (input, init) => {
  sent.push({ url: String(input), body: String(init?.body ?? '') });
  return fetch(input, init);
};

/** The member consents on the simulator's authorization page; returns the code from its redirect. */
const consent = async (scope = ANALYTICS_SCOPE, redirectUri = REDIRECT_URI): Promise<string> => {
  const page = await fetch(oauth.authorizationUrl({ redirectUri, state: STATE, scope }), { redirect: 'manual' });
  expect(page.status).toBe(302);
  const location = new URL(page.headers.get('location')!);
  expect(location.searchParams.get('state')).toBe(STATE);
  return location.searchParams.get('code')!;
};

const oauthError = async (promise: Promise<unknown>): Promise<OAuthError> => {
  const error = await rejectionOf<OAuthError>(promise);
  expect(error).toBeInstanceOf(OAuthError);
  expect(error.name).toBe('LinkedInOAuthError');
  return error;
};

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(() => {
  sent = [];
  sim.oauth = { ...sim.oauth, consent: 'allow', refreshTokens: true };
  oauth = createLinkedInOAuth({
    oauthUrl: sim.oauthUrl,
    credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret },
    fetch: recordingFetch,
    now: sim.now,
  });
});

describe('authorizationUrl', () => {
  it("is LinkedIn's authorization endpoint with the code flow's parameters, the scopes %20-separated, and no secret", () => {
    // Act
    const url = oauth.authorizationUrl({ redirectUri: REDIRECT_URI, state: STATE, scope: `${ANALYTICS_SCOPE} r_extra` });

    // Assess
    const parsed = new URL(url);
    expect(`${parsed.origin}${parsed.pathname}`).toBe(`${sim.oauthUrl}/authorization`);
    expect(Object.fromEntries(parsed.searchParams)).toEqual({
      response_type: 'code',
      client_id: sim.clientId,
      redirect_uri: REDIRECT_URI,
      state: STATE,
      scope: `${ANALYTICS_SCOPE} r_extra`,
    });
    expect(url).toContain(`scope=${ANALYTICS_SCOPE}%20r_extra`);
    expect(url).not.toContain(sim.clientSecret);
  });
});

describe('exchangeCode', () => {
  it('turns a code into a 60-day access token and a 365-day refresh token, sending the secret only in a form body', async () => {
    // Prepare
    const code = await consent();
    const before = sim.now();

    // Act
    const grant = await oauth.exchangeCode({ code, redirectUri: REDIRECT_URI });

    // Assess
    expect(grant.accessToken).toMatch(/\S{8,}/);
    expect(grant.expiresAt).toBeGreaterThanOrEqual(before + 60 * DAY_MS - 1_000);
    expect(grant.expiresAt).toBeLessThanOrEqual(sim.now() + 60 * DAY_MS);
    expect(grant.refreshToken).toMatch(/\S{8,}/);
    expect(grant.refreshTokenExpiresAt).toBeGreaterThanOrEqual(before + 365 * DAY_MS - 1_000);
    expect(grant.scope).toBe(ANALYTICS_SCOPE);
    const [request] = sent;
    expect(request!.url).toBe(`${sim.oauthUrl}/accessToken`);
    expect(request!.url).not.toContain(sim.clientSecret);
    expect(Object.fromEntries(new URLSearchParams(request!.body))).toEqual({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      client_id: sim.clientId,
      client_secret: sim.clientSecret,
    });
  });

  it('gives no refresh token when LinkedIn gives none (apps outside the refresh program)', async () => {
    // Prepare
    sim.oauth = { ...sim.oauth, refreshTokens: false };
    const code = await consent();

    // Act
    const grant = await oauth.exchangeCode({ code, redirectUri: REDIRECT_URI });

    // Assess
    expect(grant.refreshToken).toBeUndefined();
    expect(grant.refreshTokenExpiresAt).toBeUndefined();
  });

  it("refuses a code used twice with LinkedIn's invalid_grant, naming neither the code nor the secret", async () => {
    // Prepare
    const code = await consent();
    await oauth.exchangeCode({ code, redirectUri: REDIRECT_URI });

    // Act
    const error = await oauthError(oauth.exchangeCode({ code, redirectUri: REDIRECT_URI }));

    // Assess
    expect(error).toMatchObject({ endpoint: 'accessToken', status: 400, error: 'invalid_grant' });
    expect(error.message).toBe(
      'LinkedIn OAuth accessToken answered 400 invalid_grant: The provided authorization grant or refresh token is invalid, expired or revoked',
    );
    expect(error.message).not.toContain(code);
    expect(error.message).not.toContain(sim.clientSecret);
  });

  it("refuses a redirect_uri other than the authorization request's with invalid_redirect_uri", async () => {
    // Prepare
    const code = await consent();

    // Act
    const error = await oauthError(oauth.exchangeCode({ code, redirectUri: 'http://127.0.0.1:9999/elsewhere' }));

    // Assess
    expect(error).toMatchObject({ status: 400, error: 'invalid_redirect_uri' });
  });

  it('says invalid_client (401) for a wrong client secret, without the secret it sent', async () => {
    // Prepare
    const code = await consent();
    const wrong = createLinkedInOAuth({
      oauthUrl: sim.oauthUrl,
      credentials: { clientId: sim.clientId, clientSecret: 'not-the-secret-42' },
    });

    // Act
    const error = await oauthError(wrong.exchangeCode({ code, redirectUri: REDIRECT_URI }));

    // Assess
    expect(error).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(error.message).not.toContain('not-the-secret-42');
  });
});

describe('refresh', () => {
  it("makes a new 60-day access token and keeps the refresh token's first expiry (LinkedIn never extends it)", async () => {
    // Prepare
    const first = await oauth.exchangeCode({ code: await consent(), redirectUri: REDIRECT_URI });
    sim.advanceTime(40 * DAY_MS);

    // Act
    const renewed = await oauth.refresh(first.refreshToken!);

    // Assess
    expect(renewed.accessToken).not.toBe(first.accessToken);
    expect(renewed.expiresAt).toBeGreaterThanOrEqual(sim.now() + 60 * DAY_MS - 1_000);
    // LinkedIn sends the remaining lifetime in whole seconds: within a second of the first expiry.
    expect(Math.abs(renewed.refreshTokenExpiresAt! - first.refreshTokenExpiresAt!)).toBeLessThanOrEqual(1_000);
    expect(Object.fromEntries(new URLSearchParams(sent.at(-1)!.body))).toMatchObject({
      grant_type: 'refresh_token',
      refresh_token: first.refreshToken,
    });
  });

  it('is refused for a revoked refresh token, which refreshAuthorization reports as revoked, without the token', async () => {
    // Prepare
    const first = await oauth.exchangeCode({ code: await consent(), redirectUri: REDIRECT_URI });
    sim.revokeToken(first.refreshToken!);
    const current = { name: 'acme', ...first };

    // Act
    const error = await rejectionOf<TokenRefreshError>(refreshAuthorization(oauth, current, sim.now()));

    // Assess
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.revoked).toBe(true);
    expect(error.cause).toMatchObject({ error: 'invalid_grant', status: 400 });
    expect(error.message).not.toContain(first.refreshToken!);
  });
});

describe('introspect', () => {
  it("reports an active token's expiry and authorization in epoch ms and its scopes space-separated", async () => {
    // Prepare
    const grant = await oauth.exchangeCode({ code: await consent(), redirectUri: REDIRECT_URI });

    // Act
    const seen = await oauth.introspect(grant.accessToken);

    // Assess
    expect(seen).toMatchObject({ active: true, status: 'active', scope: ANALYTICS_SCOPE });
    // LinkedIn answers in epoch seconds.
    expect(Math.abs(seen.expiresAt! - grant.expiresAt)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(seen.authorizedAt! - sim.now())).toBeLessThanOrEqual(5_000);
    expect(sent.at(-1)!.url).toBe(`${sim.oauthUrl}/introspectToken`);
  });

  it('says revoked for a revoked token and expired for an expired one', async () => {
    // Prepare
    const revoked = sim.issueAuthorization().accessToken;
    sim.revokeToken(revoked);
    const expiring = sim.issueAuthorization({ accessTokenLifetimeMs: DAY_MS }).accessToken;
    sim.advanceTime(2 * DAY_MS);

    // Act
    const [seenRevoked, seenExpired] = [await oauth.introspect(revoked), await oauth.introspect(expiring)];

    // Assess
    expect(seenRevoked).toMatchObject({ active: false, status: 'revoked' });
    expect(seenExpired).toMatchObject({ active: false, status: 'expired' });
  });

  it('answers {active: false} alone for a token LinkedIn does not know', async () => {
    // Act
    const seen = await oauth.introspect('a-token-nobody-issued');

    // Assess
    expect(seen).toEqual({ active: false });
  });
});

describe('what LinkedIn does not normally send', () => {
  it('redacts the client secret and the token when a gateway echoes them, and caps the description to one line', async () => {
    // Prepare
    const stub = await startHttpStub();
    const secret = 'client-secret-0123456789';
    const token = 'refresh-token-abcdefghijkl';
    stub.handle(
      reply(400, {
        error: 'invalid_request',
        error_description: `bad form client_secret=${secret}&refresh_token=${encodeURIComponent(token)}\n${'x'.repeat(500)}`,
      }),
    );
    const client = createLinkedInOAuth({ oauthUrl: stub.baseUrl, credentials: { clientId: 'id', clientSecret: secret } });

    // Act
    const error = await oauthError(client.refresh(token)).finally(() => stub.close());

    // Assess
    expect(error.message).not.toContain(secret);
    expect(error.message).not.toContain(token);
    expect(error.message).toContain('[redacted]');
    expect(error.message).not.toContain('\n');
    const description = error.message.slice(error.message.indexOf(': ') + 2);
    expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_LENGTH);
  });

  it('does not take a value that is not an OAuth error code as the code (it could be an echo)', async () => {
    // Prepare
    const stub = await startHttpStub();
    stub.handle(reply(502, '<html>Bad gateway</html>', { 'content-type': 'text/html' }));
    const client = createLinkedInOAuth({ oauthUrl: stub.baseUrl, credentials: { clientId: 'id', clientSecret: 'secret-value' } });

    // Act
    const error = await oauthError(client.introspect('some-token-value')).finally(() => stub.close());

    // Assess
    expect(error).toMatchObject({ endpoint: 'introspectToken', status: 502, error: 'http_502' });
    expect(error.message).toBe('LinkedIn OAuth introspectToken answered 502 http_502: <html>Bad gateway</html>');
  });

  it('refuses a 200 without a usable access token, naming the field and not its value', async () => {
    // Prepare
    const stub = await startHttpStub();
    stub.handle(reply(200, { access_token: 'issued-token-xyz', expires_in: -5 }));
    const client = createLinkedInOAuth({ oauthUrl: stub.baseUrl, credentials: { clientId: 'id', clientSecret: 'secret-value' } });

    // Act
    const error = await oauthError(client.refresh('refresh-token-value')).finally(() => stub.close());

    // Assess
    expect(error).toMatchObject({ status: 200, error: 'invalid_response' });
    expect(error.message).toContain('expires_in');
    expect(error.message).not.toContain('issued-token-xyz');
  });

  it('gives up after the timeout, and says so', async () => {
    // Prepare
    const silent = await startSilentServer();
    const client = createLinkedInOAuth({
      oauthUrl: silent.baseUrl,
      credentials: { clientId: 'id', clientSecret: 'secret-value' },
      timeoutMs: 200,
    });

    // Act
    const error = await oauthError(client.introspect('some-token-value')).finally(() => silent.close());

    // Assess
    expect(error).toMatchObject({ status: 0, error: 'timeout' });
    expect(error.message).toBe('LinkedIn OAuth introspectToken answered 0 timeout: no answer within 200 ms');
  });

  it('says it could not reach a closed port', async () => {
    // Prepare
    const client = createLinkedInOAuth({ oauthUrl: await closedPortUrl(), credentials: { clientId: 'id', clientSecret: 'secret-value' } });

    // Act
    const error = await oauthError(client.introspect('some-token-value'));

    // Assess
    expect(error).toMatchObject({ status: 0, error: 'unreachable' });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).not.toContain('secret-value');
  });
});

describe('normalizeScope', () => {
  it("turns LinkedIn's comma-separated scopes into OAuth's space-separated ones", () => {
    expect(normalizeScope('r_sales_nav_analytics,r_basicprofile')).toBe('r_sales_nav_analytics r_basicprofile');
    expect(normalizeScope(' r_a , r_b ')).toBe('r_a r_b');
    expect(normalizeScope('')).toBeUndefined();
    expect(normalizeScope(undefined)).toBeUndefined();
  });
});
