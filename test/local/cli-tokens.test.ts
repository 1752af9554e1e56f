/**
 * `npm run cli -- authorize` and `npm run cli -- tokens` end to end: the command line, against
 * the simulator (LinkedIn, and the member through the injected browser), storing in `npm start`'s
 * local stand-in (--local) or in the deployed token secret (Secrets Manager, faked in memory).
 * Every run checks that no token, code or client secret reaches the terminal.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  type Authorization,
  DAY_MS,
  DEFAULT_AUTHORIZATION,
  maskToken,
  parseAuthorization,
  serializeAuthorization,
} from '../../lambdas/shared/tokens/authorization';
import { main, type TokenCommandDependencies } from '../../local/cli';
import { UNKNOWN_EXPIRY_WARNING } from '../../local/authorize/pasted-token';
import { SCOPE_CHANGE_NOTE } from '../../local/authorize/outcome';
import { type Simulator, startSimulator } from '../../local/simulator';
import { localAuthorizationStore } from '../../local/tokens/local-store';
import { capture, noDeployedStack } from '../helpers/cli-run';
import { SecretsManagerFake } from '../tokens/secrets-manager-fake';

const WITH_ACCESS = 'urn:li:contract:123456';
const cloudFormationMock = mockClient(CloudFormationClient);

let sim: Simulator;
let directory: string;
/** What must never be printed: every token, code and secret the run saw. */
let secrets: string[];

/** The member's browser: follows LinkedIn's redirect to the listener, and remembers the code it carried. */
const memberBrowser = (url: string): Promise<Response> =>
  (async () => {
    const answer = await fetch(url, { redirect: 'manual' });
    const redirect = new URL(answer.headers.get('location')!);
    const code = redirect.searchParams.get('code');
    if (code) secrets.push(code);
    return fetch(redirect);
  })();

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const cli = async (
  argv: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string; deps?: Partial<TokenCommandDependencies> } = {},
): Promise<Run> => {
  const stdout = capture();
  const stderr = capture();
  const code = await main(
    argv,
    { stdout: stdout.stream, stderr: stderr.stream },
    options.env ?? {},
    () => new SFNClient({ region: 'eu-west-1' }),
    undefined,
    undefined,
    undefined,
    {
      localTokensDirectory: directory,
      openBrowser: memberBrowser,
      readStdin: async () => options.stdin ?? '',
      now: sim.now,
      ...options.deps,
    },
  );
  const run = { code, stdout: stdout.text(), stderr: stderr.text() };
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
  return run;
};

const appCredentials = (): NodeJS.ProcessEnv => ({ LINKEDIN_CLIENT_ID: sim.clientId, LINKEDIN_CLIENT_SECRET: sim.clientSecret });
const simulatorUrls = (): string[] => ['--oauth-url', sim.oauthUrl, '--linkedin-url', sim.baseUrl];

/** Remembers every token the local store holds, so `cli` checks none is printed. */
const rememberStoredTokens = async (): Promise<Authorization[]> => {
  const stored = await localAuthorizationStore(directory).list();
  for (const a of stored) secrets.push(a.accessToken, ...(a.refreshToken ? [a.refreshToken] : []));
  return stored;
};

beforeAll(async () => {
  sim = await startSimulator();
});

afterAll(async () => {
  await sim.close();
});

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'cli-tokens-'));
  secrets = [sim.clientSecret];
  sim.oauth = { ...sim.oauth, consent: 'allow', refreshTokens: true };
  cloudFormationMock.reset();
  noDeployedStack(cloudFormationMock);
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('cli authorize --local', () => {
  it('authorizes in the browser, stores the record and prints its figures with a masked token only', async () => {
    // Act
    const run = await cli(['authorize', '--local', '--port', '0', ...simulatorUrls()], { env: appCredentials() });

    // Assess
    expect(run.code).toBe(0);
    const [stored] = await rememberStoredTokens();
    expect(stored).toMatchObject({ name: DEFAULT_AUTHORIZATION, contracts: [WITH_ACCESS] });
    expect(stored!.refreshToken).toBeDefined();
    // The URL is on stderr (stdout stays the outcome); it names the listener it waits on.
    expect(run.stderr).toContain(`Open this URL to authorize the app`);
    expect(run.stderr).toContain(`${sim.oauthUrl}/authorization?response_type=code&client_id=${sim.clientId}`);
    expect(run.stderr).toMatch(/Waiting up to 300 s for LinkedIn to redirect to http:\/\/127\.0\.0\.1:\d+\/callback/);
    expect(run.stderr).toContain('App credentials from LINKEDIN_CLIENT_ID, LINKEDIN_CLIENT_SECRET.');
    const expiry = new Date(stored!.expiresAt!).toISOString().slice(0, 10);
    expect(run.stdout).toContain(`Stored LinkedIn authorization "default" in the local token store ${directory}.`);
    expect(run.stdout).toContain(`Token          ${maskToken(stored!.accessToken)}`);
    expect(run.stdout).toMatch(new RegExp(`Expires        ${expiry} \\((59|60) days left\\)`));
    expect(run.stdout).toMatch(/Refresh token {2}yes, expires \d{4}-\d{2}-\d{2} \((364|365) days left\)/);
    expect(run.stdout).toContain(`Contracts      1 with reporting access: ${WITH_ACCESS}`);
    expect(run.stdout).toContain(SCOPE_CHANGE_NOTE);
  });

  it("stores nothing and exits 1 with LinkedIn's words when the member cancels", async () => {
    // Prepare
    sim.oauth = { ...sim.oauth, consent: 'deny' };

    // Act
    const run = await cli(['authorize', '--local', '--port', '0', '--name', 'acme', ...simulatorUrls()], { env: appCredentials() });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'AuthorizeError: LinkedIn answered user_cancelled_authorize: The user cancelled the authorization; nothing stored',
    );
    expect(run.stdout).toBe('');
    expect(await rememberStoredTokens()).toEqual([]);
  });

  it('stores a token piped on stdin, with the expiry introspection gives, as JSON', async () => {
    // Prepare
    const issued = sim.issueAuthorization({ refresh: false });
    secrets.push(issued.accessToken);

    // Act
    const run = await cli(['authorize', '--local', '--name', 'acme', '--token', '-', '--json', ...simulatorUrls()], {
      env: appCredentials(),
      stdin: `${issued.accessToken}\n`,
    });

    // Assess
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toMatchObject({
      authorization: { name: 'acme', token: maskToken(issued.accessToken), tokenDaysRemaining: 59, refreshable: false, contracts: 1 },
      contracts: [WITH_ACCESS],
      warnings: [],
    });
    const [stored] = await rememberStoredTokens();
    expect(Math.abs(stored!.expiresAt! - issued.expiresAt)).toBeLessThanOrEqual(1_000);
  });

  it('stores a pasted token without app credentials, expiry unknown, and warns that no warning will come', async () => {
    // Prepare
    secrets.push(sim.token);

    // Act
    const run = await cli(['authorize', '--local', '--name', 'acme', '--token', sim.token, '--linkedin-url', sim.baseUrl]);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Expires        unknown (a plain token)');
    expect(run.stdout).toContain(`warning: ${UNKNOWN_EXPIRY_WARNING}`);
    expect(run.stdout).not.toContain(SCOPE_CHANGE_NOTE);
    expect(await rememberStoredTokens()).toEqual([{ name: 'acme', accessToken: sim.token, contracts: [WITH_ACCESS] }]);
  });

  it('refuses an expired pasted token and stores nothing', async () => {
    // Prepare
    const token = sim.issueAuthorization({ accessTokenLifetimeMs: 1_000 }).accessToken;
    secrets.push(token);
    sim.advanceTime(5_000);

    // Act
    const run = await cli(['authorize', '--local', '--token', token, ...simulatorUrls()], { env: appCredentials() });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n').at(-2)).toBe(
      'AuthorizeError: LinkedIn says this token is expired: nothing stored; authorize again to get a new one',
    );
    expect(await rememberStoredTokens()).toEqual([]);
  });

  it.each([
    [['authorize', '--local', '--port', '0'], '--local needs --linkedin-url'],
    [['authorize', '--local', '--linkedin-url', 'http://127.0.0.1:1/v2', '--port', '0'], 'no LinkedIn app credentials'],
    [['authorize', '--name', '../etc'], '--name "../etc" is not an authorization name'],
    [['authorize', '--token', 'T', '--port', '9000'], '--port is for the browser authorization, not with --token'],
    [['authorize', '--oauth-url', 'http://linkedin.example/oauth/v2', '--token', 'T'], '--oauth-url must be https'],
    [
      ['authorize', '--redirect-uri', 'http://127.0.0.1:8765/callback', '--port', '9000'],
      "--port 9000 and --redirect-uri's port 8765 differ",
    ],
    [['authorize', '--token', '   '], '--token is empty'],
    [['tokens', 'extra'], 'tokens takes no argument'],
    [['start', '--name', 'acme'], '--name is an option of authorize, not of start'],
    [['status', 'x', '--local'], '--local is an option of ledger, not of status (authorize and tokens take it as well)'],
  ])('%j is a usage error: %s', async (argv, message) => {
    // Act
    const run = await cli(argv);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
  });
});

describe('cli tokens --local', () => {
  const write = (authorization: Authorization) => localAuthorizationStore(directory).write(authorization);

  it('lists every authorization, the default first, and exits 0 when all are healthy', async () => {
    // Prepare
    const now = sim.now();
    await write({
      name: 'zeta',
      accessToken: 'zeta-access-token-0001',
      expiresAt: now + 50 * DAY_MS + 1_000,
      contracts: ['urn:li:contract:1', 'urn:li:contract:2'],
    });
    await write({
      name: DEFAULT_AUTHORIZATION,
      accessToken: 'default-access-token-01',
      expiresAt: now + 40 * DAY_MS + 1_000,
      refreshToken: 'default-refresh-token-01',
      refreshTokenExpiresAt: now + 300 * DAY_MS + 1_000,
    });
    await rememberStoredTokens();

    // Act
    const run = await cli(['tokens', '--local']);

    // Assess
    expect(run.code).toBe(0);
    const rows = run.stdout.split('\n');
    expect(rows[0]).toMatch(/^NAME\s+TOKEN\s+ACCESS TOKEN\s+REFRESH TOKEN\s+CONTRACTS\s+PROBLEM$/);
    expect(rows[2]).toMatch(
      new RegExp(
        `^default\\s+${maskToken('default-access-token-01')}\\s+40 days left \\(\\d{4}-\\d{2}-\\d{2}\\)\\s+300 days left \\(\\d{4}-\\d{2}-\\d{2}\\)\\s+all \\(not looked up\\)\\s+-$`,
      ),
    );
    expect(rows[3]).toMatch(/^zeta\s+\S+\s+50 days left \(\d{4}-\d{2}-\d{2}\)\s+none\s+2\s+-$/);
    expect(run.stdout).toContain(`2 authorization(s) in the local token store ${directory}: every one usable`);
  });

  it('exits 1 and says why when one is revoked, one expires within the alarm days, and notes an unknown expiry', async () => {
    // Prepare
    const now = sim.now();
    await write({ name: 'gone', accessToken: 'gone-access-token-0001', expiresAt: now + 30 * DAY_MS, revokedAt: now - DAY_MS });
    await write({ name: 'soon', accessToken: 'soon-access-token-0001', expiresAt: now + 5 * DAY_MS + 1_000 });
    await write({ name: 'plain', accessToken: 'plain-access-token-001' });
    await rememberStoredTokens();

    // Act
    const run = await cli(['tokens', '--local', '--json']);

    // Assess
    expect(run.code).toBe(1);
    const listing = JSON.parse(run.stdout);
    expect(listing.needsAttention).toBe(true);
    expect(listing.authorizations.map((a: { name: string; problem?: string }) => [a.name, a.problem ?? null])).toEqual([
      ['gone', 'revoked'],
      ['plain', null],
      ['soon', null],
    ]);
    expect(listing.warnings).toEqual([
      expect.stringContaining(
        'LinkedIn authorization "gone" needs attention: LinkedIn said it was revoked. Run npm run cli -- authorize --name gone',
      ),
      expect.stringContaining('LinkedIn authorization "soon" needs attention: its access token expires in 5 days'),
      expect.stringContaining('1 authorization(s) have an access token whose expiry is unknown (a plain token)'),
    ]);
  });

  it('exits 1 and says how to authorize when nothing is stored', async () => {
    // Act
    const run = await cli(['tokens', '--local']);

    // Assess
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      `No LinkedIn authorization is stored in the local token store ${directory}: run npm run cli -- authorize (docs/tokens.md).\n`,
    );
  });

  it('shows what a browser authorization stored, as authorize printed it', async () => {
    // Prepare
    await cli(['authorize', '--local', '--port', '0', ...simulatorUrls()], { env: appCredentials() });
    const [stored] = await rememberStoredTokens();

    // Act
    const run = await cli(['tokens', '--local', '--json']);

    // Assess
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).authorizations).toEqual([
      expect.objectContaining({ name: DEFAULT_AUTHORIZATION, token: maskToken(stored!.accessToken), refreshable: true, contracts: 1 }),
    ]);
  });
});

describe('cli authorize and tokens against the deployed stack', () => {
  let fake: SecretsManagerFake;
  let outputsFile: string;
  let tokenSecret: string;

  beforeEach(async () => {
    fake = new SecretsManagerFake().install();
    tokenSecret = fake.create('linkedin-token');
    const appSecret = fake.create('linkedin-app', { value: JSON.stringify({ clientId: sim.clientId, clientSecret: sim.clientSecret }) });
    outputsFile = path.join(directory, 'cdk-outputs.json');
    await writeFile(
      outputsFile,
      JSON.stringify({ LinkedInSalesNavExport: { SecretArn: tokenSecret, AppCredentialsSecretArn: appSecret } }),
    );
  });

  afterEach(() => {
    fake.uninstall();
  });

  const deployed = { deps: { secretsManagerFor: () => new SecretsManagerClient({ region: 'eu-west-1' }) } };

  it("stores the default authorization in the stack's token secret, with the app credentials from its secret", async () => {
    // Act
    const run = await cli(['authorize', '--outputs-file', outputsFile, '--port', '0', ...simulatorUrls()], deployed);

    // Assess
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('App credentials from the LinkedIn app-credentials secret arn:aws:secretsmanager:');
    const stored = parseAuthorization(fake.valueOf(tokenSecret, 'AWSCURRENT'), DEFAULT_AUTHORIZATION, 'the token secret');
    secrets.push(stored.accessToken, stored.refreshToken!);
    expect(stored).toMatchObject({ contracts: [WITH_ACCESS] });
    expect(run.stdout).toContain(`Stored LinkedIn authorization "default" in the token secret ${tokenSecret}.`);

    // Act: the listing reads it back from the secret.
    const listed = await cli(['tokens', '--outputs-file', outputsFile], deployed);

    // Assess
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain(maskToken(stored.accessToken));
    expect(listed.stdout).toContain(`1 authorization(s) in the token secret ${tokenSecret}: every one usable`);
  });

  it('refuses a named authorization when the stack has no token store, before the member is sent to LinkedIn', async () => {
    // Prepare
    let opened = false;

    // Act
    const run = await cli(['authorize', '--outputs-file', outputsFile, '--name', 'acme', '--port', '0', ...simulatorUrls()], {
      deps: {
        ...deployed.deps,
        openBrowser: () => {
          opened = true;
        },
      },
    });

    // Assess
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('AuthorizationStoreMissingError: Authorization "acme" is a named authorization, kept in the token store');
    expect(opened).toBe(false);
  });

  it('status shows the soonest expiry beside the execution, and what needs doing', async () => {
    // Prepare: an authorization 10 days from expiry, and a finished execution.
    const issued = sim.issueAuthorization({ accessTokenLifetimeMs: 10 * DAY_MS + 3_600_000 });
    secrets.push(issued.accessToken, issued.refreshToken!);
    fake.put(tokenSecret, serializeAuthorization({ name: DEFAULT_AUTHORIZATION, ...issued }));
    const sfn = mockClient(SFNClient);
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1',
      stateMachineArn: 'arn:aws:states:eu-west-1:123456789012:stateMachine:sm',
      name: 'run-1',
      status: 'SUCCEEDED',
      startDate: new Date(sim.now() - 60_000),
      stopDate: new Date(sim.now()),
      input: '{}',
      output: '{}',
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    try {
      // Act
      const run = await cli(
        ['status', 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1', '--outputs-file', outputsFile],
        deployed,
      );
      const json = await cli(
        ['status', 'arn:aws:states:eu-west-1:123456789012:execution:sm:run-1', '--outputs-file', outputsFile, '--json'],
        deployed,
      );

      // Assess
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(
        /LinkedIn tokens: 1 authorization\(s\); soonest default: access token 10 days left \(\d{4}-\d{2}-\d{2}\), refresh token 364 days left/,
      );
      expect(run.stdout).toContain('npm run cli -- authorize');
      expect(JSON.parse(json.stdout).tokens).toMatchObject({
        needsAttention: true,
        authorizations: [{ name: 'default', tokenDaysRemaining: 10 }],
      });
    } finally {
      sfn.restore();
    }
  });

  it('says where it looked when no token secret is known', async () => {
    // Act
    const run = await cli(['tokens', '--outputs-file', path.join(directory, 'missing.json')], deployed);

    // Assess
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('no token secret: deploy with `npx cdk deploy --outputs-file cdk-outputs.json` (looked for SecretArn in');
  });
});
