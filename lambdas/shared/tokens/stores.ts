/**
 * Every authorization behind one reader/writer (docs/tokens.md): the default one lives in the
 * stack's token secret, the named ones in the token store. Callers (`authorize`, the CLI's
 * listing) name an authorization and need not know where it is kept.
 */
import { type Authorization, DEFAULT_AUTHORIZATION } from './authorization';
import type { AuthorizationWriter, ConditionalAuthorizationStore } from './ports';

/** An authorization asked of a part that this deployment (or these flags) did not configure. */
export class AuthorizationStoreMissingError extends Error {
  override readonly name = 'AuthorizationStoreMissingError';
}

export interface AuthorizationStoreParts {
  /** Holds {@link DEFAULT_AUTHORIZATION} only (secret-store.ts, or local-store.ts locally). */
  readonly secret?: AuthorizationWriter;
  /** Holds every other name (s3-store.ts). */
  readonly named?: ConditionalAuthorizationStore;
}

/**
 * Routes {@link DEFAULT_AUTHORIZATION} to `secret` and every other name to `named`.
 *
 * @throws TypeError when neither part is given: such a store could hold nothing
 */
export const authorizationStores = (parts: AuthorizationStoreParts): AuthorizationWriter => {
  const { secret, named } = parts;
  if (!secret && !named) throw new TypeError('authorizationStores needs the token secret, the token store, or both');

  const partFor = (name: string): AuthorizationWriter => {
    if (name === DEFAULT_AUTHORIZATION) {
      if (!secret) {
        throw new AuthorizationStoreMissingError(
          `The "${DEFAULT_AUTHORIZATION}" authorization lives in the token secret, which is not configured here (docs/tokens.md)`,
        );
      }
      return secret;
    }
    if (!named) {
      throw new AuthorizationStoreMissingError(
        `Authorization "${name}" is a named authorization, kept in the token store, which is not configured here; ` +
          `without a token store only "${DEFAULT_AUTHORIZATION}" exists (docs/tokens.md)`,
      );
    }
    return named;
  };

  return {
    read: async (name) => partFor(name).read(name),
    write: async (authorization: Authorization) => partFor(authorization.name).write(authorization),
    list: async () => {
      const [inSecret, inStore] = await Promise.all([secret?.list() ?? [], named?.list() ?? []]);
      // The default first, as AuthorizationReader.list promises.
      return [...inSecret, ...inStore];
    },
  };
};
