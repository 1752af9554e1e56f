/**
 * Shared synthesis for the infra tests: the app is built once per test file (synth is slow on
 * this machine) from cdk.json's context, with NodejsFunction bundling off.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CONTEXT_KEY, type StackConfigInput } from '../../infra/config';
import { readCdkJsonContext } from '../../infra/asl';
import { createApp } from '../../infra/create-app';

/** cdk.json's `salesNavExport`, as committed. */
export const cdkJsonConfig = (): StackConfigInput => readCdkJsonContext()[CONTEXT_KEY] as StackConfigInput;

/** Builds (does not synthesize) the app with `config` merged over cdk.json's, bundling off, nag off. */
export const buildStack = (config: Partial<StackConfigInput> = {}) => {
  const context = readCdkJsonContext();
  return createApp({
    context: { ...context, [CONTEXT_KEY]: { ...cdkJsonConfig(), ...config }, 'aws:cdk:bundling-stacks': [] },
    nag: false,
    outdir: mkdtempSync(path.join(tmpdir(), 'salesnav-infra-test-')),
  });
};
