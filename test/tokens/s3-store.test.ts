/**
 * The named authorizations' store (lambdas/shared/tokens/s3-store.ts) against a real local S3 with
 * conditional writes (local/s3.ts): what an object holds, compare-and-set, listings over several
 * pages, the names it refuses, and a malformed object named without its content; and the routing
 * of stores.ts between the token secret (the default) and this store (every other name).
 */
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import crypto from 'node:crypto';
import { type Authorization, StoredAuthorizationError } from '../../lambdas/shared/tokens/authorization';
import type { AuthorizationWriter, ConditionalAuthorizationStore } from '../../lambdas/shared/tokens/ports';
import { AuthorizationNameError, s3AuthorizationStore } from '../../lambdas/shared/tokens/s3-store';
import { AuthorizationStoreMissingError, authorizationStores } from '../../lambdas/shared/tokens/stores';
import { rejectionOf } from '../helpers/rejection';
import { openTestS3, type TestS3 } from '../ledger/local-s3';

const BUCKET = 'token-store';
const NOW = Date.parse('2026-12-01T12:00:00.000Z');
const DAY_MS = 86_400_000;

let s3: TestS3;
let store: ConditionalAuthorizationStore;

beforeEach(async () => {
  s3 = await openTestS3(BUCKET, 'token-store');
  store = s3AuthorizationStore({ s3: s3.client, bucket: BUCKET });
});

afterEach(() => s3.close());

const acme = (over: Partial<Authorization> = {}): Authorization => ({
  name: 'acme',
  accessToken: 'AQV-acme-access-token-0123456789',
  expiresAt: NOW + 60 * DAY_MS,
  refreshToken: 'AQX-acme-refresh-token-0123456789',
  refreshTokenExpiresAt: NOW + 365 * DAY_MS,
  scope: 'r_sales_nav_analytics',
  authorizedAt: NOW,
  contracts: ['urn:li:contract:123456'],
  ...over,
});

describe('one authorization', () => {
  it('is written as <prefix><name>.json with ISO dates, and read back as written', async () => {
    // Act
    await store.write(acme());
    const read = await store.read('acme');
    // Assess
    expect(read).toEqual(acme());
    expect(JSON.parse(await s3.text('authorizations/acme.json'))).toMatchObject({
      name: 'acme',
      expiresAt: new Date(NOW + 60 * DAY_MS).toISOString(),
      refreshTokenExpiresAt: new Date(NOW + 365 * DAY_MS).toISOString(),
    });
  });

  it('reads as undefined when it was never written', async () => {
    // Act, Assess
    await expect(store.read('nobody')).resolves.toBeUndefined();
    await expect(store.readVersioned('nobody')).resolves.toBeUndefined();
  });

  it('lives under the prefix it is given', async () => {
    // Prepare
    const elsewhere = s3AuthorizationStore({ s3: s3.client, bucket: BUCKET, prefix: 'tenants/tokens/' });
    // Act
    await elsewhere.write(acme());
    // Assess
    expect(JSON.parse(await s3.text('tenants/tokens/acme.json'))).toMatchObject({ name: 'acme' });
    await expect(store.read('acme')).resolves.toBeUndefined();
  });
});

describe('compare-and-set', () => {
  it('writes when the stored version is still the one read, and the version changes', async () => {
    // Prepare
    await store.write(acme());
    const before = await store.readVersioned('acme');
    // Act
    const written = await store.writeIf(acme({ accessToken: 'AQV-refreshed-token-9876543210', refreshedAt: NOW }), before!.version);
    // Assess
    expect(written).toBe(true);
    const after = await store.readVersioned('acme');
    expect(after?.authorization).toMatchObject({ accessToken: 'AQV-refreshed-token-9876543210', refreshedAt: NOW });
    expect(after?.version).not.toBe(before?.version);
  });

  it('refuses (false) when another writer replaced the record since it was read, and keeps theirs', async () => {
    // Prepare: a refresh read the record, then the member authorized again.
    await store.write(acme());
    const readByRefresh = await store.readVersioned('acme');
    await store.write(acme({ accessToken: 'AQV-reauthorized-token-111111', authorizedAt: NOW + DAY_MS }));
    // Act
    const written = await store.writeIf(acme({ accessToken: 'AQV-refreshed-token-9876543210' }), readByRefresh!.version);
    // Assess
    expect(written).toBe(false);
    await expect(store.read('acme')).resolves.toMatchObject({ accessToken: 'AQV-reauthorized-token-111111' });
  });

  it('refuses (false) when the record was deleted since it was read: a refresh does not bring it back', async () => {
    // Prepare
    await store.write(acme());
    const read = await store.readVersioned('acme');
    await s3.client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'authorizations/acme.json' }));
    // Act
    const written = await store.writeIf(acme(), read!.version);
    // Assess
    expect(written).toBe(false);
    await expect(store.read('acme')).resolves.toBeUndefined();
  });
});

describe('names it refuses', () => {
  it.each([
    ['default', /token secret/],
    ['../escape', /not an authorization name/],
    ['', /not an authorization name/],
    ['a/b', /not an authorization name/],
  ])('%j', async (name, message) => {
    // Act
    const read = await rejectionOf(store.read(name));
    const written = await rejectionOf(store.write(acme({ name })));
    // Assess
    expect(read).toBeInstanceOf(AuthorizationNameError);
    expect(read.message).toMatch(message);
    expect(written).toBeInstanceOf(AuthorizationNameError);
  });
});

describe('a malformed object', () => {
  it('is a StoredAuthorizationError naming its key, never quoting its content', async () => {
    // Prepare: JSON whose accessToken is not a string, holding a refresh token.
    await s3.put('authorizations/broken.json', '{"accessToken": 42, "refreshToken": "AQX-leaked-if-quoted-5555"}');
    // Act
    const error = await rejectionOf(store.read('broken'));
    // Assess
    expect(error).toBeInstanceOf(StoredAuthorizationError);
    expect(error.message).toContain(`s3://${BUCKET}/authorizations/broken.json`);
    expect(error.message).toContain('accessToken');
    expect(error.message).not.toContain('AQX-leaked-if-quoted-5555');
  });

  it('that is not JSON at all is named the same way', async () => {
    // Prepare
    await s3.put('authorizations/cut.json', '{"accessToken": "AQV-half-a-tok');
    // Act
    const error = await rejectionOf(store.readVersioned('cut'));
    // Assess
    expect(error).toBeInstanceOf(StoredAuthorizationError);
    expect(error.message).toBe(`s3://${BUCKET}/authorizations/cut.json starts with "{" but is not valid JSON`);
  });

  it('fails list() by name, while names() still lists it', async () => {
    // Prepare
    await store.write(acme());
    await s3.put('authorizations/broken.json', '{"accessToken": ""}');
    // Act
    const listing = await rejectionOf(store.list());
    // Assess
    expect(listing).toBeInstanceOf(StoredAuthorizationError);
    expect(listing.message).toContain('authorizations/broken.json');
    await expect(store.names()).resolves.toEqual(['acme', 'broken']);
  });
});

/**
 * s3rver answers every truncated ListObjectsV2 page with a continuation token it encrypts with
 * single DES, which OpenSSL 3 (this Node) refuses: any second page fails. Three-key 3DES with the
 * same key three times is single DES, and OpenSSL 3 still has it, so s3rver's calls are redirected
 * to it for these tests only: the pages are then exactly s3rver's.
 */
const withSingleDesForS3rver = (): (() => void) => {
  const { createCipheriv, createDecipheriv } = crypto;
  const tripled = (key: crypto.CipherKey) => Buffer.concat([key, key, key] as Buffer[]);
  const cipher = jest
    .spyOn(crypto, 'createCipheriv')
    .mockImplementation(((algorithm: string, key: Buffer, iv: Buffer) =>
      algorithm === 'des' ? createCipheriv('des-ede3-cbc', tripled(key), iv) : createCipheriv(algorithm, key, iv)) as never);
  const decipher = jest
    .spyOn(crypto, 'createDecipheriv')
    .mockImplementation(((algorithm: string, key: Buffer, iv: Buffer) =>
      algorithm === 'des' ? createDecipheriv('des-ede3-cbc', tripled(key), iv) : createDecipheriv(algorithm, key, iv)) as never);
  return () => {
    cipher.mockRestore();
    decipher.mockRestore();
  };
};

describe('listing', () => {
  let restore: () => void;

  beforeEach(() => {
    restore = withSingleDesForS3rver();
  });

  afterEach(() => restore());

  it('pages through every authorization (7 pages of 4) and reads them all, skipping keys that are not authorizations', async () => {
    // Prepare: 25 authorizations, a stray key, a "default" object (the default lives in the secret),
    // and another prefix's authorization.
    const paged = s3AuthorizationStore({ s3: s3.client, bucket: BUCKET, pageSize: 4, readConcurrency: 3 });
    const names = Array.from({ length: 25 }, (_, k) => `customer-${String(k).padStart(2, '0')}`);
    for (const name of names) await paged.write(acme({ name, accessToken: `AQV-token-of-${name}-0123456789` }));
    await s3.put('authorizations/README.txt', 'operators: see docs/tokens.md');
    await s3.put('authorizations/default.json', JSON.stringify({ accessToken: 'AQV-not-here-0123456789' }));
    await s3.put('other/acme.json', JSON.stringify({ accessToken: 'AQV-other-prefix-0123456789' }));
    const send = jest.spyOn(s3.client, 'send');
    // Act
    const listed = await paged.names();
    const all = await paged.list();
    // Assess: 28 keys under the prefix, 4 a page, listed twice.
    expect(send.mock.calls.filter(([command]) => command instanceof ListObjectsV2Command)).toHaveLength(2 * 7);
    expect(listed).toEqual(names);
    expect(all.map((authorization) => [authorization.name, authorization.accessToken])).toEqual(
      names.map((name) => [name, `AQV-token-of-${name}-0123456789`]),
    );
  });

  it('of an empty store is empty', async () => {
    // Act, Assess
    await expect(store.names()).resolves.toEqual([]);
    await expect(store.list()).resolves.toEqual([]);
  });
});

/** The token secret's part, in memory: it holds the default authorization only, as secret-store.ts does. */
const secretHolding = (initial?: Authorization): AuthorizationWriter => {
  let value = initial;
  return {
    read: async (name) => (name === 'default' ? value : undefined),
    list: async () => (value ? [value] : []),
    write: async (authorization) => {
      value = authorization;
    },
  };
};

describe('authorizationStores', () => {
  const theDefault = acme({ name: 'default', accessToken: 'AQV-default-token-0123456789' });

  it('sends "default" to the token secret and every other name to the token store', async () => {
    // Prepare
    const secret = secretHolding();
    const stores = authorizationStores({ secret, named: store });
    // Act
    await stores.write(theDefault);
    await stores.write(acme());
    // Assess
    await expect(secret.read('default')).resolves.toEqual(theDefault);
    await expect(store.read('acme')).resolves.toEqual(acme());
    await expect(stores.read('default')).resolves.toEqual(theDefault);
    await expect(stores.read('acme')).resolves.toEqual(acme());
  });

  it('lists the default first, then the named ones', async () => {
    // Prepare
    await store.write(acme({ name: 'zeta' }));
    await store.write(acme({ name: 'alpha' }));
    const stores = authorizationStores({ secret: secretHolding(theDefault), named: store });
    // Act
    const listed = await stores.list();
    // Assess
    expect(listed.map((authorization) => authorization.name)).toEqual(['default', 'alpha', 'zeta']);
  });

  it('lists only what is configured, and says which part is missing when a name needs it', async () => {
    // Prepare
    await store.write(acme());
    const namedOnly = authorizationStores({ named: store });
    const secretOnly = authorizationStores({ secret: secretHolding(theDefault) });
    // Act
    const withoutSecret = await rejectionOf(namedOnly.read('default'));
    const withoutStore = await rejectionOf(secretOnly.write(acme()));
    // Assess
    await expect(namedOnly.list()).resolves.toEqual([acme()]);
    await expect(secretOnly.list()).resolves.toEqual([theDefault]);
    expect(withoutSecret).toBeInstanceOf(AuthorizationStoreMissingError);
    expect(withoutSecret.message).toMatch(/token secret, which is not configured/);
    expect(withoutStore).toBeInstanceOf(AuthorizationStoreMissingError);
    expect(withoutStore.message).toMatch(/"acme" is a named authorization, kept in the token store, which is not configured/);
  });

  it('refuses to be built from nothing', () => {
    // Act, Assess
    expect(() => authorizationStores({})).toThrow(TypeError);
  });
});
