/**
 * Builds handler (and benchmark worker) bundles the way CDK's NodejsFunction builds the deployed
 * Lambdas, so sizes and import times are those of what ships.
 *
 * The options come from infra/bundling.ts, the same constant ExportFunction deploys with.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import * as path from 'node:path';
import { LAMBDA_BUNDLE } from '../infra/bundling';
import { PROJECT_ROOT } from '../infra/paths';

// The other benchmark modules take the repository root from here.
export { PROJECT_ROOT };

/** What NodejsFunction passes to esbuild for ExportFunction (ESM, minified, source maps, node24). */
export const LAMBDA_BUNDLE_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: LAMBDA_BUNDLE.format,
  minify: LAMBDA_BUNDLE.minify,
  sourcemap: LAMBDA_BUNDLE.sourceMap,
  target: LAMBDA_BUNDLE.target,
  mainFields: [...LAMBDA_BUNDLE.mainFields],
  banner: { js: LAMBDA_BUNDLE.banner },
  alias: { ...LAMBDA_BUNDLE.alias },
  // bundleAwsSDK: true and externalModules: [] in infra: nothing is left external.
  external: [],
  logLevel: 'warning',
};

export interface BuiltBundle {
  /** Absolute path of the .mjs file. */
  file: string;
  /** Size of the JavaScript file (the source map is not loaded at import time unless enabled). */
  bytes: number;
  /** Size of the source map beside it. */
  mapBytes: number;
  metafile: Metafile;
}

/**
 * Bundles one entry file into `outDir/<name>.mjs` with {@link LAMBDA_BUNDLE_OPTIONS}.
 *
 * @param entry absolute path of the TypeScript entry
 * @param outDir a (temporary) directory
 * @param name output base name
 */
export const bundleEntry = async (entry: string, outDir: string, name: string): Promise<BuiltBundle> => {
  const file = path.join(outDir, `${name}.mjs`);
  const result = await build({
    ...LAMBDA_BUNDLE_OPTIONS,
    entryPoints: [entry],
    outfile: file,
    metafile: true,
    absWorkingDir: PROJECT_ROOT,
  });
  const outputs = result.metafile.outputs;
  const key = (suffix: string) => Object.keys(outputs).find((output) => output.endsWith(`${name}${suffix}`));
  const js = key('.mjs');
  const map = key('.mjs.map');
  if (!js) throw new Error(`esbuild produced no ${name}.mjs`);
  return { file, bytes: outputs[js]!.bytes, mapBytes: map ? outputs[map]!.bytes : 0, metafile: result.metafile };
};

/**
 * The largest contributors to a bundle, by package (node_modules/<pkg>) or by project folder.
 *
 * @returns `[label, bytes in the output]`, largest first
 */
export const topContributors = (metafile: Metafile, limit = 4): Array<[string, number]> => {
  const totals = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const label = match ? match[1]! : input.split('/').slice(0, 2).join('/');
      totals.set(label, (totals.get(label) ?? 0) + bytesInOutput);
    }
  }
  return [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
};
