/**
 * The named authorizations' store (docs/tokens.md): one S3 object per authorization,
 * `<prefix><name>.json`, holding {@link serializeAuthorization}'s JSON. The default authorization
 * is not here: it lives in the stack's token secret (secret-store.ts), so this store refuses its
 * name rather than keep a second copy that could drift from the secret.
 *
 * Encryption at rest is the bucket's: the deployed token bucket's default encryption is SSE-KMS
 * with a bucket key (infra), so no SSE header is sent here. Naming a key per request would only
 * duplicate that setting and let the two disagree; s3rver ignores SSE headers anyway.
 *
 * The version a record is read at is its ETag, and {@link ConditionalAuthorizationStore.writeIf}
 * replaces it with `If-Match`, as the export ledger does (ledger/store.ts): a refresh never
 * overwrites an `authorize` that happened after it read the record.
 */
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { AUTHORIZATION_NAME, type Authorization, DEFAULT_AUTHORIZATION, parseAuthorization, serializeAuthorization } from './authorization';
import type { ConditionalAuthorizationStore, VersionedAuthorization } from './ports';
import { AUTHORIZATIONS_FOLDER } from '../contract/authorizations';
import { mapLimited } from '../map-limited';

/** The token store's folder, as the stack grants it (contract/authorizations.ts). */
export const DEFAULT_AUTHORIZATIONS_PREFIX = AUTHORIZATIONS_FOLDER;

/**
 * Objects read at once by `list()`. The SDK's HTTP agent keeps 50 sockets per host, so more would
 * only queue; 32 is the figure the ledger reads use (ledger/freshness-scan.ts) for the same reason.
 */
export const AUTHORIZATION_READ_CONCURRENCY = 32;

const SUFFIX = '.json';

export interface S3AuthorizationStoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix, "" or ending in "/". @default {@link DEFAULT_AUTHORIZATIONS_PREFIX} */
  readonly prefix?: string;
  /**
   * Keys per ListObjectsV2 page (S3's maximum, 1,000, when unset). Smaller pages exist for tests:
   * 10,000 authorizations are ten pages, which a local S3 cannot hold in a test's time.
   */
  readonly pageSize?: number;
  /** @default {@link AUTHORIZATION_READ_CONCURRENCY} */
  readonly readConcurrency?: number;
}

/** A name the store cannot hold: not an authorization name, or the default's. */
export class AuthorizationNameError extends Error {
  override readonly name = 'AuthorizationNameError';
}

const isMissing = (error: unknown): boolean => error instanceof NoSuchKey || (error as Error | undefined)?.name === 'NoSuchKey';

/**
 * S3's answers to a conditional write that mean another writer came first: 412 (the ETag changed),
 * 409 (two conditional writes overlapped) or 404 (the object was deleted since it was read, e.g.
 * the authorization was removed: a refresh must not bring it back).
 */
const anotherWriterCameFirst = (error: unknown): boolean => {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = $metadata?.httpStatusCode;
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || status === 412 || status === 409 || isMissing(error);
};

/** The named authorizations in `bucket` under `prefix`. */
export const s3AuthorizationStore = (options: S3AuthorizationStoreOptions): ConditionalAuthorizationStore => {
  const { s3, bucket } = options;
  const prefix = options.prefix ?? DEFAULT_AUTHORIZATIONS_PREFIX;
  const readConcurrency = options.readConcurrency ?? AUTHORIZATION_READ_CONCURRENCY;

  const keyOf = (name: string): string => {
    if (name === DEFAULT_AUTHORIZATION) {
      throw new AuthorizationNameError(
        `"${DEFAULT_AUTHORIZATION}" is the authorization in the token secret, not in the token store: give --name another name (docs/tokens.md)`,
      );
    }
    if (!AUTHORIZATION_NAME.test(name)) {
      throw new AuthorizationNameError(
        `${JSON.stringify(name.slice(0, 80))} is not an authorization name: 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit`,
      );
    }
    return `${prefix}${name}${SUFFIX}`;
  };

  /** The authorization a listed key holds, or undefined for a key that is not one of ours. */
  const nameOf = (key: string): string | undefined => {
    if (!key.startsWith(prefix) || !key.endsWith(SUFFIX)) return undefined;
    const name = key.slice(prefix.length, -SUFFIX.length);
    return AUTHORIZATION_NAME.test(name) && name !== DEFAULT_AUTHORIZATION ? name : undefined;
  };

  const put = async (authorization: Authorization, condition: { IfMatch?: string }): Promise<void> => {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: keyOf(authorization.name),
        Body: serializeAuthorization(authorization),
        ContentType: 'application/json',
        ...condition,
      }),
    );
  };

  const readVersioned = async (name: string): Promise<VersionedAuthorization | undefined> => {
    const key = keyOf(name);
    let body: string;
    let version: string;
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      body = (await object.Body?.transformToString('utf8')) ?? '';
      version = object.ETag ?? '';
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    // parseAuthorization's messages name `where`, never the value: a malformed object's tokens stay out of errors.
    return { authorization: parseAuthorization(body, name, `s3://${bucket}/${key}`), version };
  };

  const names = async (): Promise<string[]> => {
    const found: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(options.pageSize !== undefined && { MaxKeys: options.pageSize }),
        }),
      );
      for (const item of page.Contents ?? []) {
        const name = item.Key === undefined ? undefined : nameOf(item.Key);
        if (name !== undefined) found.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return found;
  };

  return {
    names,
    readVersioned,
    read: async (name) => (await readVersioned(name))?.authorization,
    /**
     * Every stored authorization, in key order.
     * @throws StoredAuthorizationError for the first malformed object (naming its key): a reader
     *   that must go on past one reads them one by one with `names()` and `readVersioned()`
     */
    list: async () => {
      const read = await mapLimited(await names(), readConcurrency, readVersioned);
      // Undefined: deleted between the listing and the read.
      return read.flatMap((stored) => (stored ? [stored.authorization] : []));
    },
    write: (authorization) => put(authorization, {}),
    writeIf: async (authorization, version) => {
      try {
        await put(authorization, { IfMatch: version });
        return true;
      } catch (error) {
        if (anotherWriterCameFirst(error)) return false;
        throw error;
      }
    },
  };
};
