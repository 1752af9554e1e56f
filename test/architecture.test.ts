/**
 * The module map (README, "Architecture") as rules on imports, so a layer cannot quietly start
 * depending on one it must not: read from the sources' import statements.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

const sources = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(relative);
    return entry.name.endsWith('.ts') ? [relative] : [];
  });

/** Every module a file imports, as a repository path (relative imports) or a package name. */
const importsOf = (file: string): string[] => {
  const text = readFileSync(path.join(ROOT, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'|^import\s+'([^']+)'/gm)].map((match) => {
    const specifier = (match[1] ?? match[2])!;
    return specifier.startsWith('.') ? path.normalize(path.join(path.dirname(file), specifier)) : specifier;
  });
};

/** `file → import` pairs under `dir` whose import matches `forbidden`. */
const violations = (dir: string, forbidden: (imported: string, file: string) => boolean): string[] =>
  sources(dir).flatMap((file) =>
    importsOf(file)
      .filter((imported) => forbidden(imported, file))
      .map((imported) => `${file} → ${imported}`),
  );

const under = (imported: string, ...dirs: string[]) => dirs.some((dir) => imported === dir || imported.startsWith(`${dir}/`));

describe('module map', () => {
  it('finds the imports it checks (the rules below are not vacuous)', () => {
    expect(importsOf('lambdas/plan.ts')).toEqual([
      'lambdas/shared/handlers/plan',
      'lambdas/shared/runtime/deployed-config',
      'lambdas/shared/runtime/deployed-linkedin',
      'lambdas/shared/runtime/deployed-s3',
    ]);
  });

  it('lambdas/ never imports infra/, local/, bench/ or test/', () => {
    expect(violations('lambdas', (imported) => under(imported, 'infra', 'local', 'bench', 'test'))).toEqual([]);
  });

  it("lambdas/ uses zod/mini only: the full build would add ~440 KiB to every bundle (README, 'Cold start')", () => {
    expect(violations('lambdas', (imported) => imported === 'zod' || imported === 'zod/v4')).toEqual([]);
  });

  it('the contract imports nothing but itself and zod', () => {
    expect(
      violations('lambdas/shared/contract', (imported) => !under(imported, 'lambdas/shared/contract') && !imported.startsWith('zod/')),
    ).toEqual([]);
  });

  it('the domain (workflow, linkedin, copy, ledger) never imports the handlers or the deployed wiring', () => {
    for (const dir of ['lambdas/shared/workflow', 'lambdas/shared/linkedin', 'lambdas/shared/copy', 'lambdas/shared/ledger']) {
      expect(violations(dir, (imported) => under(imported, 'lambdas/shared/handlers', 'lambdas/shared/runtime'))).toEqual([]);
    }
  });

  it('infra/ takes only the contract from lambdas/ (handler entries are paths, not imports)', () => {
    expect(violations('infra', (imported) => under(imported, 'lambdas') && !under(imported, 'lambdas/shared/contract'))).toEqual([]);
    expect(violations('infra', (imported) => under(imported, 'local', 'bench', 'test'))).toEqual([]);
  });

  it('only the deployed wiring reads the environment in lambdas/ (Powertools reads its own settings)', () => {
    const readers = sources('lambdas').filter((file) =>
      /process\.env\b/.test(readFileSync(path.join(ROOT, file), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')),
    );
    expect(readers).toEqual(['lambdas/shared/powertools.ts', 'lambdas/shared/runtime/deployed-config.ts']);
  });
});
