/**
 * `npm run bench -- [--full] [--only copy|polling|coldstart|scale|ledger|tokens] [--sizes 100,1000] [--contracts 1000] [--authorizations 1000]`
 */
export type Section = 'copy' | 'polling' | 'coldstart' | 'scale' | 'ledger' | 'tokens';
export const SECTIONS: readonly Section[] = ['copy', 'polling', 'coldstart', 'scale', 'ledger', 'tokens'];
/**
 * Sections only `--only` or `--full` runs. The tokens section took 25–26 s at its default 1,000
 * authorizations on the idle 2-core machine and 42 s with another process busy on one core: too
 * near and over the ~30 s a section may add to the default run (README, "Performance").
 */
export const OPT_IN_SECTIONS: readonly Section[] = ['tokens'];

export interface BenchOptions {
  sections: Section[];
  /** Copy sizes in MB (10^6 bytes). */
  sizesMb: number[];
  full: boolean;
  /** Contracts of the scale section's local run (× every export type). */
  contracts: number;
  /** Contracts of the ledger section's runs (× every export type): `--contracts` when given. */
  ledgerContracts: number;
  /** Named authorizations in the token store of the tokens section. */
  authorizations: number;
}

/** Default copy sizes; `--full` adds LinkedIn's 3 GB maximum. */
export const DEFAULT_SIZES_MB = [100, 1000];
export const FULL_EXTRA_SIZE_MB = 3000;
/** Contracts of the scale section's local run. */
export const DEFAULT_SCALE_CONTRACTS = 1000;
/** Contracts of the ledger section's runs. */
export const DEFAULT_LEDGER_CONTRACTS = 100;
/** Named authorizations of the tokens section: one ListObjectsV2 page. */
export const DEFAULT_TOKEN_AUTHORIZATIONS = 1000;

/**
 * Parses the command line (after `--`).
 * @throws RangeError naming the bad argument
 */
export const parseBenchOptions = (argv: readonly string[]): BenchOptions => {
  let full = false;
  let only: Section | undefined;
  let sizes: number[] | undefined;
  let contracts: number | undefined;
  let authorizations: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new RangeError(`${flag} needs a value`);
      return next;
    };
    if (flag === '--full') full = true;
    else if (flag === '--only') {
      const section = value();
      if (!(SECTIONS as readonly string[]).includes(section))
        throw new RangeError(`--only takes one of ${SECTIONS.join(', ')}, got ${section}`);
      only = section as Section;
    } else if (flag === '--sizes') {
      sizes = value()
        .split(',')
        .map((part) => Number(part.trim()));
      if (sizes.length === 0 || sizes.some((size) => !Number.isFinite(size) || size <= 0 || size > 3300)) {
        throw new RangeError('--sizes takes comma-separated MB values between 1 and 3300, e.g. 100,1000');
      }
    } else if (flag === '--contracts') {
      contracts = Number(value());
      if (!Number.isSafeInteger(contracts) || contracts < 1 || contracts > 100_000) {
        throw new RangeError('--contracts takes a whole number of contracts from 1 to 100000, e.g. 1000');
      }
    } else if (flag === '--authorizations') {
      authorizations = Number(value());
      if (!Number.isSafeInteger(authorizations) || authorizations < 1 || authorizations > 100_000) {
        throw new RangeError('--authorizations takes a whole number of authorizations from 1 to 100000, e.g. 1000');
      }
    } else
      throw new RangeError(
        `Unknown option ${arg} (options: --full, --only ${SECTIONS.join('|')}, --sizes 100,1000, --contracts 1000, --authorizations 1000)`,
      );
  }
  const sizesMb = sizes ?? (full ? [...DEFAULT_SIZES_MB, FULL_EXTRA_SIZE_MB] : DEFAULT_SIZES_MB);
  return {
    sections: only ? [only] : SECTIONS.filter((section) => full || !OPT_IN_SECTIONS.includes(section)),
    sizesMb,
    full,
    contracts: contracts ?? DEFAULT_SCALE_CONTRACTS,
    ledgerContracts: contracts ?? DEFAULT_LEDGER_CONTRACTS,
    authorizations: authorizations ?? DEFAULT_TOKEN_AUTHORIZATIONS,
  };
};
