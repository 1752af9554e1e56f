/**
 * `runLocal`: the embedded default end to end. Synthesizes the stack, starts what is missing
 * (the LinkedIn simulator, an s3rver), sets the environment the Lambdas read, executes the
 * synthesized ASL with the real handlers in-process, checks every landed object, and stops what
 * it started. `npm start` and the end-to-end tests both call it.
 */
import './quiet-env';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { StackConfigInput } from '../../infra/config';
import { DEFAULT_DOWNLOAD_HOSTS } from '../../infra/config';
import { resetRuntimeConfig } from '../../lambdas/shared/config';
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/error-names';
import { createLinkedInClient } from '../../lambdas/shared/linkedin/from-config';
import { DEFAULT_LINKEDIN_API_URL } from '../../lambdas/shared/linkedin/client';
import { resetClients } from '../../lambdas/shared/runtime/clients';
import { copyProgress, type CopyProgress } from '../../lambdas/shared/runtime/progress';
import type { ExecutionOutput, ExportResult } from '../../lambdas/shared/workflow/state';
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator';
import { parseS3Uri, S3RVER_CREDENTIALS, s3ClientConfig, startLocalS3, type LocalS3 } from '../s3';
import { DEFAULT_BUCKET, DEFAULT_TIME_SCALE, SIMULATOR_CONTRACT } from './defaults';
import { applyEnv } from './env';
import { executeWorkflow, type ExecutionOutcome } from './execute';
import { createRetryNarrator, describeExecutionEvent, type RunEvent } from './progress';
import { buildExecutionInput, type ExportRequest } from './request';
import { loadLocalWorkflow } from './workflow';

export { DEFAULT_BUCKET, DEFAULT_TIME_SCALE, SIMULATOR_CONTRACT };
/** Error name of a landed object that does not match what the execution reported. */
export const LANDED_OBJECT_MISMATCH = 'LandedObjectMismatch';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export interface RunLocalOptions extends ExportRequest {
  /** `--input` text (JSON); when set, the request fields above are ignored. */
  inputText?: string;
  /** A LinkedIn API base URL; without it a simulator is started. */
  linkedInUrl?: string;
  /** The Bearer token for `linkedInUrl`. */
  token?: string;
  /** An S3-compatible endpoint (path-style); without it and without `bucket`, an s3rver is started. */
  s3Endpoint?: string;
  /** With `s3Endpoint`: a bucket there; alone: a real AWS S3 bucket. */
  bucket?: string;
  /** Key prefix (the deployment's KEY_PREFIX by default). */
  prefix?: string;
  region?: string;
  /** @default DEFAULT_TIME_SCALE */
  timeScale?: number;
  /** A running simulator to use instead of starting one (left running). */
  simulator?: Simulator;
  /** Options of the simulator the runner starts. */
  simulatorOptions?: SimulatorOptions;
  /** Where a started s3rver keeps its data. @default .local/s3 */
  s3Directory?: string;
  /** Merged over cdk.json's `salesNavExport` before synthesis (e.g. poll policy in tests). */
  stackConfig?: Partial<StackConfigInput>;
  /** Progress, in order. */
  onEvent?: (event: RunEvent) => void;
}

/** One object written, as the `--json` document lists it (the manifest is beside the CSV). */
export type LandedExport = Omit<ExportResult, 'manifestUri'>;

export interface RunLocalResult {
  status: 'SUCCEEDED' | 'FAILED';
  error: string | null;
  cause: string | null;
  exports: LandedExport[];
  executionName: string;
  /** Where the objects are. */
  s3: {
    bucket: string;
    endpoint?: string;
    /** The s3rver data directory, when the runner started one. */
    directory?: string;
    /** s3Uri → the local file holding the CSV (s3rver only). */
    files: Record<string, string>;
  };
  linkedIn: { baseUrl: string; simulated: boolean };
  durationMs: number;
}

/** The `--json` document. */
export const jsonDocument = (result: RunLocalResult) => ({
  status: result.status,
  error: result.error,
  cause: result.cause,
  exports: result.exports,
});

const landed = (result: ExportResult): LandedExport => ({
  exportType: result.exportType,
  contract: result.contract,
  startAt: result.startAt,
  endAt: result.endAt,
  jobIds: result.jobIds,
  rowCount: result.rowCount,
  bytes: result.bytes,
  sha256: result.sha256,
  s3Uri: result.s3Uri,
  empty: result.empty,
});

const failure = (error: unknown): { error: string; cause: string } =>
  error instanceof Error ? { error: error.name, cause: error.message } : { error: 'Error', cause: String(error) };

/** Parses `--input` text; a problem is InvalidInput, like the Plan state would report. */
const parseInputText = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NamedError(ERROR_NAMES.invalidInput, `--input is not valid JSON: ${(error as Error).message}`);
  }
};

/** The contracts to configure when the input names none. */
const resolveContracts = async (
  options: RunLocalOptions,
  apiUrl: string,
  token: string | undefined,
  simulated: boolean,
): Promise<string[]> => {
  if (options.contracts?.length) return [...options.contracts];
  if (simulated) return [SIMULATOR_CONTRACT];
  const client = createLinkedInClient({ LINKEDIN_API_URL: apiUrl, LINKEDIN_TIMEOUT_MS: 30_000, LINKEDIN_ACCESS_TOKEN: token });
  const contracts = await client.listContracts();
  const reporting = contracts.filter((contract) => contract.hasReportingAccess).map((contract) => contract.contract);
  if (reporting.length === 0) {
    throw new NamedError(
      ERROR_NAMES.forbidden,
      `None of the token's ${contracts.length} contract(s) has reporting access; pass --contract or use a reporting user's token`,
    );
  }
  return reporting;
};

/** Checks that each object is where the execution says, with the size it reported. */
const verifyLanded = async (client: S3Client, exports: LandedExport[]): Promise<void> => {
  for (const item of exports) {
    const { bucket, key } = parseS3Uri(item.s3Uri);
    let size: number | undefined;
    try {
      size = (await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).ContentLength;
    } catch (error) {
      throw new NamedError(ERROR_NAMES.config, `${item.s3Uri} is not readable after the run: ${(error as Error).name}`, { cause: error });
    }
    if (size !== item.bytes) {
      const mismatch = new Error(`${item.s3Uri} holds ${size} bytes, the execution reported ${item.bytes}`);
      mismatch.name = LANDED_OBJECT_MISMATCH;
      throw mismatch;
    }
  }
};

let running = false;

/**
 * Runs the workflow locally once. Never throws for a failed run: the result says FAILED with
 * the error name and cause (the execution's, or what stopped it from starting).
 *
 * @throws Error only when called while another run is in progress in this process (the
 *   handlers share `process.env`)
 */
export const runLocal = async (options: RunLocalOptions = {}): Promise<RunLocalResult> => {
  if (running) throw new Error('runLocal is already running in this process (the Lambdas share process.env)');
  running = true;
  const started = Date.now();
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const cleanups: Array<() => Promise<void> | void> = [];
  const executionName = `local-${new Date(started).toISOString().replace(/[:.]/g, '-')}`;
  const simulated = options.linkedInUrl === undefined;
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  const result: RunLocalResult = {
    status: 'FAILED',
    error: null,
    cause: null,
    exports: [],
    executionName,
    s3: { bucket, files: {} },
    linkedIn: { baseUrl: options.linkedInUrl ?? '', simulated },
    durationMs: 0,
  };

  try {
    const input = options.inputText !== undefined ? parseInputText(options.inputText) : buildExecutionInput(options);

    emit({ kind: 'info', message: 'Synthesizing the CDK app (the state machine that would deploy)…' });
    const workflow = await loadLocalWorkflow(options.stackConfig);

    // --- S3 --------------------------------------------------------------------------------------
    let localS3: LocalS3 | undefined;
    // No endpoint and no bucket: s3rver. An endpoint: that S3-compatible store. A bucket alone: AWS S3.
    let endpoint = options.s3Endpoint;
    if (options.s3Endpoint === undefined && options.bucket === undefined) {
      localS3 = await startLocalS3({ bucket, directory: options.s3Directory });
      cleanups.push(() => localS3!.close());
      endpoint = localS3.endpoint;
      result.s3.directory = localS3.directory;
      emit({ kind: 'info', message: `Local S3 (s3rver) at ${localS3.endpoint}, data in ${localS3.directory}` });
    }
    result.s3.endpoint = endpoint;

    // --- LinkedIn -----------------------------------------------------------------------------------
    let apiUrl = options.linkedInUrl ?? DEFAULT_LINKEDIN_API_URL;
    let token = options.token;
    if (simulated) {
      const simulator = options.simulator ?? (await startSimulator(options.simulatorOptions));
      if (!options.simulator) cleanups.push(() => simulator.close());
      apiUrl = simulator.baseUrl;
      token = simulator.token;
      emit({ kind: 'info', message: `LinkedIn simulator at ${simulator.baseUrl}` });
    }
    result.linkedIn.baseUrl = apiUrl;
    const apiHost = new URL(apiUrl);
    const loopback = LOOPBACK_HOSTS.has(apiHost.hostname);

    const inputNamesContracts = input !== null && typeof input === 'object' && 'contracts' in input;
    const contracts = inputNamesContracts && !options.contracts ? undefined : await resolveContracts(options, apiUrl, token, simulated);

    // --- The Lambdas' environment ---------------------------------------------------------------------
    const allowedHosts = (workflow.environment.ALLOWED_DOWNLOAD_HOSTS ?? DEFAULT_DOWNLOAD_HOSTS.join(',')).split(',').filter(Boolean);
    if (!allowedHosts.includes(apiHost.hostname)) allowedHosts.push(apiHost.hostname);
    const { NODE_OPTIONS: _nodeOptions, ...templateEnv } = workflow.environment;
    const restoreEnv = applyEnv({
      ...templateEnv,
      ...(contracts && { CONTRACTS: contracts.join(',') }),
      ...(options.prefix !== undefined && { KEY_PREFIX: options.prefix }),
      BUCKET_NAME: bucket,
      S3_ENDPOINT: endpoint,
      LINKEDIN_API_URL: apiUrl,
      LINKEDIN_ACCESS_TOKEN: token,
      LINKEDIN_TOKEN_SECRET_ID: undefined,
      ALLOWED_DOWNLOAD_HOSTS: allowedHosts.join(','),
      ALLOW_HTTP_LOOPBACK: String(loopback && apiHost.protocol === 'http:'),
      AWS_REGION: options.region ?? process.env.AWS_REGION ?? 'us-east-1',
      ...(localS3 && {
        AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
        AWS_SESSION_TOKEN: undefined,
      }),
    });
    cleanups.push(restoreEnv);
    resetRuntimeConfig();
    resetClients();
    cleanups.push(() => {
      resetClients();
      resetRuntimeConfig();
    });

    // --- Progress ---------------------------------------------------------------------------------------
    const copyStarts = new Map<string, number>();
    const onCopy = (progress: CopyProgress) => {
      const key = `${progress.exportType}|${progress.contract}|${progress.startAt}`;
      const since = copyStarts.get(key) ?? Date.now();
      copyStarts.set(key, since);
      const seconds = (Date.now() - since) / 1000;
      emit({
        kind: 'copyProgress',
        export: {
          exportType: progress.exportType,
          contract: progress.contract,
          window: { startAt: progress.startAt, endAt: progress.endAt },
        },
        bytes: progress.bytes,
        total: progress.total,
        bytesPerSecond: seconds > 0 ? progress.bytes / seconds : 0,
      });
    };
    copyProgress.on('progress', onCopy);
    cleanups.push(() => void copyProgress.off('progress', onCopy));

    const landedSoFar: LandedExport[] = [];
    const narrate = createRetryNarrator();
    emit({ kind: 'info', message: `Execution ${executionName} (time scale ${options.timeScale ?? DEFAULT_TIME_SCALE})` });
    const outcome: ExecutionOutcome = await executeWorkflow({
      workflow,
      input,
      name: executionName,
      startTime: new Date(started),
      timeScale: options.timeScale ?? DEFAULT_TIME_SCALE,
      onEvent: (event) => {
        const described = narrate(event, describeExecutionEvent(event));
        if (!described) return;
        if (described.kind === 'copyStarted')
          copyStarts.delete(`${described.export.exportType}|${described.export.contract}|${described.export.window?.startAt}`);
        if (described.kind === 'landed') landedSoFar.push(landed(described.result));
        emit(described);
      },
    });

    if (outcome.status === 'SUCCEEDED') {
      result.exports = (outcome.output as ExecutionOutput).exports.map(landed);
      const client = new S3Client({ ...s3ClientConfig(endpoint, process.env.AWS_REGION) });
      try {
        await verifyLanded(client, result.exports);
      } finally {
        client.destroy();
      }
      result.status = 'SUCCEEDED';
    } else {
      // What landed before the failure is still there (and verified by the copy step).
      result.exports = landedSoFar;
      result.error = outcome.error;
      result.cause = outcome.cause;
    }
    if (localS3) {
      for (const item of result.exports) result.s3.files[item.s3Uri] = localS3.objectPath(parseS3Uri(item.s3Uri).key);
    }
  } catch (error) {
    result.status = 'FAILED';
    ({ error: result.error, cause: result.cause } = failure(error));
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // Stopping a local server must not hide the run's own outcome.
      }
    }
    result.durationMs = Date.now() - started;
    running = false;
  }
  return result;
};
