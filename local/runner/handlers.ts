/**
 * The real handler modules of lambdas/, loaded lazily: they read configuration and build their
 * clients from `process.env`, so the runner sets the environment first and imports them after.
 */
import type { Context } from 'aws-lambda';
import type { HandlerModule } from '../../infra/workflow';

/** A middy-wrapped handler as lambdas/*.ts export it. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

const HANDLER_IMPORTS: Record<HandlerModule, () => Promise<{ handler: unknown }>> = {
  plan: () => import('../../lambdas/plan'),
  'create-job': () => import('../../lambdas/create-job'),
  'check-job': () => import('../../lambdas/check-job'),
  'copy-to-s3': () => import('../../lambdas/copy-to-s3'),
};

/**
 * Imports one handler module and returns its `handler`.
 *
 * @throws Error when the module does not export a function named `handler`
 */
export const loadHandler = async (module: HandlerModule): Promise<LambdaHandler> => {
  const { handler } = await HANDLER_IMPORTS[module]();
  if (typeof handler !== 'function') throw new Error(`lambdas/${module}.ts does not export a handler function`);
  return handler as LambdaHandler;
};
