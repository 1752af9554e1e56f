/**
 * The deployable ASL, taken from the synthesized template: the local runner and the tests execute
 * exactly what CloudFormation would deploy (one definition, never a hand-written copy).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { CONTEXT_KEY, type StackConfigInput } from './config';
import { createApp } from './create-app';
import { handlerEntry, PROJECT_ROOT } from './paths';
import { type HandlerModule, TASK_HANDLERS, type TaskStateName } from '../lambdas/shared/contract/names';

/** A CloudFormation template as JSON. */
export type CfnTemplate = { Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }> };

/** Pseudo-parameter values the placeholder ARNs are built from. */
export const PLACEHOLDER_ENV = { partition: 'aws', region: 'us-east-1', accountId: '123456789012' } as const;

/** The placeholder Lambda ARN of a function's logical id; the function name is the logical id. */
export const placeholderFunctionArn = (logicalId: string): string =>
  `arn:${PLACEHOLDER_ENV.partition}:lambda:${PLACEHOLDER_ENV.region}:${PLACEHOLDER_ENV.accountId}:function:${logicalId}`;

const PSEUDO_PARAMETERS: Record<string, string> = {
  'AWS::Partition': PLACEHOLDER_ENV.partition,
  'AWS::Region': PLACEHOLDER_ENV.region,
  'AWS::AccountId': PLACEHOLDER_ENV.accountId,
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Resolves the intrinsics CDK puts in a DefinitionString; anything else is a bug to surface. */
const resolveIntrinsic = (value: unknown, template: CfnTemplate): string => {
  if (typeof value === 'string') return value;
  if (value === null || typeof value !== 'object') throw new Error(`Unexpected value in DefinitionString: ${String(value)}`);
  const [fn, args] = Object.entries(value)[0] ?? [];
  if (fn === 'Fn::Join' && Array.isArray(args) && Array.isArray(args[1])) {
    return args[1].map((part: unknown) => resolveIntrinsic(part, template)).join(String(args[0]));
  }
  if (fn === 'Ref' && typeof args === 'string') {
    const pseudo = PSEUDO_PARAMETERS[args];
    if (pseudo !== undefined) return pseudo;
    throw new Error(`Cannot resolve Ref ${args} in the state machine definition`);
  }
  if (fn === 'Fn::GetAtt' && Array.isArray(args) && args[1] === 'Arn') {
    const logicalId = String(args[0]);
    const type = template.Resources?.[logicalId]?.Type;
    if (type !== 'AWS::Lambda::Function') {
      throw new Error(
        `Fn::GetAtt ${logicalId}.Arn in the state machine definition is a ${type ?? 'missing resource'}, not a Lambda function`,
      );
    }
    return placeholderFunctionArn(logicalId);
  }
  throw new Error(`Unsupported intrinsic in the state machine definition: ${JSON.stringify(value)}`);
};

/** Which of the template's two state machines: the workflow, or the pairs' continuation (named `…-pair-continuation`). */
export type MachineRole = 'workflow' | 'continuation';

const isContinuation = (resource: { Properties?: Record<string, unknown> }): boolean =>
  String(resource.Properties?.StateMachineName ?? '').endsWith('-pair-continuation');

/** The template's state machine of that role (exactly one of each). */
const stateMachineResource = (template: CfnTemplate, role: MachineRole) => {
  const machines = Object.values(template.Resources ?? {}).filter(
    (r) => r.Type === 'AWS::StepFunctions::StateMachine' && isContinuation(r) === (role === 'continuation'),
  );
  if (machines.length !== 1) throw new Error(`Expected one ${role} AWS::StepFunctions::StateMachine, found ${machines.length}`);
  return machines[0]!;
};

/**
 * Reads the state machine's DefinitionString from a synthesized template and resolves its
 * intrinsics (Fn::Join, Ref to pseudo parameters, Fn::GetAtt of a Lambda's Arn) into valid ASL.
 * Each Lambda ARN is a placeholder whose function name is the function's logical id.
 *
 * @param template the synthesized CloudFormation template (JSON)
 * @returns the ASL definition as an object
 */
export const extractStateMachineAsl = (template: object, role: MachineRole = 'workflow'): Record<string, unknown> => {
  const definition = stateMachineResource(template as CfnTemplate, role).Properties?.DefinitionString;
  return JSON.parse(resolveIntrinsic(definition, template as CfnTemplate)) as Record<string, unknown>;
};

/** One Task state of the workflow and what runs it. */
export interface TaskBinding {
  /** The handler module under lambdas/ (exports `handler`). */
  handlerModule: HandlerModule;
  /** Absolute path of the handler's entry file. */
  entry: string;
  /** The function's logical id in the template. */
  logicalId: string;
  /** The Resource of the Task in the extracted ASL. */
  resourceArn: string;
}

type AslState = {
  Type?: string;
  Resource?: string;
  States?: Record<string, AslState>;
  ItemProcessor?: { States?: Record<string, AslState> };
  Iterator?: { States?: Record<string, AslState> };
  Branches?: Array<{ States?: Record<string, AslState> }>;
};

/** Every state of an ASL document by name, nested Map/Parallel states included. */
export const collectStates = (asl: { States?: Record<string, AslState> }): Map<string, AslState> => {
  const all = new Map<string, AslState>();
  const visit = (states: Record<string, AslState> | undefined): void => {
    for (const [name, state] of Object.entries(states ?? {})) {
      if (all.has(name)) throw new Error(`State name "${name}" is used twice; local handlers are keyed by name`);
      all.set(name, state);
      visit(state.ItemProcessor?.States ?? state.Iterator?.States);
      for (const branch of state.Branches ?? []) visit(branch.States);
    }
  };
  visit(asl.States);
  return all;
};

/**
 * Maps each Task state of the extracted ASL to the function's logical id and its handler module,
 * for the local runner's `taskResourceLocalHandlers` (keyed by state name).
 *
 * @param template the synthesized template
 * @param asl the ASL from {@link extractStateMachineAsl} of the same template
 */
export const taskBindings = (template: object, asl: object): Record<TaskStateName, TaskBinding> => {
  const resources = (template as CfnTemplate).Resources ?? {};
  const states = collectStates(asl as { States?: Record<string, AslState> });
  const bindings = {} as Record<TaskStateName, TaskBinding>;
  for (const [stateName, handlerModule] of Object.entries(TASK_HANDLERS) as Array<[TaskStateName, HandlerModule]>) {
    const state = states.get(stateName);
    if (state?.Type !== 'Task' || !state.Resource) throw new Error(`Task state "${stateName}" is missing from the ASL`);
    const logicalId = state.Resource.split(':function:')[1];
    if (!logicalId || resources[logicalId]?.Type !== 'AWS::Lambda::Function') {
      throw new Error(`Task state "${stateName}" does not invoke a Lambda function of the template (${state.Resource})`);
    }
    bindings[stateName] = {
      handlerModule,
      entry: handlerEntry(handlerModule),
      logicalId,
      resourceArn: state.Resource,
    };
  }
  return bindings;
};

/** cdk.json's context: the feature flags and `salesNavExport` the CLI would pass. */
export const readCdkJsonContext = (): Record<string, unknown> => {
  const cdkJson = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return { ...cdkJson.context };
};

export interface SynthesizeOptions {
  /** Merged over cdk.json's `salesNavExport` (keys replace keys). */
  readonly config?: Partial<StackConfigInput>;
  /** Merged over cdk.json's context (after `config` is applied). */
  readonly context?: Record<string, unknown>;
  /** Run cdk-nag during synth (fails on findings). @default false */
  readonly nag?: boolean;
}

/**
 * Synthesizes the app in-process with NodejsFunction bundling off (no esbuild, assets are not
 * built) and returns the stack's template. For tests and the local runner.
 *
 * @example
 * const template = synthesizeTemplate();
 * const asl = extractStateMachineAsl(template);
 */
export const synthesizeTemplate = (options: SynthesizeOptions = {}): Record<string, unknown> => {
  const base = readCdkJsonContext();
  const context: Record<string, unknown> = {
    ...base,
    [CONTEXT_KEY]: { ...(base[CONTEXT_KEY] as object | undefined), ...options.config },
    ...options.context,
    // No stack is bundled: Lambda code assets point at the (unbuilt) project, which is fine
    // because nothing is deployed from this assembly.
    'aws:cdk:bundling-stacks': [],
  };
  const outdir = mkdtempSync(path.join(tmpdir(), 'salesnav-synth-'));
  try {
    const { stack } = createApp({ context, nag: options.nag ?? false, outdir });
    return Template.fromStack(stack).toJSON();
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
};
