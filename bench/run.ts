/**
 * `npm run bench`: figures, not tests (never part of `npm test`). Prints tables and writes the
 * same figures as JSON to bench/results/<timestamp>.json and bench/results/latest.json.
 * Every comparison runs side by side in this one invocation: absolute times drift on a shared
 * machine, ratios much less. See bench/README section in the project README ("Performance").
 */
import '../local/runner/quiet-env';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import * as path from 'node:path';
import { type ColdStartFigures, IMPORT_RUNS, runColdStartBench } from './coldstart';
import { runCopyBench, SPLIT_DAYS, type CopyBenchFigures, type CopyCaseName } from './copy/bench-copy';
import { type LedgerBenchResult, ledgerFailed, ledgerTargets, printLedger, runLedgerBench } from './ledger/report';
import { parseBenchOptions, type BenchOptions } from './options';
import { confirmPollingModel, type PollingConfirmation } from './polling/confirm';
import { defaultPollPolicy, pollingModel, SEEDS, type PollingModel } from './polling/model';
import { printScale, runScaleBench, type ScaleFigures, scaleFailed, scaleTargets } from './scale/report';
import { printTokens, runTokensBench, type TokensBenchResult, tokensFailed, tokensTargets } from './tokens/report';
import { duration, fixed, mib, renderTable } from './table';

const RESULTS_DIR = path.join(__dirname, 'results');
const RSS_LIMIT_BYTES = 256 * 2 ** 20;
const IMPORT_LIMIT_MS = 150;
const BUNDLE_LIMIT_BYTES = 700 * 1024;

interface Target {
  target: string;
  verdict: 'PASS' | 'MISS' | 'N/A';
  measured: string;
}

interface BenchReport {
  startedAt: string;
  durationSeconds: number;
  machine: { node: string; cpus: number; cpuModel: string; platform: string };
  options: BenchOptions;
  copy?: CopyBenchFigures;
  polling?: PollingModel & { confirmation?: PollingConfirmation | { error: string } };
  coldStart?: ColdStartFigures[];
  scale?: ScaleFigures;
  ledger?: LedgerBenchResult;
  tokens?: TokensBenchResult;
  targets: Target[];
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

const CASE_LABELS: Record<CopyCaseName, string> = {
  project: '(P) project copy step',
  projectDays: `(D) same bytes, ${SPLIT_DAYS}-day window → ${SPLIT_DAYS} day objects`,
  download: '(a) download only',
  upload: '(b) upload only',
  curlAws: '(c) curl | aws s3 cp -',
};

const printCopy = (copy: CopyBenchFigures): void => {
  console.log(
    `\n## Copy throughput and memory (MB = 10^6 bytes; part ${copy.partSizeMb} MiB × queue ${copy.queueSize}; ${copy.bytesPerRow.toFixed(1)} bytes/row)\n`,
  );
  const rows: string[][] = [];
  for (const size of copy.sizes) {
    for (const figure of size.cases) {
      rows.push([
        `${size.targetMb} MB`,
        CASE_LABELS[figure.case],
        figure.skipped ?? (figure.error ? `error: ${figure.error.slice(0, 60)}` : fixed(figure.mbPerSecond)),
        figure.seconds === undefined ? '–' : fixed(figure.seconds, 2),
        mib(figure.peakRssBytes),
        figure.case === 'project'
          ? fixed(size.ratioToSlowerPipe, 2)
          : figure.case === 'curlAws' && size.ratioToCurlAws !== undefined
            ? `P/c ${fixed(size.ratioToCurlAws, 2)}`
            : '',
      ]);
    }
  }
  console.log(renderTable(['size', 'case', 'MB/s', 'seconds', 'peak RSS MiB', 'P / slower(a,b)'], rows));
  for (const size of copy.sizes) {
    const project = size.cases.find((c) => c.case === 'project');
    if (project?.streamSeconds !== undefined && project.seconds !== undefined && project.bytes !== undefined) {
      console.log(
        `  ${size.targetMb} MB: (P) streamed + verified into the final key's upload in ${project.streamSeconds.toFixed(2)} s (${(project.bytes / 1e6 / project.streamSeconds).toFixed(1)} MB/s); ` +
          `complete + sha256 tag + manifest took the other ${(project.seconds - project.streamSeconds).toFixed(2)} s`,
      );
    }
  }
};

const printPolling = (polling: NonNullable<BenchReport['polling']>): void => {
  const { policy } = polling;
  console.log(
    `\n## Polling cost per job (project: default policy, initial ${policy.initialSeconds} s, cap ${policy.maxSeconds} s, equal jitter; ` +
      `calls/transitions at random=1, mean and max over ${SEEDS} seeds)\n`,
  );
  const rows: string[][] = [];
  for (const row of polling.rows) {
    for (const poller of row.pollers) {
      rows.push([
        duration(row.jobSeconds),
        poller.poller,
        String(poller.calls),
        poller.callsMean === undefined ? '–' : `${fixed(poller.callsMean)} / ${poller.callsMax}`,
        String(poller.transitions),
        poller.transitionsMean === undefined ? '–' : fixed(poller.transitionsMean),
        String(poller.delaySeconds),
        fixed(poller.delayMeanSeconds),
        poller.delayMaxSeconds === undefined ? '–' : String(poller.delayMaxSeconds),
        String(poller.delayWorstSeconds),
      ]);
    }
  }
  console.log(
    renderTable(
      [
        'job',
        'poller',
        'GETs',
        'GETs mean/max',
        'transitions',
        'transitions mean',
        'delay s',
        'delay mean s',
        'delay max s',
        'worst delay s',
      ],
      rows,
    ),
  );
  console.log(
    '  transitions: project = Check + Route per poll + Wait per running poll = 3 × polls − 1; fixed pollers = Wait + Check + Choice per poll (CDK job-poller shape).',
  );
  console.log(
    '  delay s: for a job of exactly that length (fixed pollers land on a multiple); worst delay s: the wait in progress when the job completes.',
  );
  const confirmation = polling.confirmation;
  if (confirmation && 'error' in confirmation) console.log(`  local run: FAILED ${confirmation.error}`);
  else if (confirmation) {
    console.log(
      `  local run (synthesized ASL, real handlers, ${confirmation.jobSeconds.toFixed(0)} s job at time scale ${confirmation.timeScale}): ${confirmation.status}; ` +
        `${confirmation.polls} polls (model range ${confirmation.modelPollsRange.join('–')}), waits ${confirmation.waits.join(', ')} s; ` +
        `poll-loop StateEntered ${confirmation.pollTransitions} vs model ${confirmation.modelPollTransitions} → ${confirmation.matches ? 'MATCH' : 'MISMATCH'}; ` +
        `whole execution ${confirmation.totalEntered} StateEntered ${JSON.stringify(confirmation.entered)}; simulator GETs ${confirmation.simulatorJobGets} (polls + the copy's own GET)`,
    );
  }
};

const printColdStart = (figures: ColdStartFigures[]): void => {
  console.log(`\n## Cold start (esbuild bundle as infra/function.ts builds it; import in a fresh node, median of ${IMPORT_RUNS})\n`);
  console.log(
    renderTable(
      ['handler', 'bundle KiB', 'map KiB', 'import median ms', 'runs ms', 'largest inputs'],
      figures.map((f) => [
        f.handler,
        (f.bundleBytes / 1024).toFixed(0),
        (f.sourceMapBytes / 1024).toFixed(0),
        f.importMedianMs.toFixed(1),
        f.importMs.map((ms) => ms.toFixed(0)).join(' '),
        f.largest.map(([name, bytes]) => `${name} ${(bytes / 1024).toFixed(0)}K`).join(', '),
      ]),
    ),
  );
};

const verdict = (ok: boolean | undefined): Target['verdict'] => (ok === undefined ? 'N/A' : ok ? 'PASS' : 'MISS');

const evaluateTargets = (report: BenchReport): Target[] => {
  const targets: Target[] = [];
  if (report.copy) {
    const at = (mb: number) => report.copy!.sizes.find((size) => size.targetMb === mb);
    const big = at(1000);
    const rss = (mb: number) => at(mb)?.cases.find((c) => c.case === 'project')?.peakRssBytes;
    targets.push({
      target: 'copy ≥ 0.8 × slower of download-only/upload-only at 1 GB',
      verdict: verdict(big?.ratioToSlowerPipe === undefined ? undefined : big.ratioToSlowerPipe >= 0.8),
      measured: big?.ratioToSlowerPipe === undefined ? 'no 1 GB run' : `ratio ${big.ratioToSlowerPipe.toFixed(2)}`,
    });
    const curl = big?.cases.find((c) => c.case === 'curlAws');
    targets.push({
      target: 'copy not slower than curl | aws s3 cp at 1 GB',
      verdict: verdict(big?.ratioToCurlAws === undefined ? undefined : big.ratioToCurlAws >= 1),
      measured:
        big?.ratioToCurlAws !== undefined ? `P/c ${big.ratioToCurlAws.toFixed(2)}` : (curl?.skipped ?? curl?.error ?? 'no 1 GB run'),
    });
    const r100 = rss(100);
    const r1000 = rss(1000);
    targets.push({
      target: 'copy peak RSS at 1 GB within 10% of 100 MB',
      verdict: verdict(r100 === undefined || r1000 === undefined ? undefined : Math.abs(r1000 - r100) <= 0.1 * r100),
      measured:
        r100 === undefined || r1000 === undefined
          ? 'needs 100 and 1000 MB runs'
          : `${mib(r100)} → ${mib(r1000)} MiB (${(((r1000 - r100) / r100) * 100).toFixed(1)}%)`,
    });
    const peaks = report.copy.sizes
      .map((size) => size.cases.find((c) => c.case === 'project')?.peakRssBytes)
      .filter((v): v is number => v !== undefined);
    targets.push({
      target: 'copy peak RSS < 256 MiB',
      verdict: verdict(peaks.length === 0 ? undefined : Math.max(...peaks) < RSS_LIMIT_BYTES),
      measured: peaks.length === 0 ? 'no run' : `max ${mib(Math.max(...peaks))} MiB`,
    });
  }
  if (report.polling) {
    const twoHours = report.polling.rows.find((row) => row.jobSeconds === 7200);
    const project = twoHours?.pollers.find((p) => p.poller === 'project backoff');
    const fixed30 = twoHours?.pollers.find((p) => p.poller.startsWith('fixed 30'));
    if (project && fixed30) {
      targets.push({
        target: '2 h job: ≤ 1/10 of the fixed-30-s poller’s GETs',
        verdict: verdict((project.callsMean ?? project.calls) <= fixed30.calls / 10),
        measured: `${fixed(project.callsMean)} mean (${project.calls} at random=1, ${project.callsMax} max) vs limit ${fixed30.calls / 10}`,
      });
    }
    const cap = report.polling.policy.maxSeconds;
    const worst = Math.max(
      ...report.polling.rows.flatMap((row) =>
        row.pollers.filter((p) => p.poller === 'project backoff').map((p) => Math.max(p.delayWorstSeconds, p.delayMaxSeconds ?? 0)),
      ),
    );
    targets.push({
      target: 'worst completion-to-copy delay ≤ backoff cap',
      verdict: verdict(worst <= cap),
      measured: `${worst} s vs cap ${cap} s`,
    });
  }
  if (report.coldStart) {
    for (const figure of report.coldStart) {
      targets.push(
        {
          target: `${figure.handler} bundle < ${BUNDLE_LIMIT_BYTES / 1024} KiB`,
          verdict: verdict(figure.bundleBytes < BUNDLE_LIMIT_BYTES),
          measured: `${Math.round(figure.bundleBytes / 1024)} KiB`,
        },
        {
          target: `${figure.handler} bundle imports in < ${IMPORT_LIMIT_MS} ms`,
          verdict: verdict(figure.importMedianMs < IMPORT_LIMIT_MS),
          measured: `${figure.importMedianMs.toFixed(1)} ms median`,
        },
      );
    }
  }
  if (report.scale) {
    for (const target of scaleTargets(report.scale))
      targets.push({ target: target.target, verdict: verdict(target.ok), measured: target.measured });
  }
  if (report.ledger) {
    for (const target of ledgerTargets(report.ledger))
      targets.push({ target: target.target, verdict: verdict(target.ok), measured: target.measured });
  }
  if (report.tokens) {
    for (const target of tokensTargets(report.tokens))
      targets.push({ target: target.target, verdict: verdict(target.ok), measured: target.measured });
  }
  return targets;
};

const main = async (): Promise<void> => {
  const options = parseBenchOptions(process.argv.slice(2));
  const started = Date.now();
  const cpuList = cpus();
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    durationSeconds: 0,
    machine: {
      node: process.version,
      cpus: cpuList.length,
      cpuModel: cpuList[0]?.model ?? 'unknown',
      platform: `${process.platform} ${process.arch}`,
    },
    options,
    targets: [],
  };
  log(`bench: ${options.sections.join(', ')}${options.sections.includes('copy') ? ` (sizes ${options.sizesMb.join(', ')} MB)` : ''}`);

  if (options.sections.includes('polling')) {
    const policy = defaultPollPolicy();
    const model = pollingModel(policy);
    log('polling: confirming the transition model in a local run of the synthesized ASL…');
    let confirmation: PollingConfirmation | { error: string };
    try {
      confirmation = await confirmPollingModel(policy);
    } catch (error) {
      confirmation = { error: error instanceof Error ? error.message : String(error) };
    }
    report.polling = { ...model, confirmation };
  }
  if (options.sections.includes('coldstart')) report.coldStart = await runColdStartBench(log);
  if (options.sections.includes('copy')) report.copy = await runCopyBench(options.sizesMb, log);
  if (options.sections.includes('scale')) report.scale = await runScaleBench({ contracts: options.contracts }, log);
  if (options.sections.includes('ledger')) report.ledger = await runLedgerBench({ contracts: options.ledgerContracts }, log);
  if (options.sections.includes('tokens')) report.tokens = await runTokensBench({ authorizations: options.authorizations }, log);

  report.targets = evaluateTargets(report);
  report.durationSeconds = (Date.now() - started) / 1000;

  console.log(`# npm run bench — ${report.startedAt}, Node ${report.machine.node}, ${report.machine.cpus} × ${report.machine.cpuModel}`);
  if (report.copy) printCopy(report.copy);
  if (report.polling) printPolling(report.polling);
  if (report.coldStart) printColdStart(report.coldStart);
  if (report.scale) printScale(report.scale);
  if (report.ledger) printLedger(report.ledger);
  if (report.tokens) printTokens(report.tokens);
  console.log('\n## Targets\n');
  console.log(
    renderTable(
      ['verdict', 'target', 'measured'],
      report.targets.map((t) => [t.verdict, t.target, t.measured]),
    ),
  );
  console.log(`\nbench took ${report.durationSeconds.toFixed(0)} s`);

  mkdirSync(RESULTS_DIR, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const file = path.join(RESULTS_DIR, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, json);
  writeFileSync(path.join(RESULTS_DIR, 'latest.json'), json);
  console.log(`figures written to ${path.relative(process.cwd(), file)} and bench/results/latest.json`);
  // The scale run's pair outcomes must match the simulator's faults exactly: anything else fails the bench.
  const scaleProblem = scaleFailed(report.scale);
  if (scaleProblem) {
    console.error(`\nFAILED: ${scaleProblem}`);
    process.exitCode = 1;
  }
  // So must the ledger runs' counts match what each run is for (bench/ledger/cases.ts).
  const ledgerProblem = ledgerFailed(report.ledger);
  if (ledgerProblem) {
    console.error(`\nFAILED: ${ledgerProblem}`);
    process.exitCode = 1;
  }
  // And the token check's cases (bench/tokens/cases.ts).
  const tokensProblem = tokensFailed(report.tokens);
  if (tokensProblem) {
    console.error(`\nFAILED: ${tokensProblem}`);
    process.exitCode = 1;
  }
};

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
