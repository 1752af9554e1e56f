/**
 * Client of LinkedIn's Sales Navigator Analytics export API (docs/linkedin-api.md §3, §4).
 *
 * HTTP statuses, network errors and timeouts are not retried here: the state machine retries
 * them by error name (errors.ts), so retrying here as well would multiply attempts and hide them
 * from the execution history. The one exception is an unusable 2xx body (not JSON, a proxy's
 * HTML page, schema-violating) to a read: the state machine does not retry LinkedInProtocolError
 * (the same request usually gets the same answer), yet one garbled answer to a GET that is safe
 * to repeat should not fail a whole export, so reads are sent again a bounded number of times.
 * A create is never sent twice: its first POST may have started a job, and a second would start
 * another. Every failure surfaces as a {@link LinkedInError}.
 */
import { sleep } from '../sleep';
import type * as z from 'zod/mini';
import { actionOf, type ExportType } from '../contract/export-types';
import {
  LinkedInAuthError,
  LinkedInProtocolError,
  LinkedInUnavailable,
  linkedInErrorForStatus,
  type LinkedInError,
  type LinkedInErrorContext,
} from './errors';
import { redactToken } from './redact';
import {
  contractsPageSchema,
  createExportJobResponseSchema,
  exportJobSchema,
  linkedInErrorBodySchema,
  type Contract,
  type CreatedExportJob,
  type ExportJob,
  type LinkedInErrorBody,
} from './schemas';

export const DEFAULT_LINKEDIN_API_URL = 'https://api.linkedin.com/v2';
export const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * `count` asked of the contracts finder. ASSUMPTION: docs/linkedin-api.md §4.1 documents no
 * maximum page size for `salesContracts?q=contractsByMember`, only LinkedIn's generic paging
 * default of 10 [Paging]; other LinkedIn finders answer a `count` above their unpublished limit
 * with 400, so the client asks for the documented default and follows whatever `paging.count`
 * the server answers with. 10,000 contracts are 1,000 pages.
 */
export const DEFAULT_CONTRACTS_PAGE_SIZE = 10;
/**
 * Runaway guard of the contracts walk: far above any partner (the product is sized for 10,000
 * contracts). More than this, or a `paging.total` above it, means the server is looping.
 */
export const DEFAULT_MAX_CONTRACTS = 100_000;
/** Time budget of one contracts walk, from its first request to its last answer. */
export const DEFAULT_CONTRACTS_BUDGET_MS = 300_000;
/** Waits before the 2nd and 3rd attempt of a read whose answer was unusable. */
export const DEFAULT_READ_RETRY_DELAYS_MS: readonly number[] = [1_000, 2_000];
/**
 * No further attempt of a read starts once this much time, plus the wait, has passed since its
 * first: with a 30 s request timeout the worst case stays near 40 s, inside the 60 s check Lambda.
 */
export const DEFAULT_READ_RETRY_BUDGET_MS = 10_000;

export interface LinkedInClientOptions {
  /** @default 'https://api.linkedin.com/v2' */
  baseUrl?: string;
  /** The bearer token, or a function that returns it (called before every request, so it may cache and rotate). */
  token: string | (() => Promise<string>);
  /** The authorization the token belongs to (docs/tokens.md), named in a 401's advice. */
  authorization?: string;
  /** Per request, body included. @default 30000 */
  timeoutMs?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** `count` sent to the contracts finder. @default 10 ({@link DEFAULT_CONTRACTS_PAGE_SIZE}) */
  contractsPageSize?: number;
  /** listContracts fails with LinkedInProtocolError past this many contracts. @default 100000 */
  maxContracts?: number;
  /**
   * listContracts fails with LinkedInProtocolError, naming the pages and contracts read, once
   * its walk has taken this long (a request in flight is aborted then). @default 300000 (5 min)
   */
  contractsBudgetMs?: number;
  /**
   * The waits before each further attempt of a read (job GET, contracts page) whose 2xx answer
   * was unusable; one attempt more than there are waits. `[]` sends every read once. Creates are
   * never sent twice. @default [1000, 2000]
   */
  readRetryDelaysMs?: readonly number[];
  /** See {@link DEFAULT_READ_RETRY_BUDGET_MS}. @default 10000 */
  readRetryBudgetMs?: number;
  /** Waits between attempts; must reject with `signal.reason` on abort. @default a timer */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Measures the retry budget. @default Date.now */
  now?: () => number;
}

/** Per-call options. */
export interface RequestOptions {
  /**
   * Aborts the call (e.g. the Lambda is about to run out of time). An abort by this signal
   * rejects with the signal's reason, not with a LinkedIn error: the caller chose to stop.
   */
  signal?: AbortSignal;
}

/** Where a contracts walk stands, after each page. */
export interface ContractsProgress {
  /** Pages answered so far. */
  pages: number;
  /** Distinct contracts found so far. */
  contracts: number;
  /** The server's `paging.total`, when it sends one. */
  total?: number;
}

export interface ListContractsOptions extends RequestOptions {
  /** Called after every page (e.g. to log progress of a long walk); must not throw. */
  onPage?: (progress: ContractsProgress) => void;
}

interface Call<T> {
  method: 'GET' | 'POST';
  /** Path under the base URL, without a leading slash. */
  path: string;
  query: Record<string, string>;
  body?: unknown;
  schema: z.ZodMiniType<T>;
  /** Named in a 403's message. */
  contract?: string;
  signal?: AbortSignal;
}

/** One answer that a repeat of the same request may cure. */
interface Unusable {
  ok: false;
  context: LinkedInErrorContext;
  problem: string;
}

/**
 * LinkedIn's request-tracing headers, kept on errors for support tickets; redacted like the body,
 * as a gateway that echoes the Authorization header may do it anywhere.
 */
const tracingHeaders = (headers: Headers, token: string): Pick<LinkedInErrorContext, 'liUuid' | 'liRequestId'> => {
  const safe = (value: string | null) => (value === null ? undefined : redactToken(value, token));
  return { liUuid: safe(headers.get('x-li-uuid')), liRequestId: safe(headers.get('x-li-request-id')) };
};

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** zod issues as `path: message`, which name fields and types but never quote values. */
const describeIssues = (error: z.core.$ZodError): string =>
  error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');

/** A body that does not parse, in words that never quote it (it may hold a downloadUrl). */
const notJson = (response: Response, text: string): string => {
  if (text.trim().length === 0) return 'body is empty';
  const html = /html/i.test(response.headers.get('content-type') ?? '') || /^\s*<(?:!doctype|html|head|body)\b/i.test(text);
  return html
    ? `body is an HTML page, not JSON (${text.length} chars): a proxy or gateway answered?`
    : `body is not JSON (${text.length} chars)`;
};

/**
 * `ECONNREFUSED`, `ENOTFOUND`…: the useful part of undici's "fetch failed". Duck-typed, as the
 * error may come from another realm (a test VM context), where `instanceof Error` is false.
 */
const networkDetail = (error: unknown): string => {
  const { cause, message } = (error ?? {}) as { cause?: { code?: unknown; message?: unknown }; message?: unknown };
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return typeof message === 'string' ? message : String(error);
};

/**
 * Talks to LinkedIn's Sales Navigator Analytics export API.
 *
 * @example
 * const client = new LinkedInClient({ token: () => getLinkedInToken(config) });
 * const { id } = await client.createExportJob('activity', 'urn:li:contract:123456', startAt, endAt);
 * const job = await client.getExportJob(id, 'urn:li:contract:123456');
 */
export class LinkedInClient {
  private readonly baseUrl: string;
  private readonly token: () => Promise<string>;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly fetch: typeof fetch;
  private readonly contractsPageSize: number;
  private readonly maxContracts: number;
  private readonly contractsBudgetMs: number;
  private readonly readRetryDelaysMs: readonly number[];
  private readonly readRetryBudgetMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;

  constructor(options: LinkedInClientOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_LINKEDIN_API_URL).replace(/\/+$/, '');
    const { token } = options;
    this.token = typeof token === 'string' ? () => Promise.resolve(token) : token;
    this.authorization = options.authorization;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetch = options.fetch ?? globalThis.fetch;
    this.contractsPageSize = options.contractsPageSize ?? DEFAULT_CONTRACTS_PAGE_SIZE;
    this.maxContracts = options.maxContracts ?? DEFAULT_MAX_CONTRACTS;
    this.contractsBudgetMs = options.contractsBudgetMs ?? DEFAULT_CONTRACTS_BUDGET_MS;
    this.readRetryDelaysMs = options.readRetryDelaysMs ?? DEFAULT_READ_RETRY_DELAYS_MS;
    this.readRetryBudgetMs = options.readRetryBudgetMs ?? DEFAULT_READ_RETRY_BUDGET_MS;
    this.sleep = options.sleep ?? sleep;
    this.now = options.now ?? Date.now;
  }

  /**
   * Starts an export: `POST salesAnalyticsExportJobs?action=<action>` with `{contract, startAt, endAt}`.
   *
   * @param exportType the friendly type, mapped to LinkedIn's action (export-types.ts)
   * @param contract contract URN, e.g. `urn:li:contract:123456`
   * @param startAt window start, epoch ms
   * @param endAt window end, epoch ms
   * @returns the new job's id and status (normally ENQUEUED), from the `value` envelope of any 2xx
   */
  async createExportJob(
    exportType: ExportType,
    contract: string,
    startAt: number,
    endAt: number,
    options: RequestOptions = {},
  ): Promise<CreatedExportJob> {
    const response = await this.call({
      method: 'POST',
      path: 'salesAnalyticsExportJobs',
      query: { action: actionOf(exportType) },
      body: { contract, startAt, endAt },
      schema: createExportJobResponseSchema,
      contract,
      signal: options.signal,
    });
    return { id: response.value.id, status: response.value.status };
  }

  /**
   * The job's current state: `GET salesAnalyticsExportJobs/{id}?contract=<urn>`.
   *
   * @param id the job id returned by {@link createExportJob}
   * @param contract the contract that created the job (URL-encoded on the wire)
   * @returns the validated job; `expireAt` in epoch ms, optional fields absent or null
   */
  async getExportJob(id: number, contract: string, options: RequestOptions = {}): Promise<ExportJob> {
    return this.call({
      method: 'GET',
      path: `salesAnalyticsExportJobs/${encodeURIComponent(String(id))}`,
      query: { contract },
      schema: exportJobSchema,
      contract,
      signal: options.signal,
    });
  }

  /**
   * Every contract the token's member has a seat on (`GET salesContracts?q=contractsByMember`),
   * following `start`/`count` paging (docs/linkedin-api.md §4.1). The walk ends at a short page
   * (shorter than the server's own `paging.count`, which wins over the asked one), at a page that
   * adds no new contract (a server that ignores `start`), or once `paging.total` contracts are
   * found, when the server sends a `total` above 0 (a 0 beside contracts is not believed).
   *
   * No page count bounds it; a server that never ends fails with LinkedInProtocolError after
   * `maxContracts` contracts (or at once when its `paging.total` is above that), or when the
   * `contractsBudgetMs` time budget runs out, the request in flight included.
   */
  async listContracts(options: ListContractsOptions = {}): Promise<Contract[]> {
    const found = new Map<string, Contract>();
    const started = this.now();
    const budget = new AbortController();
    const timer = setTimeout(() => budget.abort(), this.contractsBudgetMs);
    timer.unref?.();
    const signal = options.signal ? AbortSignal.any([options.signal, budget.signal]) : budget.signal;
    let pages = 0;
    let start = 0;
    let total: number | undefined;
    const read = (): string =>
      `${pages} ${pages === 1 ? 'page' : 'pages'} read, ${found.size} ${found.size === 1 ? 'contract' : 'contracts'} found` +
      (total === undefined ? '' : ` of the ${total} in paging.total`);
    const outOfTime = (request: string, cause?: unknown): LinkedInProtocolError =>
      new LinkedInProtocolError(
        { request, cause },
        `the contracts finder was still paging when the ${this.contractsBudgetMs} ms budget ran out: ${read()}`,
      );
    try {
      for (;;) {
        const query = { q: 'contractsByMember', start: String(start), count: String(this.contractsPageSize) };
        const request = `GET salesContracts?${decodeURIComponent(new URLSearchParams(query).toString())}`;
        if (this.now() - started >= this.contractsBudgetMs) throw outOfTime(request);
        let page: z.infer<typeof contractsPageSchema>;
        try {
          page = await this.call({ method: 'GET', path: 'salesContracts', query, schema: contractsPageSchema, signal });
        } catch (error) {
          // The budget's abort, not the caller's: say so instead of rethrowing a bare AbortError.
          if (budget.signal.aborted && !options.signal?.aborted) throw outOfTime(request, error);
          throw error;
        }
        const { elements, paging } = page;
        pages += 1;
        const before = found.size;
        for (const contract of elements) found.set(contract.contract, contract);
        if (paging?.total) total = paging.total;
        if (found.size > this.maxContracts || (total ?? 0) > this.maxContracts) {
          throw new LinkedInProtocolError(
            { request },
            `the contracts finder lists more than ${this.maxContracts} contracts (${read()}): far more than any partner has, so the server is taken to be looping`,
          );
        }
        options.onPage?.({ pages, contracts: found.size, total });
        // The server's own count wins: it may cap the page size below what was asked.
        const pageSize = paging?.count || this.contractsPageSize;
        const reachedTotal = total !== undefined && found.size >= total;
        if (elements.length < pageSize || found.size === before || reachedTotal) return [...found.values()];
        start = (paging?.start ?? start) + elements.length;
      }
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Sends `call`, and sends a GET again after an unusable answer (see the module comment).
   * @throws LinkedInProtocolError naming how many attempts were made
   */
  private async call<T>(call: Call<T>): Promise<T> {
    // Only a GET is safe to repeat: the create's POST may have started a job already.
    const delays = call.method === 'GET' ? this.readRetryDelaysMs : [];
    const started = this.now();
    for (let made = 1; ; made += 1) {
      const answer = await this.send(call);
      if (answer.ok) return answer.value;
      const delay = delays[made - 1];
      const inBudget = delay !== undefined && this.now() - started + delay <= this.readRetryBudgetMs;
      if (delay === undefined || !inBudget) {
        const stoppedBecause =
          call.method !== 'GET'
            ? 'A create is never sent twice: a second one could start a second LinkedIn job.'
            : delay !== undefined
              ? `No further attempt: the ${this.readRetryBudgetMs} ms retry budget is spent.`
              : undefined;
        throw new LinkedInProtocolError(answer.context, answer.problem, { made, stoppedBecause });
      }
      await this.sleep(delay, call.signal);
      // An injected sleep may ignore the signal; the caller's abort still wins.
      if (call.signal?.aborted) throw call.signal.reason;
    }
  }

  /** One request: its validated body, an unusable 2xx answer, or a thrown LinkedInError. */
  private async send<T>(call: Call<T>): Promise<{ ok: true; value: T } | Unusable> {
    const query = new URLSearchParams(call.query);
    // Readable and free of secrets: the resource and its parameters, no host, no token.
    const request = `${call.method} ${call.path}?${decodeURIComponent(query.toString())}`;
    const token = (await this.token()).trim();
    if (token.length === 0) {
      throw new LinkedInAuthError({ request, authorization: this.authorization }, 'No LinkedIn access token to send');
    }

    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = call.signal ? AbortSignal.any([timeout, call.signal]) : timeout;
    const headers: Record<string, string> = {
      Authorization: `Bearer ${token}`,
      'X-Restli-Protocol-Version': '2.0.0',
      Accept: 'application/json',
    };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';

    let response: Response;
    let text: string;
    try {
      response = await this.fetch(`${this.baseUrl}/${call.path}?${query}`, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        // The bearer token must not follow a redirect to another host; the API never redirects.
        redirect: 'manual',
        signal,
      });
      // Read inside the try: the timeout and connection drops also apply to the body.
      text = await response.text();
    } catch (error) {
      if (call.signal?.aborted) throw call.signal.reason;
      if (timeout.aborted) {
        throw new LinkedInUnavailable({ request, cause: error }, { kind: 'timeout', timeoutMs: this.timeoutMs });
      }
      throw new LinkedInUnavailable({ request, cause: error }, { kind: 'network', detail: networkDetail(error) });
    }

    const context: LinkedInErrorContext = {
      request,
      httpStatus: response.status,
      authorization: this.authorization,
      ...tracingHeaders(response.headers, token),
    };
    if (response.status < 200 || response.status > 299) {
      throw this.failure({ ...context, httpStatus: response.status }, text, token, call.contract);
    }
    const json = parseJson(text);
    if (!json.ok) return { ok: false, context, problem: notJson(response, text) };
    const parsed = call.schema.safeParse(json.value);
    if (!parsed.success) {
      return { ok: false, context, problem: `body does not match the schema: ${describeIssues(parsed.error)}` };
    }
    return { ok: true, value: parsed.data };
  }

  /** The error for a non-2xx answer, keeping LinkedIn's error body when there is one. */
  private failure(
    context: LinkedInErrorContext & { httpStatus: number },
    text: string,
    token: string,
    contract: string | undefined,
  ): LinkedInError {
    const json = parseJson(text);
    const body = json.ok ? linkedInErrorBodySchema.safeParse(json.value) : undefined;
    const linkedIn: LinkedInErrorBody | undefined = body?.success
      ? { ...body.data, message: redactToken(body.data.message, token) }
      : undefined;
    return linkedInErrorForStatus({ ...context, linkedIn }, contract);
  }
}
