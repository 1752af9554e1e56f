/**
 * The rotation of the token secret (docs/tokens.md, "Rotation"): Secrets Manager calls its
 * rotation function four times, createSecret, setSecret, testSecret, finishSecret, each with the
 * same ClientRequestToken (the id of the version the rotation makes). Refreshing is the rotation:
 *
 * - createSecret refreshes the default authorization if it is due ({@link needsRefresh}: a refresh
 *   token, and TOKEN_REFRESH_DAYS or fewer days left), tests the new access token
 *   ({@link refreshAuthorization}) and stores the record as the AWSPENDING version. Not due, or
 *   nothing to refresh with: it only reports, and no version is made.
 * - setSecret has nothing to do: LinkedIn issued the token already, no service must learn it.
 * - testSecret introspects the pending access token again (a retried rotation may resume here).
 * - finishSecret makes the pending version AWSCURRENT; the workflow reads it within its cache time.
 *
 * A failure leaves AWSCURRENT as it was, publishes TokenRefreshFailed and throws, so Secrets
 * Manager records the rotation as failed and tries it again. Every step is idempotent: Secrets
 * Manager retries a step that failed or timed out. One refresh at a time: Secrets Manager refuses a
 * second rotation while one is in progress, and createSecret refuses to start beside another
 * rotation's AWSPENDING version (a refresh token used twice at once could leave the loser's token
 * current).
 *
 * Nothing here logs a token: records appear as {@link summarizeAuthorization}'s masked summary.
 */
import { TOKEN_METRICS } from '../contract/token-metrics';
import {
  AUTHORIZE_COMMAND,
  type Authorization,
  DEFAULT_AUTHORIZATION,
  daysRemaining,
  needsRefresh,
  parseAuthorization,
  serializeAuthorization,
  StoredAuthorizationError,
  summarizeAuthorization,
} from './authorization';
import type { LinkedInOAuth } from './ports';
import { refreshAuthorization, testAccessToken } from './refresh';
import { CURRENT_STAGE, type SecretVersions, type VersionedSecret } from './versioned-secret';

export const ROTATION_STEPS = ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] as const;
export type RotationStep = (typeof ROTATION_STEPS)[number];

/** The refresh outcomes a rotation publishes (contract/token-metrics.ts), under Authorization=default. */
export type RotationMetric = typeof TOKEN_METRICS.refreshed | typeof TOKEN_METRICS.refreshFailed;

/** The lines a rotation writes; the handler's invocation logger fits. */
export interface RotationLog {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

export interface RotationDependencies {
  readonly secret: VersionedSecret;
  /**
   * LinkedIn's OAuth endpoints, asked for only when a token is refreshed or tested: the app
   * credentials behind them are read only then, not on every step of every rotation.
   */
  readonly oauth: () => Promise<LinkedInOAuth>;
  /** Epoch ms. */
  readonly now: () => number;
  /** TOKEN_REFRESH_DAYS: refresh when the access token has this many days or fewer left. */
  readonly refreshDays: number;
  readonly log: RotationLog;
  /** Publishes one count of `metric` for the default authorization. */
  readonly count: (metric: RotationMetric) => void;
}

/** What a step did, returned to Secrets Manager (which ignores it) and to a console test invocation. */
export type StepOutcome =
  /** createSecret: a new access token, tested, stored as AWSPENDING. */
  | 'refreshed'
  /** createSecret: nothing due or nothing to refresh with; no version made. */
  | 'reported'
  /** testSecret: the pending access token is active with the analytics scope. */
  | 'tested'
  /** finishSecret: the pending version is now AWSCURRENT. */
  | 'promoted'
  /** finishSecret: the rotation refreshed nothing; AWSPENDING was taken off its empty version. */
  | 'released'
  /** Nothing to do: setSecret, a retried step that already happened, a version without a candidate. */
  | 'unchanged';

export interface StepResult {
  readonly step: RotationStep;
  readonly versionId: string;
  readonly outcome: StepOutcome;
}

/** A rotation that cannot go on; the message says what to do. Never carries a token. */
export class RotationError extends Error {
  override readonly name = 'TokenRotationError';
}

const DEFAULT = DEFAULT_AUTHORIZATION;

/** The days left, for log lines: null (not absent) when unknown, so the line says so. */
const days = (expiresAt: number | undefined, now: number): number | null => daysRemaining(expiresAt, now) ?? null;

/** Why `current` is not refreshed now, for the warning or info line; undefined when it is due. */
const whyNotRefreshed = (
  current: Authorization,
  now: number,
  refreshDays: number,
): { level: 'info' | 'warn'; reason: string } | undefined => {
  if (current.refreshToken === undefined) {
    // A plain-string secret has no expiry either: say whether the operator's deadline is known.
    const expired = current.expiresAt !== undefined && current.expiresAt <= now;
    const known =
      current.expiresAt === undefined
        ? 'its expiry is unknown (no expiresAt)'
        : `it ${expired ? 'expired' : 'expires'} on ${new Date(current.expiresAt).toISOString()}`;
    return {
      level: 'warn',
      reason:
        `the secret holds no refresh token, so the access token cannot be renewed automatically; ${known}. ` +
        `Run ${AUTHORIZE_COMMAND}${expired ? '' : ' before it expires'} (docs/tokens.md).`,
    };
  }
  if (current.revokedAt !== undefined) {
    return { level: 'warn', reason: `LinkedIn said the authorization was revoked; run ${AUTHORIZE_COMMAND} (docs/tokens.md).` };
  }
  if (current.refreshTokenExpiresAt !== undefined && current.refreshTokenExpiresAt <= now) {
    return {
      level: 'warn',
      reason: `the refresh token expired on ${new Date(current.refreshTokenExpiresAt).toISOString()}; run ${AUTHORIZE_COMMAND} (docs/tokens.md).`,
    };
  }
  if (!needsRefresh(current, now, refreshDays)) {
    return { level: 'info', reason: `not due: the access token has more than ${refreshDays} day(s) left.` };
  }
  return undefined;
};

const createSecret = async (versionId: string, { current, pending }: SecretVersions, deps: RotationDependencies): Promise<StepOutcome> => {
  const { secret, log } = deps;
  if (current === versionId) {
    log.info('This rotation version is already AWSCURRENT: nothing to create');
    return 'unchanged';
  }
  // AWSPENDING left on the current version by an earlier successful rotation is no rotation in progress.
  if (pending !== undefined && pending !== versionId && pending !== current) {
    log.error('Another rotation holds AWSPENDING: not refreshing beside it', { pendingVersionId: pending });
    throw new RotationError(
      `Another rotation's version ${pending} of the ${secret.name} holds AWSPENDING: one refresh at a time. ` +
        'Let that rotation finish, or if it was abandoned take the label off it (aws secretsmanager update-secret-version-stage ' +
        `--secret-id <secret> --version-stage AWSPENDING --remove-from-version-id ${pending}) and rotate again.`,
    );
  }
  if (pending === versionId && (await secret.value(versionId)) !== undefined) {
    log.info('The refreshed token of this rotation is already stored as AWSPENDING (a retried step)');
    return 'unchanged';
  }

  const now = deps.now();
  let stored: Authorization | undefined;
  try {
    const value = await secret.value(CURRENT_STAGE);
    stored = value === undefined || value.trim().length === 0 ? undefined : parseAuthorization(value, DEFAULT, `The ${secret.name}`);
  } catch (error) {
    if (!(error instanceof StoredAuthorizationError)) throw error;
    // A rotation cannot repair a malformed value; the workflow fails on it with the same message.
    log.error('No refresh: the token secret does not hold a usable authorization', { problem: error.message });
    return 'reported';
  }
  if (stored === undefined) {
    log.warn(`No refresh: the token secret has no value. Run ${AUTHORIZE_COMMAND} (docs/tokens.md).`);
    return 'reported';
  }
  const summary = summarizeAuthorization(stored, now);
  const skipped = whyNotRefreshed(stored, now, deps.refreshDays);
  if (skipped) {
    log[skipped.level](`No refresh: ${skipped.reason}`, {
      tokenDaysRemaining: days(stored.expiresAt, now),
      refreshTokenDaysRemaining: stored.refreshToken === undefined ? null : days(stored.refreshTokenExpiresAt, now),
      authorizationSummary: summary,
    });
    return 'reported';
  }

  let candidate: Authorization;
  try {
    candidate = await refreshAuthorization(await deps.oauth(), stored, now);
  } catch (error) {
    deps.count(TOKEN_METRICS.refreshFailed);
    log.error('Token refresh failed: AWSCURRENT stays as it was', {
      errorName: (error as Error).name,
      errorMessage: (error as Error).message,
      revoked: (error as { revoked?: unknown }).revoked === true,
      tokenDaysRemaining: days(stored.expiresAt, now),
      authorizationSummary: summary,
    });
    throw error;
  }
  await secret.putPending(versionId, serializeAuthorization(candidate));
  log.info('Refreshed the access token and stored it as AWSPENDING', { authorizationSummary: summarizeAuthorization(candidate, now) });
  return 'refreshed';
};

/** This rotation's refreshed record: the value of `versionId` while it is AWSPENDING and not yet current. */
const candidateOf = async (
  versionId: string,
  { current, pending }: SecretVersions,
  secret: VersionedSecret,
): Promise<Authorization | undefined> => {
  if (current === versionId || pending !== versionId) return undefined;
  const value = await secret.value(versionId);
  return value === undefined ? undefined : parseAuthorization(value, DEFAULT, `Version ${versionId} of the ${secret.name}`);
};

const testSecret = async (versionId: string, versions: SecretVersions, deps: RotationDependencies): Promise<StepOutcome> => {
  const candidate = await candidateOf(versionId, versions, deps.secret);
  if (candidate === undefined) {
    deps.log.info('Nothing to test: this rotation stored no refreshed token');
    return 'unchanged';
  }
  try {
    await testAccessToken(await deps.oauth(), candidate);
  } catch (error) {
    deps.count(TOKEN_METRICS.refreshFailed);
    deps.log.error('The refreshed access token failed its test: AWSCURRENT stays as it was', {
      errorName: (error as Error).name,
      errorMessage: (error as Error).message,
    });
    throw error;
  }
  deps.log.info('The refreshed access token is active and carries the analytics scope');
  return 'tested';
};

const finishSecret = async (versionId: string, versions: SecretVersions, deps: RotationDependencies): Promise<StepOutcome> => {
  const { secret, log } = deps;
  if (versions.current === versionId) {
    log.info('This rotation version is already AWSCURRENT');
    return 'unchanged';
  }
  const candidate = await candidateOf(versionId, versions, secret);
  if (candidate === undefined) {
    if (versions.pending !== versionId) {
      log.info('Nothing to finish: this rotation version is not pending');
      return 'unchanged';
    }
    // The version Secrets Manager labelled when the rotation started, still empty: AWSCURRENT stays,
    // and the label must go or every later rotation is refused as "still in progress".
    await secret.dropPending(versionId);
    log.info('Nothing was refreshed: AWSCURRENT stays, AWSPENDING taken off the empty rotation version');
    return 'released';
  }
  await secret.promote(versionId);
  deps.count(TOKEN_METRICS.refreshed);
  log.info('The refreshed access token is now AWSCURRENT', { authorizationSummary: summarizeAuthorization(candidate, deps.now()) });
  return 'promoted';
};

/**
 * Runs one rotation step for the version `versionId` (the event's ClientRequestToken).
 *
 * @throws RotationError when the secret is not set up for rotation or another rotation is in progress
 * @throws TokenRefreshError (and publishes TokenRefreshFailed) when the refresh or its test failed
 */
export const rotateStep = async (step: RotationStep, versionId: string, deps: RotationDependencies): Promise<StepResult> => {
  const versions = await deps.secret.versions();
  if (!versions.rotationEnabled) {
    throw new RotationError(`Rotation is not enabled on the ${deps.secret.name}: this function runs only as its rotation function.`);
  }
  let outcome: StepOutcome;
  switch (step) {
    case 'createSecret':
      outcome = await createSecret(versionId, versions, deps);
      break;
    case 'setSecret':
      deps.log.info('Nothing to set: LinkedIn issued the token, no service must learn it');
      outcome = 'unchanged';
      break;
    case 'testSecret':
      outcome = await testSecret(versionId, versions, deps);
      break;
    case 'finishSecret':
      outcome = await finishSecret(versionId, versions, deps);
      break;
  }
  return { step, versionId, outcome };
};
