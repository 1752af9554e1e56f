/**
 * The header-change fault (faults.ts `headerChanges`): LinkedIn changing an export's columns. A
 * change rewrites the header and every row alike, so the file stays a consistent CSV whose rows
 * have the new header's fields: a column appended at the end (with a value in every row), renamed,
 * dropped, or two columns swapped. The copy's schema-drift guard (lambdas/shared/copy/schema-drift.ts)
 * lands the first and quarantines the others.
 *
 * Rows are rewritten one by one from the unchanged model's rendering, so a changed file is
 * generated row by row instead of by tiles (csv-stream.ts): meant for the small files of tests
 * and local runs, not for multi-GB benchmarks.
 */
import { columnNames } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { csvEscape } from './csv-format';

/** One change of an export type's columns. */
export type HeaderChange =
  /** A new last column `append`; every row's value is `value`, or else the row's number (1-based). */
  | { append: string; value?: string }
  /** Column `rename` is called `to`; its values stay. */
  | { rename: string; to: string }
  /** Column `drop` is gone from the header and from every row. */
  | { drop: string }
  /** The two columns swap places, values with them. */
  | { reorder: [string, string] };

export const HEADER_CHANGE_KINDS = ['append', 'rename', 'drop', 'reorder'] as const;

/** Values of an appended column are at most this long (a row must fit the chunk writer's headroom). */
const MAX_VALUE_CHARS = 100;

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isName = (value: unknown): value is string => typeof value === 'string' && value.length > 0 && value.length <= 255;

/**
 * What is wrong with a header change for `exportType`, or undefined when it applies: exactly one
 * kind, columns that exist (and new names that do not yet).
 */
export const headerChangeProblem = (exportType: ExportType, change: unknown): string | undefined => {
  if (!isObject(change)) return 'expected one of {append, value?}, {rename, to}, {drop}, {reorder: [a, b]}';
  const kinds = HEADER_CHANGE_KINDS.filter((kind) => kind in change);
  if (kinds.length !== 1) return `expected exactly one of ${HEADER_CHANGE_KINDS.join(', ')}, got ${JSON.stringify(Object.keys(change))}`;
  const header = columnNames(exportType);
  const known = (name: unknown): string | undefined =>
    typeof name === 'string' && header.includes(name)
      ? undefined
      : `${JSON.stringify(name)} is not a ${exportType} column (${header.join(', ')})`;
  const fresh = (name: unknown): string | undefined =>
    !isName(name)
      ? `${JSON.stringify(name)} is not a column name`
      : header.includes(name)
        ? `${JSON.stringify(name)} is already a ${exportType} column`
        : undefined;
  const allowed: Record<(typeof HEADER_CHANGE_KINDS)[number], string[]> = {
    append: ['append', 'value'],
    rename: ['rename', 'to'],
    drop: ['drop'],
    reorder: ['reorder'],
  };
  const kind = kinds[0]!;
  const extra = Object.keys(change).filter((key) => !allowed[kind].includes(key));
  if (extra.length > 0) return `unexpected ${extra.map((key) => JSON.stringify(key)).join(', ')} in a ${kind} change`;
  switch (kind) {
    case 'append':
      if (change.value !== undefined && !(typeof change.value === 'string' && change.value.length <= MAX_VALUE_CHARS)) {
        return `value must be a string of at most ${MAX_VALUE_CHARS} characters`;
      }
      return fresh(change.append);
    case 'rename':
      return known(change.rename) ?? fresh(change.to);
    case 'drop':
      return known(change.drop) ?? (header.length < 2 ? 'cannot drop the only column' : undefined);
    case 'reorder': {
      const pair = change.reorder;
      if (!Array.isArray(pair) || pair.length !== 2 || pair[0] === pair[1]) return 'reorder takes two different column names';
      return known(pair[0]) ?? known(pair[1]);
    }
  }
};

/**
 * Checks a `headerChanges` fault: an object of export type → change.
 * @throws Error naming the export type and the problem
 */
export const checkHeaderChanges = (value: unknown): void => {
  if (!isObject(value)) throw new Error(`fault "headerChanges" must be an object of export type → change, got ${JSON.stringify(value)}`);
  for (const [exportType, change] of Object.entries(value)) {
    if (!(EXPORT_TYPES as readonly string[]).includes(exportType)) {
      throw new Error(`fault "headerChanges": unknown export type "${exportType}" (known: ${EXPORT_TYPES.join(', ')})`);
    }
    const problem = headerChangeProblem(exportType as ExportType, change);
    if (problem) throw new Error(`fault "headerChanges.${exportType}": ${problem}`);
  }
};

/** The CLI form, `TYPE:KIND:ARGS`, for --header-change (simulator) and --simulator-header-change (npm start). */
export const HEADER_CHANGE_FLAG_HELP =
  'TYPE:append:NAME[=VALUE] | TYPE:rename:OLD=NEW | TYPE:drop:NAME | TYPE:reorder:A,B (e.g. seat:rename:seatStatus=status)';

/**
 * Parses one `TYPE:KIND:ARGS` flag value.
 * @throws Error saying what the flag should look like
 */
export const parseHeaderChangeFlag = (text: string): { exportType: ExportType; change: HeaderChange } => {
  const [type, kind, ...rest] = text.split(':');
  const args = rest.join(':');
  if (!(EXPORT_TYPES as readonly string[]).includes(type ?? '') || kind === undefined || args === '') {
    throw new Error(`${JSON.stringify(text)} is not ${HEADER_CHANGE_FLAG_HELP}`);
  }
  const exportType = type as ExportType;
  const split = (separator: string): [string, string | undefined] => {
    const at = args.indexOf(separator);
    return at === -1 ? [args, undefined] : [args.slice(0, at), args.slice(at + separator.length)];
  };
  let change: HeaderChange;
  switch (kind) {
    case 'append': {
      const [name, value] = split('=');
      change = value === undefined ? { append: name } : { append: name, value };
      break;
    }
    case 'rename': {
      const [from, to] = split('=');
      change = { rename: from, to: to ?? '' };
      break;
    }
    case 'drop':
      change = { drop: args };
      break;
    case 'reorder': {
      const [a, b] = split(',');
      change = { reorder: [a, b ?? ''] };
      break;
    }
    default:
      throw new Error(`${JSON.stringify(text)}: unknown change "${kind}" (${HEADER_CHANGE_KINDS.join(', ')})`);
  }
  const problem = headerChangeProblem(exportType, change);
  if (problem) throw new Error(`${JSON.stringify(text)}: ${problem}`);
  return { exportType, change };
};

/**
 * Collects repeated flag values into a `headerChanges` fault (one change per export type).
 * @throws Error on a bad value or a second change for the same type
 */
export const headerChangesFromFlags = (values: readonly string[]): Partial<Record<ExportType, HeaderChange>> => {
  const changes: Partial<Record<ExportType, HeaderChange>> = {};
  for (const value of values) {
    const { exportType, change } = parseHeaderChangeFlag(value);
    if (changes[exportType]) throw new Error(`${JSON.stringify(value)}: one header change per export type (${exportType} has one already)`);
    changes[exportType] = change;
  }
  return changes;
};

/** Where each column of the changed file comes from: a column of the unchanged row, or the appended value. */
type Source = { from: number } | { appended: true };

/** The changed header's names and where each column's value comes from. */
export const changedColumns = (names: readonly string[], change: HeaderChange): { names: string[]; sources: Source[] } => {
  const sources: Source[] = names.map((_, from) => ({ from }));
  const changed = [...names];
  const index = (name: string): number => {
    const at = names.indexOf(name);
    if (at === -1) throw new Error(`no column ${JSON.stringify(name)} to change`);
    return at;
  };
  if ('append' in change) {
    changed.push(change.append);
    sources.push({ appended: true });
  } else if ('rename' in change) {
    changed[index(change.rename)] = change.to;
  } else if ('drop' in change) {
    const at = index(change.drop);
    changed.splice(at, 1);
    sources.splice(at, 1);
  } else {
    const [a, b] = [index(change.reorder[0]), index(change.reorder[1])];
    [changed[a], changed[b]] = [changed[b]!, changed[a]!];
    [sources[a], sources[b]] = [sources[b]!, sources[a]!];
  }
  return { names: changed, sources };
};

const QUOTE = 0x22;
const COMMA = 0x2c;

/** The raw fields of one rendered record (quoted ones kept quoted), its line ending excluded. */
export const rawFields = (record: Uint8Array): Uint8Array[] => {
  const fields: Uint8Array[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const byte = record[i];
    if (quoted) {
      if (byte !== QUOTE) continue;
      if (record[i + 1] === QUOTE)
        i++; // `""`: an escaped quote, still inside
      else quoted = false;
    } else if (byte === QUOTE && i === start) quoted = true;
    else if (byte === COMMA) {
      fields.push(record.subarray(start, i));
      start = i + 1;
    }
  }
  fields.push(record.subarray(start));
  return fields;
};

/**
 * Rewrites one rendered row (line ending included) for the changed columns.
 * @param row the row's 0-based index (an appended column's default value is `row + 1`)
 * @returns the offset after the rewritten row in `target`
 */
export const rewriteRow = (
  rendered: Uint8Array,
  eol: Uint8Array,
  sources: readonly Source[],
  appended: HeaderChange | undefined,
  row: number,
  target: Uint8Array,
  offset: number,
): number => {
  const fields = rawFields(rendered.subarray(0, rendered.length - eol.length));
  let at = offset;
  sources.forEach((source, k) => {
    if (k > 0) target[at++] = COMMA;
    const bytes =
      'from' in source
        ? fields[source.from]!
        : Buffer.from(
            csvEscape(appended && 'append' in appended && appended.value !== undefined ? appended.value : String(row + 1)),
            'utf8',
          );
    target.set(bytes, at);
    at += bytes.length;
  });
  target.set(eol, at);
  return at + eol.length;
};
