/**
 * The typed errors of the LinkedIn client. Their `name`s come from error-names.ts because
 * Step Functions matches Retry/Catch on them: throttled and unavailable are retried with
 * backoff, the others fail the execution with a message that says what to fix.
 *
 * What an error keeps: the HTTP status, LinkedIn's error body `{message, serviceErrorCode,
 * status}`, the `x-li-uuid` / `x-li-request-id` headers LinkedIn support asks for, and the
 * request line (method and resource, no host). What it never keeps: the access token, a
 * `downloadUrl`, or any raw response body.
 */
import { ERROR_NAMES, NamedError, type ErrorName } from '../contract/error-names';
import { MAX_JOB_DAYS } from '../contract/linkedin-limits';
import { AUTHORIZE_COMMAND, DEFAULT_AUTHORIZATION } from '../tokens/authorization';
import type { LinkedInErrorBody } from './schemas';

/** Everything known about a failed LinkedIn call. */
export interface LinkedInErrorContext {
  /** `METHOD resource`, e.g. `GET salesAnalyticsExportJobs/123?contract=urn:li:contract:1`. */
  request?: string;
  httpStatus?: number;
  /** LinkedIn's error body, when the response carried one. */
  linkedIn?: LinkedInErrorBody;
  liUuid?: string;
  liRequestId?: string;
  /** The authorization whose token the call used (never the token), named in a 401's advice. */
  authorization?: string;
  cause?: unknown;
}

/** LinkedIn messages are echoed to operators: keep them one short line. */
const MAX_ECHOED_CHARS = 300;

const oneLine = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_ECHOED_CHARS ? `${flat.slice(0, MAX_ECHOED_CHARS)}…` : flat;
};

/** `(429, serviceErrorCode 101)` */
const statusPart = (context: LinkedInErrorContext): string => {
  const parts: string[] = [];
  if (context.httpStatus !== undefined) parts.push(String(context.httpStatus));
  if (context.linkedIn?.serviceErrorCode !== undefined) {
    parts.push(`serviceErrorCode ${context.linkedIn.serviceErrorCode}`);
  }
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
};

const requestPart = (context: LinkedInErrorContext): string => (context.request ? ` on ${context.request}` : '');

const saidPart = (context: LinkedInErrorContext): string => (context.linkedIn?.message ? `: "${oneLine(context.linkedIn.message)}"` : '');

const idsPart = (context: LinkedInErrorContext): string => {
  const ids: string[] = [];
  if (context.liUuid) ids.push(`x-li-uuid ${context.liUuid}`);
  if (context.liRequestId) ids.push(`x-li-request-id ${context.liRequestId}`);
  return ids.length > 0 ? ` [${ids.join(', ')}]` : '';
};

/** `<what happened> (<status>) on <request>: "<LinkedIn's message>". <what to do> [ids]` */
const compose = (what: string, context: LinkedInErrorContext, advice: string): string =>
  `${what}${statusPart(context)}${requestPart(context)}${saidPart(context)}. ${advice}${idsPart(context)}`;

/** Base of every error the LinkedIn client throws. */
export abstract class LinkedInError extends NamedError {
  readonly request?: string;
  readonly httpStatus?: number;
  readonly linkedIn?: LinkedInErrorBody;
  readonly liUuid?: string;
  readonly liRequestId?: string;

  protected constructor(name: ErrorName, message: string, context: LinkedInErrorContext) {
    super(name, message, context.cause === undefined ? undefined : { cause: context.cause });
    this.request = context.request;
    this.httpStatus = context.httpStatus;
    this.linkedIn = context.linkedIn;
    this.liUuid = context.liUuid;
    this.liRequestId = context.liRequestId;
  }

  /** What logs and serialisers see: the safe fields only (never `cause`, never a body). */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      request: this.request,
      httpStatus: this.httpStatus,
      linkedIn: this.linkedIn,
      liUuid: this.liUuid,
      liRequestId: this.liRequestId,
    };
  }
}

/** 429: LinkedIn's per-application or per-member limit. Retried with backoff. */
export class LinkedInThrottled extends LinkedInError {
  constructor(context: LinkedInErrorContext) {
    super(
      ERROR_NAMES.throttled,
      compose('LinkedIn throttled the request', context, 'Retried with backoff; daily limits reset at 00:00 UTC.'),
      context,
    );
  }
}

/** Why LinkedIn is considered unavailable. */
export type UnavailableReason = { kind: 'http' } | { kind: 'timeout'; timeoutMs: number } | { kind: 'network'; detail: string };

/** 5xx, 408, a network error or a timeout: transient, retried with backoff. */
export class LinkedInUnavailable extends LinkedInError {
  readonly reason: UnavailableReason['kind'];

  constructor(context: LinkedInErrorContext, reason: UnavailableReason = { kind: 'http' }) {
    super(ERROR_NAMES.unavailable, LinkedInUnavailable.describe(context, reason), context);
    this.reason = reason.kind;
  }

  private static describe(context: LinkedInErrorContext, reason: UnavailableReason): string {
    const advice = 'Transient: retried with backoff.';
    switch (reason.kind) {
      case 'timeout':
        return compose(
          `LinkedIn did not answer within ${reason.timeoutMs} ms`,
          context,
          `${advice} Raise LINKEDIN_TIMEOUT_MS if it keeps happening.`,
        );
      case 'network':
        return compose(`Could not reach LinkedIn (${oneLine(reason.detail)})`, context, advice);
      case 'http':
        return compose('LinkedIn is unavailable', context, advice);
    }
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), reason: this.reason };
  }
}

/** Where every authorization's figures are, after a problem that already names its fix. */
const TOKENS_ADVICE = "See every authorization's days left with npm run cli -- tokens (docs/tokens.md)";

/** What fixes a 401, naming the authorization's own command (docs/tokens.md). */
const authAdvice = (authorization: string | undefined): string => {
  const named = authorization !== undefined && authorization !== DEFAULT_AUTHORIZATION;
  return (
    `The token is missing, invalid, revoked or expired (LinkedIn tokens live 60 days): renew ${named ? `authorization "${authorization}"` : 'the authorization'} with ` +
    `${AUTHORIZE_COMMAND}${named ? ` --name ${authorization}` : ''}, and see every authorization's days left with npm run cli -- tokens (docs/tokens.md)`
  );
};

/** 401, or a token unusable before any call (expired, revoked, never put). Not retried. */
export class LinkedInAuthError extends LinkedInError {
  /**
   * @param context the failed call; without `httpStatus` the token was unusable before any call
   * @param problem replaces "LinkedIn rejected the access token" when the token never reached LinkedIn
   */
  constructor(context: LinkedInErrorContext, problem?: string) {
    // A token unusable before any call comes with its own fix in `problem`; LinkedIn's 401 does not.
    const advice = problem === undefined ? authAdvice(context.authorization) : TOKENS_ADVICE;
    super(ERROR_NAMES.auth, compose((problem ?? 'LinkedIn rejected the access token').replace(/\.$/, ''), context, advice), context);
  }
}

/** 403: the member behind the token has no reporting access (on `contract`, when known). */
export class LinkedInForbidden extends LinkedInError {
  readonly contract?: string;

  constructor(context: LinkedInErrorContext, contract?: string) {
    super(
      ERROR_NAMES.forbidden,
      contract
        ? compose(
            `LinkedIn refused access to contract ${contract}`,
            context,
            `Contract ${contract} lacks reporting access for the member who authorised the token: ` +
              'give that member the reporting or admin role on it in Sales Navigator ' +
              '(Advanced and Advanced Plus contracts only), or remove it from CONTRACTS.',
          )
        : compose(
            'LinkedIn refused the request',
            context,
            'The token lacks permission: it needs the r_sales_nav_analytics scope of an approved ' +
              'Sales Navigator Application Platform app.',
          ),
      context,
    );
    this.contract = contract;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), contract: this.contract };
  }
}

/** 400 and the other 4xx a correct client should never cause (405, 411, 414, 422…). */
export class LinkedInBadRequest extends LinkedInError {
  constructor(context: LinkedInErrorContext) {
    super(
      ERROR_NAMES.badRequest,
      compose(
        'LinkedIn rejected the request as invalid',
        context,
        `Check the window (epoch ms, start before end, at most ${MAX_JOB_DAYS} days), the contract URN and the ` +
          'export type; retrying the same request will not help.',
      ),
      context,
    );
  }
}

/** 404 / 410: an unknown job, a job of another contract, or one past its 7-day retention. */
export class LinkedInNotFound extends LinkedInError {
  constructor(context: LinkedInErrorContext) {
    super(
      ERROR_NAMES.notFound,
      compose('LinkedIn found nothing', context, 'An export job is visible only with the contract that created it, and for 7 days.'),
      context,
    );
  }
}

/** How often a request was sent before its answer was given up on. */
export interface ProtocolAttempts {
  made: number;
  /** Why no further attempt was made, when the count alone does not say it. */
  stoppedBecause?: string;
}

/** A response this client cannot trust: not JSON, schema-violating, or an unexpected status. */
export class LinkedInProtocolError extends LinkedInError {
  /** How many times the request was sent (absent when the problem is not one answer's body). */
  readonly attempts?: number;

  /**
   * @param problem what was wrong, in words that never quote the body (it may hold a downloadUrl)
   * @param attempts how often the request was sent, when the client repeats it for such answers
   */
  constructor(context: LinkedInErrorContext, problem: string, attempts?: ProtocolAttempts) {
    const tries = attempts ? ` after ${attempts.made} ${attempts.made === 1 ? 'attempt' : 'attempts'}` : '';
    const stopped = attempts?.stoppedBecause ? `${attempts.stoppedBecause} ` : '';
    super(
      ERROR_NAMES.protocol,
      compose(
        `LinkedIn sent an unusable response${tries} (${oneLine(problem)})`,
        context,
        `${stopped}The API may have changed or a proxy answered instead; the workflow does not retry this error.`,
      ),
      context,
    );
    this.attempts = attempts?.made;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), attempts: this.attempts };
  }
}

/**
 * The error for a non-2xx HTTP answer.
 *
 * @param context the call and what LinkedIn answered (`httpStatus` is required here)
 * @param contract the contract the call was about, named in a 403's message
 */
export const linkedInErrorForStatus = (context: LinkedInErrorContext & { httpStatus: number }, contract?: string): LinkedInError => {
  const status = context.httpStatus;
  if (status === 401) return new LinkedInAuthError(context);
  if (status === 403) return new LinkedInForbidden(context, contract);
  if (status === 404 || status === 410) return new LinkedInNotFound(context);
  if (status === 429) return new LinkedInThrottled(context);
  // 408 Request Timeout is the server giving up on a slow request: as transient as a 504.
  if (status === 408 || (status >= 500 && status <= 599)) return new LinkedInUnavailable(context);
  if (status >= 400 && status <= 499) return new LinkedInBadRequest(context);
  return new LinkedInProtocolError(context, `unexpected HTTP status ${status}`);
};
