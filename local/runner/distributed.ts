/**
 * Distributed Maps for the local engine. aws-local-stepfunctions 3.0.0 runs a DISTRIBUTED Map as
 * an inline one (no ItemReader, ResultWriter, tolerated failures or child executions), so the
 * runner swaps each one for a Task state whose handler it overrides by state name, and runs the
 * Map Run itself (local/runner/map-run.ts). This module is the pure ASL side: the transform, the
 * checks that refuse what the emulation does not do, and the JSONPath payload templates the Map
 * Run evaluates (ItemReader and ResultWriter parameters, ItemSelector).
 */
import { type AslMachine, type AslState, walkStates } from './asl-walk';

/**
 * The Resource of the Task that stands in for a Distributed Map. The engine never calls it: a
 * `taskResourceLocalHandlers` entry for the state name replaces the call (the engine checks only
 * that the ASL is valid, and asl-validator wants an ARN). Without that entry the engine would try
 * AWS Lambda with this name and fail loudly, which is what a missing handler should do.
 */
export const LOCAL_MAP_RUN_RESOURCE = 'arn:aws:states:::local-runner:distributedMapRun';

/**
 * The stand-in Task's TimeoutSeconds. A Map state has no timeout on AWS, but the engine gives a
 * Task without one 60 s; this is the longest a Node timer takes (2^31 - 1 ms, about 24.8 days).
 */
export const ENGINE_TASK_TIMEOUT_SECONDS = 2_147_483;

/** An error with a Step Functions error name (`States.…`), as Catch and Retry match it. */
export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface ItemReaderConfig {
  Resource: string;
  ReaderConfig: { InputType: 'JSON'; MaxItems?: number };
  /** `Bucket` / `Bucket.$` and `Key` / `Key.$`. */
  Parameters: Record<string, unknown>;
}

export interface ResultWriterConfig {
  Resource: string;
  /** `Bucket` / `Bucket.$` and optionally `Prefix` / `Prefix.$`. */
  Parameters: Record<string, unknown>;
  WriterConfig?: { Transformation?: 'NONE'; OutputType?: 'JSON' };
}

/** A Map state in Distributed mode, as far as the local Map Run reads it. */
export interface DistributedMapState extends AslState {
  Type: 'Map';
  ItemProcessor: AslMachine & { ProcessorConfig: { Mode: 'DISTRIBUTED'; ExecutionType: 'STANDARD' } };
  ItemReader?: ItemReaderConfig;
  ItemsPath?: string;
  ItemSelector?: unknown;
  /** The older name of ItemSelector. */
  Parameters?: unknown;
  MaxConcurrency?: number;
  ToleratedFailurePercentage?: number;
  ToleratedFailureCount?: number;
  ResultWriter: ResultWriterConfig;
  Label?: string;
}

export interface DistributedMapSpec {
  stateName: string;
  /** The original Map state (a copy). */
  state: DistributedMapState;
  /** The child state machine: the ItemProcessor without its ProcessorConfig. */
  definition: AslMachine;
}

// ---------------------------------------------------------------------------------------------
// JSONPath reference paths and payload templates

type PathSegment = string | number;

/**
 * Parses a reference path (`$`, `$.a.b`, `$['a b']`, `$.list[0]`, and the same from `$$`).
 * Wildcards, filters, slices, `..` and intrinsic functions are refused: the Map Run evaluates
 * templates itself (the engine exports no evaluator, and its own would see the wrong `$$`), and a
 * plain path is all the workflow needs.
 */
export const parseReferencePath = (path: string): { root: '$' | '$$'; segments: PathSegment[] } => {
  const refuse = (): never => {
    throw new StatesError('States.Runtime', `Not a JSONPath reference path the local runner supports: ${JSON.stringify(path)}`);
  };
  const root = path.startsWith('$$') ? '$$' : path.startsWith('$') ? '$' : refuse();
  const segments: PathSegment[] = [];
  const pattern = /\.([^.[\]'"*?@()\s]+)|\['((?:[^'\\]|\\.)*)'\]|\["((?:[^"\\]|\\.)*)"\]|\[(\d+)\]/y;
  pattern.lastIndex = root.length;
  while (pattern.lastIndex < path.length) {
    const match = pattern.exec(path) ?? refuse();
    const [, dotted, single, double, index] = match;
    if (index !== undefined) segments.push(Number(index));
    else segments.push((dotted ?? single ?? double ?? '').replace(/\\(.)/g, '$1'));
  }
  return { root, segments };
};

const describe = (value: unknown): string => (Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value);

/**
 * The value at a reference path: `$…` in `input`, `$$…` in `context`.
 * @throws StatesError States.Runtime when the path selects nothing (as AWS fails the state)
 */
export const readPath = (path: string, input: unknown, context: unknown): unknown => {
  const { root, segments } = parseReferencePath(path);
  let value = root === '$$' ? context : input;
  for (const segment of segments) {
    const container = value;
    if (
      typeof segment === 'number'
        ? Array.isArray(container)
        : typeof container === 'object' && container !== null && !Array.isArray(container)
    ) {
      const record = container as Record<PathSegment, unknown>;
      if (Object.hasOwn(record, segment)) {
        value = record[segment];
        continue;
      }
    }
    throw new StatesError(
      'States.Runtime',
      `The JSONPath ${path} could not be found in the input (${JSON.stringify(segment)} of ${describe(container)})`,
    );
  }
  return value;
};

/**
 * A JSONPath payload template (Parameters, ItemSelector): `"key.$": "<path>"` becomes
 * `"key": <value at path>`, nested objects and arrays are evaluated too, other values stay.
 */
export const evaluateTemplate = (template: unknown, input: unknown, context: unknown): unknown => {
  if (Array.isArray(template)) return template.map((value) => evaluateTemplate(value, input, context));
  if (typeof template !== 'object' || template === null) return template;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$') && typeof value === 'string') out[key.slice(0, -2)] = readPath(value, input, context);
    else out[key] = evaluateTemplate(value, input, context);
  }
  return out;
};

/** Checks every `.$` path of a template up front, so a bad one fails the transform, not a run. */
const checkTemplate = (template: unknown, where: string): void => {
  if (Array.isArray(template)) {
    for (const value of template) checkTemplate(value, where);
    return;
  }
  if (typeof template !== 'object' || template === null) return;
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') throw new Error(`${where}: ${key} must be a JSONPath string`);
      try {
        parseReferencePath(value);
      } catch (error) {
        throw new Error(`${where}: ${key}: ${(error as Error).message}`);
      }
    } else checkTemplate(value, where);
  }
};

// ---------------------------------------------------------------------------------------------
// The transform

/** Fields of a Distributed Map the emulation handles (everything else is refused by name). */
const MAP_FIELDS = new Set([
  'Type',
  'Comment',
  'QueryLanguage',
  'InputPath',
  'OutputPath',
  'ResultPath',
  'ResultSelector',
  'Retry',
  'Catch',
  'Next',
  'End',
  'ItemProcessor',
  'ItemReader',
  'ItemsPath',
  'ItemSelector',
  'Parameters',
  'MaxConcurrency',
  'ToleratedFailurePercentage',
  'ToleratedFailureCount',
  'ResultWriter',
  'Label',
]);

/** What the stand-in Task keeps: the engine applies these around the overridden handler. */
const TASK_FIELDS = [
  'Comment',
  'QueryLanguage',
  'InputPath',
  'ResultPath',
  'ResultSelector',
  'OutputPath',
  'Retry',
  'Catch',
  'Next',
  'End',
];

/**
 * Step Functions' label rule (docs: Distributed Map state fields, Label): at most 40 characters;
 * no whitespace, none of these, no control characters (\p{Cc}: U+0000-001F, U+007F-009F).
 */
const LABEL_PATTERN = /^[^\s?*<>{}[\]:;,\\|^~$#%&`"/\p{Cc}]{1,40}$/u;

const S3_GET_OBJECT = /^arn:aws[a-z-]*:states:::s3:getObject$/;
const S3_PUT_OBJECT = /^arn:aws[a-z-]*:states:::s3:putObject$/;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export const isDistributedMap = (state: AslState): boolean =>
  state.Type === 'Map' &&
  isObject(state.ItemProcessor) &&
  isObject(state.ItemProcessor.ProcessorConfig) &&
  state.ItemProcessor.ProcessorConfig.Mode === 'DISTRIBUTED';

const unsupported = (stateName: string, field: string, why = 'is not supported by the local Map Run emulation'): Error =>
  new Error(`Distributed Map "${stateName}": ${field} ${why}`);

const checkKeys = (stateName: string, where: string, value: Record<string, unknown>, allowed: string[]): void => {
  for (const key of Object.keys(value)) if (!allowed.includes(key)) throw unsupported(stateName, `${where}.${key}`);
};

/** Exactly one of `name` / `name.$` (or neither when optional). */
const checkParameter = (stateName: string, where: string, parameters: Record<string, unknown>, name: string, required: boolean): void => {
  const literal = parameters[name];
  const path = parameters[`${name}.$`];
  if (literal !== undefined && path !== undefined) throw unsupported(stateName, `${where}`, `has both ${name} and ${name}.$`);
  if (literal === undefined && path === undefined) {
    if (required) throw unsupported(stateName, where, `needs ${name} or ${name}.$`);
    return;
  }
  if (literal !== undefined && typeof literal !== 'string') throw unsupported(stateName, `${where}.${name}`, 'must be a string');
};

const checkItemReader = (stateName: string, state: AslState): void => {
  const reader = state.ItemReader;
  if (reader === undefined) return;
  if (!isObject(reader)) throw unsupported(stateName, 'ItemReader', 'must be an object');
  checkKeys(stateName, 'ItemReader', reader, ['Resource', 'ReaderConfig', 'Parameters']);
  if (typeof reader.Resource !== 'string' || !S3_GET_OBJECT.test(reader.Resource)) {
    throw unsupported(
      stateName,
      `ItemReader.Resource ${JSON.stringify(reader.Resource)}`,
      '(only arn:aws:states:::s3:getObject is emulated)',
    );
  }
  const config = reader.ReaderConfig;
  if (!isObject(config)) throw unsupported(stateName, 'ItemReader', 'needs ReaderConfig {InputType: "JSON"}');
  checkKeys(stateName, 'ItemReader.ReaderConfig', config, ['InputType', 'MaxItems']);
  if (config.InputType !== 'JSON')
    throw unsupported(stateName, `ItemReader.ReaderConfig.InputType ${JSON.stringify(config.InputType)}`, '(only JSON is emulated)');
  if (config.MaxItems !== undefined && !(Number.isInteger(config.MaxItems) && (config.MaxItems as number) >= 0)) {
    throw unsupported(stateName, 'ItemReader.ReaderConfig.MaxItems', 'must be a non-negative integer');
  }
  if (!isObject(reader.Parameters)) throw unsupported(stateName, 'ItemReader', 'needs Parameters');
  checkKeys(stateName, 'ItemReader.Parameters', reader.Parameters, ['Bucket', 'Bucket.$', 'Key', 'Key.$']);
  checkParameter(stateName, 'ItemReader.Parameters', reader.Parameters, 'Bucket', true);
  checkParameter(stateName, 'ItemReader.Parameters', reader.Parameters, 'Key', true);
  checkTemplate(reader.Parameters, `Distributed Map "${stateName}": ItemReader.Parameters`);
  // AWS reads ItemsPath inside a JSON object read by the ItemReader (a newer feature): not emulated.
  if (state.ItemsPath !== undefined) throw unsupported(stateName, 'ItemsPath with ItemReader');
};

const checkResultWriter = (stateName: string, writer: unknown): void => {
  // Without a ResultWriter AWS returns the children's outputs as the state output; this emulation
  // always writes results to S3 (the workflow always has a ResultWriter).
  if (!isObject(writer)) throw unsupported(stateName, 'a missing ResultWriter', '(the emulation always exports results to S3)');
  checkKeys(stateName, 'ResultWriter', writer, ['Resource', 'Parameters', 'WriterConfig']);
  if (typeof writer.Resource !== 'string' || !S3_PUT_OBJECT.test(writer.Resource)) {
    throw unsupported(
      stateName,
      `ResultWriter.Resource ${JSON.stringify(writer.Resource)}`,
      '(only arn:aws:states:::s3:putObject is emulated)',
    );
  }
  if (writer.WriterConfig !== undefined) {
    // The defaults of an export to S3 (NONE, JSON) change nothing; other transformations are not emulated.
    const config = writer.WriterConfig;
    if (!isObject(config)) throw unsupported(stateName, 'ResultWriter.WriterConfig', 'must be an object');
    checkKeys(stateName, 'ResultWriter.WriterConfig', config, ['Transformation', 'OutputType']);
    if ((config.Transformation ?? 'NONE') !== 'NONE')
      throw unsupported(stateName, `ResultWriter.WriterConfig.Transformation ${JSON.stringify(config.Transformation)}`);
    if ((config.OutputType ?? 'JSON') !== 'JSON')
      throw unsupported(stateName, `ResultWriter.WriterConfig.OutputType ${JSON.stringify(config.OutputType)}`);
  }
  if (!isObject(writer.Parameters)) throw unsupported(stateName, 'ResultWriter', 'needs Parameters');
  checkKeys(stateName, 'ResultWriter.Parameters', writer.Parameters, ['Bucket', 'Bucket.$', 'Prefix', 'Prefix.$']);
  checkParameter(stateName, 'ResultWriter.Parameters', writer.Parameters, 'Bucket', true);
  checkParameter(stateName, 'ResultWriter.Parameters', writer.Parameters, 'Prefix', false);
  checkTemplate(writer.Parameters, `Distributed Map "${stateName}": ResultWriter.Parameters`);
};

/** Refuses what the emulation cannot do faithfully; names the field. */
const checkDistributedMap = (stateName: string, state: AslState): void => {
  for (const field of Object.keys(state)) if (!MAP_FIELDS.has(field)) throw unsupported(stateName, field);
  if (state.QueryLanguage !== undefined && state.QueryLanguage !== 'JSONPath')
    throw unsupported(stateName, `QueryLanguage ${JSON.stringify(state.QueryLanguage)}`);
  const processor = state.ItemProcessor as AslMachine & { ProcessorConfig: Record<string, unknown> };
  checkKeys(stateName, 'ItemProcessor.ProcessorConfig', processor.ProcessorConfig, ['Mode', 'ExecutionType']);
  if (processor.ProcessorConfig.ExecutionType !== 'STANDARD') {
    throw unsupported(
      stateName,
      `ItemProcessor.ProcessorConfig.ExecutionType ${JSON.stringify(processor.ProcessorConfig.ExecutionType)}`,
      '(only STANDARD children are emulated)',
    );
  }
  if (typeof processor.StartAt !== 'string' || !isObject(processor.States))
    throw unsupported(stateName, 'ItemProcessor', 'needs StartAt and States');
  if (state.ItemSelector !== undefined && state.Parameters !== undefined)
    throw unsupported(stateName, 'ItemSelector with Parameters', 'is not valid ASL');
  checkTemplate(state.ItemSelector ?? state.Parameters, `Distributed Map "${stateName}": ItemSelector`);
  if (state.ItemsPath !== undefined) {
    if (typeof state.ItemsPath !== 'string') throw unsupported(stateName, 'ItemsPath', 'must be a string');
    parseReferencePath(state.ItemsPath);
  }
  const { MaxConcurrency: concurrency, ToleratedFailurePercentage: percentage, ToleratedFailureCount: count, Label: label } = state;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && (concurrency as number) >= 0))
    throw unsupported(stateName, 'MaxConcurrency', 'must be a non-negative integer');
  if (percentage !== undefined && !(typeof percentage === 'number' && percentage >= 0 && percentage <= 100)) {
    throw unsupported(stateName, 'ToleratedFailurePercentage', 'must be a number from 0 to 100');
  }
  if (count !== undefined && !(Number.isInteger(count) && (count as number) >= 0))
    throw unsupported(stateName, 'ToleratedFailureCount', 'must be a non-negative integer');
  if (label !== undefined && !(typeof label === 'string' && LABEL_PATTERN.test(label))) {
    throw unsupported(
      stateName,
      `Label ${JSON.stringify(label)}`,
      'is not a valid label (at most 40 characters, no whitespace or ?*<>{}[]:;,\\|^~$#%&`"/)',
    );
  }
  checkItemReader(stateName, state);
  checkResultWriter(stateName, state.ResultWriter);
};

/** The states of the machines nested in `state` (Parallel branches, inline Map processors). */
function* nestedStates(state: AslState) {
  for (const machine of [state.ItemProcessor, state.Iterator, ...(state.Branches ?? [])]) if (machine) yield* walkStates(machine);
}

/**
 * Replaces each top-level Distributed Map of `asl` with a Task of the same name for the engine
 * (Resource {@link LOCAL_MAP_RUN_RESOURCE}; the runner overrides its handler by state name
 * with a Map Run) and returns what the Map Run needs per state. `asl` itself is not changed.
 *
 * @throws Error naming the state and field when a Distributed Map uses something the emulation
 *   does not do (ItemBatcher, CSV or manifest readers, the `…Path` variants, EXPRESS children, no
 *   ResultWriter…), or when a Distributed Map is nested in another state
 */
export const localizeDistributedMaps = (asl: AslMachine): { asl: AslMachine; maps: Record<string, DistributedMapSpec> } => {
  const engineAsl = structuredClone(asl);
  const maps: Record<string, DistributedMapSpec> = {};
  const labels = new Map<string, string>();
  for (const [stateName, state] of Object.entries(engineAsl.States)) {
    if (!isDistributedMap(state)) {
      for (const nested of nestedStates(state)) {
        if (isDistributedMap(nested.state)) {
          throw new Error(
            `Distributed Map "${nested.name}" is nested inside "${stateName}": the local runner emulates top-level Distributed Maps only`,
          );
        }
      }
      continue;
    }
    checkDistributedMap(stateName, state);
    const { ProcessorConfig: _config, ...definition } = state.ItemProcessor as AslMachine & { ProcessorConfig: unknown };
    for (const nested of walkStates(definition)) {
      if (isDistributedMap(nested.state)) {
        throw new Error(
          `Distributed Map "${nested.name}" is nested inside Distributed Map "${stateName}": the local runner emulates top-level Distributed Maps only`,
        );
      }
    }
    if (typeof state.Label === 'string') {
      const other = labels.get(state.Label);
      if (other)
        throw new Error(
          `Distributed Maps "${other}" and "${stateName}" share the Label ${JSON.stringify(state.Label)}; labels must be unique`,
        );
      labels.set(state.Label, stateName);
    }
    maps[stateName] = { stateName, state: structuredClone(state) as DistributedMapState, definition: structuredClone(definition) };
    const task: AslState = { Type: 'Task', Resource: LOCAL_MAP_RUN_RESOURCE, TimeoutSeconds: ENGINE_TASK_TIMEOUT_SECONDS };
    for (const field of TASK_FIELDS) if (field in state) task[field] = state[field];
    engineAsl.States[stateName] = task;
  }
  return { asl: engineAsl, maps };
};
