/**
 * The tokens LinkedIn's OAuth 2.0 server would hold for one app (docs/linkedin-api.md §9): the
 * authorization codes it handed out, the access and refresh tokens it issued, and which member
 * each belongs to. All times are on the simulator's clock, passed in, so `advanceTime` ages a
 * token as the calendar would. No I/O and no logging: the HTTP endpoints (oauth.ts) and the API's
 * authentication (server.ts) are thin layers over it.
 */
import { randomBytes } from 'node:crypto';

/** LinkedIn: an authorization code lives 30 minutes and is single use (docs/linkedin-api.md §9). */
export const CODE_LIFETIME_MS = 30 * 60_000;

/** What a member consented to: the code remembers it so the exchange can check the same client and redirect_uri. */
export interface CodeBinding {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly member: string;
  readonly scope: readonly string[];
}

/** An issued access token's life. `refreshToken` is the one it came with or was refreshed from. */
export interface AccessTokenRecord {
  readonly token: string;
  readonly member: string;
  readonly scope: readonly string[];
  readonly createdAt: number;
  readonly expiresAt: number;
  /** When the member consented: refreshing keeps it. */
  readonly authorizedAt: number;
  revoked: boolean;
}

export interface RefreshTokenRecord {
  readonly token: string;
  readonly member: string;
  readonly scope: readonly string[];
  /** Fixed when the member authorized: refreshing never extends it (docs/linkedin-api.md §9). */
  readonly expiresAt: number;
  readonly authorizedAt: number;
  revoked: boolean;
}

/** What a grant issues: a new access token, and a refresh token when the app gets them. */
export interface IssuedGrant {
  readonly access: AccessTokenRecord;
  readonly refresh?: RefreshTokenRecord;
}

export interface GrantRequest {
  readonly member: string;
  readonly scope: readonly string[];
  readonly accessTokenLifetimeMs: number;
  readonly refreshTokenLifetimeMs: number;
  /** Whether a refresh token comes with it (LinkedIn issues them to approved partners only). */
  readonly withRefreshToken: boolean;
}

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** Who an API call is made for: the static token sees every contract, a member only theirs. */
export type Caller = { readonly kind: 'static' } | { readonly kind: 'member'; readonly member: string; readonly scope: readonly string[] };

export type Authentication =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly reason: 'expired' | 'revoked' | 'unknown' };

/** What introspection can tell of a token: LinkedIn's fields, in epoch ms here (oauth.ts turns them into seconds). */
export interface TokenView {
  readonly status: TokenStatus;
  readonly scope: readonly string[];
  readonly createdAt: number;
  readonly authorizedAt: number;
  /** Undefined for the static token, which never expires unless configured to. */
  readonly expiresAt?: number;
}

/** The simulator's `tokens()`: every token with its status now, for tests' assertions. */
export interface TokenSummary {
  readonly accessTokens: Array<Omit<AccessTokenRecord, 'revoked'> & { status: TokenStatus }>;
  readonly refreshTokens: Array<Omit<RefreshTokenRecord, 'revoked'> & { status: TokenStatus }>;
  /** Codes handed out and neither redeemed nor expired yet. */
  readonly pendingCodes: number;
}

/**
 * The static token (SimulatorOptions.token) the existing tools and tests use: accepted like any
 * other, for every contract, and never expiring unless `expiresAt` says so.
 */
export interface StaticToken {
  readonly token: string;
  readonly expiresAt?: number;
  /** What introspection reports for it: a hand-made token carries whatever scope it was made with. */
  readonly scope: readonly string[];
}

/**
 * An opaque token the size of LinkedIn's (about 500 characters; the simulator's are 322). Its
 * `AQ` prefix is LinkedIn's, so a masked prefix in a log looks as it would in production.
 */
export const opaqueToken = (bytes = 240): string => `AQ${randomBytes(bytes).toString('base64url')}`;

/** A scope set, order and duplicates aside, so "a different set of scopes" compares sets. */
const scopeKey = (scope: readonly string[]): string => [...new Set(scope)].sort().join(' ');

const statusOf = (record: { revoked: boolean; expiresAt: number }, now: number): TokenStatus =>
  record.revoked ? 'revoked' : now >= record.expiresAt ? 'expired' : 'active';

interface PendingCode extends CodeBinding {
  readonly expiresAt: number;
}

export class TokenRegistry {
  private readonly codes = new Map<string, PendingCode>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  /** Each member's last granted scope set (scopeKey): a different one invalidates the member's earlier tokens. */
  private readonly grantedScopes = new Map<string, string>();
  private staticRevoked = false;

  constructor(
    private readonly staticToken: StaticToken,
    private readonly staticCreatedAt: number,
  ) {}

  /** Hands out a code for what the member consented to. */
  issueCode(binding: CodeBinding, now: number): string {
    this.forgetSpentCodes(now);
    const code = opaqueToken(120);
    this.codes.set(code, { ...binding, scope: [...binding.scope], expiresAt: now + CODE_LIFETIME_MS });
    return code;
  }

  /**
   * Redeems a code once: what the member consented to, or why not. An unknown, used or expired
   * code, or one handed to another client, is `invalid_grant`; a redirect_uri other than the
   * authorization's is `invalid_redirect_uri` and leaves the code usable, as the mistake is the
   * client's, not the member's.
   */
  redeemCode(
    code: string,
    client: { clientId: string; redirectUri: string },
    now: number,
  ): CodeBinding | 'invalid_grant' | 'invalid_redirect_uri' {
    const pending = this.codes.get(code);
    if (!pending || now >= pending.expiresAt || pending.clientId !== client.clientId) return 'invalid_grant';
    if (pending.redirectUri !== client.redirectUri) return 'invalid_redirect_uri';
    this.codes.delete(code);
    return pending;
  }

  /**
   * A member's authorization: a new access token (and refresh token). A scope set other than the
   * member's previous grant revokes every earlier token of the member first, as LinkedIn documents
   * (docs/linkedin-api.md §9).
   */
  grant(request: GrantRequest, now: number): IssuedGrant {
    const key = scopeKey(request.scope);
    const previous = this.grantedScopes.get(request.member);
    if (previous !== undefined && previous !== key) this.revokeMember(request.member);
    this.grantedScopes.set(request.member, key);
    const scope = [...request.scope];
    const refresh: RefreshTokenRecord | undefined = request.withRefreshToken
      ? {
          token: opaqueToken(),
          member: request.member,
          scope,
          expiresAt: now + request.refreshTokenLifetimeMs,
          authorizedAt: now,
          revoked: false,
        }
      : undefined;
    if (refresh) this.refreshTokens.set(refresh.token, refresh);
    const access = this.issueAccessToken(request.member, scope, now, request.accessTokenLifetimeMs, now);
    return { access, ...(refresh && { refresh }) };
  }

  /**
   * A new access token from a live refresh token, which keeps its own expiry; undefined (LinkedIn's
   * `invalid_grant`) when it is unknown, revoked or expired. The earlier access tokens stay valid
   * until their own expiry, as at LinkedIn.
   */
  refresh(refreshToken: string, accessTokenLifetimeMs: number, now: number): Required<IssuedGrant> | undefined {
    const refresh = this.refreshTokens.get(refreshToken);
    if (!refresh || statusOf(refresh, now) !== 'active') return undefined;
    // The new access token never outlives the refresh token's authorization (LinkedIn's "day 360" example).
    const lifetime = Math.min(accessTokenLifetimeMs, refresh.expiresAt - now);
    const access = this.issueAccessToken(refresh.member, refresh.scope, now, lifetime, refresh.authorizedAt);
    return { access, refresh };
  }

  /** Whether `token` may call the API now, and for whom. */
  authenticate(token: string, now: number): Authentication {
    if (token === this.staticToken.token) {
      if (this.staticRevoked) return { ok: false, reason: 'revoked' };
      if (this.staticToken.expiresAt !== undefined && now >= this.staticToken.expiresAt) return { ok: false, reason: 'expired' };
      return { ok: true, caller: { kind: 'static' } };
    }
    const access = this.accessTokens.get(token);
    if (!access) return { ok: false, reason: 'unknown' };
    const status = statusOf(access, now);
    if (status !== 'active') return { ok: false, reason: status };
    return { ok: true, caller: { kind: 'member', member: access.member, scope: access.scope } };
  }

  /**
   * What introspection says of an access token; undefined for anything else (unknown, a code or a
   * refresh token: LinkedIn's page documents access tokens only, and says `active: false` for the rest).
   */
  introspect(token: string, now: number): TokenView | undefined {
    if (token === this.staticToken.token) {
      const expired = this.staticToken.expiresAt !== undefined && now >= this.staticToken.expiresAt;
      return {
        status: this.staticRevoked ? 'revoked' : expired ? 'expired' : 'active',
        scope: this.staticToken.scope,
        createdAt: this.staticCreatedAt,
        authorizedAt: this.staticCreatedAt,
        ...(this.staticToken.expiresAt !== undefined && { expiresAt: this.staticToken.expiresAt }),
      };
    }
    const access = this.accessTokens.get(token);
    if (!access) return undefined;
    return {
      status: statusOf(access, now),
      scope: access.scope,
      createdAt: access.createdAt,
      authorizedAt: access.authorizedAt,
      expiresAt: access.expiresAt,
    };
  }

  /** The member revokes the app, or LinkedIn does: an access or refresh token (or the static one). False when unknown. */
  revoke(token: string): boolean {
    if (token === this.staticToken.token) {
      this.staticRevoked = true;
      return true;
    }
    const record = this.accessTokens.get(token) ?? this.refreshTokens.get(token);
    if (!record) return false;
    record.revoked = true;
    return true;
  }

  summary(now: number): TokenSummary {
    const view = <T extends { revoked: boolean; expiresAt: number }>({ revoked, ...record }: T) => ({
      ...record,
      status: statusOf({ revoked, expiresAt: record.expiresAt }, now),
    });
    return {
      accessTokens: [...this.accessTokens.values()].map(view),
      refreshTokens: [...this.refreshTokens.values()].map(view),
      pendingCodes: [...this.codes.values()].filter((code) => now < code.expiresAt).length,
    };
  }

  private issueAccessToken(
    member: string,
    scope: readonly string[],
    now: number,
    lifetimeMs: number,
    authorizedAt: number,
  ): AccessTokenRecord {
    const access: AccessTokenRecord = {
      token: opaqueToken(),
      member,
      scope,
      createdAt: now,
      expiresAt: now + lifetimeMs,
      authorizedAt,
      revoked: false,
    };
    this.accessTokens.set(access.token, access);
    return access;
  }

  private revokeMember(member: string): void {
    for (const record of [...this.accessTokens.values(), ...this.refreshTokens.values()]) {
      if (record.member === member) record.revoked = true;
    }
  }

  /** Codes only matter for 30 minutes: forgetting the expired ones keeps a long-running simulator's memory flat. */
  private forgetSpentCodes(now: number): void {
    for (const [code, pending] of this.codes) if (now >= pending.expiresAt) this.codes.delete(code);
  }
}
