/**
 * `npm run bench` measures the copy in a worker bundled like a Lambda (bench/copy/copier.ts); the
 * benchmark is not part of `npm test`, so this checks that the bundle builds and loads (no
 * module-scope CommonJS leftovers, no local-only dependency) and reports a bad mode by name.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { bundleEntry, PROJECT_ROOT } from '../../bench/bundle';

const run = promisify(execFile);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'copier-bundle-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('bundles without s3rver and loads, answering an unknown mode with its name', async () => {
  const bundle = await bundleEntry(path.join(PROJECT_ROOT, 'bench', 'copy', 'copier.ts'), dir, 'copier');
  expect(Object.keys(bundle.metafile.inputs).filter((input) => input.includes('node_modules/s3rver/'))).toEqual([]);

  const resultFile = path.join(dir, 'result.json');
  const failed = await run(process.execPath, [bundle.file], {
    env: { PATH: process.env.PATH, BENCH_MODE: 'sideways', BENCH_RESULT_FILE: resultFile },
  }).catch((error: { code?: number }) => error);
  expect(failed).toMatchObject({ code: 1 });
  expect(JSON.parse(readFileSync(resultFile, 'utf8'))).toEqual({ error: 'Error: unknown BENCH_MODE sideways', maxRssBytes: 0 });
});
