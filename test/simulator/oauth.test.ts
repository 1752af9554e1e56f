/**
 * The simulator's copy of LinkedIn's OAuth 2.0 endpoints (docs/linkedin-api.md §9) over HTTP:
 * the authorization redirect, the code and refresh exchanges with LinkedIn's error bodies,
 * introspection, real token lifetimes on the simulator's clock, and the API's answers to the
 * tokens it issued (expired, revoked, another member's contracts).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import {
  CODE_LIFETIME_MS,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  manyContracts,
  startSimulator,
  type Simulator,
} from '../../local/simulator';
import { parseCli } from '../../local/simulator/cli';
import { CONTRACT, DAY, WINDOW } from './helpers';

const REDIRECT_URI = 'https://app.example.com/linkedin/callback';
const ANALYTICS = 'r_sales_nav_analytics';
const INVALID_GRANT = {
  error: 'invalid_grant',
  error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked',
};
const SIXTY_DAYS_S = 5_184_000;
const YEAR_S = 365 * 86_400;

/**
 * A remaining lifetime in whole seconds, counted down from an instant fixed earlier in the test:
 * the real milliseconds the requests took round it down by a second (LinkedIn's own sample says
 * `expires_in: 5183999`).
 */
const expectRemainingSeconds = (actual: number | undefined, expected: number): void => {
  expect(actual).toBeLessThanOrEqual(expected);
  expect(actual).toBeGreaterThanOrEqual(expected - 2);
};

interface TokenBody {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
  refresh_token_expires_in?: number;
  scope: string;
}

interface AuthorizeParams {
  client_id?: string;
  redirect_uri?: string;
  response_type?: string;
  scope?: string;
  state?: string;
}

/** Opens LinkedIn's authorization page as a browser would, without following the redirect. */
const authorize = (sim: Simulator, overrides: AuthorizeParams = {}): Promise<Response> => {
  const params: AuthorizeParams = {
    response_type: 'code',
    client_id: sim.clientId,
    redirect_uri: REDIRECT_URI,
    scope: ANALYTICS,
    state: 'csrf-42',
    ...overrides,
  };
  const query = new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
  return fetch(`${sim.oauthUrl}/authorization?${query}`, { redirect: 'manual' });
};

/** Where the authorization sent the browser back to. */
const redirectOf = (res: Response): URL => {
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') ?? '');
};

/** A fresh code the member consented to. */
const codeFor = async (sim: Simulator, overrides: AuthorizeParams = {}): Promise<string> => {
  const code = redirectOf(await authorize(sim, overrides)).searchParams.get('code');
  if (!code) throw new Error('the authorization gave no code');
  return code;
};

const postForm = (sim: Simulator, endpoint: 'accessToken' | 'introspectToken', form: Record<string, string>): Promise<Response> =>
  fetch(`${sim.oauthUrl}/${endpoint}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });

const exchangeCode = (sim: Simulator, code: string, overrides: Record<string, string> = {}): Promise<Response> =>
  postForm(sim, 'accessToken', {
    grant_type: 'authorization_code',
    code,
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    redirect_uri: REDIRECT_URI,
    ...overrides,
  });

const refreshWith = (sim: Simulator, refreshToken: string): Promise<Response> =>
  postForm(sim, 'accessToken', {
    grant_type: 'refresh_token',
    refresh_token: refreshToken,
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
  });

const introspect = async (sim: Simulator, token: string): Promise<Record<string, unknown>> => {
  const res = await postForm(sim, 'introspectToken', { client_id: sim.clientId, client_secret: sim.clientSecret, token });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
};

/** The whole code flow: consent, exchange; returns LinkedIn's token answer. */
const authorizedTokens = async (sim: Simulator, overrides: AuthorizeParams = {}): Promise<TokenBody> => {
  const res = await exchangeCode(sim, await codeFor(sim, overrides));
  expect(res.status).toBe(200);
  return (await res.json()) as TokenBody;
};

const contractsWith = (sim: Simulator, token: string): Promise<Response> =>
  fetch(`${sim.baseUrl}/salesContracts?q=contractsByMember`, {
    headers: { Authorization: `Bearer ${token}`, 'X-Restli-Protocol-Version': '2.0.0' },
  });

const listedWith = async (sim: Simulator, token: string): Promise<string[]> => {
  const res = await contractsWith(sim, token);
  expect(res.status).toBe(200);
  return ((await res.json()) as { elements: { contract: string }[] }).elements.map((element) => element.contract);
};

const createJobWith = (sim: Simulator, token: string, contract: string): Promise<Response> =>
  fetch(`${sim.baseUrl}/salesAnalyticsExportJobs?action=exportActivityData`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'X-Restli-Protocol-Version': '2.0.0', 'Content-Type': 'application/json' },
    body: JSON.stringify({ contract, ...WINDOW }),
  });

describe('LinkedIn simulator OAuth 2.0', () => {
  let sim: Simulator;
  beforeEach(async () => {
    sim = await startSimulator();
  });
  afterEach(() => sim.close());

  describe('authorization (GET /oauth/v2/authorization)', () => {
    it('redirects back with a single code and the state when the member allows', async () => {
      // Act
      const res = await authorize(sim, { state: 'csrf 42/ä' });
      // Assess
      const back = redirectOf(res);
      expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
      expect(back.searchParams.get('state')).toBe('csrf 42/ä');
      expect(back.searchParams.get('code')).toMatch(/^AQ[\w-]{150,}$/);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(sim.tokens().pendingCodes).toBe(1);
      expect(sim.countCalls({ route: 'authorize', status: 302 })).toBe(1);
    });

    it('keeps the redirect_uri’s own query', async () => {
      // Act
      const back = redirectOf(await authorize(sim, { redirect_uri: `${REDIRECT_URI}?tenant=acme` }));
      // Assess
      expect(back.searchParams.get('tenant')).toBe('acme');
      expect(back.searchParams.get('code')).toBeTruthy();
    });

    it('redirects back with LinkedIn’s user_cancelled_authorize and the state when the member denies, issuing nothing', async () => {
      // Prepare
      sim.oauth.consent = 'deny';
      // Act
      const res = await authorize(sim, { state: 'xyz' });
      // Assess
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(
        `${REDIRECT_URI}?error=user_cancelled_authorize&error_description=The+user+cancelled+the+authorization&state=xyz`,
      );
      expect(sim.tokens()).toEqual({ accessTokens: [], refreshTokens: [], pendingCodes: 0 });
    });

    it('redirects back with unauthorized_scope_error when the scope lacks the analytics scope', async () => {
      // Act
      const back = redirectOf(await authorize(sim, { scope: 'r_liteprofile w_member_social' }));
      // Assess
      expect(back.searchParams.get('error')).toBe('unauthorized_scope_error');
      expect(back.searchParams.get('error_description')).toContain(ANALYTICS);
      expect(back.searchParams.get('state')).toBe('csrf-42');
      expect(back.searchParams.has('code')).toBe(false);
    });

    it.each<[string, AuthorizeParams, string]>([
      ['a missing response_type', { response_type: undefined }, 'invalid_request'],
      ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
      ['a missing scope', { scope: undefined }, 'invalid_request'],
    ])('redirects back with an error for %s', async (_, overrides, error) => {
      // Act
      const back = redirectOf(await authorize(sim, overrides));
      // Assess
      expect(back.searchParams.get('error')).toBe(error);
      expect(back.searchParams.has('code')).toBe(false);
    });

    it.each<[string, AuthorizeParams, number, string]>([
      ['an unknown client_id', { client_id: 'someone-else' }, 401, 'invalid_client'],
      ['a missing client_id', { client_id: undefined }, 400, 'invalid_request'],
      ['a missing redirect_uri', { redirect_uri: undefined }, 400, 'invalid_request'],
      ['a relative redirect_uri', { redirect_uri: '/callback' }, 400, 'invalid_redirect_uri'],
      ['a non-http redirect_uri', { redirect_uri: 'ftp://app.example.com/callback' }, 400, 'invalid_redirect_uri'],
      ['a redirect_uri with a fragment', { redirect_uri: `${REDIRECT_URI}#top` }, 400, 'invalid_redirect_uri'],
    ])('answers %s itself, without redirecting', async (_, overrides, status, error) => {
      // Act
      const res = await authorize(sim, overrides);
      // Assess
      expect(res.status).toBe(status);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.json()).toEqual({ error, error_description: expect.any(String) });
    });
  });

  describe('code exchange (POST /oauth/v2/accessToken, authorization_code)', () => {
    it('gives LinkedIn’s 60-day access token and 365-day refresh token, and the access token calls the API', async () => {
      // Prepare
      const code = await codeFor(sim);
      // Act
      const res = await exchangeCode(sim, code);
      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      const body = (await res.json()) as TokenBody;
      expect(body).toEqual({
        access_token: expect.stringMatching(/^AQ[\w-]{300,}$/),
        expires_in: SIXTY_DAYS_S,
        refresh_token: expect.stringMatching(/^AQ[\w-]{300,}$/),
        refresh_token_expires_in: YEAR_S,
        scope: ANALYTICS,
      });
      expect(await listedWith(sim, body.access_token)).toEqual([CONTRACT, 'urn:li:contract:1234560']);
      expect(sim.calls.at(-1)).toMatchObject({ route: 'contracts', status: 200, member: 'member-1' });
    });

    it('answers a second use of a code with invalid_grant', async () => {
      // Prepare
      const code = await codeFor(sim);
      expect((await exchangeCode(sim, code)).status).toBe(200);
      // Act
      const again = await exchangeCode(sim, code);
      // Assess
      expect(again.status).toBe(400);
      expect(await again.json()).toEqual(INVALID_GRANT);
    });

    it('accepts a code for 30 minutes, then answers invalid_grant', async () => {
      // Prepare
      const early = await codeFor(sim);
      const late = await codeFor(sim);
      // Act
      sim.advanceTime(CODE_LIFETIME_MS - 1_000);
      const inTime = await exchangeCode(sim, early);
      sim.advanceTime(1_000);
      const tooLate = await exchangeCode(sim, late);
      // Assess
      expect(CODE_LIFETIME_MS).toBe(30 * 60_000);
      expect(inTime.status).toBe(200);
      expect(tooLate.status).toBe(400);
      expect(await tooLate.json()).toEqual(INVALID_GRANT);
    });

    it('answers a code that was never issued with invalid_grant', async () => {
      // Act
      const res = await exchangeCode(sim, 'AQnot-a-code');
      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(INVALID_GRANT);
    });

    it('answers a redirect_uri other than the authorization’s with invalid_redirect_uri, and the code stays usable', async () => {
      // Prepare
      const code = await codeFor(sim);
      // Act
      const wrong = await exchangeCode(sim, code, { redirect_uri: 'https://evil.example.com/callback' });
      const right = await exchangeCode(sim, code);
      // Assess
      expect(wrong.status).toBe(400);
      expect(await wrong.json()).toEqual({ error: 'invalid_redirect_uri', error_description: expect.any(String) });
      expect(right.status).toBe(200);
    });

    it.each([
      ['a wrong client_secret', { client_secret: 'not-the-secret' }],
      ['a wrong client_id', { client_id: 'another-app' }],
    ])('answers %s with 401 invalid_client and spends no code', async (_, overrides) => {
      // Prepare
      const code = await codeFor(sim);
      // Act
      const res = await exchangeCode(sim, code, overrides);
      // Assess
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'Client authentication failed' });
      expect((await exchangeCode(sim, code)).status).toBe(200);
    });

    it.each(['grant_type', 'code', 'client_id', 'client_secret', 'redirect_uri'])(
      'answers a missing %s with 400 invalid_request',
      async (name) => {
        // Prepare
        const form: Record<string, string> = {
          grant_type: 'authorization_code',
          code: await codeFor(sim),
          client_id: sim.clientId,
          client_secret: sim.clientSecret,
          redirect_uri: REDIRECT_URI,
        };
        delete form[name];
        // Act
        const res = await postForm(sim, 'accessToken', form);
        // Assess
        expect(res.status).toBe(400);
        expect(await res.json()).toEqual({ error: 'invalid_request', error_description: `A required parameter "${name}" is missing` });
      },
    );

    it('answers an unknown grant_type with unsupported_grant_type, and a JSON body with invalid_request', async () => {
      // Act
      const unknown = await postForm(sim, 'accessToken', {
        grant_type: 'client_credentials',
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
      });
      const json = await fetch(`${sim.oauthUrl}/accessToken`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code' }),
      });
      // Assess
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as { error: string }).error).toBe('unsupported_grant_type');
      expect(json.status).toBe(400);
      expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('gives no refresh token when the app gets none, from the start or flipped at run time', async () => {
      // Prepare
      const noRefresh = await startSimulator({ oauth: { refreshTokens: false } });
      try {
        // Act
        const fromStart = await authorizedTokens(noRefresh);
        noRefresh.oauth.refreshTokens = true;
        const flippedOn = await authorizedTokens(noRefresh);
        // Assess
        expect(Object.keys(fromStart).sort()).toEqual(['access_token', 'expires_in', 'scope']);
        expect(flippedOn.refresh_token).toBeDefined();
      } finally {
        await noRefresh.close();
      }
    });

    it('uses the configured client credentials and lifetimes', async () => {
      // Prepare
      const custom = await startSimulator({
        oauth: { clientId: 'app-7', clientSecret: 's3cr3t', accessTokenLifetimeMs: 2 * DAY, refreshTokenLifetimeMs: 10 * DAY },
      });
      try {
        // Act
        const body = await authorizedTokens(custom);
        // Assess
        expect(custom.clientId).toBe('app-7');
        expect(body.expires_in).toBe(2 * 86_400);
        expect(body.refresh_token_expires_in).toBe(10 * 86_400);
        expect((await exchangeCode(custom, await codeFor(custom), { client_secret: DEFAULT_CLIENT_SECRET })).status).toBe(401);
      } finally {
        await custom.close();
      }
    });
  });

  describe('refresh (POST /oauth/v2/accessToken, refresh_token)', () => {
    it('gives a new 60-day access token; the refresh token keeps its expiry, and the old access token lives out its own', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      sim.advanceTime(59 * DAY);
      // Act
      const res = await refreshWith(sim, first.refresh_token!);
      // Assess
      expect(res.status).toBe(200);
      const refreshed = (await res.json()) as TokenBody;
      expect(refreshed.access_token).not.toBe(first.access_token);
      expect(refreshed.expires_in).toBe(SIXTY_DAYS_S);
      expect(refreshed.refresh_token).toBe(first.refresh_token);
      expectRemainingSeconds(refreshed.refresh_token_expires_in, YEAR_S - 59 * 86_400);
      expect(refreshed.scope).toBe(ANALYTICS);
      expect((await contractsWith(sim, refreshed.access_token)).status).toBe(200);
      expect((await contractsWith(sim, first.access_token)).status).toBe(200);
      sim.advanceTime(DAY);
      expect((await contractsWith(sim, first.access_token)).status).toBe(401);
      expect((await contractsWith(sim, refreshed.access_token)).status).toBe(200);
    });

    it('never gives an access token that outlives the refresh token (LinkedIn’s day-360 example)', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      sim.advanceTime(360 * DAY);
      // Act
      const refreshed = (await (await refreshWith(sim, first.refresh_token!)).json()) as TokenBody;
      // Assess
      expectRemainingSeconds(refreshed.expires_in, 5 * 86_400);
      expect(refreshed.refresh_token_expires_in).toBe(refreshed.expires_in);
    });

    it('answers a revoked refresh token with invalid_grant', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      expect(sim.revokeToken(first.refresh_token!)).toBe(true);
      // Act
      const res = await refreshWith(sim, first.refresh_token!);
      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(INVALID_GRANT);
    });

    it('answers an expired refresh token with invalid_grant', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      sim.advanceTime(365 * DAY);
      // Act
      const res = await refreshWith(sim, first.refresh_token!);
      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual(INVALID_GRANT);
    });

    it('answers a wrong secret with 401 invalid_client and a missing refresh_token with invalid_request', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      // Act
      const wrongSecret = await postForm(sim, 'accessToken', {
        grant_type: 'refresh_token',
        refresh_token: first.refresh_token!,
        client_id: sim.clientId,
        client_secret: 'nope',
      });
      const missing = await postForm(sim, 'accessToken', {
        grant_type: 'refresh_token',
        client_id: sim.clientId,
        client_secret: sim.clientSecret,
      });
      // Assess
      expect(wrongSecret.status).toBe(401);
      expect(((await wrongSecret.json()) as { error: string }).error).toBe('invalid_client');
      expect(missing.status).toBe(400);
      expect(await missing.json()).toEqual({
        error: 'invalid_request',
        error_description: 'A required parameter "refresh_token" is missing',
      });
    });
  });

  describe('introspection (POST /oauth/v2/introspectToken)', () => {
    it('describes a live access token in LinkedIn’s fields, times in epoch seconds', async () => {
      // Prepare
      const authorizedAt = Math.floor(sim.now() / 1000);
      const { access_token } = await authorizedTokens(sim);
      // Act
      const seen = await introspect(sim, access_token);
      // Assess
      expect(seen).toEqual({
        active: true,
        client_id: DEFAULT_CLIENT_ID,
        authorized_at: expect.any(Number),
        created_at: expect.any(Number),
        status: 'active',
        expires_at: expect.any(Number),
        scope: ANALYTICS,
        auth_type: '3L',
      });
      expect(seen.created_at as number).toBeGreaterThanOrEqual(authorizedAt);
      expect(seen.created_at as number).toBeLessThan(authorizedAt + 5);
      expect(seen.expires_at).toBe((seen.created_at as number) + SIXTY_DAYS_S);
    });

    it('says expired after 60 days, and keeps authorized_at across a refresh', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      const before = await introspect(sim, first.access_token);
      sim.advanceTime(60 * DAY);
      const refreshed = (await (await refreshWith(sim, first.refresh_token!)).json()) as TokenBody;
      // Act
      const expired = await introspect(sim, first.access_token);
      const renewed = await introspect(sim, refreshed.access_token);
      // Assess
      expect(expired).toMatchObject({ active: false, status: 'expired' });
      expect(renewed).toMatchObject({ active: true, status: 'active', authorized_at: before.authorized_at });
      // 60 days on the simulator's clock, plus the real time the requests took (under a second or two).
      const createdApart = (renewed.created_at as number) - (before.created_at as number);
      expect(createdApart).toBeGreaterThanOrEqual(60 * 86_400);
      expect(createdApart).toBeLessThanOrEqual(60 * 86_400 + 2);
    });

    it('says revoked for a revoked token, and only {active: false} for a token it never issued or a refresh token', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      sim.revokeToken(first.access_token);
      // Act
      const revoked = await introspect(sim, first.access_token);
      const unknown = await introspect(sim, 'AQsomething-else');
      const refresh = await introspect(sim, first.refresh_token!);
      // Assess
      expect(revoked).toMatchObject({ active: false, status: 'revoked' });
      expect(unknown).toEqual({ active: false });
      expect(refresh).toEqual({ active: false });
    });

    it('answers a wrong client secret with 401 invalid_client and a missing token with invalid_request', async () => {
      // Act
      const wrong = await postForm(sim, 'introspectToken', { client_id: sim.clientId, client_secret: 'nope', token: sim.token });
      const missing = await postForm(sim, 'introspectToken', { client_id: sim.clientId, client_secret: sim.clientSecret });
      // Assess
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
      expect(missing.status).toBe(400);
      expect(((await missing.json()) as { error: string }).error).toBe('invalid_request');
    });

    it('describes the static token as active with the analytics scope and no expiry unless one is set', async () => {
      // Prepare
      const expiring = await startSimulator({ staticTokenExpiresAt: Date.now() + DAY });
      try {
        // Act
        const forever = await introspect(sim, sim.token);
        const dated = await introspect(expiring, expiring.token);
        // Assess
        expect(forever).toMatchObject({ active: true, status: 'active', scope: ANALYTICS });
        expect(forever).not.toHaveProperty('expires_at');
        expect(dated).toMatchObject({ active: true, expires_at: expect.any(Number) });
      } finally {
        await expiring.close();
      }
    });
  });

  describe('the API and issued tokens', () => {
    it('answers an expired issued token with LinkedIn’s expired body', async () => {
      // Prepare
      const { access_token } = await authorizedTokens(sim);
      sim.advanceTime(60 * DAY);
      // Act
      const res = await contractsWith(sim, access_token);
      // Assess
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'The token used in the request has expired', serviceErrorCode: 65602, status: 401 });
    });

    it('answers a revoked issued token with LinkedIn’s revoked body', async () => {
      // Prepare
      const { access_token } = await authorizedTokens(sim);
      sim.revokeToken(access_token);
      // Act
      const res = await contractsWith(sim, access_token);
      // Assess
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({
        message: 'The token used in the request has been revoked by the user',
        serviceErrorCode: 65601,
        status: 401,
      });
    });

    it('keeps the static token working for ever by default, and expires or revokes it when told to', async () => {
      // Prepare
      const expiring = await startSimulator({ staticTokenExpiresAt: Date.now() + DAY });
      try {
        sim.advanceTime(10 * 365 * DAY);
        // Act
        const forever = await contractsWith(sim, sim.token);
        const beforeExpiry = await contractsWith(expiring, expiring.token);
        expiring.advanceTime(DAY);
        const afterExpiry = await contractsWith(expiring, expiring.token);
        sim.revokeToken(sim.token);
        const revoked = await contractsWith(sim, sim.token);
        // Assess
        expect(forever.status).toBe(200);
        expect(beforeExpiry.status).toBe(200);
        expect(afterExpiry.status).toBe(401);
        expect(((await afterExpiry.json()) as { serviceErrorCode: number }).serviceErrorCode).toBe(65602);
        expect(revoked.status).toBe(401);
        expect(((await revoked.json()) as { serviceErrorCode: number }).serviceErrorCode).toBe(65601);
      } finally {
        await expiring.close();
      }
    });

    it('keeps the unauthorized fault working over issued tokens', async () => {
      // Prepare
      const { access_token } = await authorizedTokens(sim);
      sim.faults.unauthorized = 'revoked';
      // Act
      const res = await contractsWith(sim, access_token);
      // Assess
      expect(res.status).toBe(401);
      expect(((await res.json()) as { serviceErrorCode: number }).serviceErrorCode).toBe(65601);
    });

    it('revokes a member’s earlier tokens when the member grants a different scope set, not the same one again', async () => {
      // Prepare
      const first = await authorizedTokens(sim);
      const sameScope = await authorizedTokens(sim);
      // Act
      const wider = await authorizedTokens(sim, { scope: `${ANALYTICS} r_sales_nav_profiles` });
      // Assess
      expect(sameScope.access_token).not.toBe(first.access_token);
      for (const earlier of [first, sameScope]) {
        expect((await contractsWith(sim, earlier.access_token)).status).toBe(401);
        expect(await introspect(sim, earlier.access_token)).toMatchObject({ active: false, status: 'revoked' });
        expect((await refreshWith(sim, earlier.refresh_token!)).status).toBe(400);
      }
      expect(wider.scope).toBe(`${ANALYTICS},r_sales_nav_profiles`);
      expect((await contractsWith(sim, wider.access_token)).status).toBe(200);
    });

    it('answers 403 to a member token without the analytics scope', async () => {
      // Prepare
      const { accessToken } = sim.issueAuthorization({ scope: 'r_liteprofile' });
      // Act
      const res = await contractsWith(sim, accessToken);
      // Assess
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ message: expect.stringContaining('Not enough permissions'), serviceErrorCode: 100, status: 403 });
    });
  });

  describe('members', () => {
    const contracts = manyContracts(4);
    const [c0, c1, c2, c3] = contracts.map((contract) => contract.contract) as [string, string, string, string];
    let members: Simulator;
    beforeEach(async () => {
      members = await startSimulator({ contracts, members: { alice: [c2, c0], bob: [c1] } });
    });
    afterEach(() => members.close());

    it('lists only a member’s contracts under the member’s token, in finder order; the static token lists all', async () => {
      // Prepare
      const alice = await authorizedTokens(members);
      members.oauth.member = 'bob';
      const bob = await authorizedTokens(members);
      // Act
      const aliceSees = await listedWith(members, alice.access_token);
      const bobSees = await listedWith(members, bob.access_token);
      const staticSees = await listedWith(members, members.token);
      // Assess
      expect(aliceSees).toEqual([c0, c2]);
      expect(bobSees).toEqual([c1]);
      expect(staticSees).toEqual([c0, c1, c2, c3]);
      expect(members.calls.filter((call) => call.route === 'contracts').map((call) => call.member)).toEqual(['alice', 'bob', undefined]);
    });

    it('answers 403 to a job for a contract the member has no seat on', async () => {
      // Prepare
      const bob = members.issueAuthorization({ member: 'bob' });
      // Act
      const foreign = await createJobWith(members, bob.accessToken, c0);
      const own = await createJobWith(members, bob.accessToken, c1);
      // Assess
      expect(foreign.status).toBe(403);
      expect(own.status).toBe(200);
    });

    it('rejects members that name a contract the simulator lacks, or an unknown consenting member', async () => {
      // Act / Assess
      await expect(startSimulator({ contracts, members: { carol: ['urn:li:contract:1'] } })).rejects.toThrow(
        /carol lists urn:li:contract:1/,
      );
      await expect(startSimulator({ contracts, members: { alice: [c0] }, oauth: { member: 'dave' } })).rejects.toThrow(
        /oauth.member "dave"/,
      );
      expect(() => members.issueAuthorization({ member: 'dave' })).toThrow(/dave/);
    });
  });

  describe('issueAuthorization', () => {
    it('issues what the code flow would: a working access token, a refresh token and their expiries', async () => {
      // Prepare
      const now = sim.now();
      // Act
      const issued = sim.issueAuthorization();
      // Assess
      expect(issued).toEqual({
        accessToken: expect.stringMatching(/^AQ[\w-]{300,}$/),
        expiresAt: expect.any(Number),
        refreshToken: expect.stringMatching(/^AQ/),
        refreshTokenExpiresAt: expect.any(Number),
        scope: ANALYTICS,
        authorizedAt: expect.any(Number),
      });
      expect(issued.expiresAt - issued.authorizedAt).toBe(60 * DAY);
      expect(issued.refreshTokenExpiresAt! - issued.authorizedAt).toBe(365 * DAY);
      expect(issued.authorizedAt).toBeGreaterThanOrEqual(now);
      expect((await contractsWith(sim, issued.accessToken)).status).toBe(200);
      expect((await refreshWith(sim, issued.refreshToken!)).status).toBe(200);
      expect(sim.tokens().accessTokens.map((token) => token.status)).toEqual(['active', 'active']);
    });

    it('honours a lifetime and no refresh token', () => {
      // Act
      const issued = sim.issueAuthorization({ accessTokenLifetimeMs: DAY, refresh: false });
      // Assess
      expect(issued.expiresAt - issued.authorizedAt).toBe(DAY);
      expect(issued).not.toHaveProperty('refreshToken');
      expect(sim.tokens().refreshTokens).toEqual([]);
    });
  });

  describe('secrets stay out of the record', () => {
    it('never records a code, token or client secret, even one a client wrongly put in a URL', async () => {
      // Prepare
      const code = await codeFor(sim);
      const body = (await (await exchangeCode(sim, code)).json()) as TokenBody;
      await refreshWith(sim, body.refresh_token!);
      await introspect(sim, body.access_token);
      await contractsWith(sim, body.access_token);
      // Act
      const misplaced = await fetch(`${sim.oauthUrl}/accessToken?client_secret=${DEFAULT_CLIENT_SECRET}&code=${code}`, { method: 'POST' });
      // Assess
      expect(misplaced.status).toBe(400);
      const recorded = JSON.stringify(sim.calls);
      for (const secret of [code, body.access_token, body.refresh_token!, DEFAULT_CLIENT_SECRET]) expect(recorded).not.toContain(secret);
      expect(sim.calls.at(-1)?.path).toBe('/oauth/v2/accessToken?client_secret=REDACTED&code=REDACTED');
      expect(sim.calls.map((call) => call.route)).toEqual([
        'authorize',
        'accessToken',
        'accessToken',
        'introspect',
        'contracts',
        'accessToken',
      ]);
    });

    it('never echoes a submitted code, token or secret in an error body', async () => {
      // Prepare
      const { refresh_token } = await authorizedTokens(sim);
      sim.revokeToken(refresh_token!);
      const badCode = 'AQcode-that-was-never-issued-0123456789';
      // Act
      const answers = await Promise.all([
        exchangeCode(sim, badCode),
        exchangeCode(sim, badCode, { client_secret: 'wrong-secret-value' }),
        refreshWith(sim, refresh_token!),
        postForm(sim, 'introspectToken', { client_id: sim.clientId, client_secret: 'wrong-secret-value', token: refresh_token! }),
      ]);
      // Assess
      for (const answer of answers) {
        expect(answer.status).toBeGreaterThanOrEqual(400);
        const text = await answer.text();
        for (const secret of [badCode, refresh_token!, 'wrong-secret-value', DEFAULT_CLIENT_SECRET]) expect(text).not.toContain(secret);
      }
    });

    it('answers 405 for a GET of the token endpoint', async () => {
      // Act
      const res = await fetch(`${sim.oauthUrl}/accessToken`);
      // Assess
      expect(res.status).toBe(405);
    });
  });
});

describe('simulator CLI OAuth flags', () => {
  it('parses the OAuth flags into options, and leaves oauth out without them', () => {
    // Act
    const options = parseCli([
      '--client-id',
      'app',
      '--client-secret',
      'sec',
      '--no-refresh-tokens',
      '--access-token-days',
      '2',
      '--consent',
      'deny',
    ]);
    // Assess
    expect(options).toMatchObject({
      oauth: { clientId: 'app', clientSecret: 'sec', refreshTokens: false, accessTokenLifetimeMs: 2 * DAY, consent: 'deny' },
    });
    expect(parseCli([])).not.toHaveProperty('oauth');
  });

  it.each([
    [['--consent', 'maybe'], /--consent must be allow or deny/],
    [['--access-token-days', '0'], /--access-token-days must be a positive integer/],
    [['--access-token-days', '1.5'], /--access-token-days must be a non-negative integer/],
    [['--client-secret', ' '], /--client-secret must not be empty/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('prints the OAuth URL and client id on start, never the client secret', async () => {
    // Prepare
    const secret = 'cli-secret-do-not-print';
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('local', 'simulator', 'cli.ts'), '--port', '0', '--client-id', 'cli-app', '--client-secret', secret],
      { cwd: join(__dirname, '..', '..'), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        out += chunk;
      });
      // Act
      while (!/OAuth: .*\n/.test(out)) {
        const [chunk] = (await once(child.stdout, 'data')) as [string];
        out += chunk;
      }
      // Assess
      const oauthLine = out.split('\n').find((line) => line.startsWith('OAuth: '))!;
      expect(oauthLine).toMatch(/^OAuth: http:\/\/127\.0\.0\.1:\d+\/oauth\/v2 \(client id cli-app\)$/);
      const oauthUrl = oauthLine.slice('OAuth: '.length, oauthLine.indexOf(' ('));
      const introspection = await fetch(`${oauthUrl}/introspectToken`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: 'cli-app', client_secret: secret, token: 'linkedin-simulator-token' }).toString(),
      });
      expect(introspection.status).toBe(200);
      child.kill('SIGTERM');
      await once(child, 'exit');
      expect(out).not.toContain(secret);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
