/**
 * `npm run bench -- --only tokens [--authorizations N]`: what the hourly token check
 * (lambdas/shared/handlers/tokens.ts) costs over N named authorizations (default 1,000) in the S3
 * token store. Two cases side by side, each one invocation in its own process: (R) none due, the
 * baseline (list, read, report), and (F) every one due (each also refreshed, introspected and
 * written back with If-Match). Per case: time, authorizations/s, CPU, RSS, S3 requests by
 * operation, OAuth calls by route; and F / R.
 */
import { renderTable } from '../table';
import { TOKENS_LAMBDA_MEMORY_MB } from './cases';
import { runTokensRuns, type TokensCaseFigures, type TokensFigures } from './runs';

export type TokensBenchResult = TokensFigures | { error: string };

export const runTokensBench = async (options: { authorizations: number }, log: (line: string) => void): Promise<TokensBenchResult> => {
  try {
    return await runTokensRuns({ authorizations: options.authorizations }, log);
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
};

const count = (value: number): string => Math.round(value).toLocaleString('en-US');
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
const refusedOf = (figures: TokensCaseFigures): number => Object.values(figures.s3.refused).reduce((sum, n) => sum + n, 0);

/** One figure per case, and F / R when both are numbers and R is not 0. */
interface Row {
  figure: string;
  value: (figures: TokensCaseFigures) => number;
  format: (value: number) => string;
  /** A ratio means nothing for this figure (a count that must be 0 in R, or equal in both). */
  noRatio?: boolean;
}

const ROWS: Row[] = [
  { figure: 'invocation wall time s', value: (f) => f.wallSeconds, format: (v) => v.toFixed(2) },
  { figure: 'authorizations / s', value: (f) => f.authorizationsPerSecond, format: (v) => v.toFixed(0) },
  { figure: 'CPU s, handler', value: (f) => f.cpuSeconds.handler, format: (v) => v.toFixed(2) },
  { figure: 'CPU s, s3rver + simulator', value: (f) => f.cpuSeconds.servers, format: (v) => v.toFixed(2) },
  { figure: 'worker process s (start to exit)', value: (f) => f.workerSeconds, format: (v) => v.toFixed(1) },
  { figure: 'RSS before invocation MiB', value: (f) => f.rssBeforeBytes, format: mib },
  { figure: 'peak RSS during invocation MiB', value: (f) => f.rssPeakSampledBytes, format: mib },
  { figure: 'peak RSS MiB (worker maxRSS)', value: (f) => f.peakRssBytes, format: mib },
  { figure: 'checked', value: (f) => f.counts.checked, format: count, noRatio: true },
  { figure: 'refreshed', value: (f) => f.counts.refreshed, format: count, noRatio: true },
  { figure: 'refresh failed / postponed', value: (f) => f.counts.refreshFailed + f.counts.refreshPostponed, format: count, noRatio: true },
  { figure: 'S3 requests', value: (f) => f.s3.total, format: count },
  { figure: '  LIST objects', value: (f) => f.s3.byOperation['LIST objects'] ?? 0, format: count },
  { figure: '  GET object', value: (f) => f.s3.byOperation['GET object'] ?? 0, format: count },
  { figure: '  PUT object, conditional (If-Match)', value: (f) => f.s3.byOperation['PUT object, conditional'] ?? 0, format: count },
  { figure: '  refused', value: refusedOf, format: count, noRatio: true },
  { figure: 'S3 requests per authorization', value: (f) => f.s3.total / f.counts.checked, format: (v) => v.toFixed(3) },
  { figure: 'OAuth calls', value: (f) => f.oauth.total, format: count },
  { figure: '  accessToken (refresh grant)', value: (f) => f.oauth.byRoute.accessToken ?? 0, format: count },
  { figure: '  introspect', value: (f) => f.oauth.byRoute.introspect ?? 0, format: count },
];

export const printTokens = (tokens: TokensBenchResult): void => {
  console.log('\n## Hourly token check: report only vs every authorization due\n');
  if ('error' in tokens) {
    console.log(`  FAILED to run: ${tokens.error}`);
    return;
  }
  const [baseline, due] = tokens.cases;
  const headers = ['figure', ...tokens.cases.map((figures) => figures.case.label), ...(baseline && due ? ['F / R'] : [])];
  const rows = ROWS.map((row) => {
    const cells = [row.figure, ...tokens.cases.map((figures) => row.format(row.value(figures)))];
    if (baseline && due) {
      const base = row.value(baseline);
      cells.push(row.noRatio || base === 0 ? '–' : `${(row.value(due) / base).toFixed(2)}`);
    }
    return cells;
  });
  console.log(
    `  ${tokens.authorizations.toLocaleString('en-US')} named authorizations in the S3 token store (${Math.ceil(tokens.authorizations / tokens.listPageSize)} ` +
      `ListObjectsV2 page(s) of ${tokens.listPageSize}), read ${tokens.readConcurrency} at a time, refreshed ${tokens.refreshConcurrency} at a time; ` +
      'one invocation per case, each in its own worker process; simulator and counting s3rver in the bench process, on the same machine\n',
  );
  console.log(renderTable(headers, rows));
  for (const figures of tokens.cases) console.log(`  ${figures.case.label}: ${figures.case.description}`);
  // The simulator answers OAuth on loopback; what LinkedIn's latency would add is arithmetic, not a measurement.
  console.log(
    `  (F)'s time is the handler's, s3rver's and the local simulator's: deployed, each refresh waits on 2 sequential LinkedIn OAuth calls, ` +
      `${tokens.refreshConcurrency} refreshes at a time, so every 100 ms of OAuth latency adds about ` +
      `${((tokens.authorizations / tokens.refreshConcurrency) * 2 * 0.1).toFixed(0)} s at ${count(tokens.authorizations)} due.`,
  );
  console.log(
    '  S3 requests counted at the s3rver by HTTP method and headers (conditional = If-Match); RSS before = tsx, the SDK and the handler loaded; ' +
      'peak during = process.memoryUsage().rss sampled every 10 ms; maxRSS = the worker’s whole life, tsx compiling the sources included.',
  );
  const mismatches = tokens.cases.flatMap((figures) => figures.mismatches);
  console.log(`  checks: ${mismatches.length === 0 ? 'each case did exactly what it must' : mismatches.join('; ')}`);
};

export interface TokensTarget {
  target: string;
  ok: boolean | undefined;
  measured: string;
}

/** One target per case (it did what it must: cases.ts) and one for memory against the function's. */
export const tokensTargets = (tokens: TokensBenchResult): TokensTarget[] => {
  if ('error' in tokens) return [{ target: 'tokens bench runs', ok: false, measured: tokens.error.slice(0, 120) }];
  const targets: TokensTarget[] = tokens.cases.map((figures) => ({
    target: `tokens bench, ${figures.case.label}: ${figures.case.description}`,
    ok: figures.mismatches.length === 0,
    measured:
      figures.mismatches.length === 0
        ? `${count(figures.counts.refreshed)} refreshed, ${count(figures.s3.total)} S3 requests, ${count(figures.oauth.total)} OAuth calls: exact`
        : `${figures.mismatches.length} mismatches`,
  }));
  const peak = Math.max(...tokens.cases.map((figures) => figures.rssPeakSampledBytes));
  targets.push({
    target: `token check at ${count(tokens.authorizations)} authorizations: peak RSS < its ${TOKENS_LAMBDA_MEMORY_MB} MiB Lambda memory`,
    ok: peak < TOKENS_LAMBDA_MEMORY_MB * 2 ** 20,
    measured: `${mib(peak)} MiB during the invocation (worker maxRSS ${mib(Math.max(...tokens.cases.map((figures) => figures.peakRssBytes)))} MiB)`,
  });
  return targets;
};

/** Why the tokens bench fails the benchmark (it could not run, or a case did not do what it must), or undefined. */
export const tokensFailed = (tokens: TokensBenchResult | undefined): string | undefined => {
  if (!tokens) return undefined;
  if ('error' in tokens) return `the tokens bench failed: ${tokens.error}`;
  const mismatches = tokens.cases.flatMap((figures) => figures.mismatches);
  if (mismatches.length > 0)
    return `the tokens bench's cases did not do what they must (${mismatches.length}):\n  ${mismatches.join('\n  ')}`;
  return undefined;
};
