/**
 * `npm start`'s authorization store (local/tokens/local-store.ts) and its token secret
 * (local/tokens/local-secret.ts), on real files: what is kept where, owner-only modes, atomic
 * replacement, compare-and-set, and the version semantics the rotation relies on.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type Authorization, serializeAuthorization, StoredAuthorizationError } from '../../lambdas/shared/tokens/authorization';
import { CURRENT_STAGE, PENDING_STAGE, PREVIOUS_STAGE } from '../../lambdas/shared/tokens/versioned-secret';
import { localSecret } from '../../local/tokens/local-secret';
import { localAuthorizationStore, localTokenSecret } from '../../local/tokens/local-store';
import { rejectionOf } from '../helpers/rejection';

const NOW = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;

const authorization = (name: string, accessToken = `AQV-${name}-token-0123456789`): Authorization => ({
  name,
  accessToken,
  expiresAt: NOW + 50 * DAY,
  refreshToken: `AQX-${name}-refresh-0123456789`,
  refreshTokenExpiresAt: NOW + 300 * DAY,
  scope: 'r_sales_nav_analytics',
  authorizedAt: NOW - 10 * DAY,
  contracts: ['urn:li:contract:123456'],
});

let root: string;
let directory: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'local-tokens-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

beforeEach(async () => {
  directory = await mkdtemp(path.join(root, 'store-'));
});

const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe('localAuthorizationStore', () => {
  it('keeps the default authorization in the local token secret and named ones as named/<name>.json', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    // Act
    await store.write(authorization('default'));
    await store.write(authorization('acme'));
    await store.write(authorization('beta'));
    // Assess
    expect(await store.names()).toEqual(['default', 'acme', 'beta']);
    expect(await store.list()).toEqual([authorization('default'), authorization('acme'), authorization('beta')]);
    expect(await store.read('acme')).toEqual(authorization('acme'));
    expect(await readdir(path.join(directory, 'named'))).toEqual(['acme.json', 'beta.json']);
    expect(await readFile(path.join(directory, 'named', 'acme.json'), 'utf8')).toBe(serializeAuthorization(authorization('acme')));
    const current = JSON.parse(await readFile(path.join(directory, 'default', 'current.json'), 'utf8'));
    expect(current.value).toBe(serializeAuthorization(authorization('default')));
    // The rotation reads the same default through the local token secret.
    expect(await localTokenSecret(directory).value(CURRENT_STAGE)).toBe(serializeAuthorization(authorization('default')));
  });

  it('writes owner-only files (0600) in owner-only directories (0700), and leaves no temporary file behind', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    // Act
    await store.write(authorization('default'));
    await store.write(authorization('default', 'AQV-default-renewed-0123456789'));
    await store.write(authorization('acme'));
    await store.write(authorization('acme', 'AQV-acme-renewed-0123456789'));
    // Assess
    expect(await mode(path.join(directory, 'named', 'acme.json'))).toBe(0o600);
    expect(await mode(path.join(directory, 'default', 'current.json'))).toBe(0o600);
    expect(await mode(path.join(directory, 'default', 'previous.json'))).toBe(0o600);
    expect(await mode(path.join(directory, 'named'))).toBe(0o700);
    expect(await readdir(path.join(directory, 'named'))).toEqual(['acme.json']);
    expect(await readdir(path.join(directory, 'default'))).toEqual(['current.json', 'previous.json']);
  });

  it('an empty store has no names and reads nothing', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    // Act
    const [names, listed, read] = await Promise.all([store.names(), store.list(), store.read('default')]);
    // Assess
    expect([names, listed, read]).toEqual([[], [], undefined]);
  });

  it('a named record’s version is the SHA-256 of its file; writeIf refuses a record that changed since it was read', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    await store.write(authorization('acme'));
    const read = (await store.readVersioned('acme'))!;
    const renewed = authorization('acme', 'AQV-acme-refreshed-0123456789');
    const reauthorized = authorization('acme', 'AQV-acme-reauthorized-0123456789');
    // Act: an `authorize` lands between the refresh's read and its write.
    await store.write(reauthorized);
    const lost = await store.writeIf(renewed, read.version);
    const fresh = (await store.readVersioned('acme'))!;
    const won = await store.writeIf(renewed, fresh.version);
    // Assess
    expect(read.version).toBe(
      createHash('sha256')
        .update(serializeAuthorization(authorization('acme')))
        .digest('hex'),
    );
    expect(lost).toBe(false);
    expect(won).toBe(true);
    expect(await store.read('acme')).toEqual(renewed);
    expect(await store.writeIf(authorization('nobody'), read.version)).toBe(false);
  });

  it('the default authorization’s version is its AWSCURRENT version id, compared the same way', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    await store.write(authorization('default'));
    const read = (await store.readVersioned('default'))!;
    const currentAtRead = (await localTokenSecret(directory).versions()).current;
    // Act
    await store.write(authorization('default', 'AQV-default-reauthorized-0123456789'));
    const lost = await store.writeIf(authorization('default', 'AQV-default-refreshed-0123456789'), read.version);
    const fresh = (await store.readVersioned('default'))!;
    const won = await store.writeIf(authorization('default', 'AQV-default-refreshed-0123456789'), fresh.version);
    // Assess
    expect(read.version).toBe(currentAtRead);
    expect(fresh.version).not.toBe(read.version);
    expect(lost).toBe(false);
    expect(won).toBe(true);
    expect((await store.read('default'))?.accessToken).toBe('AQV-default-refreshed-0123456789');
  });

  it('refuses a name that is not an authorization name before it becomes a path', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    // Act
    const errors = await Promise.all([rejectionOf(store.read('../default/current')), rejectionOf(store.write(authorization('a/b')))]);
    // Assess
    for (const error of errors) expect(error.message).toMatch(/^".*" is not an authorization name/);
    expect(await readdir(directory)).toEqual([]);
  });

  it('a named file that is not a usable record is a StoredAuthorizationError naming the file, never quoting it', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    await mkdir(path.join(directory, 'named'), { recursive: true });
    const file = path.join(directory, 'named', 'acme.json');
    await writeFile(file, '{"refreshToken": "AQX-leaked-refresh-token"}');
    // Act
    const error = await rejectionOf(store.read('acme'));
    // Assess
    expect(error).toBeInstanceOf(StoredAuthorizationError);
    expect(error.message).toBe(
      `The local authorization file ${file} is JSON with unusable field(s): accessToken (a non-empty string "accessToken" is required)`,
    );
    expect(error.message).not.toContain('AQX-leaked-refresh-token');
  });

  it('ignores files in named/ that are not authorizations', async () => {
    // Prepare
    const store = localAuthorizationStore(directory);
    await store.write(authorization('acme'));
    await writeFile(path.join(directory, 'named', 'notes.txt'), 'hand-written notes');
    await writeFile(path.join(directory, 'named', '.hidden.json'), '{}');
    // Act
    const names = await store.names();
    // Assess
    expect(names).toEqual(['acme']);
  });
});

describe('localSecret (the versions a local rotation works with)', () => {
  it('keeps AWSCURRENT, AWSPENDING and AWSPREVIOUS as files with version ids, as Secrets Manager keeps labels', async () => {
    // Prepare
    const secret = localSecret(directory);
    const first = await secret.putCurrent('first');
    // Act
    await secret.putPending('rotation-1', 'candidate');
    const during = await secret.versions();
    await secret.promote('rotation-1');
    const after = await secret.versions();
    // Assess
    expect(during).toEqual({ rotationEnabled: true, current: first, pending: 'rotation-1' });
    expect(after).toEqual({ rotationEnabled: true, current: 'rotation-1' });
    expect(await secret.value(CURRENT_STAGE)).toBe('candidate');
    expect(await secret.value(PREVIOUS_STAGE)).toBe('first');
    expect(await secret.value(first)).toBe('first');
    expect(await secret.value(PENDING_STAGE)).toBeUndefined();
    expect(await secret.value('no-such-version')).toBeUndefined();
  });

  it('putPending again with the same value is a no-op; with another value it is refused', async () => {
    // Prepare
    const secret = localSecret(directory);
    await secret.putCurrent('first');
    await secret.putPending('rotation-1', 'candidate');
    // Act
    await secret.putPending('rotation-1', 'candidate');
    const error = await rejectionOf(secret.putPending('rotation-1', 'another'));
    // Assess
    expect(error.message).toBe(`Version rotation-1 of the local token secret ${directory} already exists with another value`);
    expect(await secret.value('rotation-1')).toBe('candidate');
  });

  it('promote is a no-op once done, and refuses a version that is not pending', async () => {
    // Prepare
    const secret = localSecret(directory);
    await secret.putCurrent('first');
    await secret.putPending('rotation-1', 'candidate');
    await secret.promote('rotation-1');
    // Act
    await secret.promote('rotation-1');
    const error = await rejectionOf(secret.promote('rotation-2'));
    // Assess
    expect(error.message).toBe(`Version rotation-2 of the local token secret ${directory} is not pending: nothing to make current`);
    expect(await secret.value(PREVIOUS_STAGE)).toBe('first');
  });

  it('dropPending removes only the named pending version', async () => {
    // Prepare
    const secret = localSecret(directory);
    await secret.putPending('rotation-1', 'candidate');
    // Act
    await secret.dropPending('rotation-2');
    const kept = (await secret.versions()).pending;
    await secret.dropPending('rotation-1');
    // Assess
    expect(kept).toBe('rotation-1');
    expect((await secret.versions()).pending).toBeUndefined();
  });

  it('a version file that is not {"versionId", "value"} is refused, naming the file but not its content', async () => {
    // Prepare
    await writeFile(path.join(directory, 'current.json'), 'AQV-a-plain-token-pasted-here');
    // Act
    const error = await rejectionOf(localSecret(directory).versions());
    // Assess
    expect(error.message).toBe(
      `${path.join(directory, 'current.json')} is not a version of the local token secret ${directory} (JSON {"versionId", "value"}): delete it and authorize again`,
    );
    expect(error.message).not.toContain('AQV-a-plain-token-pasted-here');
  });
});
