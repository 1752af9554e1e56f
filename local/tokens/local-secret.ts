/**
 * `npm start`'s stand-in for the token secret: the VersionedSecret interface
 * (lambdas/shared/tokens/versioned-secret.ts) over files in one directory, so the local run drives
 * the same rotation code (lambdas/shared/tokens/rotation.ts) as the deployed rotation function.
 *
 * Each staging label is a file holding `{"versionId", "value"}`: current.json (AWSCURRENT),
 * pending.json (AWSPENDING), previous.json (AWSPREVIOUS). Files are owner-only (0600, directory
 * 0700) because the values are tokens, and replaced by an atomic rename, so a reader sees the old
 * version or the new one, never half of one. Errors name files and version ids, never a value.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  CURRENT_STAGE,
  PENDING_STAGE,
  PREVIOUS_STAGE,
  type SecretVersions,
  type VersionedSecret,
} from '../../lambdas/shared/tokens/versioned-secret';

interface StoredVersion {
  readonly versionId: string;
  readonly value: string;
}

const FILE_OF_STAGE = {
  [CURRENT_STAGE]: 'current.json',
  [PENDING_STAGE]: 'pending.json',
  [PREVIOUS_STAGE]: 'previous.json',
} as const;
type Stage = keyof typeof FILE_OF_STAGE;
const STAGES = Object.keys(FILE_OF_STAGE) as Stage[];

const isMissing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';

/**
 * Writes `content` to `file` so that it appears whole or not at all, readable by its owner only.
 * The temporary name is unique per write, so two writers never share one.
 */
export const writeFileAtomically = async (file: string, content: string): Promise<void> => {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
};

/** The file's text, or undefined when it does not exist. */
export const readFileIfPresent = async (file: string): Promise<string | undefined> => {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
};

/** The local token secret in `directory` (created on the first write). Rotation is always enabled: the local runner decides when to rotate. */
export const localSecret = (directory: string): VersionedSecret => {
  const name = `local token secret ${directory}`;
  const fileOf = (stage: Stage) => path.join(directory, FILE_OF_STAGE[stage]);

  const read = async (stage: Stage): Promise<StoredVersion | undefined> => {
    const text = await readFileIfPresent(fileOf(stage));
    if (text === undefined) return undefined;
    let stored: unknown;
    try {
      stored = JSON.parse(text);
    } catch {
      stored = undefined;
    }
    const { versionId, value } = (stored ?? {}) as Partial<StoredVersion>;
    if (typeof versionId !== 'string' || versionId.length === 0 || typeof value !== 'string') {
      throw new Error(`${fileOf(stage)} is not a version of the ${name} (JSON {"versionId", "value"}): delete it and authorize again`);
    }
    return { versionId, value };
  };
  const write = (stage: Stage, version: StoredVersion) => writeFileAtomically(fileOf(stage), `${JSON.stringify(version)}\n`);

  /** Keeps the version that stops being current as AWSPREVIOUS, as Secrets Manager does. */
  const keepPrevious = async (): Promise<void> => {
    const current = await read(CURRENT_STAGE);
    if (current) await write(PREVIOUS_STAGE, current);
  };

  return {
    name,
    versions: async (): Promise<SecretVersions> => {
      const [current, pending] = await Promise.all([read(CURRENT_STAGE), read(PENDING_STAGE)]);
      return { rotationEnabled: true, ...(current && { current: current.versionId }), ...(pending && { pending: pending.versionId }) };
    },
    value: async (versionIdOrStage) => {
      if ((STAGES as string[]).includes(versionIdOrStage)) return (await read(versionIdOrStage as Stage))?.value;
      for (const stage of STAGES) {
        const version = await read(stage);
        if (version?.versionId === versionIdOrStage) return version.value;
      }
      return undefined;
    },
    putPending: async (versionId, value) => {
      for (const stage of [PENDING_STAGE, CURRENT_STAGE] as const) {
        const existing = await read(stage);
        if (existing?.versionId !== versionId) continue;
        // Secrets Manager's rule for a ClientRequestToken used again: the same value is a no-op, another is refused.
        if (existing.value === value) return;
        throw new Error(`Version ${versionId} of the ${name} already exists with another value`);
      }
      await write(PENDING_STAGE, { versionId, value });
    },
    promote: async (versionId) => {
      if ((await read(CURRENT_STAGE))?.versionId === versionId) return;
      if ((await read(PENDING_STAGE))?.versionId !== versionId) {
        throw new Error(`Version ${versionId} of the ${name} is not pending: nothing to make current`);
      }
      await keepPrevious();
      // One rename moves the value and the AWSPENDING label together.
      await rename(fileOf(PENDING_STAGE), fileOf(CURRENT_STAGE));
    },
    dropPending: async (versionId) => {
      if ((await read(PENDING_STAGE))?.versionId === versionId) await rm(fileOf(PENDING_STAGE), { force: true });
    },
    putCurrent: async (value) => {
      const versionId = randomUUID();
      await keepPrevious();
      await write(CURRENT_STAGE, { versionId, value });
      return versionId;
    },
  };
};
