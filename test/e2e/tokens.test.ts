/**
 * The token lifecycle end to end (docs/tokens.md): the local runner's authorization comes from the
 * simulator's OAuth endpoints and is refreshed before the run by the rotation's four steps; an
 * unusable authorization fails the run by name before any job is created; and many named
 * authorizations each export the contracts they cover, one customer's expired token failing only
 * that customer's pairs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Writable } from 'node:stream';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ERROR_NAMES } from '../../lambdas/shared/contract/error-names';
import type { RunEvent } from '../../local/runner/progress';
import { runLocal, type RunLocalOptions, type RunLocalResult } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';
import { type Simulator, type SimulatorOptions, startSimulator } from '../../local/simulator';
import { localAuthorizationStore } from '../../local/tokens/local-store';

const STACK_CONFIG = { pollInitialSeconds: 1, pollMaxSeconds: 2, dataDelayWaitSeconds: 2, recreateBaseSeconds: 1 };
const FAST_SIMULATOR = { enqueuedMs: 100, processingMs: 300 };
const ACME = 'urn:li:contract:7000001';
const GLOBEX = 'urn:li:contract:7000002';
const CUSTOMERS: SimulatorOptions = {
  contracts: [
    { contract: ACME, name: 'Acme', hasReportingAccess: true },
    { contract: GLOBEX, name: 'Globex', hasReportingAccess: true },
  ],
  members: { 'acme-admin': [ACME], 'globex-admin': [GLOBEX] },
};

let dataDir: string;
let simulator: Simulator;

beforeAll(async () => {
  await loadLocalWorkflow(STACK_CONFIG);
}, 120_000);

afterEach(async () => {
  await simulator?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const start = async (options: SimulatorOptions = {}) => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-tokens-'));
  simulator = await startSimulator({ ...FAST_SIMULATOR, ...options });
};

const run = (options: RunLocalOptions & { events?: RunEvent[] }): Promise<RunLocalResult> =>
  runLocal({
    simulator,
    s3Directory: dataDir,
    stackConfig: STACK_CONFIG,
    timeScale: 0.5,
    from: '2025-06-01',
    to: '2025-06-02',
    exportTypes: ['activity'],
    onEvent: (event) => options.events?.push(event),
    ...options,
  });

const messages = (events: RunEvent[]): string[] => events.flatMap((event) => (event.kind === 'info' ? [event.message] : []));

describe('npm start and the token lifecycle', () => {
  it('an expired token that cannot be refreshed ends the run as LinkedInAuthError before any job, naming the command', async () => {
    // Prepare
    await start({ oauth: { refreshTokens: false } });
    // Act
    const result = await run({ tokenDaysLeft: 0 });
    // Assess
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(ERROR_NAMES.auth);
    expect(result.cause).toMatch(/The LinkedIn authorization's access token expired on \d{4}-\d{2}-\d{2}: run npm run cli -- authorize/);
    expect(simulator.countCalls({ route: 'createJob' })).toBe(0);
    expect(simulator.countCalls({ route: 'contracts' })).toBe(0);
  });

  it('a token 3 days from expiry is refreshed before the run (tested, then current), and the run uses the new one', async () => {
    // Prepare
    await start();
    const events: RunEvent[] = [];
    // Act
    const result = await run({ tokenDaysLeft: 3, events });
    // Assess
    expect(result.status).toBe('SUCCEEDED');
    const lines = messages(events);
    expect(lines).toContainEqual(
      expect.stringMatching(/LinkedIn authorization \(simulator\): access token 3 days left, refresh token 364 days left/),
    );
    expect(lines).toContainEqual(expect.stringMatching(/Refreshed before the run .*: access token 59 days left/));
    expect(simulator.countCalls({ route: 'accessToken', status: 200 })).toBe(1);
    expect(simulator.countCalls({ route: 'introspect', status: 200 })).toBeGreaterThanOrEqual(1);
    // Two access tokens were issued; the API calls all carried a live one.
    const issued = simulator.tokens();
    expect(issued.accessTokens).toHaveLength(2);
    expect(simulator.countCalls({ route: 'createJob', status: 200 })).toBe(1);
    expect(simulator.calls.filter((call) => call.status === 401)).toEqual([]);
    // No token in what the run reported.
    const reported = JSON.stringify({ result, events });
    for (const { token } of [...issued.accessTokens, ...issued.refreshTokens]) expect(reported).not.toContain(token);
  });

  it("the run log gives the authorizations' days left, and warns under the alarm threshold", async () => {
    // Prepare: 5 days left and nothing to refresh with.
    await start({ oauth: { refreshTokens: false } });
    const lines: string[] = [];
    const logStream = new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(...String(chunk).split('\n').filter(Boolean));
        done();
      },
    });
    const level = process.env.POWERTOOLS_LOG_LEVEL;
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    try {
      // Act
      const result = await run({ tokenDaysLeft: 5, logStream });
      // Assess
      expect(result.status).toBe('SUCCEEDED');
      const logs = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(logs).toContainEqual(
        expect.objectContaining({
          message: 'Authorizations',
          used: 1,
          soonest: [{ name: 'default', tokenDaysRemaining: 5, refreshTokenDaysRemaining: 'none' }],
        }),
      );
      expect(logs).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          message: 'LinkedIn tokens expire within 14 days: run npm run cli -- authorize (docs/tokens.md)',
          authorizations: [expect.objectContaining({ name: 'default', tokenDaysRemaining: 5 })],
        }),
      );
      for (const { token } of simulator.tokens().accessTokens) expect(lines.join('\n')).not.toContain(token);
    } finally {
      if (level === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = level;
    }
  });

  it('a given API without --token uses the local token store, as npm run cli -- authorize --local fills it', async () => {
    // Prepare: the simulator stands in for a LinkedIn reached by URL; one named customer authorized.
    await start(CUSTOMERS);
    const tokensDir = mkdtempSync(path.join(tmpdir(), 'e2e-tokens-store-'));
    try {
      await localAuthorizationStore(tokensDir).write({
        name: 'acme',
        ...simulator.issueAuthorization({ member: 'acme-admin' }),
        contracts: [ACME],
      });
      // Act
      const result = await run({ simulator: undefined, linkedInUrl: simulator.baseUrl, tokensDirectory: tokensDir, contracts: [ACME] });
      // Assess
      expect(result.status).toBe('SUCCEEDED');
      expect(simulator.calls.filter((call) => call.route === 'createJob').map((call) => call.member)).toEqual(['acme-admin']);
    } finally {
      rmSync(tokensDir, { recursive: true, force: true });
    }
  });

  it('many authorizations: each pair uses the one covering its contract; an expired customer fails only its own pairs, before its POST', async () => {
    // Prepare: two customers, each authorized by its own member; Globex's token has expired.
    await start(CUSTOMERS);
    const tokensDir = mkdtempSync(path.join(tmpdir(), 'e2e-tokens-store-'));
    try {
      const store = localAuthorizationStore(tokensDir);
      const acme = simulator.issueAuthorization({ member: 'acme-admin' });
      const globex = simulator.issueAuthorization({ member: 'globex-admin', accessTokenLifetimeMs: 1, refresh: false });
      await store.write({ name: 'acme', ...acme, contracts: [ACME] });
      await store.write({ name: 'globex', ...globex, contracts: [GLOBEX] });
      await new Promise((resolve) => setTimeout(resolve, 5));
      // Act
      const result = await run({ contracts: [ACME, GLOBEX], authorizations: store });
      // Assess
      expect(result.status).toBe('FAILED');
      expect(result.counts).toMatchObject({ pairs: 2, landed: 1, failed: 1 });
      expect(result.exports.map((landed) => landed.contract)).toEqual([ACME]);
      expect(result.failed).toEqual([
        expect.objectContaining({
          contract: GLOBEX,
          error: ERROR_NAMES.auth,
          cause: expect.stringContaining('npm run cli -- authorize --name globex'),
        }),
      ]);
      const creates = simulator.calls.filter((call) => call.route === 'createJob');
      expect(creates.map((call) => call.member)).toEqual(['acme-admin']);
      expect(simulator.countCalls({ route: 'createJob', status: 403 })).toBe(0);
    } finally {
      rmSync(tokensDir, { recursive: true, force: true });
    }
  });
});
