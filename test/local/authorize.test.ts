/**
 * The pieces of `npm run cli -- authorize` (local/authorize/): the browser flow driven end to end
 * against the simulator, which plays LinkedIn and, through the injected opener, the member's
 * browser (it fetches the authorization URL and follows the redirect to the loopback listener);
 * the pasted token; the callback's verdicts; where the credentials come from; the opener.
 */
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createLinkedInClient } from '../../lambdas/shared/linkedin/from-config';
import { AppCredentialsError } from '../../lambdas/shared/tokens/app-credentials';
import { ANALYTICS_SCOPE, DAY_MS, DEFAULT_AUTHORIZATION } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import type { AuthorizationWriter, LinkedInOAuth } from '../../lambdas/shared/tokens/ports';
import { readStoredAppCredentials, resolveAppCredentials } from '../../local/authorize/app-credentials';
import { authorizeInBrowser, type AuthorizeOptions, redirectTarget, requestedScope } from '../../local/authorize/authorize';
import { browserCommand, openInBrowser } from '../../local/authorize/browser';
import type { ContractsFinder } from '../../local/authorize/contracts';
import { AuthorizeError } from '../../local/authorize/errors';
import { judgeCallback, sameState } from '../../local/authorize/loopback';
import { storePastedToken, UNKNOWN_EXPIRY_WARNING } from '../../local/authorize/pasted-token';
import { UsageError } from '../../local/runner/options';
import { type Simulator, startSimulator } from '../../local/simulator';
import { localAuthorizationStore } from '../../local/tokens/local-store';
import { rejectionOf } from '../helpers/rejection';
import { SecretsManagerFake } from '../tokens/secrets-manager-fake';

const WITH_ACCESS = 'urn:li:contract:123456';

let sim: Simulator;
let oauth: LinkedInOAuth;
let findContracts: ContractsFinder;
let directory: string;
let store: AuthorizationWriter;

/**
 * The member's browser: opens the authorization URL on the simulator, which answers with its
 * redirect, and follows it to the listener (optionally altered first, as an attacker would).
 * `pages` are the listener's answers.
 */
const browser = (alter?: (redirect: URL) => void) => {
  const pages: Array<Promise<Response>> = [];
  return {
    pages,
    open: (url: string) => {
      const page = (async () => {
        const answer = await fetch(url, { redirect: 'manual' });
        const redirect = new URL(answer.headers.get('location')!);
        alter?.(redirect);
        return fetch(redirect);
      })();
      pages.push(page);
      return page;
    },
  };
};

/** The flow's options on a free port (LinkedIn would need the registered one; the simulator takes any). */
const flow = (overrides: Partial<AuthorizeOptions> = {}): AuthorizeOptions => ({
  name: DEFAULT_AUTHORIZATION,
  oauth,
  store,
  findContracts,
  redirect: redirectTarget('http://127.0.0.1:8765/callback'),
  scope: ANALYTICS_SCOPE,
  timeoutMs: 10_000,
  openBrowser: browser().open,
  onWaiting: () => undefined,
  now: sim.now,
  ...overrides,
});

const onFreePort = { hostname: '127.0.0.1', port: 0, path: '/callback' };

/** Whether anything still listens at `url`. */
const listening = async (url: string): Promise<boolean> =>
  fetch(url).then(
    () => true,
    () => false,
  );

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  sim.oauth = { ...sim.oauth, consent: 'allow', refreshTokens: true };
  oauth = createLinkedInOAuth({
    oauthUrl: sim.oauthUrl,
    credentials: { clientId: sim.clientId, clientSecret: sim.clientSecret },
    now: sim.now,
  });
  findContracts = (token) =>
    createLinkedInClient({ LINKEDIN_API_URL: sim.baseUrl, LINKEDIN_TIMEOUT_MS: 5_000 }, async () => token).listContracts();
  directory = await mkdtemp(path.join(tmpdir(), 'authorize-'));
  store = localAuthorizationStore(directory);
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('authorizeInBrowser', () => {
  it('stores the access token with its expiry, the refresh token and the contracts with reporting access, then stops listening', async () => {
    // Prepare
    const member = browser();
    let redirectUri = '';

    // Act
    const { authorization, warnings } = await authorizeInBrowser(
      flow({
        name: 'acme',
        redirect: onFreePort,
        openBrowser: member.open,
        onWaiting: (_url, uri) => {
          redirectUri = uri;
        },
      }),
    );

    // Assess
    const stored = await store.read('acme');
    expect(stored).toEqual(authorization);
    expect(stored).toMatchObject({ name: 'acme', scope: ANALYTICS_SCOPE, contracts: [WITH_ACCESS] });
    expect(stored!.expiresAt! - sim.now()).toBeGreaterThan(59 * DAY_MS);
    expect(stored!.refreshToken).toBeDefined();
    expect(stored!.refreshTokenExpiresAt! - sim.now()).toBeGreaterThan(364 * DAY_MS);
    expect(Math.abs(stored!.authorizedAt! - sim.now())).toBeLessThan(5_000);
    expect(warnings).toEqual([]);
    expect((await member.pages[0]!).status).toBe(200);
    expect(await (await member.pages[0]!).text()).not.toContain('code');
    expect(await listening(redirectUri)).toBe(false);
  });

  it('stores no refresh token when LinkedIn gives none', async () => {
    // Prepare
    sim.oauth = { ...sim.oauth, refreshTokens: false };

    // Act
    const { authorization } = await authorizeInBrowser(flow({ redirect: onFreePort, openBrowser: browser().open }));

    // Assess
    expect(authorization.refreshToken).toBeUndefined();
    expect((await store.read(DEFAULT_AUTHORIZATION))?.accessToken).toBe(authorization.accessToken);
  });

  it('answers other paths 404 without counting them, and takes the callback after', async () => {
    // Prepare
    const member = browser();
    let favicon: Response | undefined;

    // Act
    await authorizeInBrowser(
      flow({
        redirect: onFreePort,
        onWaiting: () => undefined,
        openBrowser: async (url) => {
          const origin = new URL(new URL(url).searchParams.get('redirect_uri')!).origin;
          favicon = await fetch(`${origin}/favicon.ico`);
          return member.open(url);
        },
      }),
    );

    // Assess
    expect(favicon?.status).toBe(404);
    expect((await member.pages[0]!).status).toBe(200);
    expect(await store.list()).toHaveLength(1);
  });

  it('refuses a redirect whose state is not ours: 400 to the browser, nothing stored, listener closed', async () => {
    // Prepare
    const forged = browser((redirect) => redirect.searchParams.set('state', 'forged-state'));
    let redirectUri = '';

    // Act
    const error = await rejectionOf(
      authorizeInBrowser(
        flow({
          redirect: onFreePort,
          openBrowser: forged.open,
          onWaiting: (_url, uri) => {
            redirectUri = uri;
          },
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toBe('state did not match: possible CSRF; nothing stored');
    expect((await forged.pages[0]!).status).toBe(400);
    expect(await store.list()).toEqual([]);
    expect(await listening(redirectUri)).toBe(false);
  });

  it("fails with LinkedIn's description when the member cancels, and stores nothing", async () => {
    // Prepare
    sim.oauth = { ...sim.oauth, consent: 'deny' };

    // Act
    const error = await rejectionOf(authorizeInBrowser(flow({ redirect: onFreePort, openBrowser: browser().open })));

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toBe('LinkedIn answered user_cancelled_authorize: The user cancelled the authorization; nothing stored');
    expect(await store.list()).toEqual([]);
  });

  it('names the port and --port when the port is taken, and stores nothing', async () => {
    // Prepare
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    let opened = false;

    // Act
    const error = await rejectionOf(
      authorizeInBrowser(
        flow({
          redirect: { ...onFreePort, port },
          openBrowser: () => {
            opened = true;
          },
        }),
      ),
    ).finally(() => new Promise((resolve) => taken.close(resolve)));

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toContain(`port ${port} on 127.0.0.1 is in use`);
    expect(error.message).toContain('--port N');
    expect(opened).toBe(false);
    expect(await store.list()).toEqual([]);
  });

  it('gives up after the timeout with a clear error, and stops listening', async () => {
    // Prepare
    let redirectUri = '';

    // Act
    const error = await rejectionOf(
      authorizeInBrowser(
        flow({
          redirect: onFreePort,
          timeoutMs: 300,
          openBrowser: () => undefined,
          onWaiting: (_url, uri) => {
            redirectUri = uri;
          },
        }),
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toMatch(/^no answer from LinkedIn's authorization page within 0.3 s \(--timeout-seconds\): nothing stored/);
    expect(await listening(redirectUri)).toBe(false);
    expect(await store.list()).toEqual([]);
  });

  it('stores nothing when the code cannot be exchanged, and says to register the redirect URL when it does not match', async () => {
    // Prepare: the member is sent back to the right listener, but the exchange names another redirect URL.
    const lying: LinkedInOAuth = {
      ...oauth,
      exchangeCode: ({ code }) => oauth.exchangeCode({ code, redirectUri: 'http://127.0.0.1:1/other' }),
    };

    // Act
    const error = await rejectionOf(authorizeInBrowser(flow({ oauth: lying, redirect: onFreePort, openBrowser: browser().open })));

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toMatch(
      /^could not exchange the authorization code: LinkedIn OAuth accessToken answered 400 invalid_redirect_uri: /,
    );
    expect(error.message).toContain('register http://127.0.0.1:');
    expect(await store.list()).toEqual([]);
  });

  it('keeps the token with a warning when the contracts finder fails for a reason other than the token', async () => {
    // Prepare
    sim.faults.serverError = { status: 503, count: 10, route: 'contracts' };

    // Act
    const { authorization, warnings } = await authorizeInBrowser(flow({ redirect: onFreePort, openBrowser: browser().open })).finally(() =>
      sim.clearFaults(),
    );

    // Assess
    expect(authorization.contracts).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/^could not list the contracts the token covers \(.*\): stored without them/)]);
    expect(await store.read(DEFAULT_AUTHORIZATION)).toEqual(authorization);
  });
});

describe('storePastedToken', () => {
  it("learns the token's expiry, scope and authorization from LinkedIn's introspection", async () => {
    // Prepare
    const issued = sim.issueAuthorization({ refresh: false });

    // Act
    const { authorization, warnings } = await storePastedToken({ name: 'acme', token: issued.accessToken, oauth, store, findContracts });

    // Assess
    expect(warnings).toEqual([]);
    expect(await store.read('acme')).toEqual(authorization);
    expect(authorization).toMatchObject({
      name: 'acme',
      accessToken: issued.accessToken,
      scope: ANALYTICS_SCOPE,
      contracts: [WITH_ACCESS],
    });
    // Introspection answers in seconds.
    expect(Math.abs(authorization.expiresAt! - issued.expiresAt)).toBeLessThanOrEqual(1_000);
    expect(Math.abs(authorization.authorizedAt! - issued.authorizedAt)).toBeLessThanOrEqual(1_000);
  });

  it('stores a token with unknown expiry without app credentials, and warns that no expiry warning will come', async () => {
    // Act
    const { authorization, warnings } = await storePastedToken({ name: 'acme', token: sim.token, store, findContracts });

    // Assess
    expect(authorization).toEqual({ name: 'acme', accessToken: sim.token, contracts: [WITH_ACCESS] });
    expect(warnings).toEqual([UNKNOWN_EXPIRY_WARNING]);
    expect(await store.read('acme')).toEqual(authorization);
  });

  it.each([
    ['expired', () => sim.issueAuthorization({ accessTokenLifetimeMs: 1_000 }).accessToken],
    [
      'revoked',
      () => {
        const token = sim.issueAuthorization().accessToken;
        sim.revokeToken(token);
        return token;
      },
    ],
  ])('refuses a token LinkedIn says is %s, and stores nothing', async (status, issue) => {
    // Prepare
    const token = issue();
    sim.advanceTime(2_000);

    // Act
    const error = await rejectionOf(storePastedToken({ name: 'acme', token, oauth, store, findContracts }));

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toBe(`LinkedIn says this token is ${status}: nothing stored; authorize again to get a new one`);
    expect(error.message).not.toContain(token);
    expect(await store.list()).toEqual([]);
  });

  it("refuses, without credentials, a token LinkedIn's API rejects, and stores nothing", async () => {
    // Act
    const error = await rejectionOf(storePastedToken({ name: 'acme', token: 'not-a-token-linkedin-knows', store, findContracts }));

    // Assess
    expect(error).toBeInstanceOf(AuthorizeError);
    expect(error.message).toMatch(/^LinkedIn's API rejected the token \(contracts finder\): .*; nothing stored$/);
    expect(error.message).not.toContain('not-a-token-linkedin-knows');
    expect(await store.list()).toEqual([]);
  });
});

describe('judgeCallback', () => {
  const STATE = 'the-state';
  const query = (params: Record<string, string>) => new URLSearchParams(params);

  it('takes the code of a redirect that carries our state', () => {
    expect(judgeCallback(query({ code: 'c0de', state: STATE }), STATE)).toEqual({ ok: true, code: 'c0de' });
  });

  it('checks the state before believing anything, an error included', () => {
    const forged: Array<Record<string, string>> = [
      { code: 'c0de' },
      { code: 'c0de', state: 'the-stat' },
      { error: 'user_cancelled_login', state: 'other' },
    ];
    for (const params of forged) {
      const verdict = judgeCallback(query(params), STATE);
      expect(verdict).toMatchObject({ ok: false, status: 400 });
      expect(!verdict.ok && verdict.error.message).toBe('state did not match: possible CSRF; nothing stored');
    }
  });

  it("reports LinkedIn's error and description, on one line", () => {
    const verdict = judgeCallback(
      query({ error: 'user_cancelled_login', error_description: 'The user\ncancelled LogIn', state: STATE }),
      STATE,
    );
    expect(!verdict.ok && verdict.error.message).toBe('LinkedIn answered user_cancelled_login: The user cancelled LogIn; nothing stored');
  });

  it('refuses a redirect with neither a code nor an error', () => {
    expect(judgeCallback(query({ state: STATE }), STATE)).toMatchObject({ ok: false, status: 400 });
  });

  it('compares states of any length without throwing', () => {
    expect(sameState(null, STATE)).toBe(false);
    expect(sameState('x', STATE)).toBe(false);
    expect(sameState(STATE, STATE)).toBe(true);
  });
});

describe('redirectTarget and requestedScope', () => {
  it('accepts loopback http redirect URLs with a port', () => {
    expect(redirectTarget('http://127.0.0.1:8765/callback')).toEqual({ hostname: '127.0.0.1', port: 8765, path: '/callback' });
    expect(redirectTarget('http://localhost:9000/oauth/done')).toEqual({ hostname: 'localhost', port: 9000, path: '/oauth/done' });
  });

  it.each([
    'https://127.0.0.1:8765/callback',
    'http://example.com:8765/callback',
    'http://127.0.0.1/callback',
    'http://127.0.0.1:8765/cb?x=1',
    'nope',
  ])("refuses %s: the listener is on this machine's loopback interface", (uri) => {
    expect(() => redirectTarget(uri)).toThrow(UsageError);
  });

  it('always asks for the analytics scope first, each scope once', () => {
    expect(requestedScope()).toBe(ANALYTICS_SCOPE);
    expect(requestedScope(['r_b,r_a', ANALYTICS_SCOPE, 'r_b'])).toBe(`${ANALYTICS_SCOPE} r_b r_a`);
  });
});

describe('resolveAppCredentials', () => {
  it('takes each field from the first source that has it: flags, then environment, then the stack secret', async () => {
    // Prepare
    let secretReads = 0;
    const secret = async () => {
      secretReads += 1;
      return { credentials: { clientId: 'secret-id', clientSecret: 'secret-secret' }, where: 'the secret S' };
    };

    // Act
    const fromFlagAndEnv = await resolveAppCredentials({
      flags: { clientId: 'flag-id' },
      env: { LINKEDIN_CLIENT_SECRET: 'env-secret' },
      secret,
    });
    const fromSecret = await resolveAppCredentials({ flags: { clientId: 'flag-id' }, env: {}, secret });

    // Assess
    expect(fromFlagAndEnv).toEqual({
      credentials: { clientId: 'flag-id', clientSecret: 'env-secret' },
      from: '--client-id, LINKEDIN_CLIENT_SECRET',
    });
    expect(fromSecret).toEqual({ credentials: { clientId: 'flag-id', clientSecret: 'secret-secret' }, from: '--client-id, the secret S' });
    expect(secretReads).toBe(1);
  });

  it('is undefined when no source has any, and a usage error when only one field is found', async () => {
    // Act
    const none = await resolveAppCredentials({ flags: {}, env: {}, secret: async () => ({ where: 'the secret S', empty: true }) });
    const half = await rejectionOf(resolveAppCredentials({ flags: {}, env: { LINKEDIN_CLIENT_ID: 'id' } }));

    // Assess
    expect(none).toBeUndefined();
    expect(half).toBeInstanceOf(UsageError);
    expect(half.message).toBe('a client id from LINKEDIN_CLIENT_ID but no client secret (--client-secret or LINKEDIN_CLIENT_SECRET)');
  });

  it('names the secret and the field of malformed stored credentials, never the value', async () => {
    // Prepare
    const fake = new SecretsManagerFake().install();
    const arn = fake.create('app-credentials', { value: '{"clientId":"id","clientSecret":""}' });

    // Act
    const error = await rejectionOf(readStoredAppCredentials(new SecretsManagerClient({ region: 'us-east-1' }), arn)).finally(() =>
      fake.uninstall(),
    );

    // Assess
    expect(error).toBeInstanceOf(AppCredentialsError);
    expect(error.message).toContain(`the LinkedIn app-credentials secret ${arn}`);
    expect(error.message).toContain('clientSecret');
  });
});

describe('the browser opener', () => {
  it("uses each platform's URL opener, with the URL as one argument (no shell)", () => {
    const url = 'https://www.linkedin.com/oauth/v2/authorization?a=1&b=2';
    expect(browserCommand(url, 'linux')).toEqual({ command: 'xdg-open', args: [url] });
    expect(browserCommand(url, 'darwin')).toEqual({ command: 'open', args: [url] });
    expect(browserCommand(url, 'win32')).toEqual({ command: 'rundll32', args: ['url.dll,FileProtocolHandler', url] });
  });

  it('starts it detached and ignores its failure (the URL is printed anyway)', () => {
    // Prepare
    const child = Object.assign(new EventEmitter(), { unref: jest.fn() });
    const spawned: unknown[][] = [];

    // Act
    openInBrowser('https://example.test/', 'linux', (command, args, options) => {
      spawned.push([command, args, options]);
      return child;
    });
    child.emit('error', new Error('spawn xdg-open ENOENT'));
    openInBrowser('https://example.test/', 'linux', () => {
      throw new Error('EACCES');
    });

    // Assess
    expect(spawned).toEqual([['xdg-open', ['https://example.test/'], { detached: true, stdio: 'ignore' }]]);
    expect(child.unref).toHaveBeenCalled();
  });
});
