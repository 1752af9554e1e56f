/**
 * Where the repository is on disk. Plain node:path, no aws-cdk-lib import: the benchmark and the
 * local runner resolve files from here without loading CDK.
 */
import * as path from 'node:path';
import type { HandlerModule } from '../lambdas/shared/contract/names';

/** Repository root: handler entries, cdk.json and the lockfile are resolved from here, not from the cwd. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The entry file of a handler module (it exports `handler`): what NodejsFunction bundles and the local runner imports. */
export const handlerEntry = (handlerModule: HandlerModule): string => path.join(PROJECT_ROOT, 'lambdas', `${handlerModule}.ts`);
