import {
  encodeRuntimeEnvironment,
  type HandlerConfig,
  parseHandlerConfig,
  RUNTIME_DEFAULTS,
} from '../../lambdas/shared/contract/runtime-config';

/**
 * A handler configuration as a deployment would have it: every default, a bucket, and `env`
 * (environment strings, parsed like a Lambda's) over them.
 */
export const handlerConfig = (env: Record<string, string> = {}): HandlerConfig =>
  parseHandlerConfig({ ...encodeRuntimeEnvironment(RUNTIME_DEFAULTS), BUCKET_NAME: 'exports', ...env });
