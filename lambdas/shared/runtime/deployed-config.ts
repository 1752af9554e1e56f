/**
 * The deployed Lambdas' configuration: the environment the stack set, every variable required,
 * parsed on first use so a bad or missing variable fails that invocation as ConfigError.
 */
import { parseRuntimeConfig, type RuntimeConfig } from '../contract/runtime-config';
import { once } from './once';

export const deployedConfig: () => RuntimeConfig = once(() => parseRuntimeConfig(process.env));
