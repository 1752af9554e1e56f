/**
 * A faithful local LinkedIn Sales Navigator Analytics export API (docs/linkedin-api.md):
 * contracts, export jobs with LinkedIn's lifecycle and queueing, expiring download URLs, CSV
 * streamed at any size, fault injection, and LinkedIn's OAuth 2.0 endpoints with real token
 * lifetimes (docs/linkedin-api.md §9). Used in-process by tests and the local runner, and
 * standalone through cli.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANALYTICS_SCOPE } from '../../lambdas/shared/tokens/authorization';
import { DEFAULT_CONTRACTS, generateContracts, type SalesContract } from './contracts';
import { DEFAULT_CHUNK_BYTES } from './csv-stream';
import type { FaultSettings, Route } from './faults';
import type { CallRecord } from './http';
import { JobStore, jobStatus, type SimJob } from './jobs';
import {
  DEFAULT_ACCESS_TOKEN_LIFETIME_MS,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN_LIFETIME_MS,
  OAUTH_BASE_PATH,
  parseScope,
  type OAuthSettings,
} from './oauth';
import { createHandler, type MemberContracts } from './server';
import { TokenRegistry, type TokenSummary } from './token-registry';

export type { GeneratedContracts, SalesContract } from './contracts';
export { DEFAULT_CONTRACTS, GENERATED_CONTRACT_BASE, generateContracts, generatedContractUrn, manyContracts } from './contracts';
export type { FaultSettings, FailingPairs, PairScope, CountedFault, Route, ApiRoute } from './faults';
export { FAULT_KEYS, inPairScope, isFailingPair, pairHash, parseFaults } from './faults';
export type { CallRecord, LinkedInErrorBody } from './http';
export type { SimJob } from './jobs';
export { CSV_HEADERS } from './csv-rows';
export type { HeaderChange } from './header-change';
export { HEADER_CHANGE_FLAG_HELP, headerChangesFromFlags, parseHeaderChangeFlag } from './header-change';
export { MAX_WINDOW_MS } from './server';
export type { OAuthSettings } from './oauth';
export {
  DEFAULT_ACCESS_TOKEN_LIFETIME_MS,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN_LIFETIME_MS,
  OAUTH_PATHS,
} from './oauth';
export type { TokenStatus, TokenSummary } from './token-registry';
export { CODE_LIFETIME_MS } from './token-registry';

export const DEFAULT_TOKEN = 'linkedin-simulator-token';
export const DEFAULT_FIRST_JOB_ID = 6_000_000_001;
/** The member who sees every contract unless `members` says otherwise. */
export const DEFAULT_MEMBER = 'member-1';

/** The simulated LinkedIn app's OAuth settings (LinkedIn's defaults: docs/linkedin-api.md §9). */
export interface SimulatorOAuthOptions {
  /** Default `simulator-client-id`. */
  clientId?: string;
  /** Default `simulator-client-secret`. */
  clientSecret?: string;
  /** Whether the code exchange also gives a refresh token (LinkedIn: approved partners only). Default true. */
  refreshTokens?: boolean;
  /** Default 60 days. */
  accessTokenLifetimeMs?: number;
  /** Counted from the member's authorization, never extended by refreshing. Default 365 days. */
  refreshTokenLifetimeMs?: number;
  /** What the member answers on the consent page. Default 'allow'. */
  consent?: 'allow' | 'deny';
  /** Who consents. Default: the first of `members`. */
  member?: string;
}

/** What `issueAuthorization` issues: the code flow's grant, with instants in epoch ms and the scope space-separated. */
export interface IssuedAuthorization {
  accessToken: string;
  expiresAt: number;
  refreshToken?: string;
  refreshTokenExpiresAt?: number;
  scope: string;
  authorizedAt: number;
}

export interface SimulatorOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /**
   * A Bearer token the API accepts besides those the OAuth endpoints issue, for every contract: a
   * token made by hand. Default `linkedin-simulator-token`.
   */
  token?: string;
  /** When `token` expires (epoch ms on the simulator's clock). Default: never. */
  staticTokenExpiresAt?: number;
  /**
   * The members who can authorize the app, each with the contract URNs the finder lists under
   * their tokens (in the finder's order). Default: `member-1` on every contract.
   */
  members?: Record<string, string[]>;
  /** The app and LinkedIn's OAuth behaviour. */
  oauth?: SimulatorOAuthOptions;
  /**
   * The member's contracts, listed first. Default: LinkedIn's sample (123456 with reporting,
   * 1234560 without) when no contracts are generated, else none.
   */
  contracts?: SalesContract[];
  /**
   * Generates this many contracts with reporting access whose exports work, after `contracts`:
   * `urn:li:contract:5000000`, `…5000001`… (see generateContracts). Default 0.
   */
  contractCount?: number;
  /**
   * Generates this many more contracts, spread evenly among the `contractCount` ones, that the
   * finder lists with `hasReportingAccess: true` but whose job creation answers 403 (LinkedIn's
   * body, as for a missing reporting role). `sim.forbiddenContracts` names them. Default 0.
   */
  forbiddenContractCount?: number;
  /** Finder pages carry `paging.total` (LinkedIn's sample has none). Default false. */
  pagingTotal?: boolean;
  /**
   * The finder answers at most this many contracts per page, whatever `count` asks, and says so
   * in `paging.count`. Default: no cap (docs/linkedin-api.md §4.1 documents none).
   */
  maxPageSize?: number;
  /** Seed of the CSV content. Default 1. */
  seed?: number;
  /** Fixed data rows per job whatever the window (benchmarks: e.g. 20_000_000). */
  rows?: number;
  /** Data rows per day of window, when `rows` is not set. Default 40. */
  rowsPerDay?: number;
  /** Time in ENQUEUED once a job's turn has come. Default 500 ms. */
  enqueuedMs?: number;
  /** Time in PROCESSING. Default 1000 ms. */
  processingMs?: number;
  /** Download URL lifetime. Default 1 h (LinkedIn's FAQ). */
  urlLifetimeMs?: number;
  /** How long a finished job and its file are kept. Default 7 days (LinkedIn's FAQ). */
  retentionMs?: number;
  /** Id of the first job; ids are longs beyond int32. Default 6_000_000_001. */
  firstJobId?: number;
  /** Whether the download URL needs the Bearer token (unconfirmed at LinkedIn). Default 'optional'. */
  downloadAuth?: 'optional' | 'required';
  /** Answer 400 when X-Restli-Protocol-Version: 2.0.0 is missing. Default true. */
  requireProtocolHeader?: boolean;
  /** Include CSV values that need quoting (commas, quotes, newlines). Default true. */
  csvQuirks?: boolean;
  /** CSV line ending. Default '\n' (LinkedIn's is unconfirmed). */
  lineEnding?: '\n' | '\r\n';
  /** Target size of each streamed chunk. Default 256 KiB. */
  chunkBytes?: number;
  /** The "other host" of the redirect fault. Default 'localhost'. */
  alternateHost?: string;
  /** Faults active from the start. */
  faults?: FaultSettings;
}

export interface Simulator {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string;
  /** `http://127.0.0.1:PORT/v2`: the client's LinkedIn base URL. */
  readonly baseUrl: string;
  readonly port: number;
  /** The static Bearer token the simulator accepts (see SimulatorOptions.token). */
  readonly token: string;
  /** `http://127.0.0.1:PORT/oauth/v2`: the OAuth base URL, as `https://www.linkedin.com/oauth/v2`. */
  readonly oauthUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Mutable OAuth settings, read on every request: flip `consent`, `member`, lifetimes or `refreshTokens` at any time. */
  oauth: OAuthSettings;
  /**
   * What the code flow would issue, without the browser: a member's grant (scope-change
   * revocation included). Defaults: `oauth.member`, the analytics scope, `oauth`'s lifetime and
   * refresh policy.
   */
  issueAuthorization(request?: { member?: string; scope?: string; accessTokenLifetimeMs?: number; refresh?: boolean }): IssuedAuthorization;
  /** Revokes an access or refresh token (or the static token), as a member or LinkedIn would; false when unknown. */
  revokeToken(token: string): boolean;
  /** Every issued token with its status now (tokens included: a test double has nothing to hide from its test). */
  tokens(): TokenSummary;
  readonly contracts: readonly SalesContract[];
  /** The generated contracts (forbiddenContractCount) whose job creation answers 403. */
  readonly forbiddenContracts: readonly string[];
  /** Mutable fault settings, read on every request: set, change or replace them at any time. */
  faults: FaultSettings;
  /** Every request answered, in order; one whose answer a fault dropped has status 0. */
  readonly calls: CallRecord[];
  /** Number of recorded calls matching the filter. */
  countCalls(filter?: { route?: Route; method?: string; status?: number }): number;
  /** Forgets recorded calls. */
  resetCalls(): void;
  /** Removes every fault. */
  clearFaults(): void;
  /** The simulator's clock (epoch ms): real time plus every advanceTime. */
  now(): number;
  /** Moves the simulator's clock forward (job lifecycle, URL expiry, retention). */
  advanceTime(ms: number): void;
  /** All jobs created so far, with their current status (those whose create answer was dropped too). */
  jobs(): Array<SimJob & { status: string }>;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

/**
 * Each member's contracts in the finder's order, checked against the simulator's contracts: a
 * member listing a contract the simulator does not have would be a typo, not a scenario.
 */
const memberContracts = (
  members: Record<string, string[]>,
  contractsByUrn: ReadonlyMap<string, SalesContract>,
): Map<string, MemberContracts> => {
  const entries = Object.entries(members);
  if (entries.length === 0) throw new Error('members must name at least one member');
  return new Map(
    entries.map(([member, urns]) => {
      const unknown = urns.filter((urn) => !contractsByUrn.has(urn));
      if (unknown.length > 0) throw new Error(`members.${member} lists ${unknown.join(', ')}, not among the simulator's contracts`);
      const seats = new Set(urns);
      const listed = [...contractsByUrn.values()].filter((contract) => seats.has(contract.contract));
      return [member, { contracts: listed, urns: seats }];
    }),
  );
};

const checkOAuthSettings = (settings: OAuthSettings, members: ReadonlyMap<string, MemberContracts>): void => {
  if (!members.has(settings.member))
    throw new Error(`oauth.member "${settings.member}" is not among the members (${[...members.keys()].join(', ')})`);
  if (settings.consent !== 'allow' && settings.consent !== 'deny')
    throw new Error(`oauth.consent must be 'allow' or 'deny', got ${settings.consent}`);
  for (const name of ['accessTokenLifetimeMs', 'refreshTokenLifetimeMs'] as const) {
    if (!(Number.isSafeInteger(settings[name]) && settings[name] > 0))
      throw new Error(`oauth.${name} must be a positive integer, got ${settings[name]}`);
  }
};

const listen = (server: Server, port: number): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });

/**
 * Starts a simulator on 127.0.0.1.
 * @example
 * const sim = await startSimulator({ rowsPerDay: 100 });
 * sim.faults.throttle = { count: 2 };              // the next two API calls get 429
 * const client = makeClient({ baseUrl: sim.baseUrl, token: sim.token });
 * sim.advanceTime(2 * 3_600_000);                  // the download URL has now expired
 * await sim.close();
 */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<Simulator> => {
  let offsetMs = 0;
  const now = (): number => Date.now() + offsetMs;
  const calls: CallRecord[] = [];
  const store = new JobStore(
    {
      enqueuedMs: options.enqueuedMs ?? 500,
      processingMs: options.processingMs ?? 1000,
      retentionMs: options.retentionMs ?? 7 * 86_400_000,
    },
    options.firstJobId ?? DEFAULT_FIRST_JOB_ID,
  );
  const token = options.token ?? DEFAULT_TOKEN;
  const generated = generateContracts(options.contractCount ?? 0, options.forbiddenContractCount ?? 0);
  const explicit = options.contracts ?? (generated.contracts.length > 0 ? [] : DEFAULT_CONTRACTS.map((contract) => ({ ...contract })));
  const contracts = [...explicit, ...generated.contracts];
  const contractsByUrn = new Map<string, SalesContract>();
  for (const contract of contracts) {
    if (contractsByUrn.has(contract.contract)) throw new Error(`The simulator's contracts list ${contract.contract} twice`);
    contractsByUrn.set(contract.contract, contract);
  }
  if (options.maxPageSize !== undefined && !(Number.isSafeInteger(options.maxPageSize) && options.maxPageSize > 0)) {
    throw new Error(`maxPageSize must be a positive integer, got ${options.maxPageSize}`);
  }
  const members = memberContracts(options.members ?? { [DEFAULT_MEMBER]: contracts.map((contract) => contract.contract) }, contractsByUrn);
  const clientId = options.oauth?.clientId ?? DEFAULT_CLIENT_ID;
  const clientSecret = options.oauth?.clientSecret ?? DEFAULT_CLIENT_SECRET;
  const initialOAuth: OAuthSettings = {
    consent: options.oauth?.consent ?? 'allow',
    member: options.oauth?.member ?? [...members.keys()][0]!,
    accessTokenLifetimeMs: options.oauth?.accessTokenLifetimeMs ?? DEFAULT_ACCESS_TOKEN_LIFETIME_MS,
    refreshTokenLifetimeMs: options.oauth?.refreshTokenLifetimeMs ?? DEFAULT_REFRESH_TOKEN_LIFETIME_MS,
    refreshTokens: options.oauth?.refreshTokens ?? true,
  };
  checkOAuthSettings(initialOAuth, members);
  const registry = new TokenRegistry({ token, expiresAt: options.staticTokenExpiresAt, scope: [ANALYTICS_SCOPE] }, now());
  let port = 0;
  const origin = (): string => `http://127.0.0.1:${port}`;

  const simulator: Simulator = {
    get origin() {
      return origin();
    },
    get baseUrl() {
      return `${origin()}/v2`;
    },
    get port() {
      return port;
    },
    token,
    get oauthUrl() {
      return `${origin()}${OAUTH_BASE_PATH}`;
    },
    clientId,
    clientSecret,
    oauth: initialOAuth,
    issueAuthorization: (request = {}) => {
      const settings = simulator.oauth;
      const member = request.member ?? settings.member;
      if (!members.has(member))
        throw new Error(`issueAuthorization: "${member}" is not among the simulator's members (${[...members.keys()].join(', ')})`);
      const scope = parseScope(request.scope ?? ANALYTICS_SCOPE);
      const issuedAt = now();
      const { access, refresh } = registry.grant(
        {
          member,
          scope,
          accessTokenLifetimeMs: request.accessTokenLifetimeMs ?? settings.accessTokenLifetimeMs,
          refreshTokenLifetimeMs: settings.refreshTokenLifetimeMs,
          withRefreshToken: request.refresh ?? settings.refreshTokens,
        },
        issuedAt,
      );
      return {
        accessToken: access.token,
        expiresAt: access.expiresAt,
        ...(refresh && { refreshToken: refresh.token, refreshTokenExpiresAt: refresh.expiresAt }),
        scope: access.scope.join(' '),
        authorizedAt: access.authorizedAt,
      };
    },
    revokeToken: (revoked) => registry.revoke(revoked),
    tokens: () => registry.summary(now()),
    contracts,
    forbiddenContracts: generated.forbidden,
    faults: { ...options.faults },
    calls,
    countCalls: (filter = {}) =>
      calls.filter(
        (call) =>
          (filter.route === undefined || call.route === filter.route) &&
          (filter.method === undefined || call.method === filter.method) &&
          (filter.status === undefined || call.status === filter.status),
      ).length,
    resetCalls: () => {
      calls.length = 0;
    },
    clearFaults: () => {
      simulator.faults = {};
    },
    now,
    advanceTime: (ms) => {
      if (!(ms >= 0)) throw new Error('advanceTime takes a non-negative number of ms');
      offsetMs += ms;
    },
    jobs: () => store.all().map((job) => ({ ...job, status: jobStatus(job, now()) })),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };

  const server = createServer(
    createHandler({
      registry,
      oauth: {
        clientId,
        clientSecret,
        registry,
        isMember: (member) => members.has(member),
        settings: () => simulator.oauth,
        now,
      },
      members,
      contracts,
      contractsByUrn,
      forbiddenContracts: new Set(generated.forbidden),
      pagingTotal: options.pagingTotal ?? false,
      maxPageSize: options.maxPageSize,
      seed: options.seed ?? 1,
      rows: options.rows,
      rowsPerDay: options.rowsPerDay ?? 40,
      urlLifetimeMs: options.urlLifetimeMs ?? 3_600_000,
      downloadAuth: options.downloadAuth ?? 'optional',
      requireProtocolHeader: options.requireProtocolHeader ?? true,
      csvQuirks: options.csvQuirks ?? true,
      lineEnding: options.lineEnding ?? '\n',
      chunkBytes: options.chunkBytes ?? DEFAULT_CHUNK_BYTES,
      alternateHost: options.alternateHost ?? 'localhost',
      store,
      calls,
      faults: () => simulator.faults,
      now,
      origin,
      port: () => port,
    }),
  );
  port = await listen(server, options.port ?? 0);
  return simulator;
};
