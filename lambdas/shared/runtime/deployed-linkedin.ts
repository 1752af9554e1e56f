/**
 * The deployed LinkedIn side: every authorization (the default one in the token secret, the named
 * ones in the token store; docs/tokens.md), and a client per authorization that uses its checked,
 * cached token. Kept apart from the configuration so the handlers that never call LinkedIn do not
 * bundle the Secrets Manager client.
 */
import { AUTHORIZATIONS_FOLDER } from '../contract/authorizations';
import type { LinkedInDependencies } from '../handlers/dependencies';
import { type LinkedInPerAuthorization, linkedInPerAuthorization } from '../linkedin/from-config';
import { cachedAuthorizationReader, readSecretAuthorization, TOKEN_CACHE_SECONDS } from '../linkedin/token';
import { mapLimited } from '../map-limited';
import { DEFAULT_AUTHORIZATION, StoredAuthorizationError } from '../tokens/authorization';
import type { AuthorizationReader } from '../tokens/ports';
import { s3AuthorizationStore } from '../tokens/s3-store';
import { deployedConfig } from './deployed-config';
import { deployedS3 } from './deployed-s3';
import { once } from './once';

/** Named authorizations read at once by the Plan. */
const NAMED_READ_CONCURRENCY = 32;

/** The default authorization from the token secret (Powertools' cache), the named ones from the store (cached here). */
export const deployedAuthorizations = once((): AuthorizationReader => {
  const config = deployedConfig();
  const named = s3AuthorizationStore({ s3: deployedS3(), bucket: config.TOKEN_STORE_BUCKET });
  const cachedNamed = cachedAuthorizationReader(named, TOKEN_CACHE_SECONDS * 1000);
  return {
    read: (name) => (name === DEFAULT_AUTHORIZATION ? readSecretAuthorization(config.LINKEDIN_TOKEN_SECRET_ID) : cachedNamed.read(name)),
    // One customer's malformed object must not stop every customer's run: it is left out here
    // (its contracts then have no authorization, or the default's), and the hourly token check
    // counts it in AuthorizationsUnusable and names it.
    list: async () => {
      const fallback = await readSecretAuthorization(config.LINKEDIN_TOKEN_SECRET_ID);
      const read = await mapLimited(await named.names(), NAMED_READ_CONCURRENCY, async (name) => {
        try {
          return await named.read(name);
        } catch (error) {
          if (error instanceof StoredAuthorizationError) return undefined;
          throw error;
        }
      });
      return [...(fallback ? [fallback] : []), ...read.filter((authorization) => authorization !== undefined)];
    },
  };
});

/** Where an authorization of this name is kept, for the "never put" message. */
export const deployedAuthorizationPlace = (name: string): string => {
  const config = deployedConfig();
  return name === DEFAULT_AUTHORIZATION
    ? `the Secrets Manager secret ${config.LINKEDIN_TOKEN_SECRET_ID}`
    : `s3://${config.TOKEN_STORE_BUCKET}/${AUTHORIZATIONS_FOLDER}${name}.json`;
};

export const deployedLinkedIn = once((): LinkedInDependencies & LinkedInPerAuthorization => {
  const config = deployedConfig();
  return { config, now: Date.now, ...linkedInPerAuthorization(config, deployedAuthorizations(), Date.now, deployedAuthorizationPlace) };
});
