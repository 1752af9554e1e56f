/**
 * `npm start`'s stand-in for every authorization store (docs/tokens.md): the default
 * authorization in the local token secret (local-secret.ts, subdirectory `default/`, rotated by the
 * same code as the deployed secret), the named ones as `named/<name>.json`, each holding
 * serializeAuthorization's JSON, as the deployed token store's objects do.
 *
 * Files are owner-only (0600) and replaced by an atomic rename. A named record's version is the
 * SHA-256 of its file, so `writeIf` refuses to overwrite a record that changed since it was read.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import {
  AUTHORIZATION_NAME,
  type Authorization,
  DEFAULT_AUTHORIZATION,
  parseAuthorization,
  serializeAuthorization,
} from '../../lambdas/shared/tokens/authorization';
import type { ConditionalAuthorizationStore, VersionedAuthorization } from '../../lambdas/shared/tokens/ports';
import { authorizationInSecret } from '../../lambdas/shared/tokens/secret-store';
import type { VersionedSecret } from '../../lambdas/shared/tokens/versioned-secret';
import { localSecret, readFileIfPresent, writeFileAtomically } from './local-secret';

/** Where `npm start` keeps its authorizations, beside its S3 data (`.local/s3`). */
export const DEFAULT_LOCAL_TOKENS_DIRECTORY = '.local/tokens';

const SUFFIX = '.json';

/** The local token secret of the store in `directory`: what a local rotation runs against. */
export const localTokenSecret = (directory = DEFAULT_LOCAL_TOKENS_DIRECTORY): VersionedSecret =>
  localSecret(path.join(directory, DEFAULT_AUTHORIZATION));

const versionOf = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Every authorization under `directory`, the default one in the local token secret. */
export const localAuthorizationStore = (directory = DEFAULT_LOCAL_TOKENS_DIRECTORY): ConditionalAuthorizationStore => {
  const tokenSecret = localTokenSecret(directory);
  const secret = authorizationInSecret(tokenSecret);
  const namedDirectory = path.join(directory, 'named');

  /** The named record's file; the name is checked first because it becomes a path. */
  const fileOf = (name: string): string => {
    if (!AUTHORIZATION_NAME.test(name)) throw new Error(`"${name}" is not an authorization name (${AUTHORIZATION_NAME.source})`);
    return path.join(namedDirectory, `${name}${SUFFIX}`);
  };

  const readNamed = async (name: string): Promise<VersionedAuthorization | undefined> => {
    const file = fileOf(name);
    const text = await readFileIfPresent(file);
    if (text === undefined) return undefined;
    return { authorization: parseAuthorization(text, name, `The local authorization file ${file}`), version: versionOf(text) };
  };

  const writeNamed = (authorization: Authorization) =>
    writeFileAtomically(fileOf(authorization.name), serializeAuthorization(authorization));

  const names = async (): Promise<string[]> => {
    const withDefault = (await tokenSecret.versions()).current === undefined ? [] : [DEFAULT_AUTHORIZATION];
    let files: string[];
    try {
      files = await readdir(namedDirectory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      files = [];
    }
    const named = files
      .filter((file) => file.endsWith(SUFFIX))
      .map((file) => file.slice(0, -SUFFIX.length))
      .filter((name) => AUTHORIZATION_NAME.test(name) && name !== DEFAULT_AUTHORIZATION)
      .sort();
    return [...withDefault, ...named];
  };

  const readVersioned = async (name: string): Promise<VersionedAuthorization | undefined> =>
    name === DEFAULT_AUTHORIZATION ? secret.readVersioned() : readNamed(name);

  return {
    names,
    readVersioned,
    read: async (name) => (await readVersioned(name))?.authorization,
    list: async () => {
      const records = await Promise.all((await names()).map((name) => readVersioned(name)));
      return records.flatMap((record) => (record ? [record.authorization] : []));
    },
    write: async (authorization) =>
      authorization.name === DEFAULT_AUTHORIZATION ? secret.write(authorization) : writeNamed(authorization),
    writeIf: async (authorization, version) => {
      if (authorization.name === DEFAULT_AUTHORIZATION) return secret.writeIf(authorization, version);
      // Compare, then rename: exact for the one operator a local store has.
      const stored = await readFileIfPresent(fileOf(authorization.name));
      if (stored === undefined || versionOf(stored) !== version) return false;
      await writeNamed(authorization);
      return true;
    },
  };
};
