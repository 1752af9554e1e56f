/**
 * The redirect target of `npm run cli -- authorize`: a one-shot HTTP listener on the loopback
 * interface that receives LinkedIn's redirect (`?code=…&state=…`, or `?error=…`) from the
 * member's browser (docs/tokens.md, "Authorizing"; docs/linkedin-api.md §9).
 *
 * It binds 127.0.0.1 only: the authorization code must not be reachable from the network. It
 * answers exactly one request to the callback path; anything else (a favicon) is a 404 that does
 * not count. The `state` is checked before anything else is believed: a redirect that does not
 * carry ours may be forged (RFC 6749 §10.12), so it ends the command with nothing stored.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AuthorizeError } from './errors';

/** The only interface the listener binds. */
export const LOOPBACK_HOST = '127.0.0.1';

export interface CallbackListenerOptions {
  /** 0 picks a free port (the simulator only: LinkedIn needs the registered redirect URL exactly). */
  port: number;
  /** `/callback` */
  path: string;
  /** The `state` sent in the authorization URL. */
  state: string;
}

export interface CallbackListener {
  /** The port listened on (the one asked for, or the free one picked for 0). */
  readonly port: number;
  /**
   * The authorization code, once the one callback request came and its answer went out; rejects
   * with AuthorizeError when that request carried another state, an error, or no code.
   */
  readonly code: Promise<string>;
  /** Stops listening and drops every open connection (a browser keeps some alive). */
  close(): Promise<void>;
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * The page the browser shows. No-referrer and no-store: the URL it answers holds the code, which
 * must go neither into another site's Referer nor into a cache.
 */
const answer = (res: ServerResponse, status: number, title: string, detail: string): void => {
  const html = `<!doctype html><meta charset="utf-8"><title>${escapeHtml(title)}</title><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p>\n`;
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(html),
    'Cache-Control': 'no-store',
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'none'",
    Connection: 'close',
  });
  res.end(html);
};

/** Constant-time: how much of the state matched must not show in the answer's timing. */
export const sameState = (given: string | null, expected: string): boolean => {
  if (given === null) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

/** What one request to the callback path means. */
type Verdict = { ok: true; code: string } | { ok: false; status: number; title: string; detail: string; error: AuthorizeError };

/** Reads LinkedIn's redirect (docs/linkedin-api.md §9). Pure, so every branch is testable without a socket. */
export const judgeCallback = (query: URLSearchParams, state: string): Verdict => {
  if (!sameState(query.get('state'), state)) {
    return {
      ok: false,
      status: 400,
      title: 'Authorization refused',
      detail: 'This answer does not carry the state this command sent. Nothing was stored; run the command again.',
      error: new AuthorizeError('state did not match: possible CSRF; nothing stored'),
    };
  }
  const error = query.get('error');
  if (error !== null) {
    // LinkedIn's description is shown and reported: it says why in the member's own words
    // ("The user cancelled the authorization"); it never holds a secret.
    const description = (query.get('error_description') ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
    return {
      ok: false,
      status: 200,
      title: 'Authorization not given',
      detail: `LinkedIn answered ${error}${description ? `: ${description}` : ''}. Nothing was stored.`,
      error: new AuthorizeError(`LinkedIn answered ${error}${description ? `: ${description}` : ''}; nothing stored`),
    };
  }
  const code = query.get('code');
  if (!code) {
    return {
      ok: false,
      status: 400,
      title: 'Authorization incomplete',
      detail: 'The answer carries neither a code nor an error. Nothing was stored.',
      error: new AuthorizeError('LinkedIn redirected without a code or an error; nothing stored'),
    };
  }
  return { ok: true, code };
};

/**
 * Listens on 127.0.0.1:`port` for LinkedIn's redirect.
 *
 * @throws AuthorizeError when the port cannot be bound (in use, not permitted)
 */
export const listenForCallback = async (options: CallbackListenerOptions): Promise<CallbackListener> => {
  let answered = false;
  let settle!: (outcome: { code: string } | { error: AuthorizeError }) => void;
  const outcome = new Promise<{ code: string } | { error: AuthorizeError }>((resolve) => {
    settle = resolve;
  });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}`);
    if (url.pathname !== options.path) return answer(res, 404, 'Not found', 'Nothing here.');
    if (req.method !== 'GET') return answer(res, 405, 'Method not allowed', 'LinkedIn redirects with GET.');
    if (answered) return answer(res, 409, 'Already answered', 'This authorization was already answered; see the terminal.');
    answered = true;
    const verdict = judgeCallback(url.searchParams, options.state);
    // Settled once the page is out (or the browser went away): the command closes the listener
    // next, and closing earlier would cut the page off.
    res.once('close', () => settle(verdict.ok ? { code: verdict.code } : { error: verdict.error }));
    if (verdict.ok) answer(res, 200, 'Authorized', 'LinkedIn authorized the app. You can close this tab and go back to the terminal.');
    else answer(res, verdict.status, verdict.title, verdict.detail);
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why =
        error.code === 'EADDRINUSE'
          ? 'is in use (another authorize still waiting?)'
          : `cannot be listened on (${error.code ?? error.message})`;
      reject(
        new AuthorizeError(
          `port ${options.port} on ${LOOPBACK_HOST} ${why}: free it, or pass --port N with a redirect URL http://${LOOPBACK_HOST}:N${options.path} registered for the app; nothing stored`,
        ),
      );
    });
    server.listen(options.port, LOOPBACK_HOST, () => resolve((server.address() as AddressInfo).port));
  });

  return {
    port,
    code: outcome.then((result) => {
      if ('error' in result) throw result.error;
      return result.code;
    }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
};
