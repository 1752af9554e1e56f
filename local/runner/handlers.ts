/**
 * The workflow's handlers for an in-process run: the same factories the deployed entries use
 * (lambdas/shared/handlers), given the local runner's clients, configuration and progress sink. Nothing
 * goes through `process.env`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { hostname } from 'node:os';
import { createCheckJobHandler } from '../../lambdas/shared/handlers/check-job';
import { createClaimHandler } from '../../lambdas/shared/handlers/claim-window';
import { createCopyHandler } from '../../lambdas/shared/handlers/copy-to-s3';
import { createCreateJobHandler } from '../../lambdas/shared/handlers/create-job';
import { createFreshnessHandler } from '../../lambdas/shared/handlers/freshness';
import type { CopyDependencies } from '../../lambdas/shared/handlers/dependencies';
import { createPlanHandler } from '../../lambdas/shared/handlers/plan';
import { createSummarizeHandler } from '../../lambdas/shared/handlers/summarize';
import type { WorkflowHandlerModule } from '../../lambdas/shared/contract/names';
import type { HandlerConfig } from '../../lambdas/shared/contract/runtime-config';
import { localOwnerCheck, type OwnerCheck } from '../../lambdas/shared/ledger/liveness';
import { linkedInPerAuthorization } from '../../lambdas/shared/linkedin/from-config';
import type { AuthorizationReader } from '../../lambdas/shared/tokens/ports';
import { localAuthorizationPlace, plainTokenAuthorizations } from './local-tokens';
import { isRunningHere } from './running-executions';
import { createStreamLogger } from './log-stream';

/** A handler as Lambda calls it. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

export interface LocalHandlerOptions {
  config: HandlerConfig;
  /**
   * Where each pair's token comes from: `npm start`'s authorizations (local-tokens.ts), or, given
   * `token` only, one default authorization holding that token (a given API's, the benchmarks').
   */
  authorizations?: AuthorizationReader;
  /** A plain access token, as the default authorization, when `authorizations` is not given. */
  token?: string;
  s3: S3Client;
  /** `s3` is AWS S3 rather than a stand-in. */
  s3IsAws: boolean;
  /** LinkedIn is reached over plain http on a loopback host (the simulator). */
  allowHttpLoopback: boolean;
  onProgress?: CopyDependencies['onProgress'];
  /** @default Date.now */
  now?: () => number;
  /** Where the handlers' log lines go (at POWERTOOLS_LOG_LEVEL). @default process.stdout, as on Lambda */
  logStream?: NodeJS.WritableStream;
  /**
   * Whether a ledger claim's owner still runs. @default this process's executions, and other local
   * processes of this host while they exist (no Step Functions API locally)
   */
  ownerCheck?: OwnerCheck;
}

/** This process, as a local claim records it. */
const THIS_PROCESS = { host: hostname(), pid: process.pid };

/** Every handler module, wired to the local runner's dependencies. */
export const createLocalHandlers = (options: LocalHandlerOptions): Record<WorkflowHandlerModule, LambdaHandler> => {
  const now = options.now ?? Date.now;
  const authorizations = options.authorizations ?? plainTokenAuthorizations(options.token ?? '');
  const { linkedIn, token } = linkedInPerAuthorization(options.config, authorizations, now, localAuthorizationPlace);
  const linkedInDeps = { config: options.config, linkedIn, now };
  const copyDeps: CopyDependencies = {
    ...linkedInDeps,
    token,
    s3: options.s3,
    s3IsAws: options.s3IsAws,
    allowHttpLoopback: options.allowHttpLoopback,
    onProgress: options.onProgress,
  };
  const ledgerDeps = { config: options.config, s3: options.s3, now };
  const claimDeps = {
    ...ledgerDeps,
    ownerCheck: options.ownerCheck ?? localOwnerCheck(THIS_PROCESS, isRunningHere),
    process: THIS_PROCESS,
  };
  const handlerOptions = { logger: createStreamLogger(options.logStream ?? process.stdout) };
  // middy's type adds an options parameter that Lambda (and Step Functions) never pass.
  return {
    plan: createPlanHandler(
      () => ({
        config: options.config,
        s3: options.s3,
        linkedIn,
        authorizations: () => authorizations,
        authorizationPlace: localAuthorizationPlace,
        now,
      }),
      handlerOptions,
    ) as LambdaHandler,
    'claim-window': createClaimHandler(() => claimDeps, handlerOptions) as LambdaHandler,
    'create-job': createCreateJobHandler(() => ({ ...linkedInDeps, s3: options.s3 }), handlerOptions) as LambdaHandler,
    'check-job': createCheckJobHandler(() => linkedInDeps, handlerOptions) as LambdaHandler,
    'copy-to-s3': createCopyHandler(() => copyDeps, handlerOptions) as LambdaHandler,
    summarize: createSummarizeHandler(() => ({ config: options.config, s3: options.s3, now }), handlerOptions) as LambdaHandler,
    freshness: createFreshnessHandler(() => ledgerDeps, handlerOptions) as LambdaHandler,
  };
};
