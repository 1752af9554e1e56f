/**
 * The one definition of the export workflow (docs/design.md). The deployed stack and the local
 * runner both execute the ASL that CDK synthesizes from this construct; its state names come from
 * the contract (lambdas/shared/contract/names.ts), which the local runner keys its handlers by.
 */
import { ArnFormat, Duration, Fn, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { LambdaInvoke } from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Effect, Policy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ERROR_NAMES, type ErrorName } from '../lambdas/shared/contract/error-names';
import { type HandlerModule, STATE_NAMES, type StateName, TASK_HANDLERS, type TaskStateName } from '../lambdas/shared/contract/names';
import { acknowledge, logicalIdOf } from './nag';
import { MAX_STEPS_PER_EXECUTION } from '../lambdas/shared/contract/quotas';
import { MAP_RESULTS_FOLDER, RUNS_FOLDER } from '../lambdas/shared/contract/layout';

/**
 * How a failed export ends, by error name. Order matters (first match wins); each Fail state
 * keeps the original error name and cause so the CLI and console show what the handler threw.
 */
export const FAILURE_ROUTES: ReadonlyArray<{ state: StateName; errors: readonly ErrorName[] }> = [
  { state: STATE_NAMES.tokenRejected, errors: [ERROR_NAMES.auth] },
  { state: STATE_NAMES.noReportingAccess, errors: [ERROR_NAMES.forbidden] },
  {
    state: STATE_NAMES.jobFailed,
    errors: [
      ERROR_NAMES.jobFailed,
      ERROR_NAMES.dataDelayed,
      ERROR_NAMES.pollDeadline,
      ERROR_NAMES.windowTooLarge,
      ERROR_NAMES.unknownStatus,
    ],
  },
  {
    state: STATE_NAMES.copyFailed,
    errors: [
      ERROR_NAMES.truncated,
      ERROR_NAMES.contentLength,
      ERROR_NAMES.rowCount,
      ERROR_NAMES.malformedCsv,
      ERROR_NAMES.urlExpired,
      ERROR_NAMES.hostNotAllowed,
      ERROR_NAMES.tooManyRedirects,
      ERROR_NAMES.downloadFailed,
      ERROR_NAMES.copyDeadline,
    ],
  },
  { state: STATE_NAMES.schemaDrifted, errors: [ERROR_NAMES.schemaDrift] },
  { state: STATE_NAMES.linkedInUnavailable, errors: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable] },
  {
    state: STATE_NAMES.linkedInRejected,
    errors: [ERROR_NAMES.badRequest, ERROR_NAMES.notFound, ERROR_NAMES.protocol],
  },
  {
    state: STATE_NAMES.ledgerRefused,
    errors: [
      ERROR_NAMES.ledgerCorrupt,
      ERROR_NAMES.claimLost,
      ERROR_NAMES.claimHeld,
      ERROR_NAMES.createUnconfirmed,
      ERROR_NAMES.ledgerContention,
    ],
  },
  { state: STATE_NAMES.lambdasMisconfigured, errors: [ERROR_NAMES.config, ERROR_NAMES.wiring] },
];

/** What the Plan's contracts finder fails with (after its retries): the run ends in "Contracts not found". */
export const CONTRACT_DISCOVERY_ERRORS: readonly ErrorName[] = [
  ERROR_NAMES.auth,
  ERROR_NAMES.forbidden,
  ERROR_NAMES.protocol,
  ERROR_NAMES.throttled,
  ERROR_NAMES.unavailable,
  ERROR_NAMES.badRequest,
];

/** Operator-facing comment on each Fail state (shown in the console's definition view). */
const FAILURE_COMMENTS: Record<string, string> = {
  [STATE_NAMES.invalidInput]: 'The execution input is unusable; no LinkedIn call was made. Fix the input and start again.',
  [STATE_NAMES.misconfigured]: "The Plan's configuration is unusable; fix cdk.json context and redeploy.",
  [STATE_NAMES.lambdasMisconfigured]:
    "The Lambdas' configuration is unusable, or the Lambdas and the state machine come from different deployments; fix cdk.json context and redeploy.",
  [STATE_NAMES.contractsNotFound]:
    "LinkedIn's contracts finder failed or listed no contract with reporting access; the cause says which. No export job was created.",
  [STATE_NAMES.partialFailure]:
    'Some (contract, export type) pairs failed and others landed; the cause names the first failed pairs and the run report lists every pair. Redrive to run only the failed ones.',
  [STATE_NAMES.everyExportFailed]:
    'Every pair failed; the error is their shared error name (LinkedInAuthError: the token) or ExportsFailed, and the cause says what to do.',
  [STATE_NAMES.continuationFailed]: "The pair's continuation execution failed; the error and cause are the continuation's.",
  [STATE_NAMES.tokenRejected]: 'LinkedIn rejected the access token (missing, invalid or expired): put a fresh token in the secret.',
  [STATE_NAMES.noReportingAccess]: 'The token has no reporting access on the contract: the member must be a reporting user.',
  [STATE_NAMES.jobFailed]: 'LinkedIn could not produce the export within the bounded retries.',
  [STATE_NAMES.copyFailed]: 'The CSV could not be copied to S3 and verified; no partial object was published.',
  [STATE_NAMES.schemaDrifted]:
    "The file's header is not the expected columns (one missing, renamed or moved): it was kept under quarantine/, nothing reached the tables. The cause names the differences and the cdk.json setting that accepts the header.",
  [STATE_NAMES.linkedInUnavailable]: 'LinkedIn kept throttling or failing after every retry; try again later.',
  [STATE_NAMES.linkedInRejected]: 'LinkedIn rejected a request or answered with an unexpected body.',
  [STATE_NAMES.ledgerRefused]:
    'The export ledger stopped this pair to keep every day exactly once (corrupt ledger, claim lost or held too long, creates without an answer); the cause says which and what to do.',
  [STATE_NAMES.exportFailed]: 'An unexpected error; see the cause and the Lambda logs.',
};

/** Retry on LinkedIn throttling and outages: exponential, capped, full jitter. */
const LINKEDIN_TRANSIENT_RETRY: sfn.RetryProps = {
  errors: [ERROR_NAMES.throttled, ERROR_NAMES.unavailable],
  interval: Duration.seconds(10),
  backoffRate: 2,
  maxAttempts: 6,
  maxDelay: Duration.seconds(300),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A job read right after its creation may not be visible yet: a few short retries. */
const JOB_NOT_VISIBLE_RETRY: sfn.RetryProps = {
  errors: [ERROR_NAMES.notFound],
  interval: Duration.seconds(5),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
};

/** Lost races on the export ledger, many in a row: try again shortly (the ledger's own loop already re-read it). */
const LEDGER_CONTENTION_RETRY: sfn.RetryProps = {
  errors: [ERROR_NAMES.ledgerContention],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 5,
  jitterStrategy: sfn.JitterType.FULL,
};

/** A failed copy starts over; the retry GETs the job again, so it gets a fresh downloadUrl. */
const COPY_RETRY: sfn.RetryProps = {
  errors: [
    ERROR_NAMES.copyDeadline,
    ERROR_NAMES.truncated,
    ERROR_NAMES.urlExpired,
    ERROR_NAMES.downloadFailed,
    ERROR_NAMES.throttled,
    ERROR_NAMES.unavailable,
  ],
  interval: Duration.seconds(30),
  backoffRate: 2,
  maxAttempts: 3,
  maxDelay: Duration.seconds(300),
  jitterStrategy: sfn.JitterType.FULL,
};

/** A Lambda with a known timeout (ExportFunction satisfies this). */
export interface WorkflowFunction extends IFunction {
  readonly timeoutDuration: Duration;
}

export interface ExportWorkflowProps {
  /** The function of each handler module; each Task state runs its module's (TASK_HANDLERS). */
  readonly functions: Readonly<Record<HandlerModule, WorkflowFunction>>;
  /** The export bucket: the run's items, the Map Run's results and the report go under `<keyPrefix>runs/`. */
  readonly bucket: IBucket;
  /** The export prefix ("" or ending in "/"). */
  readonly keyPrefix: string;
  /** Child executions ((contract, export type) pairs) running at once. @default 3000 */
  readonly maxConcurrency?: number;
  /** Share of pairs that may fail before the Map stops starting more. @default 100 (all tolerated) */
  readonly toleratedFailurePercentage?: number;
  /** The whole run's limit. @default 48 hours */
  readonly timeout?: Duration;
  /** The limit of one continuation execution of a pair (its worst case, see the history-budget test). @default 35 days */
  readonly continuationTimeout?: Duration;
  /** @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
}

/**
 * The ResultWriter, without the grant CDK adds for a bucket named at run time (`s3:PutObject` and
 * friends on `*`): the workflow grants the map-results prefix of the export bucket itself.
 */
class RunFilesResultWriter extends sfn.ResultWriterV2 {
  override providePolicyStatements(): PolicyStatement[] {
    return [];
  }
}

/** The Map Run's label: its ARN and its children's (`…:execution:<state machine>/ExportPairs:<id>`). */
export const MAP_RUN_LABEL = 'ExportPairs';

// Step Functions gives up on a task a little after the Lambda's own timeout, so the Lambda's
// error (not States.Timeout) is what the Retry/Catch sees in the normal case.
const TASK_TIMEOUT_MARGIN = Duration.seconds(30);

const invoke = (scope: Construct, name: TaskStateName, fn: WorkflowFunction, payload?: sfn.TaskInput, resultPath?: string): LambdaInvoke =>
  new LambdaInvoke(scope, name, {
    stateName: name,
    lambdaFunction: fn,
    payload,
    resultPath,
    // Resource is the function ARN: the handler gets the state input and returns the state output.
    payloadResponseOnly: true,
    taskTimeout: sfn.Timeout.duration(fn.timeoutDuration.plus(TASK_TIMEOUT_MARGIN)),
  });

/** A Fail state that keeps the error name and cause at `$.Error`/`$.Cause` (a Catch's default result), or at `paths`. */
const failState = (scope: Construct, name: StateName, paths = { error: '$.Error', cause: '$.Cause' }): sfn.Fail =>
  new sfn.Fail(scope, name, { stateName: name, comment: FAILURE_COMMENTS[name], errorPath: paths.error, causePath: paths.cause });

/** One Fail state per name within a scope. */
const failStates = (scope: Construct) => {
  const states = new Map<string, sfn.Fail>();
  return (name: StateName, paths?: { error: string; cause: string }): sfn.Fail => {
    let state = states.get(name);
    if (!state) {
      state = failState(scope, name, paths);
      states.set(name, state);
    }
    return state;
  };
};

/**
 * The per-pair loop, the Distributed Map's item processor and the continuation state machine's
 * whole definition: route on `next`, create a job, poll it with waits the Lambdas compute, copy
 * the CSV, next window. At MAX_STEPS_PER_EXECUTION steps the pair continues in a fresh execution
 * of the continuation state machine (`.sync:2`, so this execution ends with its result), which
 * keeps every history far below 25,000 events whatever the work.
 *
 * @param scope a scope of its own: the loop is built once per definition
 * @param continuationArn the continuation state machine (a name-derived ARN: it runs itself too)
 */
const pairLoop = (
  scope: Construct,
  functions: ExportWorkflowProps['functions'],
  continuationArn: string,
): { start: sfn.IChainable; tasks: sfn.TaskStateBase[] } => {
  const fail = failStates(scope);
  const task = (name: TaskStateName, payload?: sfn.TaskInput): LambdaInvoke => invoke(scope, name, functions[TASK_HANDLERS[name]], payload);
  // The claim needs to know who claims: the pair's first execution (continuations keep its name in the task).
  const claimWindow = task(
    STATE_NAMES.claimWindow,
    sfn.TaskInput.fromObject({ task: sfn.JsonPath.entirePayload, executionArn: sfn.JsonPath.executionId }),
  ).addRetry(LEDGER_CONTENTION_RETRY);
  const createJob = task(STATE_NAMES.createJob).addRetry(LEDGER_CONTENTION_RETRY).addRetry(LINKEDIN_TRANSIENT_RETRY);
  const checkJob = task(STATE_NAMES.checkJob).addRetry(LINKEDIN_TRANSIENT_RETRY).addRetry(JOB_NOT_VISIBLE_RETRY);
  const copy = task(STATE_NAMES.copy).addRetry(LEDGER_CONTENTION_RETRY).addRetry(COPY_RETRY);
  // Each pair fails on its own: its execution ends in the Fail state of its error, the Map
  // records it, and no sibling is touched.
  for (const state of [claimWindow, createJob, checkJob, copy]) {
    for (const { state: failName, errors } of FAILURE_ROUTES) state.addCatch(fail(failName), { errors: [...errors] });
    state.addCatch(fail(STATE_NAMES.exportFailed), { errors: [sfn.Errors.ALL] });
  }

  const waitForJob = new sfn.Wait(scope, STATE_NAMES.waitForJob, {
    stateName: STATE_NAMES.waitForJob,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const waitBeforeClaim = new sfn.Wait(scope, STATE_NAMES.waitBeforeClaim, {
    stateName: STATE_NAMES.waitBeforeClaim,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  const waitBeforeCreate = new sfn.Wait(scope, STATE_NAMES.waitBeforeCreate, {
    stateName: STATE_NAMES.waitBeforeCreate,
    time: sfn.WaitTime.secondsPath('$.waitSeconds'),
  });
  // The pair's output is its final task: the landed objects (first MAX_RESULTS_IN_TASK) and totals.
  const finished = new sfn.Succeed(scope, STATE_NAMES.exportFinished, { stateName: STATE_NAMES.exportFinished });

  // The continuation runs the rest with a fresh step count; a failure of it is this pair's
  // failure, under the continuation's own error name (`.sync` reports it as States.TaskFailed
  // with the DescribeExecution answer as the cause).
  const continueAsNew = new sfn.CustomState(scope, STATE_NAMES.continueAsNew, {
    stateJson: {
      Type: 'Task',
      Resource: `arn:${Stack.of(scope).partition}:states:::states:startExecution.sync:2`,
      Parameters: { StateMachineArn: continuationArn, 'Input.$': '$' },
      OutputPath: '$.Output',
    },
  });
  const readFailure = new sfn.Pass(scope, STATE_NAMES.readContinuationFailure, {
    stateName: STATE_NAMES.readContinuationFailure,
    parameters: { 'failure.$': 'States.StringToJson($.Cause)' },
  });
  // States.TaskFailed in a Catch matches every error but States.Timeout, a refused StartExecution
  // (ExecutionLimitExceeded…) too, whose cause is not the execution's description.
  const checkFailure = new sfn.Choice(scope, STATE_NAMES.checkContinuationFailure, { stateName: STATE_NAMES.checkContinuationFailure })
    .when(
      sfn.Condition.and(sfn.Condition.stringEquals('$.Error', 'States.TaskFailed'), sfn.Condition.stringMatches('$.Cause', '{*')),
      readFailure.next(fail(STATE_NAMES.continuationFailed, { error: '$.failure.Error', cause: '$.failure.Cause' })),
    )
    .otherwise(fail(STATE_NAMES.exportFailed));
  continueAsNew.addCatch(checkFailure, { errors: [sfn.Errors.ALL] });
  continueAsNew.next(finished);
  const resetSteps = new sfn.Pass(scope, STATE_NAMES.resetSteps, {
    stateName: STATE_NAMES.resetSteps,
    result: sfn.Result.fromNumber(0),
    resultPath: '$.steps',
  }).next(continueAsNew);

  const route = new sfn.Choice(scope, STATE_NAMES.route, { stateName: STATE_NAMES.route })
    .when(
      sfn.Condition.and(
        sfn.Condition.numberGreaterThanEquals('$.steps', MAX_STEPS_PER_EXECUTION),
        sfn.Condition.not(sfn.Condition.stringEquals('$.next', 'done')),
      ),
      resetSteps,
    )
    .when(
      sfn.Condition.and(sfn.Condition.stringEquals('$.next', 'claim'), sfn.Condition.numberGreaterThan('$.waitSeconds', 0)),
      waitBeforeClaim.next(claimWindow),
    )
    .when(sfn.Condition.stringEquals('$.next', 'claim'), claimWindow)
    .when(sfn.Condition.stringEquals('$.next', 'poll'), waitForJob.next(checkJob))
    .when(sfn.Condition.stringEquals('$.next', 'copy'), copy)
    .when(
      sfn.Condition.and(sfn.Condition.stringEquals('$.next', 'create'), sfn.Condition.numberGreaterThan('$.waitSeconds', 0)),
      waitBeforeCreate.next(createJob),
    )
    .when(sfn.Condition.stringEquals('$.next', 'create'), createJob)
    .when(sfn.Condition.stringEquals('$.next', 'done'), finished);
  // Any other `next` is a handler bug: the Choice fails with States.NoChoiceMatched, and the
  // pair's execution fails with it.
  claimWindow.next(route);
  createJob.next(checkJob);
  checkJob.next(route);
  copy.next(route);
  return { start: route, tasks: [claimWindow, createJob, checkJob, copy] };
};

/**
 * The Standard state machine: plan the pairs into S3, export each pair in its own child execution
 * of a Distributed Map, then summarize the Map Run into a report and end SUCCEEDED (every pair
 * landed) or FAILED (PartialFailure, or the pairs' shared error). docs/design.md, "Partner scale".
 */
export class ExportWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  /** Runs the rest of a pair whose work outgrew one execution's history budget. */
  readonly continuation: sfn.StateMachine;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ExportWorkflowProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const fail = failStates(this);

    this.logGroup = new LogGroup(this, 'logs', {
      // The /aws/vendedlogs/ prefix keeps CloudWatch's resource policy for log delivery small.
      logGroupName: `/aws/vendedlogs/states/${id}-${this.node.addr.slice(0, 8)}`,
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logs: sfn.LogOptions = {
      destination: this.logGroup,
      level: sfn.LogLevel.ALL,
      // Level ALL records every state transition; execution data stays out of CloudWatch.
      includeExecutionData: false,
    };

    // A name, not a reference: the continuation starts itself, and a reference to its own ARN
    // in its definition or policy would be a circular dependency.
    const continuationName = `${stack.stackName}-pair-continuation`;
    const continuationArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: continuationName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const continuationExecutions = stack.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${continuationName}:*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });

    const continuationLoop = pairLoop(new Construct(this, 'continuation-states'), props.functions, continuationArn);
    this.continuation = new sfn.StateMachine(this, 'continuation', {
      stateMachineName: continuationName,
      comment: 'Continues one (contract, export type) pair whose work outgrew one execution (continue-as-new).',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(continuationLoop.start),
      timeout: props.continuationTimeout ?? Duration.days(35),
      tracingEnabled: true,
      logs,
    });

    const plan = invoke(
      this,
      STATE_NAMES.plan,
      props.functions[TASK_HANDLERS[STATE_NAMES.plan]],
      sfn.TaskInput.fromObject({
        // Not `$`: aws-local-stepfunctions finds no value at `$` for the inputs null, 0, false
        // and "" and fails with States.Runtime before the Plan can say what is wrong. The context
        // object holds the execution input as a member on AWS and locally alike, whatever its
        // JSON type, so every input reaches the Plan's validation.
        input: sfn.JsonPath.executionInput,
        executionStartTime: sfn.JsonPath.executionStartTime,
        executionName: sfn.JsonPath.executionName,
        executionArn: sfn.JsonPath.executionId,
      }),
    )
      .addRetry(LINKEDIN_TRANSIENT_RETRY)
      .addCatch(fail(STATE_NAMES.invalidInput), { errors: [ERROR_NAMES.invalidInput] })
      .addCatch(fail(STATE_NAMES.misconfigured), { errors: [ERROR_NAMES.config] })
      .addCatch(fail(STATE_NAMES.contractsNotFound), { errors: [...CONTRACT_DISCOVERY_ERRORS] });

    const pairs = pairLoop(new Construct(this, 'pair-states'), props.functions, continuationArn);
    const exportEach = new sfn.DistributedMap(this, STATE_NAMES.exportEach, {
      stateName: STATE_NAMES.exportEach,
      // The Plan wrote the pairs; no plan size can overflow a state.
      itemReader: new sfn.S3JsonItemReader({
        bucketNamePath: sfn.JsonPath.stringAt('$.run.bucket'),
        key: sfn.JsonPath.stringAt('$.run.itemsKey'),
      }),
      resultWriterV2: new RunFilesResultWriter({
        bucketNamePath: sfn.JsonPath.stringAt('$.run.bucket'),
        prefix: `${props.keyPrefix}${MAP_RESULTS_FOLDER}`,
      }),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // Children emit their CloudWatch metrics under `stateMachine:<name>/<label>`, apart from the
      // workflow's own: a failed pair does not count in the failed-executions alarm, the run does.
      label: MAP_RUN_LABEL,
      maxConcurrency: props.maxConcurrency ?? 3000,
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? 100,
      resultPath: '$.mapRun',
    });
    exportEach.itemProcessor(pairs.start);

    const summarize = invoke(this, STATE_NAMES.summarize, props.functions[TASK_HANDLERS[STATE_NAMES.summarize]]).addCatch(
      fail(STATE_NAMES.misconfigured),
      { errors: [ERROR_NAMES.config] },
    );
    // Past the tolerated failures (or a reader/writer failure) the Map fails; the report still
    // says what happened to every pair it has results for.
    exportEach.addCatch(summarize, { errors: [sfn.Errors.ALL], resultPath: '$.mapFailure' });

    const outcome = new sfn.Choice(this, STATE_NAMES.runOutcome, { stateName: STATE_NAMES.runOutcome })
      .when(
        sfn.Condition.stringEquals('$.outcome', 'succeeded'),
        new sfn.Succeed(this, STATE_NAMES.runSucceeded, { stateName: STATE_NAMES.runSucceeded }),
      )
      .when(sfn.Condition.stringEquals('$.outcome', 'partial'), fail(STATE_NAMES.partialFailure, { error: '$.error', cause: '$.cause' }))
      .otherwise(fail(STATE_NAMES.everyExportFailed, { error: '$.error', cause: '$.cause' }));

    // After every run, the ledgers' freshness (docs/operations.md, "Alarms"). Its result and any
    // error of it are discarded: the run ends as Summarize decided, whatever happens here.
    const publishFreshness = invoke(
      this,
      STATE_NAMES.publishFreshness,
      props.functions[TASK_HANDLERS[STATE_NAMES.publishFreshness]],
      sfn.TaskInput.fromObject({ trigger: 'run', executionName: sfn.JsonPath.executionName }),
      sfn.JsonPath.DISCARD,
    ).addCatch(outcome, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });

    this.stateMachine = new sfn.StateMachine(this, 'state-machine', {
      comment: 'Exports LinkedIn Sales Navigator analytics to S3: plan the pairs, export each in its own child execution, summarize.',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(exportEach).next(summarize).next(publishFreshness).next(outcome)),
      timeout: props.timeout ?? Duration.hours(48),
      tracingEnabled: true,
      logs,
    });

    // The continuation state (`.sync:2`) in both machines: start the continuation, follow it, and
    // the managed rule through which Step Functions learns that it ended.
    const continuationStatements = [
      new PolicyStatement({ effect: Effect.ALLOW, actions: ['states:StartExecution'], resources: [continuationArn] }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [continuationExecutions],
      }),
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({ service: 'events', resource: 'rule', resourceName: 'StepFunctionsGetEventsForStepFunctionsExecutionRule' }),
        ],
      }),
    ];
    // The Map's ItemReader and ResultWriter: the run files only.
    const runs = props.bucket.arnForObjects(`${props.keyPrefix}${RUNS_FOLDER}*`);
    this.stateMachine.addToRolePolicy(new PolicyStatement({ effect: Effect.ALLOW, actions: ['s3:GetObject'], resources: [runs] }));
    this.stateMachine.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [props.bucket.arnForObjects(`${props.keyPrefix}${MAP_RESULTS_FOLDER}/*`)],
      }),
    );
    for (const statement of continuationStatements) {
      this.stateMachine.addToRolePolicy(statement);
      this.continuation.addToRolePolicy(statement);
    }

    // Findings cdk-nag raises on the wildcards above and on the grants CDK's DistributedMap adds.
    // The ARNs carry the partition, region and account literally when the stack's environment names
    // them, and cdk-nag writes an unresolved one as <AWS::…>: the findings' ids follow suit.
    const pseudo = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
    const stateArnFinding = (resource: string) =>
      `AwsSolutions-IAM5[Resource::arn:${pseudo(stack.partition, 'Partition')}:states:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}:${resource}]`;
    const continuationRuns = stateArnFinding(`execution:${continuationName}:*`);
    const continuationReason =
      'A continuation execution has a generated name; the grant (DescribeExecution/StopExecution for `.sync:2`) names the executions of the continuation state machine only.';
    const mainPolicy = this.stateMachine.role.node.findChild('DefaultPolicy');
    const ownExecutions = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${logicalIdOf(this.stateMachine)}"}]}]}`;
    const childReason =
      "CDK's DistributedMap grant: the Map Run starts, describes and stops this state machine's own child executions, whose names Step Functions generates.";
    const mapPolicy = this.stateMachine.node.findChild('DistributedMapPolicy');
    acknowledge(mapPolicy, stateArnFinding(`execution:${ownExecutions}:*`), childReason);
    acknowledge(mapPolicy, stateArnFinding(`execution:${ownExecutions}/${MAP_RUN_LABEL}:*`), childReason);
    acknowledge(
      mainPolicy,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.bucket)}.Arn>/${props.keyPrefix}${RUNS_FOLDER}*]`,
      "The ItemReader reads the run's items, named by the execution (runs/<execution name>/items.json) at run time; the grant is limited to the runs/ prefix.",
    );
    acknowledge(
      mainPolicy,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.bucket)}.Arn>/${props.keyPrefix}${MAP_RESULTS_FOLDER}/*]`,
      'The ResultWriter writes under a folder named by the Map Run id, known only at run time; the grant is limited to the map-results prefix.',
    );

    // The claim step asks Step Functions whether a claim's owner (a pair's child execution) still
    // runs. A policy of its own, not the function's default one: the function must exist before the
    // state machine, which this grant names.
    const claimRole = props.functions[TASK_HANDLERS[STATE_NAMES.claimWindow]].role;
    if (!claimRole) throw new Error('The claim function has no role');
    const ownerCheck = new Policy(this, 'claim-owner-check', {
      roles: [claimRole],
      statements: [
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['states:DescribeExecution'],
          resources: [
            stack.formatArn({
              service: 'states',
              resource: 'execution',
              resourceName: `${Fn.select(6, Fn.split(':', this.stateMachine.stateMachineArn))}/${MAP_RUN_LABEL}:*`,
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          ],
        }),
      ],
    });
    acknowledge(
      ownerCheck,
      stateArnFinding(`execution:${ownExecutions}/${MAP_RUN_LABEL}:*`),
      "A claim's owner is one of this state machine's pair executions, whose names Step Functions generates; DescribeExecution only.",
    );

    for (const machine of [this.stateMachine, this.continuation]) {
      const policy = machine.role.node.findChild('DefaultPolicy');
      acknowledge(policy, continuationRuns, continuationReason);
      acknowledge(
        policy,
        'AwsSolutions-IAM5[Resource::*]',
        'Log delivery (logs:CreateLogDelivery, ...) and X-Ray actions do not support resource-level permissions.',
      );
      for (const fn of Object.values(props.functions)) {
        acknowledge(
          policy,
          `AwsSolutions-IAM5[Resource::<${logicalIdOf(fn)}.Arn>:*]`,
          "CDK's LambdaInvoke grant includes the function's versions/aliases (ARN:*); it names this one function only.",
        );
      }
    }
  }
}
