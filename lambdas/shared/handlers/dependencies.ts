/**
 * What each handler needs from outside, injected: the deployed entries (lambdas/*.ts) pass the
 * real clients and configuration, the local runner and the benchmark pass theirs. Nothing here
 * reads `process.env` or holds module state, so one process can run several configurations.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { HandlerConfig } from '../contract/runtime-config';
import type { LinkedInClient } from '../linkedin/client';
import type { OwnerCheck } from '../ledger/liveness';
import type { AuthorizationReader } from '../tokens/ports';

export interface PlanDependencies {
  readonly config: HandlerConfig;
  /** Where the Plan writes the run's items (the export bucket). */
  readonly s3: S3Client;
  /** LinkedIn under an authorization, asked only when the Plan discovers contracts (DISCOVER_CONTRACTS). */
  readonly linkedIn: (authorization: string) => LinkedInClient;
  /** Every authorization, read once per run to give each pair the one covering its contract (docs/tokens.md). */
  readonly authorizations: () => AuthorizationReader;
  /** Where an authorization of this name is kept, for the "never put" message (the same the token source names). */
  readonly authorizationPlace: (name: string) => string;
  /** Epoch ms: whether an authorization has expired. */
  readonly now: () => number;
}

export interface SummarizeDependencies {
  readonly config: HandlerConfig;
  /** Reads the Map Run's results, writes the run report. */
  readonly s3: S3Client;
  /** Epoch ms: the report's time. */
  readonly now: () => number;
}

/** What the steps that read and write the export ledger need (docs/design.md, "Exactly once"). */
export interface LedgerDependencies {
  readonly config: HandlerConfig;
  /** The export bucket, which holds the ledger. */
  readonly s3: S3Client;
  /** Epoch ms. */
  readonly now: () => number;
}

/** The claim step: the ledger, and whether another claim's owner still runs. */
export interface ClaimDependencies extends LedgerDependencies {
  readonly ownerCheck: OwnerCheck;
  /** Local runs: this process, recorded in the claim so a later local run can tell it is gone. */
  readonly process?: { host: string; pid: number };
}

export interface LinkedInDependencies {
  readonly config: HandlerConfig;
  /** LinkedIn under the pair's authorization (tokens/authorization.ts DEFAULT_AUTHORIZATION when it names none). */
  readonly linkedIn: (authorization: string) => LinkedInClient;
  /** Epoch ms: job creation times and deadlines. */
  readonly now: () => number;
}

/** Bytes copied so far of one export (never its URL). */
export interface CopyProgress {
  exportType: string;
  contract: string;
  startAt: number;
  endAt: number;
  bytes: number;
  total: number;
}

/** The create step: LinkedIn, and the ledger where the job's creation is recorded. */
export interface CreateJobDependencies extends LinkedInDependencies {
  readonly s3: S3Client;
}

export interface CopyDependencies extends LinkedInDependencies {
  readonly s3: S3Client;
  /** The pair's authorization's access token, for the download's `Authorization` header. */
  readonly token: (authorization: string) => Promise<string>;
  /** `s3` is AWS S3: record S3's own checksum of each object (stand-ins compute none worth keeping). */
  readonly s3IsAws: boolean;
  /** Plain http to an allowlisted loopback host (the local simulator); never set when deployed. */
  readonly allowHttpLoopback?: boolean;
  readonly onProgress?: (progress: CopyProgress) => void;
}

/**
 * Dependencies are resolved on the first invocation, inside the middleware chain: a deployed
 * Lambda whose environment is wrong fails that invocation as `ConfigError` (routed by the state
 * machine and counted in the HandlerErrors metric) instead of failing its module import.
 */
export type Provide<D> = () => D;
