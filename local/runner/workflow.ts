/**
 * What the local runner executes: the ASL of the synthesized stack (never a hand-written copy)
 * and, for each Task state, the function behind it as the template configures it (handler
 * module, timeout, memory, literal environment variables).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { StackConfigInput } from '../../infra/config';
import type { CfnTemplate } from '../../infra/asl';
import { PROJECT_ROOT } from '../../infra/paths';
import type { WorkflowHandlerModule, TaskStateName } from '../../lambdas/shared/contract/names';
import type { AslMachine } from './asl-walk';
import type { LocalFunction } from './lambda-context';

export interface LocalTask extends LocalFunction {
  handlerModule: WorkflowHandlerModule;
}

export interface LocalWorkflow {
  asl: AslMachine;
  /** The continuation state machine: a pair whose work outgrew one execution continues here. */
  continuation: AslMachine;
  tasks: Record<TaskStateName, LocalTask>;
  /**
   * The functions' environment variables that are plain strings in the template (the ones
   * that are references to stack resources, such as BUCKET_NAME, are the runner's to set).
   * The functions share one process locally, so they must agree on every value.
   */
  environment: Record<string, string>;
}

const functionProperties = (template: CfnTemplate, logicalId: string) => {
  const properties = template.Resources?.[logicalId]?.Properties ?? {};
  const timeout = properties.Timeout;
  const memory = properties.MemorySize;
  const variables = (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return {
    // Lambda's own defaults when the template leaves them out.
    timeoutSeconds: typeof timeout === 'number' ? timeout : 3,
    memoryMb: typeof memory === 'number' ? memory : 128,
    variables,
  };
};

/**
 * Reads the workflow out of a synthesized template.
 *
 * @throws Error when two functions set one variable to different values (they could not share
 *   one process), or when a Task state has no function in the template
 */
export const workflowFromTemplate = async (template: object): Promise<LocalWorkflow> => {
  // Loaded on demand: aws-cdk-lib takes seconds to import, and a cached workflow needs none of it.
  const { extractStateMachineAsl, taskBindings } = await import('../../infra/asl');
  const asl = extractStateMachineAsl(template) as unknown as AslMachine;
  const continuation = extractStateMachineAsl(template, 'continuation') as unknown as AslMachine;
  const bindings = taskBindings(template, asl);
  const tasks = {} as Record<TaskStateName, LocalTask>;
  const environment: Record<string, string> = {};
  for (const [stateName, binding] of Object.entries(bindings) as Array<[TaskStateName, (typeof bindings)[TaskStateName]]>) {
    const { timeoutSeconds, memoryMb, variables } = functionProperties(template as CfnTemplate, binding.logicalId);
    tasks[stateName] = {
      handlerModule: binding.handlerModule as WorkflowHandlerModule,
      functionName: binding.logicalId,
      functionArn: binding.resourceArn,
      timeoutSeconds,
      memoryMb,
    };
    for (const [name, value] of Object.entries(variables)) {
      if (typeof value !== 'string') continue;
      if (environment[name] !== undefined && environment[name] !== value) {
        throw new Error(
          `Functions disagree on ${name} (${JSON.stringify(environment[name])} vs ${JSON.stringify(value)}); the local runner runs them in one process`,
        );
      }
      environment[name] = value;
    }
  }
  return { asl, continuation, tasks, environment };
};

/** Synthesized workflows, one file per fingerprint (git-ignored). */
export const WORKFLOW_CACHE_DIR = path.join(PROJECT_ROOT, '.local', 'cache');

const sourceFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });

/**
 * Everything the synthesized workflow depends on: the CDK app and the shared code it imports,
 * cdk.json, the lockfile (CDK's version), and the configuration overrides.
 */
export const workflowFingerprint = (config: Partial<StackConfigInput>): string => {
  const hash = createHash('sha256').update(JSON.stringify(config));
  const files = [
    ...sourceFiles(path.join(PROJECT_ROOT, 'infra')),
    ...sourceFiles(path.join(PROJECT_ROOT, 'lambdas', 'shared')),
    path.join(PROJECT_ROOT, 'cdk.json'),
    path.join(PROJECT_ROOT, 'package-lock.json'),
  ].sort();
  for (const file of files) hash.update(path.relative(PROJECT_ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex').slice(0, 24);
};

const readCached = (file: string): LocalWorkflow | undefined => {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as LocalWorkflow;
  } catch {
    return undefined;
  }
};

const writeCached = (file: string, workflow: LocalWorkflow): void => {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    // Write then rename: a concurrent reader (another test worker) never sees half a file.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, JSON.stringify(workflow));
    renameSync(partial, file);
  } catch {
    // A cache that cannot be written only costs the next run a synthesis.
  }
};

const cache = new Map<string, LocalWorkflow>();

/**
 * Synthesizes the app in-process (bundling off) with `config` merged over cdk.json's
 * `salesNavExport`, and returns its workflow. Synthesis takes several seconds, so the result is
 * kept in memory and on disk under `.local/cache`, keyed by {@link workflowFingerprint}: any
 * change to infra/, lambdas/shared/, cdk.json or the lockfile synthesizes again.
 *
 * @param config e.g. `{ pollInitialSeconds: 5 }` (tests)
 * @param cacheDir where synthesized workflows are kept; `false` disables the disk cache
 */
export const loadLocalWorkflow = async (
  config: Partial<StackConfigInput> = {},
  cacheDir: string | false = WORKFLOW_CACHE_DIR,
): Promise<LocalWorkflow> => {
  const key = workflowFingerprint(config);
  const file = cacheDir === false ? undefined : path.join(cacheDir, `workflow-${key}.json`);
  let workflow = cache.get(key) ?? (file ? readCached(file) : undefined);
  if (!workflow) {
    const { synthesizeTemplate } = await import('../../infra/asl');
    workflow = await workflowFromTemplate(synthesizeTemplate({ config }));
    if (file) writeCached(file, workflow);
  }
  cache.set(key, workflow);
  return structuredClone(workflow);
};
