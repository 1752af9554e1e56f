/**
 * s3rver (with the multipart list/abort additions of local/) in a process of its own.
 * Env: BENCH_S3_DIR (data directory), BENCH_S3_BUCKET. Sends `{ ready: { endpoint } }` over IPC,
 * closes on the message 'close'. The caller deletes the directory.
 */
import type { AddressInfo } from 'node:net';
import S3rver from 's3rver';
import { addMultipartApis } from '../../local/s3rver-multipart';

const main = async (): Promise<void> => {
  const directory = process.env.BENCH_S3_DIR;
  const bucket = process.env.BENCH_S3_BUCKET;
  if (!directory || !bucket) throw new Error('BENCH_S3_DIR and BENCH_S3_BUCKET are required');
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
  addMultipartApis(server);
  const address = (await server.run()) as AddressInfo;
  process.on('message', (message) => {
    if (message === 'close') void server.close().finally(() => process.exit(0));
  });
  process.send?.({ ready: { endpoint: `http://127.0.0.1:${address.port}` } });
};

main().catch((error: unknown) => {
  process.send?.({ error: String(error) });
  process.exit(1);
});
