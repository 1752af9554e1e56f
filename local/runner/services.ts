/**
 * What a local run talks to: an S3 (a started s3rver, an S3-compatible endpoint, or AWS S3) and a
 * LinkedIn API (a started simulator, or a given URL and token). Everything started here is
 * stopped by the returned `close`, in reverse order, whatever happened in between.
 */
import { S3Client } from '@aws-sdk/client-s3';
import { DEFAULT_LINKEDIN_API_URL, LOOPBACK_HOSTS } from '../../lambdas/shared/contract/linkedin-limits';
import { type LocalS3, startLocalS3 } from '../s3';
import { S3RVER_CREDENTIALS, s3ClientConfig } from '../s3-client';
import { type Simulator, type SimulatorOptions, startSimulator } from '../simulator';

export interface ServiceOptions {
  /** A LinkedIn API base URL; without it a simulator is started. */
  linkedInUrl?: string;
  /** The Bearer token for `linkedInUrl`. */
  token?: string;
  /** A running simulator to use instead of starting one (left running). */
  simulator?: Simulator;
  simulatorOptions?: SimulatorOptions;
  /** An S3-compatible endpoint (path-style); without it and without `bucket`, an s3rver is started. */
  s3Endpoint?: string;
  /** With `s3Endpoint`: a bucket there; alone: a real AWS S3 bucket. */
  bucket: string;
  bucketGiven: boolean;
  /** Where a started s3rver keeps its data. */
  s3Directory?: string;
  region?: string;
}

export interface Services {
  s3: { client: S3Client; endpoint?: string; isAws: boolean; local?: LocalS3 };
  linkedIn: { baseUrl: string; token: string | undefined; simulated: boolean; allowHttpLoopback: boolean; simulator?: Simulator };
  close(): Promise<void>;
}

/**
 * @param onInfo told what was started, for the progress display
 */
export const startServices = async (options: ServiceOptions, onInfo: (message: string) => void): Promise<Services> => {
  const stops: Array<() => Promise<void> | void> = [];
  const close = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch {
        // Stopping a local server must not hide the run's own outcome.
      }
    }
  };
  try {
    // No endpoint and no bucket: s3rver. An endpoint: that S3-compatible store. A bucket alone: AWS S3.
    let endpoint = options.s3Endpoint;
    let local: LocalS3 | undefined;
    if (endpoint === undefined && !options.bucketGiven) {
      const started = await startLocalS3({ bucket: options.bucket, directory: options.s3Directory });
      local = started;
      stops.push(() => started.close());
      endpoint = started.endpoint;
      onInfo(`Local S3 (s3rver) at ${started.endpoint}, data in ${started.directory}`);
    }
    const client = new S3Client({
      ...s3ClientConfig(endpoint, options.region),
      ...(local && { credentials: S3RVER_CREDENTIALS }),
    });
    stops.push(() => client.destroy());

    let baseUrl = options.linkedInUrl ?? DEFAULT_LINKEDIN_API_URL;
    let token = options.token;
    let simulator: Simulator | undefined;
    const simulated = options.linkedInUrl === undefined;
    if (simulated) {
      const started = options.simulator ?? (await startSimulator(options.simulatorOptions));
      simulator = started;
      if (!options.simulator) stops.push(() => started.close());
      baseUrl = simulator.baseUrl;
      token = simulator.token;
      onInfo(`LinkedIn simulator at ${simulator.baseUrl}`);
    }
    const api = new URL(baseUrl);
    return {
      s3: { client, endpoint, isAws: endpoint === undefined, local },
      linkedIn: { baseUrl, token, simulated, allowHttpLoopback: api.protocol === 'http:' && LOOPBACK_HOSTS.has(api.hostname), simulator },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
};
