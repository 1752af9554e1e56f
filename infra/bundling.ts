/**
 * The esbuild settings of every Lambda bundle, in one place: NodejsFunction (infra/function.ts)
 * deploys with them and the benchmark (bench/bundle.ts) measures bundles built with them, so the
 * cold-start figures describe what ships. Plain values, no aws-cdk-lib import, so the benchmark
 * can use them without loading CDK.
 */
export const LAMBDA_BUNDLE = {
  minify: true,
  sourceMap: true,
  target: 'node24',
  // middy 6 is ESM only; ESM output keeps it (and any top-level await) as written.
  format: 'esm',
  mainFields: ['module', 'main'],
  // Bundled CommonJS dependencies call `require` for Node built-ins, which ESM does not define:
  // give them one.
  banner: "import { createRequire } from 'node:module';const require = createRequire(import.meta.url);",
  // Module → replacement, relative to the repository root (lambdas/shared/runtime/lambda-credentials.ts
  // says why).
  alias: { '@aws-sdk/credential-provider-node': './lambdas/shared/runtime/lambda-credentials.ts' },
} as const;
