/**
 * The request handler: routing, authentication (the static token, or an access token the OAuth
 * endpoints issued), protocol header, API fault injection, the three API endpoints, the download
 * endpoint, and LinkedIn's OAuth endpoints (oauth.ts).
 */
import { DAY_MS, MAX_JOB_DAYS } from '../../lambdas/shared/contract/linkedin-limits';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPORT_ACTIONS, EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { ANALYTICS_SCOPE } from '../../lambdas/shared/tokens/authorization';
import { contractsPage, DEFAULT_PAGE_SIZE, type SalesContract } from './contracts';
import type { CsvSpec } from './csv-rows';
import { csvByteSize, csvChunks } from './csv-stream';
import {
  isFailingPair,
  OAUTH_ROUTES,
  takeDroppedCreate,
  takeFault,
  type ApiRoute,
  type FaultSettings,
  type OAuthRoute,
  type Route,
} from './faults';
import {
  SERVICE_ERROR_CODES as CODES,
  drained,
  errorBody,
  readBody,
  recordCall,
  sendJsonText,
  sleep,
  writeHead,
  type CallRecord,
  type Exchange,
} from './http';
import { jobStatus, type JobStore, type SimJob } from './jobs';
import { OAUTH_PATHS, serveOAuth, type OAuthContext } from './oauth';
import type { Caller, TokenRegistry } from './token-registry';

/** LinkedIn: at most this much per job (docs/linkedin-api.md §6). */
export const MAX_WINDOW_MS = MAX_JOB_DAYS * DAY_MS;

/** A member's view of the contracts: what the finder lists under the member's token, in finder order. */
export interface MemberContracts {
  contracts: readonly SalesContract[];
  urns: ReadonlySet<string>;
}

/** Everything the handler reads; `faults` is read afresh on each request (tests replace it). */
export interface HandlerContext {
  /** Every token the API accepts: the static one and the issued ones. */
  registry: TokenRegistry;
  /** The OAuth endpoints' app and settings. */
  oauth: OAuthContext;
  /** Each member's contracts; the static token sees every contract. */
  members: ReadonlyMap<string, MemberContracts>;
  /** The finder's list, in order. */
  contracts: readonly SalesContract[];
  /** The same contracts by URN: a create's lookup is O(1) however many there are. */
  contractsByUrn: ReadonlyMap<string, SalesContract>;
  /** Listed with reporting access, yet their job creation answers 403 (generated, fixed at start). */
  forbiddenContracts: ReadonlySet<string>;
  /** Finder pages carry `paging.total`. */
  pagingTotal: boolean;
  /** The finder answers at most this many contracts per page (and says so in `paging.count`). */
  maxPageSize: number | undefined;
  seed: number;
  rows: number | undefined;
  rowsPerDay: number;
  urlLifetimeMs: number;
  downloadAuth: 'optional' | 'required';
  requireProtocolHeader: boolean;
  csvQuirks: boolean;
  lineEnding: '\n' | '\r\n';
  chunkBytes: number;
  alternateHost: string;
  store: JobStore;
  calls: CallRecord[];
  faults: () => FaultSettings;
  now: () => number;
  origin: () => string;
  port: () => number;
}

const ACTION_TO_TYPE = new Map<string, ExportType>(EXPORT_TYPES.map((type) => [EXPORT_ACTIONS[type], type]));

const routeOf = (method: string, pathname: string): { route: Route; allowed: string[] } => {
  if (pathname === '/v2/salesContracts') return { route: 'contracts', allowed: ['GET'] };
  if (pathname === '/v2/salesAnalyticsExportJobs') return { route: 'createJob', allowed: ['POST'] };
  if (/^\/v2\/salesAnalyticsExportJobs\/[^/]+$/.test(pathname)) return { route: 'getJob', allowed: ['GET'] };
  if (pathname === '/ambry/' || pathname === '/ambry') return { route: 'download', allowed: ['GET', 'HEAD'] };
  for (const route of OAUTH_ROUTES) {
    if (pathname === OAUTH_PATHS[route]) return { route, allowed: route === 'authorize' ? ['GET'] : ['POST'] };
  }
  return { route: 'unknown', allowed: [method] };
};

const isOAuthRoute = (route: Route): route is OAuthRoute => (OAUTH_ROUTES as readonly Route[]).includes(route);

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly serviceErrorCode: number,
  ) {
    super(message);
  }
}
const badRequest = (message: string): HttpError => new HttpError(400, message, CODES.badRequest);

/** The file spec of a job: what its bytes are a function of. */
export const jobCsvSpec = (ctx: HandlerContext, job: SimJob): CsvSpec => ({
  contract: job.contract,
  exportType: job.exportType,
  startAt: job.startAt,
  endAt: job.endAt,
  seed: ctx.seed,
  rows: job.rows,
  quirks: ctx.csvQuirks,
  lineEnding: ctx.lineEnding,
  ...(job.headerChange && { headerChange: job.headerChange }),
});

/** Creates the node:http request listener. */
export const createHandler =
  (ctx: HandlerContext) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://simulator.invalid');
    const method = req.method ?? 'GET';
    const { route, allowed } = routeOf(method, url.pathname);
    const ex: Exchange = { req, res, url, route, api: url.pathname.startsWith('/v2/'), calls: ctx.calls, now: ctx.now };
    const handle = async (): Promise<void> => {
      if (route === 'unknown') throw new HttpError(404, `No resource at ${url.pathname}`, CODES.other);
      if (!allowed.includes(method)) throw new HttpError(405, `Method ${method} not allowed on ${url.pathname}`, CODES.other);
      if (route === 'download') return serveDownload(ctx, ex);
      if (isOAuthRoute(route)) return serveOAuth(ctx.oauth, ex, route);
      return serveApi(ctx, ex, route);
    };
    handle().catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const failure = error instanceof HttpError ? error : new HttpError(500, 'Internal simulator error', CODES.other);
      if (!(error instanceof HttpError)) console.error('LinkedIn simulator:', error);
      sendJsonText(ex, failure.status, JSON.stringify(errorBody(failure.status, failure.message, failure.serviceErrorCode)));
    });
  };

/** LinkedIn's 401 for a token that was valid: expired (60 days, docs/linkedin-api.md §9) or revoked by the member. */
const UNAUTHORIZED = {
  expired: new HttpError(401, 'The token used in the request has expired', CODES.expiredToken),
  revoked: new HttpError(401, 'The token used in the request has been revoked by the user', CODES.revokedToken),
} as const;

/** Who the Bearer token speaks for, or LinkedIn's 401: empty, unknown, expired or revoked. */
const authenticate = (ctx: HandlerContext, ex: Exchange): Caller => {
  const header = ex.req.headers.authorization;
  if (!header || !/^Bearer\s+\S/.test(header)) throw new HttpError(401, 'Empty oauth2_access_token', CODES.emptyToken);
  const outcome = ctx.registry.authenticate(header.replace(/^Bearer\s+/, ''), ctx.now());
  if (!outcome.ok)
    throw outcome.reason === 'unknown' ? new HttpError(401, 'Invalid access token', CODES.invalidToken) : UNAUTHORIZED[outcome.reason];
  if (outcome.caller.kind === 'member') ex.member = outcome.caller.member;
  return outcome.caller;
};

/** The contracts the caller's member has a seat on; undefined: every contract (the static token). */
const visibleContracts = (ctx: HandlerContext, caller: Caller): MemberContracts | undefined => {
  if (caller.kind === 'static') return undefined;
  const member = ctx.members.get(caller.member);
  // Tokens are issued to configured members only; no seats is the safe answer should one be missing.
  return member ?? { contracts: [], urns: new Set() };
};

const serveApi = async (ctx: HandlerContext, ex: Exchange, route: ApiRoute): Promise<void> => {
  const latency = ctx.faults().latency;
  if (latency && latency.ms > 0 && (latency.route === undefined || latency.route === route)) await sleep(latency.ms);
  const caller = authenticate(ctx, ex);
  const unauthorized = ctx.faults().unauthorized;
  if (unauthorized) throw UNAUTHORIZED[unauthorized === 'revoked' ? 'revoked' : 'expired'];
  // ASSUMPTION: LinkedIn falls back to protocol 1.0.0 without the header; the simulator is
  // strict (configurable) so a client that forgets it is caught here.
  if (ctx.requireProtocolHeader && ex.req.headers['x-restli-protocol-version'] !== '2.0.0') {
    throw badRequest('X-Restli-Protocol-Version: 2.0.0 header is required');
  }
  const faults = ctx.faults();
  if (takeFault(faults, 'throttle', route)) {
    throw new HttpError(429, 'Resource level throttle limit for calls to this resource is reached.', CODES.throttled);
  }
  const serverError = takeFault(faults, 'serverError', route);
  if (serverError) throw new HttpError(serverError.status, 'Internal Server Error (injected)', CODES.other);
  // A member's token without the analytics scope reaches no analytics resource (docs/linkedin-api.md §2).
  if (caller.kind === 'member' && !caller.scope.includes(ANALYTICS_SCOPE)) {
    throw new HttpError(403, `Not enough permissions to access: ${ex.req.method} ${ex.url.pathname.slice('/v2'.length)}`, CODES.forbidden);
  }
  const visible = visibleContracts(ctx, caller);

  const { status, body, lost }: ApiAnswer =
    route === 'contracts'
      ? listContracts(ctx, ex.url, visible)
      : route === 'createJob'
        ? await createJob(ctx, ex, visible)
        : getJob(ctx, ex.url, visible);
  if (lost) {
    loseAnswer(ex);
    return;
  }

  if (takeFault(faults, 'schemaViolation', route)) violateSchema(route, body);
  let text = JSON.stringify(body);
  if (takeFault(faults, 'malformedJson', route)) text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  sendJsonText(ex, status, text);
};

/** What an endpoint answers; `lost`: it took effect, but the answer never leaves (dropCreateResponses). */
interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
  lost?: boolean;
}

/**
 * Drops the connection without a byte of answer, as a gateway or network failure after LinkedIn
 * acted would. Recorded with status 0, so a test still counts the request it made.
 */
const loseAnswer = (ex: Exchange): void => {
  recordCall(ex, 0);
  ex.req.socket.destroy();
};

/** Removes the field a client must not do without. */
const violateSchema = (route: ApiRoute, body: Record<string, unknown>): void => {
  if (route === 'contracts') delete body.elements;
  else if (route === 'createJob') delete (body.value as Record<string, unknown>).id;
  else delete body.status;
};

const nonNegativeInt = (raw: string | null, name: string, fallback: number): number => {
  if (raw === null) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be a non-negative integer`);
  return Number(raw);
};

const listContracts = (ctx: HandlerContext, url: URL, visible: MemberContracts | undefined) => {
  const q = url.searchParams.get('q');
  if (q !== 'contractsByMember') throw badRequest(`Unknown or missing finder q=${q ?? ''} (expected contractsByMember)`);
  const start = nonNegativeInt(url.searchParams.get('start'), 'start', 0);
  const asked = nonNegativeInt(url.searchParams.get('count'), 'count', DEFAULT_PAGE_SIZE);
  const count = ctx.maxPageSize === undefined ? asked : Math.min(asked, ctx.maxPageSize);
  const listed = visible?.contracts ?? ctx.contracts;
  return { status: 200, body: contractsPage(listed, start, count, ctx.pagingTotal) as Record<string, unknown> };
};

const epochMs = (body: Record<string, unknown>, name: string): number => {
  const value = body[name];
  if (value === undefined || value === null) throw badRequest(`Missing required parameter ${name}`);
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw badRequest(`${name} must be an integer epoch time in milliseconds`);
  }
  return value;
};

const createJob = async (ctx: HandlerContext, ex: Exchange, visible: MemberContracts | undefined): Promise<ApiAnswer> => {
  const action = ex.url.searchParams.get('action');
  const exportType = action === null ? undefined : ACTION_TO_TYPE.get(action);
  if (!exportType || !action) throw badRequest(`Unknown or missing action ${action ?? ''}`);
  let body: unknown;
  try {
    body = JSON.parse(await readBody(ex.req));
  } catch {
    throw badRequest('Request body must be a JSON object');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('Request body must be a JSON object');
  const input = body as Record<string, unknown>;
  if (typeof input.contract !== 'string' || input.contract === '') throw badRequest('Missing required parameter contract');
  const startAt = epochMs(input, 'startAt');
  const endAt = epochMs(input, 'endAt');
  if (startAt >= endAt) throw badRequest('startAt must be before endAt');
  if (endAt - startAt > MAX_WINDOW_MS) throw badRequest(`The time range must not exceed ${MAX_JOB_DAYS} days`);
  const contract = visible && !visible.urns.has(input.contract) ? undefined : ctx.contractsByUrn.get(input.contract);
  // ASSUMPTION: a contract the member has no seat on is a 403 like a missing reporting role
  // (the member lacks access to it), not a 404.
  if (!contract) throw new HttpError(403, `Not enough permissions to access contract ${input.contract}`, CODES.forbidden);
  const faults = ctx.faults();
  if (
    !contract.hasReportingAccess ||
    ctx.forbiddenContracts.has(contract.contract) ||
    faults.forbiddenContracts?.includes(contract.contract)
  ) {
    throw new HttpError(403, `Not enough permissions: no reporting access on contract ${contract.contract}`, CODES.forbidden);
  }

  const now = ctx.now();
  const days = (endAt - startAt) / DAY_MS;
  let rows = ctx.rows ?? Math.round(ctx.rowsPerDay * days);
  if (takeFault(faults, 'emptyJobs')) rows = 0;
  // A failing pair wins over everything else, and consumes no counted fault: it fails every time.
  const terminalStatus =
    faults.failingPairs && isFailingPair(faults.failingPairs, contract.contract, exportType)
      ? faults.failingPairs.status
      : faults.exceededFileSizeOverDays !== undefined && days > faults.exceededFileSizeOverDays
        ? 'FAILED_DUE_TO_EXCEEDED_FILE_SIZE_ERROR'
        : faults.dataDelayForRecentWindows && endAt > now - DAY_MS
          ? 'FAILED_DUE_TO_DATA_DELAY'
          : (takeFault(faults, 'terminalStatus')?.status ?? 'COMPLETED');
  const job = ctx.store.create(
    {
      contract: contract.contract,
      action: EXPORT_ACTIONS[exportType],
      exportType,
      startAt,
      endAt,
      terminalStatus,
      rows,
      reportedRowCount: rows + (takeFault(faults, 'rowCountDelta')?.delta ?? 0),
      extraProcessingMs: takeFault(faults, 'slowJobs')?.extraMs ?? 0,
      // A copy: the job's file keeps the columns it was created with, whatever the fault becomes.
      ...(faults.headerChanges?.[exportType] && { headerChange: structuredClone(faults.headerChanges[exportType]) }),
    },
    now,
  );
  const value: Record<string, unknown> = { id: job.id, status: 'ENQUEUED' };
  if (faults.nullFields) Object.assign(value, { downloadUrl: null, expireAt: null, rowCount: null });
  // Decided after the job is stored: the job exists whether or not its answer arrives.
  const lost = takeDroppedCreate(faults, contract.contract, exportType);
  // ASSUMPTION: 200 (a Rest.li action with a value); LinkedIn's create status code is unconfirmed.
  return { status: 200, body: { value } as Record<string, unknown>, lost };
};

const getJob = (ctx: HandlerContext, url: URL, visible: MemberContracts | undefined) => {
  const rawId = decodeURIComponent(url.pathname.slice('/v2/salesAnalyticsExportJobs/'.length));
  if (!/^\d{1,18}$/.test(rawId)) throw badRequest(`Job id must be a long, got ${rawId}`);
  const contract = url.searchParams.get('contract');
  if (!contract) throw badRequest('Missing required parameter contract');
  const now = ctx.now();
  // A job of a contract the member has no seat on is as foreign to them as another contract's job.
  const job = visible && !visible.urns.has(contract) ? undefined : ctx.store.find(Number(rawId), contract, now);
  if (!job) throw new HttpError(404, `No export job ${rawId} for contract ${contract}`, CODES.other);
  const status = jobStatus(job, now);
  const body: Record<string, unknown> = { id: job.id, status };
  if (status === 'COMPLETED') {
    const faults = ctx.faults();
    const fresh = !job.url || now >= job.url.expireAt;
    const url = ctx.store.currentUrl(job, now, ctx.urlLifetimeMs);
    if (fresh && takeFault(faults, 'expiredUrl')) url.expireAt = now - 1;
    Object.assign(body, { downloadUrl: downloadUrl(ctx, url.token), expireAt: url.expireAt, rowCount: job.reportedRowCount });
  } else if (ctx.faults().nullFields) {
    Object.assign(body, { downloadUrl: null, expireAt: null, rowCount: null });
  }
  return { status: 200, body };
};

const withPort = (ctx: HandlerContext, host: string): string => (host.includes(':') ? host : `${host}:${ctx.port()}`);

const downloadUrl = (ctx: HandlerContext, token: string): string => {
  const host = ctx.faults().downloadHost;
  const origin = host ? `http://${withPort(ctx, host)}` : ctx.origin();
  return `${origin}/ambry/?x-li-ambry-ep=${encodeURIComponent(token)}`;
};

const serveDownload = async (ctx: HandlerContext, ex: Exchange): Promise<void> => {
  const token = ex.url.searchParams.get('x-li-ambry-ep') ?? '';
  const job = ctx.store.byToken(token);
  const now = ctx.now();
  // ASSUMPTION: LinkedIn's answers for an unknown or expired URL are unconfirmed: 404 / 403.
  if (!job || !ctx.store.retained(job, now)) throw new HttpError(404, 'No such file', CODES.other);
  if (ctx.downloadAuth === 'required') authenticate(ctx, ex);
  if (job.url?.token !== token || now >= job.url.expireAt) {
    throw new HttpError(403, 'The download URL has expired; GET the export job for a fresh one', CODES.other);
  }
  const faults = ctx.faults();
  if (!ex.url.searchParams.has('hop')) {
    const redirect = takeFault(faults, 'redirect');
    if (redirect) {
      const host = withPort(ctx, redirect.host ?? ctx.alternateHost);
      writeHead(ex, 302, { Location: `http://${host}/ambry/?x-li-ambry-ep=${encodeURIComponent(token)}&hop=1`, 'Content-Length': 0 });
      ex.res.end();
      return;
    }
  }
  const spec = jobCsvSpec(ctx, job);
  job.byteSize ??= csvByteSize(spec);
  const lengthDelta = takeFault(faults, 'contentLengthDelta')?.delta ?? 0;
  const cut = takeFault(faults, 'cutAfterBytes');
  const expireMid = takeFault(faults, 'expireMidDownload');
  const trickle = takeFault(faults, 'trickle');
  writeHead(ex, 200, {
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Length': job.byteSize + lengthDelta,
    'Content-Disposition': `attachment; filename="${job.exportType}-${job.id}.csv"`,
    // A wrong length leaves the connection unusable for a next request.
    ...(lengthDelta !== 0 ? { Connection: 'close' } : {}),
  });
  if (ex.req.method === 'HEAD') {
    ex.res.end();
    return;
  }
  const limit = Math.min(cut?.bytes ?? Infinity, expireMid?.bytes ?? Infinity);
  let sent = 0;
  for (const chunk of csvChunks(spec, ctx.chunkBytes)) {
    if (ex.res.destroyed) return;
    const piece = sent + chunk.length > limit ? chunk.subarray(0, limit - sent) : chunk;
    await (trickle ? writeSlowly(ex.res, piece, trickle.bytesPerSecond) : write(ex.res, piece));
    sent += piece.length;
    if (sent >= limit) {
      if (expireMid && job.url) job.url.expireAt = ctx.now();
      // Let the bytes already written reach the client before the connection drops.
      ex.res.socket?.end();
      ex.res.socket?.destroySoon?.();
      setTimeout(() => ex.res.destroy(), 50).unref();
      return;
    }
  }
  ex.res.end();
  if (lengthDelta !== 0) ex.res.once('finish', () => ex.res.socket?.destroySoon?.());
};

const write = async (res: ServerResponse, piece: Buffer): Promise<void> => {
  if (!res.write(piece)) await drained(res);
};

const TRICKLE_TICK_MS = 100;
const writeSlowly = async (res: ServerResponse, piece: Buffer, bytesPerSecond: number): Promise<void> => {
  const step = Math.max(1, Math.floor((bytesPerSecond * TRICKLE_TICK_MS) / 1000));
  for (let at = 0; at < piece.length && !res.destroyed; at += step) {
    await write(res, piece.subarray(at, at + step));
    await sleep(TRICKLE_TICK_MS);
  }
};
