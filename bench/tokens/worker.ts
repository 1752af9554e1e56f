/**
 * One measured invocation of the hourly token check (bench/tokens/runs.ts starts it under tsx):
 * createTokensHandler wired as the deployed entry (lambdas/tokens.ts) wires it, but to the counting
 * s3rver and the simulator's OAuth endpoints that the benchmark's own process holds, so this
 * process's time and memory are the handler's alone. It writes its figures as JSON to
 * BENCH_RESULT_FILE. The S3 credentials (s3rver's key pair) come from the environment, as for any
 * S3-compatible endpoint.
 */
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';
import { createTokensHandler, type TokensDependencies, type TokensResult } from '../../lambdas/shared/handlers/tokens';
import { createLinkedInOAuth } from '../../lambdas/shared/tokens/oauth-client';
import type { AuthorizationReader } from '../../lambdas/shared/tokens/ports';
import { s3AuthorizationStore } from '../../lambdas/shared/tokens/s3-store';
import { s3ClientConfig } from '../../local/s3-client';
import { runWorker } from '../run-worker';
import { TOKENS_LAMBDA_MEMORY_MB, TOKENS_LAMBDA_TIMEOUT_MS } from './cases';
import type { TokensRunRequest, TokensWorkerResult } from './runs';

const request = JSON.parse(process.env.BENCH_TOKENS_REQUEST ?? '{}') as TokensRunRequest;

/** RSS samples during the invocation: the process's maxRSS also covers tsx compiling the sources before it. */
const RSS_SAMPLE_MS = 10;

/** No token secret here: its one authorization is only read and reported, which the named ones already measure. */
const noDefaultAuthorization: AuthorizationReader = { read: async () => undefined, list: async () => [] };

const contextUntil = (deadline: number): Context =>
  ({
    functionName: 'bench-tokens',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bench-tokens',
    memoryLimitInMB: String(TOKENS_LAMBDA_MEMORY_MB),
    awsRequestId: `bench-${request.label}`,
    logGroupName: 'bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    // Counts down as Lambda's does: the handler starts no refresh with too little left.
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

const main = async (): Promise<Omit<TokensWorkerResult, 'maxRssBytes'>> => {
  const s3 = new S3Client(s3ClientConfig(request.s3Endpoint));
  const dependencies: TokensDependencies = {
    config: RUNTIME_DEFAULTS,
    defaultAuthorization: noDefaultAuthorization,
    named: s3AuthorizationStore({ s3, bucket: request.bucket }),
    oauth: async () =>
      createLinkedInOAuth({ oauthUrl: request.oauthUrl, credentials: { clientId: request.clientId, clientSecret: request.clientSecret } }),
    now: Date.now,
  };
  // middy's type adds an options parameter Lambda never passes.
  const handler = createTokensHandler(() => dependencies) as unknown as (event: unknown, context: Context) => Promise<TokensResult>;
  const rssBeforeBytes = process.memoryUsage.rss();
  let rssPeakSampledBytes = rssBeforeBytes;
  const sampler = setInterval(() => {
    rssPeakSampledBytes = Math.max(rssPeakSampledBytes, process.memoryUsage.rss());
  }, RSS_SAMPLE_MS);
  const cpu = process.cpuUsage();
  const started = performance.now();
  try {
    const result = await handler({ scheduledTime: new Date().toISOString() }, contextUntil(Date.now() + TOKENS_LAMBDA_TIMEOUT_MS));
    const invocationMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    rssPeakSampledBytes = Math.max(rssPeakSampledBytes, process.memoryUsage.rss());
    return {
      counts: {
        checked: result.checked,
        refreshed: result.refreshed,
        refreshFailed: result.refreshFailed,
        refreshPostponed: result.refreshPostponed,
        unusable: result.unusable,
      },
      soonestListed: result.soonest.length,
      invocationMs,
      cpuSeconds: (used.user + used.system) / 1e6,
      rssBeforeBytes,
      rssPeakSampledBytes,
    };
  } finally {
    clearInterval(sampler);
    s3.destroy();
  }
};

runWorker(main);
