/**
 * `npm start -- [options]`: the embedded default. Runs the synthesized state machine locally
 * with the real handlers, against the LinkedIn simulator and a local S3 unless told otherwise
 * (`--help`). Exit 0 only when every export landed verified.
 */
import './runner/quiet-env';
import { parseStartArgs, START_HELP } from './runner/options';
import { createProgressWriter, failureLine, summary } from './runner/render';
import { jsonDocument, runLocal } from './runner/run-local';

/**
 * Runs the command and returns its exit status.
 *
 * @param argv the arguments after `npm start --`
 */
export const main = async (
  argv: string[],
  io: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> => {
  const parsed = parseStartArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout.write(`${START_HELP}\n`);
    return 0;
  }
  if (parsed.kind === 'usageError') {
    io.stderr.write(`npm start: ${parsed.message}\nRun npm start -- --help for the options.\n`);
    return 2;
  }
  // With --json, stdout carries only the result document: progress and the Lambdas' logs go to stderr.
  const progressStream = parsed.json ? io.stderr : io.stdout;
  const progress = createProgressWriter(progressStream, parsed.options.timeScale ?? 1);
  const result = await runLocal({ ...parsed.options, logStream: progressStream, onEvent: (event) => progress.onEvent(event) });
  progress.end();
  if (parsed.json) {
    io.stdout.write(`${JSON.stringify(jsonDocument(result), null, 2)}\n`);
  } else {
    io.stdout.write(`\n${summary(result)}\n`);
  }
  if (result.status !== 'SUCCEEDED') {
    io.stderr.write(`${failureLine(result)}\n`);
    return 1;
  }
  return 0;
};

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
