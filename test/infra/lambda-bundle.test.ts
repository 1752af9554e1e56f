/**
 * The Lambda bundles replace the SDK's default credential chain with its environment source
 * (infra/bundling.ts): a bundle built with the deployed options still signs requests with the
 * credentials the Lambda runtime puts in the environment, and carries nothing else of the chain.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleEntry } from '../../bench/bundle';
import { type LocalS3, startLocalS3 } from '../helpers/s3rver';

const run = promisify(execFile);

let dir: string;
let s3: LocalS3;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'lambda-bundle-'));
  s3 = await startLocalS3('bundle-check');
});

afterAll(async () => {
  await s3.close();
  rmSync(dir, { recursive: true, force: true });
});

it('signs with the environment credentials and bundles no other credential source', async () => {
  const bundle = await bundleEntry(path.resolve(__dirname, '../fixtures/list-buckets.ts'), dir, 'list-buckets');
  const credentialSources = Object.keys(bundle.metafile.inputs)
    .map((input) => /node_modules\/@aws-sdk\/(credential-provider-[a-z-]+)\//.exec(input)?.[1])
    .filter((name) => name !== undefined);
  expect([...new Set(credentialSources)]).toEqual(['credential-provider-env']);

  // A child node process loads the bundle as the Lambda runtime would (plain ESM, outside jest),
  // with only s3rver's key pair in its environment: s3rver refuses any other.
  const script = `import(${JSON.stringify(pathToFileURL(bundle.file).href)}).then((m) => m.listBuckets(process.argv[1])).then((b) => console.log(JSON.stringify(b)))`;
  const { stdout } = await run(process.execPath, ['-e', script, s3.endpoint], {
    env: {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  expect(JSON.parse(stdout)).toEqual(['bundle-check']);
});
