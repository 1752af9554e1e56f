/**
 * `runLocal`: the embedded default end to end. Synthesizes the stack, starts what is missing
 * (the LinkedIn simulator, an s3rver), builds the handlers with the local clients, executes the
 * synthesized ASL with them in-process, checks every landed object, and stops what it started.
 * `npm start` and the end-to-end tests both call it. It never touches `process.env`.
 */
import './quiet-env';
import type { StackConfigInput } from '../../infra/config';
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import type { S3Client } from '@aws-sdk/client-s3';
import { readS3Json } from '../../lambdas/shared/s3-json';
import {
  type FailedPair,
  reportUriFromCause,
  type RunCounts,
  type RunReport,
  runReportSchema,
} from '../../lambdas/shared/contract/run-report';
import { exportTaskSchema } from '../../lambdas/shared/contract/state';
import { failedPairOf } from '../../lambdas/shared/workflow/summarize';
import { resolvePlanRequest, planSettingsFromConfig } from '../../lambdas/shared/workflow/input';
import { inputTextLimitProblem } from '../../lambdas/shared/workflow/input-limits';
import type { Simulator, SimulatorOptions } from '../simulator';
import { parseS3Uri } from '../s3-client';
import { createCopyProgress } from './copy-progress';
import { DEFAULT_BUCKET, DEFAULT_TIME_SCALE, SIMULATOR_CONTRACT } from './defaults';
import { type ExecutionStats, executeWorkflow } from './execute';
import { createLocalHandlers } from './handlers';
import { type LandedExport, landed, verifyLanded } from './landed';
import type { AuthorizationReader } from '../../lambdas/shared/tokens/ports';
import { localHandlerConfig } from './local-config';
import { localAuthorizationStore } from '../tokens/local-store';
import { plainTokenAuthorizations, simulatorAuthorizations } from './local-tokens';
import { createRetryNarrator, describeExecutionEvent, type RunEvent } from './progress';
import type { LedgerChanges } from './render';
import { ledgerChangesOf } from './run-report-view';
import { buildExecutionInput, type ExportRequest } from './request';
import { type Services, startServices } from './services';
import { type LocalWorkflow, loadLocalWorkflow } from './workflow';

export { DEFAULT_BUCKET, DEFAULT_TIME_SCALE, SIMULATOR_CONTRACT };
export { LANDED_OBJECT_MISMATCH, LANDED_OBJECT_MISSING, type LandedExport } from './landed';

export interface RunLocalOptions extends ExportRequest {
  /** `--input` text (JSON); when set, the request fields above are ignored. */
  inputText?: string;
  /** Export again the failed pairs of this earlier execution (`{"rerunOf": name}`); the request fields are ignored. */
  rerunOf?: string;
  /** Child executions at once, however high the Map's MaxConcurrency (this machine's limit). */
  maxLocalConcurrency?: number;
  /** A LinkedIn API base URL; without it a simulator is started. */
  linkedInUrl?: string;
  /** The Bearer token for `linkedInUrl`. */
  token?: string;
  /**
   * Where each pair's token comes from (tests of many authorizations). Default: against the
   * simulator, an authorization it issues (see `tokenDaysLeft`); against `linkedInUrl`, `token`.
   */
  authorizations?: AuthorizationReader;
  /**
   * With `linkedInUrl` and no `token`: the local token store holding the authorizations
   * (`npm run cli -- authorize --local`); each pair uses the one covering its contract.
   */
  tokensDirectory?: string;
  /**
   * Days left on the access token the simulator issues for the run (0: already expired); one with
   * TOKEN_REFRESH_DAYS or fewer is refreshed before the run, as the rotation would. @default 60
   */
  tokenDaysLeft?: number;
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
  /** Where the Lambdas' log lines go (at POWERTOOLS_LOG_LEVEL). @default process.stdout, as on Lambda */
  logStream?: NodeJS.WritableStream;
}

export interface RunLocalResult {
  status: 'SUCCEEDED' | 'FAILED';
  error: string | null;
  cause: string | null;
  exports: LandedExport[];
  /** Pairs that did not land (from the run report). */
  failed: FailedPair[];
  /** The run's counts, once the run was summarized. */
  counts: RunCounts | null;
  /** The run report, once the run was summarized. */
  reportUri: string | null;
  /** What the export ledger changed (skipped as already landed, resumed, superseded), once summarized. */
  ledger: LedgerChanges | null;
  /** History events, children and payload sizes the run measured (Step Functions quotas). */
  stats: ExecutionStats | null;
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
  executionName: result.executionName,
  counts: result.counts,
  reportUri: result.reportUri,
  exports: result.exports,
  failed: result.failed,
  ledger: result.ledger,
});

const failure = (error: unknown): { error: string; cause: string } =>
  error instanceof Error ? { error: error.name, cause: error.message } : { error: 'Error', cause: String(error) };

/** An input problem, worded as the Plan words its own. */
const invalidInput = (problem: string) => new NamedError(ERROR_NAMES.invalidInput, `Invalid input: ${problem}`);

/** Parses `--input` text; a problem is InvalidInput, like the Plan state would report. */
const parseInputText = (text: string): unknown => {
  // Before parsing: nothing should walk an input Step Functions itself would refuse.
  const problem = inputTextLimitProblem(text);
  if (problem) throw invalidInput(problem);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new NamedError(ERROR_NAMES.invalidInput, `--input is not valid JSON: ${(error as Error).message}`);
  }
};

/**
 * The execution input. `--input` text is held to Step Functions' limits before it is parsed; the
 * Plan's validation, run before any LinkedIn call (below), holds every input to them again.
 */
const executionInput = (options: RunLocalOptions): unknown => {
  if (options.rerunOf !== undefined) return { rerunOf: options.rerunOf, ...(options.force && { force: true }) };
  return options.inputText !== undefined ? parseInputText(options.inputText) : buildExecutionInput(options);
};

/**
 * The contracts to configure: the ones asked for; otherwise none, and the Plan discovers every
 * contract on which the token has reporting access through LinkedIn's contracts finder, as a
 * deployment with `discoverContracts` does (the simulator's sample lists one such contract).
 */
const contractSettings = (options: RunLocalOptions): { contracts: string[]; discover: boolean } =>
  options.contracts?.length ? { contracts: [...options.contracts], discover: false } : { contracts: [], discover: true };

/** The run report at `uri`, when there is one (a run that failed before Summarize has none). */
const readReport = async (client: S3Client, uri: string): Promise<RunReport | undefined> => {
  const { bucket, key } = parseS3Uri(uri);
  try {
    return runReportSchema.parse(await readS3Json(client, bucket, key));
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return undefined;
    throw error;
  }
};

/** The run's authorizations: given, the simulator's (refreshed when due), or the given API's token. */
const runAuthorizations = async (
  options: RunLocalOptions,
  services: Services,
  config: { TOKEN_REFRESH_DAYS: number },
  emit: (event: RunEvent) => void,
): Promise<{ reader: AuthorizationReader; close?: () => Promise<void> }> => {
  if (options.authorizations) return { reader: options.authorizations };
  if (options.tokensDirectory !== undefined && services.linkedIn.token === undefined) {
    return { reader: localAuthorizationStore(options.tokensDirectory) };
  }
  const simulator = services.linkedIn.simulator;
  if (!simulator) return { reader: plainTokenAuthorizations(services.linkedIn.token ?? '') };
  return simulatorAuthorizations(simulator, {
    daysLeft: options.tokenDaysLeft,
    refreshDays: config.TOKEN_REFRESH_DAYS,
    now: simulator.now,
    onInfo: (message) => emit({ kind: 'info', message }),
    onWarn: (message) => emit({ kind: 'info', message: `Warning: ${message}` }),
  });
};

/** Executes the workflow against started services and fills in `result`. */
const execute = async (
  options: RunLocalOptions,
  workflow: LocalWorkflow,
  input: unknown,
  services: Services,
  result: RunLocalResult,
  started: number,
  closers: Array<() => Promise<void>>,
) => {
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const { contracts, discover } = contractSettings(options);
  const config = {
    ...localHandlerConfig(workflow.environment, {
      bucket: result.s3.bucket,
      apiUrl: services.linkedIn.baseUrl,
      contracts,
      prefix: options.prefix,
    }),
    DISCOVER_CONTRACTS: discover,
  };
  // The Plan's own validation, run now so an invalid input fails with the Plan's message before
  // anything else happens (the Plan runs it again in the workflow).
  resolvePlanRequest(input, new Date(started).toISOString(), planSettingsFromConfig(config));
  const copyProgress = createCopyProgress(emit);
  const authorizations = await runAuthorizations(options, services, config, emit);
  if (authorizations.close) closers.push(authorizations.close);
  const handlers = createLocalHandlers({
    config,
    authorizations: authorizations.reader,
    s3: services.s3.client,
    s3IsAws: services.s3.isAws,
    allowHttpLoopback: services.linkedIn.allowHttpLoopback,
    onProgress: copyProgress.onProgress,
    logStream: options.logStream,
  });

  const narrate = createRetryNarrator();
  const timeScale = options.timeScale ?? DEFAULT_TIME_SCALE;
  emit({ kind: 'info', message: `Execution ${result.executionName} (time scale ${timeScale})` });
  const outcome = await executeWorkflow({
    workflow,
    handlers,
    input,
    name: result.executionName,
    startTime: new Date(started),
    timeScale,
    s3: services.s3.client,
    maxLocalConcurrency: options.maxLocalConcurrency,
    onEvent: (event, execution) => {
      const described = narrate(event, describeExecutionEvent(event), execution.name);
      if (!described) return;
      if (described.kind === 'copyStarted') copyProgress.restart(described.export);
      emit(described);
    },
    onPairEnded: (pairInput, pairOutcome) => {
      const task = exportTaskSchema.safeParse(pairInput);
      if (pairOutcome.status !== 'FAILED' || !task.success) return;
      const { exportType, contract, pending } = task.data;
      emit({
        kind: 'pairFailed',
        export: { exportType, contract, ...(pending[0] && { window: pending[0] }) },
        error: pairOutcome.error,
        cause: pairOutcome.cause,
      });
    },
  });
  result.stats = outcome.stats;

  const reportUri =
    outcome.status === 'SUCCEEDED' ? (outcome.output as { reportUri?: string }).reportUri : reportUriFromCause(outcome.cause);
  const report = reportUri ? await readReport(services.s3.client, reportUri) : undefined;
  if (report && reportUri) {
    // The report lists every pair; the execution output only what fits in it.
    result.reportUri = reportUri;
    result.counts = report.counts;
    result.exports = report.pairs.flatMap((pair) => pair.objects).map(landed);
    result.failed = report.pairs.filter((pair) => pair.outcome === 'failed').map((pair) => failedPairOf(pair));
    result.ledger = ledgerChangesOf(report);
    await verifyLanded(services.s3.client, result.exports);
  }
  if (outcome.status === 'SUCCEEDED') {
    result.status = 'SUCCEEDED';
  } else {
    result.error = outcome.error;
    result.cause = outcome.cause;
  }
  const local = services.s3.local;
  if (local) for (const item of result.exports) result.s3.files[item.s3Uri] = local.objectPath(parseS3Uri(item.s3Uri).key);
};

/**
 * Runs the workflow locally once. Never throws: a failed run's result says FAILED with the error
 * name and cause (the execution's, or what stopped it from starting).
 */
export const runLocal = async (options: RunLocalOptions = {}): Promise<RunLocalResult> => {
  const started = Date.now();
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  const result: RunLocalResult = {
    status: 'FAILED',
    error: null,
    cause: null,
    exports: [],
    failed: [],
    counts: null,
    reportUri: null,
    ledger: null,
    stats: null,
    executionName: `local-${new Date(started).toISOString().replace(/[:.]/g, '-')}`,
    s3: { bucket, files: {} },
    linkedIn: { baseUrl: options.linkedInUrl ?? '', simulated: options.linkedInUrl === undefined },
    durationMs: 0,
  };
  let services: Services | undefined;
  const closers: Array<() => Promise<void>> = [];
  try {
    const input = executionInput(options);
    options.onEvent?.({ kind: 'info', message: 'Synthesizing the CDK app (the state machine that would deploy)…' });
    const workflow = await loadLocalWorkflow(options.stackConfig);
    services = await startServices({ ...options, bucket, bucketGiven: options.bucket !== undefined }, (message) =>
      options.onEvent?.({ kind: 'info', message }),
    );
    result.s3.endpoint = services.s3.endpoint;
    if (services.s3.local) result.s3.directory = services.s3.local.directory;
    result.linkedIn.baseUrl = services.linkedIn.baseUrl;
    await execute(options, workflow, input, services, result, started, closers);
  } catch (error) {
    result.status = 'FAILED';
    ({ error: result.error, cause: result.cause } = failure(error));
  } finally {
    for (const close of closers) await close();
    await services?.close();
    result.durationMs = Date.now() - started;
  }
  return result;
};
