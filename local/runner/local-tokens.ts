/**
 * The local run's authorizations (docs/tokens.md, "Local runs"): a given API's plain token as the
 * default authorization, or, against the simulator, an authorization made through its OAuth
 * endpoints and kept in a local stand-in of the token secret, refreshed before the run by the
 * same rotation steps the deployed rotation Lambda runs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Authorization, DAY_MS, DEFAULT_AUTHORIZATION, summarizeAuthorization } from '../../lambdas/shared/tokens/authorization';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import type { AuthorizationReader } from '../../lambdas/shared/tokens/ports';
import { ROTATION_STEPS, rotateStep } from '../../lambdas/shared/tokens/rotation';
import type { Simulator } from '../simulator';
import { localAuthorizationStore, localTokenSecret } from '../tokens/local-store';

/** One default authorization holding `token`, expiry unknown (today's plain-string secret). */
export const plainTokenAuthorizations = (token: string): AuthorizationReader => {
  const record = token.trim().length > 0 ? { name: DEFAULT_AUTHORIZATION, accessToken: token } : undefined;
  return {
    read: async (name) => (name === DEFAULT_AUTHORIZATION ? record : undefined),
    list: async () => (record ? [record] : []),
  };
};

/** Where a local authorization is kept, for the "never put" message. */
export const localAuthorizationPlace = (name: string): string =>
  name === DEFAULT_AUTHORIZATION
    ? "the local run's token (--token, LINKEDIN_ACCESS_TOKEN, or .local/tokens/default)"
    : `the local token store (.local/tokens/named/${name}.json)`;

export interface SimulatorAuthorizationOptions {
  /** Days left on the issued access token (0: already expired). @default LinkedIn's 60 */
  daysLeft?: number;
  /** TOKEN_REFRESH_DAYS: refresh before the run when the token has this many days or fewer left. */
  refreshDays: number;
  /** Epoch ms; the simulator's clock, which its tokens expire on. */
  now: () => number;
  /** Progress lines (figures only, never a token). */
  onInfo: (message: string) => void;
  /** Warnings and errors of the rotation steps. */
  onWarn: (message: string) => void;
}

export interface SimulatorAuthorizations {
  readonly reader: AuthorizationReader;
  /** Removes the local stand-in of the token secret. */
  close(): Promise<void>;
}

const describeDays = (authorization: Authorization | undefined, now: number): string => {
  if (!authorization) return 'none';
  const summary = summarizeAuthorization(authorization, now);
  const days = summary.tokenDaysRemaining;
  const access = days === undefined ? 'expiry unknown' : days < 0 ? `expired on ${summary.expiresAt?.slice(0, 10)}` : `${days} days left`;
  const refresh = summary.refreshable ? `refresh token ${summary.refreshTokenDaysRemaining ?? '?'} days left` : 'no refresh token';
  return `access token ${access}, ${refresh}`;
};

/**
 * `npm start`'s default authorization: issued by the simulator as its code flow would, kept in a
 * local stand-in of the token secret, then run through the rotation's four steps, as Secrets
 * Manager would run them on the deployed secret, so a token near expiry is refreshed before the run.
 */
export const simulatorAuthorizations = async (
  simulator: Simulator,
  options: SimulatorAuthorizationOptions,
): Promise<SimulatorAuthorizations> => {
  const directory = await mkdtemp(path.join(tmpdir(), 'salesnav-tokens-'));
  const close = () => rm(directory, { recursive: true, force: true });
  try {
    const daysLeft = options.daysLeft ?? 60;
    // The simulator issues positive lifetimes only: "0 days" is a token that has just expired. A
    // minute more than asked, so the whole days left read as the number given.
    const issued = simulator.issueAuthorization({ accessTokenLifetimeMs: daysLeft === 0 ? 1 : daysLeft * DAY_MS + 60_000 });
    if (daysLeft === 0) await sleep(5);
    const store = localAuthorizationStore(directory);
    await store.write({ name: DEFAULT_AUTHORIZATION, ...issued });
    const before = await store.read(DEFAULT_AUTHORIZATION);
    options.onInfo(`LinkedIn authorization (simulator): ${describeDays(before, options.now())}`);

    const oauth = createLinkedInOAuth({
      oauthUrl: simulator.oauthUrl,
      credentials: { clientId: simulator.clientId, clientSecret: simulator.clientSecret },
      now: options.now,
    });
    const log = {
      info: () => {},
      warn: (message: string) => options.onWarn(message),
      error: (message: string) => options.onWarn(message),
    };
    const versionId = randomUUID();
    let refreshed = false;
    for (const step of ROTATION_STEPS) {
      try {
        const { outcome } = await rotateStep(step, versionId, {
          secret: localTokenSecret(directory),
          oauth: async () => oauth,
          now: options.now,
          refreshDays: options.refreshDays,
          log,
          count: () => {},
        });
        if (outcome === 'promoted') refreshed = true;
      } catch (error) {
        options.onWarn(`Token refresh failed, the current token stays: ${(error as Error).message}`);
        break;
      }
    }
    if (refreshed)
      options.onInfo(
        `Refreshed before the run (the rotation's four steps): ${describeDays(await store.read(DEFAULT_AUTHORIZATION), options.now())}`,
      );
    return { reader: store, close };
  } catch (error) {
    await close();
    throw error;
  }
};
