/**
 * The seams of the token lifecycle (docs/tokens.md): LinkedIn's OAuth endpoints, and where
 * authorizations are kept. Implementations: oauth-client.ts (LinkedIn, or the simulator's copy of
 * its endpoints); secret-store.ts (the default authorization in Secrets Manager), s3-store.ts
 * (any number of named ones, SSE-KMS objects), local-store.ts (`npm start`'s stand-in).
 */
import type { Authorization } from './authorization';

/** What LinkedIn's accessToken endpoint grants, with lifetimes turned into instants. */
export interface TokenGrant {
  readonly accessToken: string;
  /** Epoch ms: now + `expires_in` seconds. */
  readonly expiresAt: number;
  readonly refreshToken?: string;
  /** Epoch ms: now + `refresh_token_expires_in` seconds. */
  readonly refreshTokenExpiresAt?: number;
  readonly scope?: string;
}

/** What LinkedIn's introspectToken endpoint says of a token (docs/linkedin-api.md §9). */
export interface Introspection {
  readonly active: boolean;
  /** `active`, `expired` or `revoked`; undefined when LinkedIn gave none (another app's token). */
  readonly status?: string;
  /** Epoch ms. */
  readonly expiresAt?: number;
  /** Epoch ms. */
  readonly authorizedAt?: number;
  /** Scopes, space-separated (LinkedIn sends them comma-separated). */
  readonly scope?: string;
}

/** LinkedIn's OAuth 2.0 endpoints for one app. Every method's errors are `OAuthError`s that never carry a secret. */
export interface LinkedInOAuth {
  /** The URL a member opens to authorize the app. */
  authorizationUrl(request: { redirectUri: string; state: string; scope: string }): string;
  /** `grant_type=authorization_code` */
  exchangeCode(request: { code: string; redirectUri: string }): Promise<TokenGrant>;
  /** `grant_type=refresh_token`: a new access token; the refresh token keeps its own expiry. */
  refresh(refreshToken: string): Promise<TokenGrant>;
  introspect(token: string): Promise<Introspection>;
}

/** The app's credentials (the app-credentials secret, flags or environment). */
export interface AppCredentials {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Reads authorizations: the default one in the token secret, and the named ones in the store. */
export interface AuthorizationReader {
  /**
   * The current record, or undefined when it was never put.
   * @throws StoredAuthorizationError when the stored value is malformed
   */
  read(name: string): Promise<Authorization | undefined>;
  /** Every authorization there is (the default first when it has a value). */
  list(): Promise<Authorization[]>;
}

/** Adds or renews authorizations (`authorize`, the refresh). */
export interface AuthorizationWriter extends AuthorizationReader {
  /** Makes `authorization` the current record of its name. */
  write(authorization: Authorization): Promise<void>;
}

/** A record with the version it was read at (an S3 ETag, a file's hash). */
export interface VersionedAuthorization {
  readonly authorization: Authorization;
  readonly version: string;
}

/**
 * The named authorizations' store, written with compare-and-set so a refresh never overwrites an
 * `authorize` that happened meanwhile (one refresh at a time, docs/tokens.md).
 */
export interface ConditionalAuthorizationStore extends AuthorizationWriter {
  /** The names of every stored authorization, without reading them. */
  names(): Promise<string[]>;
  readVersioned(name: string): Promise<VersionedAuthorization | undefined>;
  /** Writes only if the stored version is still `version`; false when another writer came first. */
  writeIf(authorization: Authorization, version: string): Promise<boolean>;
}
