/**
 * Opens the export's download with the guard rails the copy relies on:
 * - only origins (scheme, host and port) on the allowlist: a bare host name `h` there means
 *   `https://h:443`, a `host:port` means `https://host:port`, and a full origin such as
 *   `http://127.0.0.1:43567` means exactly that. Plain `http` is allowed only to a loopback host,
 *   only when its origin is listed as such, and only when the local runner asks for it
 *   (`allowHttpLoopback`); a port is never implied by a host name, so no other service on the same
 *   machine is reachable through a downloadUrl;
 * - redirects are followed by hand (`redirect: 'manual'`), at most {@link MAX_REDIRECTS}, and every
 *   hop is checked against the same rules before anything is sent to it;
 * - the LinkedIn bearer token goes only to LinkedIn's own origins (https, port 443) that the
 *   allowlist admits, re-decided per hop (docs/linkedin-api.md §7: whether the download needs it
 *   is unconfirmed, and sending it to LinkedIn costs nothing, but it must never follow a redirect
 *   elsewhere);
 * - 403/410 mean "this URL has expired": the caller GETs the job for a fresh one;
 * - a usable Content-Length is required: it is the only proof that the bytes received are the
 *   whole file (a dropped connection and a finished download otherwise look the same).
 *
 * The download URL is a bearer credential for the file (valid for an hour): it never appears in an
 * error message or a log line. Messages name "the download URL for job <id>" and at most an origin.
 */
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { ERROR_NAMES, NamedError } from '../contract/error-names';

/** Redirect hops followed before giving up. */
export const MAX_REDIRECTS = 3;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', '[::1]', 'localhost']);
const EXPIRED_STATUSES = new Set([403, 410]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Which URLs the download may touch. */
export interface DownloadPolicy {
  /**
   * Allowed origins. A bare host name (exact, case-insensitive), e.g. `www.linkedin.com`, means
   * `https://www.linkedin.com:443`; `host:port` means https on that port; `scheme://host:port`
   * is that origin exactly. An entry that is none of these never matches.
   */
  allowedHosts: readonly string[];
  /** Local runner only: allow plain http to a loopback origin that is in the allowlist. */
  allowHttpLoopback: boolean;
}

export interface OpenDownloadOptions extends DownloadPolicy {
  /** Used in messages instead of the URL. */
  jobId: number;
  signal: AbortSignal;
  /** `Authorization` header value for LinkedIn's origins (`Bearer …`), if any. */
  authorization?: () => Promise<string | undefined>;
  maxRedirects?: number;
}

/** The download answered with its body. */
export interface OpenedDownload {
  kind: 'body';
  body: Readable;
  /** The announced size in bytes: the copy must see exactly this many. */
  contentLength: number;
  /** Any Content-Encoding the server applied despite `Accept-Encoding: identity`. */
  contentEncoding?: string;
}

/** The URL is no longer valid (403/410): GET the job for a fresh one. */
export interface ExpiredDownload {
  kind: 'expired';
  status: number;
}

export type DownloadResponse = OpenedDownload | ExpiredDownload;

const describeUrl = (jobId: number): string => `the download URL for job ${jobId}`;

/** `scheme://host[:port]` and nothing else: no path, query or credentials (an IPv6 host in brackets). */
const ORIGIN_SHAPE = /^https?:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:[0-9]{1,5})?$/;

/**
 * The origin an allowlist entry stands for, as `URL.origin` writes it (a scheme's default port
 * omitted): `https://h` for a bare host `h`, `https://h:8443` for `h:8443`, the entry itself for
 * `http(s)://host[:port]`. An entry with a path, query, credentials or another scheme is not an
 * origin and yields undefined, so it matches nothing rather than more than it says.
 */
export const allowedOrigin = (entry: string): string | undefined => {
  const written = entry.trim().toLowerCase().replace(/\/$/, '');
  const withScheme = written.includes('://') ? written : `https://${written}`;
  if (!ORIGIN_SHAPE.test(withScheme)) return undefined;
  try {
    return new URL(withScheme).origin;
  } catch {
    return undefined; // e.g. a port above 65535
  }
};

/**
 * Checks one URL (the first or a redirect target) against the policy and returns it parsed.
 * @throws NamedError `DownloadHostNotAllowed` naming the scheme and origin, never the URL.
 */
export const assertDownloadUrlAllowed = (raw: string, policy: DownloadPolicy, jobId: number): URL => {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new NamedError(ERROR_NAMES.hostNotAllowed, `${describeUrl(jobId)} is not a valid absolute URL`);
  }
  const host = url.hostname.toLowerCase();
  const httpAllowed = policy.allowHttpLoopback && LOOPBACK_HOSTS.has(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && httpAllowed)) {
    throw new NamedError(
      ERROR_NAMES.hostNotAllowed,
      `${describeUrl(jobId)} uses ${url.protocol.replace(':', '')} to "${host}"; downloads must use https` +
        (policy.allowHttpLoopback ? ' (plain http is allowed to listed loopback origins only)' : ''),
    );
  }
  const origins = policy.allowedHosts.map(allowedOrigin).filter((origin): origin is string => origin !== undefined);
  // `URL.origin` omits a scheme's default port, so `https://h:443/` and an entry `h` agree.
  if (!origins.includes(url.origin)) {
    throw new NamedError(
      ERROR_NAMES.hostNotAllowed,
      `${describeUrl(jobId)} points to "${url.origin}" (host "${host}"), which is not an allowed download origin ` +
        `(${origins.join(', ') || 'none'}; a host name allows https on port 443 only)`,
    );
  }
  if (url.username || url.password) {
    throw new NamedError(ERROR_NAMES.hostNotAllowed, `${describeUrl(jobId)} carries user credentials, which is not allowed`);
  }
  return url;
};

/**
 * The bearer token goes to LinkedIn's own origins only: https on the default port, to
 * `linkedin.com` or one of its subdomains. Callers check the allowlist first.
 */
export const isLinkedInOrigin = (url: URL): boolean => {
  const host = url.hostname.toLowerCase();
  return url.protocol === 'https:' && url.port === '' && (host === 'linkedin.com' || host.endsWith('.linkedin.com'));
};

/**
 * Parses a Content-Length header strictly: digits only, a safe integer.
 * @returns the length, or undefined when the header is absent or unusable.
 */
export const parseContentLength = (header: string | null): number | undefined => {
  if (header === null || !/^[0-9]{1,16}$/.test(header.trim())) return undefined;
  const value = Number(header.trim());
  return Number.isSafeInteger(value) ? value : undefined;
};

/**
 * Opens the download and returns its body stream, or `expired` for 403/410.
 *
 * @throws NamedError `DownloadHostNotAllowed` (first URL or a redirect outside the policy),
 *   `TooManyRedirects`, `DownloadFailed` (any other answer, or no connection),
 *   `ContentLengthMismatch` (no usable Content-Length). An abort of `signal` rejects with the
 *   platform's AbortError, which the caller maps to its own deadline error.
 */
export const openDownload = async (downloadUrl: string, options: OpenDownloadOptions): Promise<DownloadResponse> => {
  const maxRedirects = options.maxRedirects ?? MAX_REDIRECTS;
  let url = assertDownloadUrlAllowed(downloadUrl, options, options.jobId);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', accept: 'text/csv, */*' };
    if (isLinkedInOrigin(url) && options.authorization) {
      const value = await options.authorization();
      if (value) headers.authorization = value;
    }
    let response: Response;
    try {
      response = await fetch(url, { redirect: 'manual', headers, signal: options.signal });
    } catch (error) {
      if (options.signal.aborted) throw error;
      // undici's messages and causes carry addresses, not the URL, but only the code is kept.
      throw new NamedError(
        ERROR_NAMES.downloadFailed,
        `Could not connect to ${describeUrl(options.jobId)} (host "${url.hostname}"): ${networkErrorCode(error)}`,
      );
    }

    if (REDIRECT_STATUSES.has(response.status)) {
      await discardBody(response);
      if (hop >= maxRedirects) {
        throw new NamedError(ERROR_NAMES.tooManyRedirects, `${describeUrl(options.jobId)} redirected more than ${maxRedirects} times`);
      }
      const location = response.headers.get('location');
      if (!location) {
        throw new NamedError(ERROR_NAMES.downloadFailed, `${describeUrl(options.jobId)} redirected without a Location header`);
      }
      let next: string;
      try {
        next = new URL(location, url).toString();
      } catch {
        throw new NamedError(ERROR_NAMES.downloadFailed, `${describeUrl(options.jobId)} redirected to an invalid Location`);
      }
      url = assertDownloadUrlAllowed(next, options, options.jobId);
      continue;
    }

    if (EXPIRED_STATUSES.has(response.status)) {
      await discardBody(response);
      return { kind: 'expired', status: response.status };
    }

    // 200 only: we never ask for a range, so a 206 (or a 204) would not be the whole file.
    if (response.status !== 200) {
      await discardBody(response);
      throw new NamedError(
        ERROR_NAMES.downloadFailed,
        `${describeUrl(options.jobId)} answered HTTP ${response.status} (host "${url.hostname}")`,
      );
    }

    const contentLength = parseContentLength(response.headers.get('content-length'));
    if (contentLength === undefined) {
      await discardBody(response);
      throw new NamedError(
        ERROR_NAMES.contentLength,
        `${describeUrl(options.jobId)} answered without a usable Content-Length ` +
          `(got ${JSON.stringify(response.headers.get('content-length'))}); without it the copy cannot prove the file is complete`,
      );
    }
    const encoding = response.headers.get('content-encoding')?.trim().toLowerCase();
    return {
      kind: 'body',
      body: response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([]),
      contentLength,
      ...(encoding && encoding !== 'identity' ? { contentEncoding: encoding } : {}),
    };
  }
};

const discardBody = async (response: Response): Promise<void> => {
  try {
    await response.body?.cancel();
  } catch {
    // Nothing to recover: the body is not wanted.
  }
};

/** `ECONNREFUSED`, `UND_ERR_SOCKET`, … from undici's error chain; never a message that could hold a URL. */
export const networkErrorCode = (error: unknown): string => {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return error instanceof Error ? error.name : 'unknown error';
};
