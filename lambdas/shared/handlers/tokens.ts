/**
 * The hourly token check (docs/tokens.md): reads every authorization, refreshes the named ones
 * whose access token is due (TOKEN_REFRESH_DAYS), and publishes every authorization's expiry
 * figures (contract/token-metrics.ts) so the alarms warn before a token runs out.
 *
 * The default authorization is only reported here: the token secret's rotation refreshes it
 * (rotation.ts), so two refreshers never race on one refresh token. A named one is refreshed with
 * the discipline both share (refresh.ts: refresh, then test), and committed with compare-and-set,
 * so an `authorize` that happened meanwhile wins. Names, days and dates are logged and returned;
 * tokens never are.
 */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import type { Context } from 'aws-lambda';
import type { HandlerConfig } from '../contract/runtime-config';
import { AUTHORIZATION_DIMENSION, DIMENSIONED_AUTHORIZATIONS, TOKEN_METRICS } from '../contract/token-metrics';
import { metrics } from '../powertools';
import {
  AUTHORIZE_COMMAND,
  type Authorization,
  DEFAULT_AUTHORIZATION,
  needsRefresh,
  StoredAuthorizationError,
  summarizeAuthorization,
} from '../tokens/authorization';
import type { AuthorizationReader, ConditionalAuthorizationStore, LinkedInOAuth } from '../tokens/ports';
import { refreshAuthorization, TokenRefreshError } from '../tokens/refresh';
import { MAX_AUTHORIZATION_WARNINGS, type TokenReport, tokenReport, type UnreadableAuthorization } from '../tokens/token-report';
import type { Provide } from './dependencies';
import { type HandlerOptions, type InvocationLogger, withPowertools } from './middy';
import { mapLimited } from '../map-limited';

/**
 * Named authorizations read at once. The SDK's HTTP agent keeps 50 sockets per host, so more
 * would only queue; the ledger reads use 32 for the same reason (ledger/freshness-scan.ts).
 */
export const TOKEN_READ_CONCURRENCY = 32;

/**
 * Refreshes at once: each is two calls to LinkedIn's OAuth endpoints (refresh, then introspect),
 * whose throttling LinkedIn does not document. 8 refreshes 10,000 authorizations well within the
 * Lambda's 15 minutes at LinkedIn's usual sub-second answers, without a burst it could refuse.
 */
export const REFRESH_CONCURRENCY = 8;

/**
 * No refresh starts with less than this left of the invocation: one refresh may take two OAuth
 * timeouts (30 s each, oauth-client.ts) and a write. A refresh not started waits for the next hour.
 */
export const REFRESH_TIME_MARGIN_MS = 90_000;

/** Authorizations listed in the returned summary and its log line. */
export const SOONEST_LISTED = 10;

/** What the hourly token check needs from outside. */
export interface TokensDependencies {
  readonly config: Pick<HandlerConfig, 'TOKEN_REFRESH_DAYS' | 'TOKEN_ALARM_DAYS' | 'REFRESH_TOKEN_ALARM_DAYS'>;
  /** Reads {@link DEFAULT_AUTHORIZATION} (the token secret): reported, never refreshed here. */
  readonly defaultAuthorization: AuthorizationReader;
  /** The named authorizations (the token store): reported and refreshed. */
  readonly named: ConditionalAuthorizationStore;
  /**
   * LinkedIn's OAuth endpoints with the app's credentials, asked only when a refresh is due.
   * Undefined: no credentials here (refreshes are skipped with a warning, the report still runs);
   * a rejection: credentials that cannot be read (the due refreshes fail, and are counted so).
   */
  readonly oauth: () => Promise<LinkedInOAuth | undefined>;
  /** Epoch ms. */
  readonly now: () => number;
}

/** EventBridge Scheduler's input, or a console test's `{}`: nothing in it changes what is done. */
export const tokensEventSchema = z.nullish(z.looseObject({}));

export interface TokensResult {
  /** Authorizations read, unreadable ones included. */
  checked: number;
  refreshed: number;
  refreshFailed: number;
  /** Due, but not attempted this hour: no app credentials here, or too little time left. */
  refreshPostponed: number;
  unusable: number;
  /** The soonest to expire, soonest first (names and days only). */
  soonest: Array<{ name: string; tokenDaysRemaining: number | null; refreshTokenDaysRemaining: number | null }>;
}

/** One stored authorization as read: a record and its version, or why it cannot be read. */
type Read =
  | { readonly kind: 'read'; readonly authorization: Authorization; readonly version?: string }
  | { readonly kind: 'unreadable'; readonly unreadable: UnreadableAuthorization };

const unreadable = (name: string, error: StoredAuthorizationError): Read => ({
  kind: 'unreadable',
  unreadable: { name, message: error.message },
});

const readDefault = async (reader: AuthorizationReader): Promise<Read[]> => {
  try {
    const authorization = await reader.read(DEFAULT_AUTHORIZATION);
    return authorization ? [{ kind: 'read', authorization }] : [];
  } catch (error) {
    if (error instanceof StoredAuthorizationError) return [unreadable(DEFAULT_AUTHORIZATION, error)];
    throw error;
  }
};

/** One named authorization; undefined when it was deleted since the listing. */
const readNamed = async (store: ConditionalAuthorizationStore, name: string): Promise<Read | undefined> => {
  try {
    const stored = await store.readVersioned(name);
    return stored && { kind: 'read', authorization: stored.authorization, version: stored.version };
  } catch (error) {
    // One malformed object must not keep every other authorization from being refreshed.
    if (error instanceof StoredAuthorizationError) return unreadable(name, error);
    throw error;
  }
};

/** How one due refresh ended. `current` is what is stored afterwards, as far as this run knows. */
type RefreshOutcome =
  | { readonly kind: 'refreshed'; readonly current: Read }
  /** Another writer (an `authorize`) replaced the record since it was read: theirs is kept. */
  | { readonly kind: 'superseded'; readonly current: Read | undefined }
  | { readonly kind: 'failed'; readonly current: Read | undefined; readonly reason: string; readonly revoked: boolean }
  /** Not attempted: no app credentials here, or too little of the invocation left. */
  | { readonly kind: 'postponed'; readonly current: Read; readonly why: 'no-credentials' | 'time' };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Refreshes, tests and commits one due authorization; never throws for one authorization's trouble. */
const refreshOne = async (
  read: Extract<Read, { kind: 'read' }>,
  oauth: LinkedInOAuth,
  deps: TokensDependencies,
  log: InvocationLogger,
): Promise<RefreshOutcome> => {
  const { authorization: current, version = '' } = read;
  const name = current.name;
  /** What is stored now, after another writer came first; the record read when that cannot be told (reported an hour longer). */
  const theirs = async (): Promise<Read | undefined> => {
    try {
      return await readNamed(deps.named, name);
    } catch {
      return read;
    }
  };
  let candidate: Authorization;
  try {
    candidate = await refreshAuthorization(oauth, current, deps.now());
  } catch (error) {
    const revoked = error instanceof TokenRefreshError && error.revoked;
    if (!revoked) return { kind: 'failed', current: read, reason: messageOf(error), revoked };
    // Recorded so the workflow fails fast with "revoked" instead of trying a token LinkedIn refused.
    const marked: Authorization = { ...current, revokedAt: deps.now() };
    try {
      const recorded = await deps.named.writeIf(marked, version);
      return {
        kind: 'failed',
        current: recorded ? { kind: 'read', authorization: marked } : await theirs(),
        reason: messageOf(error),
        revoked,
      };
    } catch (writeError) {
      log.error('Could not record that an authorization was revoked', {
        authorization: name,
        errorName: (writeError as Error).name,
        errorMessage: messageOf(writeError),
      });
      return { kind: 'failed', current: read, reason: messageOf(error), revoked };
    }
  }
  try {
    if (await deps.named.writeIf(candidate, version)) return { kind: 'refreshed', current: { kind: 'read', authorization: candidate } };
  } catch (error) {
    return {
      kind: 'failed',
      current: read,
      reason: `the refreshed record could not be stored: ${(error as Error).name}: ${messageOf(error)}`,
      revoked: false,
    };
  }
  return { kind: 'superseded', current: await theirs() };
};

/**
 * Refreshes every due authorization, {@link REFRESH_CONCURRENCY} at a time.
 * @returns each one's outcome, by name
 */
const refreshDue = async (
  due: ReadonlyArray<Extract<Read, { kind: 'read' }>>,
  deps: TokensDependencies,
  context: Context,
  log: InvocationLogger,
): Promise<Map<string, RefreshOutcome>> => {
  const outcomes = new Map<string, RefreshOutcome>();
  if (due.length === 0) return outcomes;
  let oauth: LinkedInOAuth | undefined;
  let credentialsProblem: string | undefined;
  try {
    oauth = await deps.oauth();
  } catch (error) {
    // AppCredentialsError and ConfigError name the secret and what to do, never its value.
    credentialsProblem = `the LinkedIn app credentials could not be read: ${messageOf(error)}`;
    log.error('No refresh is possible: the LinkedIn app credentials could not be read', {
      due: due.length,
      errorName: (error as Error).name,
      errorMessage: messageOf(error),
    });
  }
  if (!oauth && !credentialsProblem) {
    log.warn(
      `${due.length} authorization(s) are due for a refresh, but no LinkedIn app credentials are configured here: none is refreshed (docs/tokens.md)`,
      { due: due.length },
    );
  }
  await mapLimited(due, REFRESH_CONCURRENCY, async (read) => {
    let outcome: RefreshOutcome;
    if (credentialsProblem) outcome = { kind: 'failed', current: read, reason: credentialsProblem, revoked: false };
    else if (!oauth) outcome = { kind: 'postponed', current: read, why: 'no-credentials' };
    else if (context.getRemainingTimeInMillis() < REFRESH_TIME_MARGIN_MS) outcome = { kind: 'postponed', current: read, why: 'time' };
    else outcome = await refreshOne(read, oauth, deps, log);
    outcomes.set(read.authorization.name, outcome);
  });
  return outcomes;
};

interface RefreshTally {
  refreshed: number;
  refreshFailed: number;
  refreshPostponed: number;
  superseded: number;
  failures: Array<{ name: string; reason: string; revoked: boolean }>;
}

/** Counts the outcomes and logs what an operator must know of them (failures capped, like the report's warnings). */
const tally = (outcomes: ReadonlyMap<string, RefreshOutcome>, log: InvocationLogger): RefreshTally => {
  const counts: RefreshTally = { refreshed: 0, refreshFailed: 0, refreshPostponed: 0, superseded: 0, failures: [] };
  let outOfTime = 0;
  for (const [name, outcome] of outcomes) {
    if (outcome.kind === 'refreshed') counts.refreshed++;
    else if (outcome.kind === 'postponed') {
      counts.refreshPostponed++;
      if (outcome.why === 'time') outOfTime++;
    } else if (outcome.kind === 'superseded') {
      counts.superseded++;
      log.info('Authorization re-authorized while it was being refreshed: the new authorization is kept', { authorization: name });
    } else {
      counts.refreshFailed++;
      counts.failures.push({ name, reason: outcome.reason, revoked: outcome.revoked });
    }
  }
  if (outOfTime > 0) {
    log.warn(`${outOfTime} due refresh(es) were not started: too little of this invocation was left; the next run does them`, {
      postponed: outOfTime,
    });
  }
  for (const failure of counts.failures.slice(0, MAX_AUTHORIZATION_WARNINGS)) {
    log.warn(
      `Refreshing LinkedIn authorization "${failure.name}" failed; its current token stays` +
        (failure.revoked
          ? `: LinkedIn refused the refresh token, the member must authorize again (${AUTHORIZE_COMMAND} --name ${failure.name})`
          : ': the next run tries again'),
      { authorization: failure.name, mustAuthorizeAgain: failure.revoked, reason: failure.reason },
    );
  }
  const more = counts.failures.length - MAX_AUTHORIZATION_WARNINGS;
  if (more > 0) log.warn(`${more} more refresh(es) failed (the first ${MAX_AUTHORIZATION_WARNINGS} are above)`, { more });
  return counts;
};

const publishPerAuthorization = (
  name: string,
  metric: string,
  unit: typeof MetricUnit.Count | typeof MetricUnit.NoUnit,
  value: number,
): void => {
  // A single metric is flushed by its addMetric, dimensions and all: one EMF line per value.
  const single = metrics.singleMetric();
  single.addDimension(AUTHORIZATION_DIMENSION, name);
  single.addMetric(metric, unit, value);
};

/** Every figure of the run (contract/token-metrics.ts). */
const publish = (report: TokenReport, counts: RefreshTally): void => {
  // Per authorization, bounded: a failure storm must not become thousands of custom metrics; the total below counts them all.
  for (const failure of counts.failures.slice(0, DIMENSIONED_AUTHORIZATIONS)) {
    publishPerAuthorization(failure.name, TOKEN_METRICS.refreshFailed, MetricUnit.Count, 1);
  }
  for (const figures of report.dimensioned) {
    if (figures.tokenDaysRemaining !== undefined) {
      publishPerAuthorization(figures.name, TOKEN_METRICS.tokenDaysRemaining, MetricUnit.NoUnit, figures.tokenDaysRemaining);
    }
    if (figures.refreshTokenDaysRemaining !== undefined) {
      publishPerAuthorization(figures.name, TOKEN_METRICS.refreshTokenDaysRemaining, MetricUnit.NoUnit, figures.refreshTokenDaysRemaining);
    }
  }
  // Without the Authorization dimension: one series each, whatever the number of authorizations.
  if (report.overall.tokenDaysRemaining !== undefined) {
    metrics.addMetric(TOKEN_METRICS.tokenDaysRemaining, MetricUnit.NoUnit, report.overall.tokenDaysRemaining);
  }
  if (report.overall.refreshTokenDaysRemaining !== undefined) {
    metrics.addMetric(TOKEN_METRICS.refreshTokenDaysRemaining, MetricUnit.NoUnit, report.overall.refreshTokenDaysRemaining);
  }
  metrics.addMetric(TOKEN_METRICS.refreshed, MetricUnit.Count, counts.refreshed);
  metrics.addMetric(TOKEN_METRICS.refreshFailed, MetricUnit.Count, counts.refreshFailed);
  metrics.addMetric(TOKEN_METRICS.authorizationsChecked, MetricUnit.Count, report.checked);
  metrics.addMetric(TOKEN_METRICS.authorizationsUnusable, MetricUnit.Count, report.unusable);
};

export const createTokensHandler = (provide: Provide<TokensDependencies>, options?: HandlerOptions) =>
  withPowertools(
    tokensEventSchema,
    async (event, context: Context, log): Promise<TokensResult> => {
      const deps = provide();
      const scheduledTime = typeof event?.scheduledTime === 'string' ? event.scheduledTime : undefined;
      log.appendKeys({ trigger: scheduledTime ? 'schedule' : 'manual', ...(scheduledTime && { scheduledTime }) });

      const [fromSecret, fromStore] = await Promise.all([
        readDefault(deps.defaultAuthorization),
        deps.named
          .names()
          // A store that holds both (`npm start`'s local-store.ts) lists the default too: it is read
          // once, from the secret, and never refreshed here.
          .then((names) => names.filter((name) => name !== DEFAULT_AUTHORIZATION))
          .then((names) => mapLimited(names, TOKEN_READ_CONCURRENCY, (name) => readNamed(deps.named, name))),
      ]);
      const named = fromStore.filter((read): read is Read => read !== undefined);

      const checkedAt = deps.now();
      const due = named.filter(
        (read): read is Extract<Read, { kind: 'read' }> =>
          read.kind === 'read' && needsRefresh(read.authorization, checkedAt, deps.config.TOKEN_REFRESH_DAYS),
      );
      const outcomes = await refreshDue(due, deps, context, log);
      const counts = tally(outcomes, log);

      // What is stored after this run's refreshes: the report is about the tokens the workflow will use.
      const after = named.map((read) =>
        read.kind === 'read' && outcomes.has(read.authorization.name) ? outcomes.get(read.authorization.name)?.current : read,
      );
      const current = [...fromSecret, ...after].filter((read): read is Read => read !== undefined);
      const reportedAt = deps.now();
      const report = tokenReport(
        current.flatMap((read) => (read.kind === 'read' ? [summarizeAuthorization(read.authorization, reportedAt)] : [])),
        current.flatMap((read) => (read.kind === 'unreadable' ? [read.unreadable] : [])),
        deps.config,
      );
      publish(report, counts);
      for (const warning of report.warnings) log.warn(warning.message, warning.attributes);

      const result: TokensResult = {
        checked: report.checked,
        refreshed: counts.refreshed,
        refreshFailed: counts.refreshFailed,
        refreshPostponed: counts.refreshPostponed,
        unusable: report.unusable,
        soonest: report.dimensioned.slice(0, SOONEST_LISTED).map((figures) => ({
          name: figures.name,
          tokenDaysRemaining: figures.tokenDaysRemaining ?? null,
          refreshTokenDaysRemaining: figures.refreshTokenDaysRemaining ?? null,
        })),
      };
      log.info('Authorizations checked', {
        ...result,
        due: due.length,
        superseded: counts.superseded,
        expiryUnknown: report.unknownExpiry,
      });
      return result;
    },
    options,
  );
