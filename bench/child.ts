/**
 * Child processes of the benchmark. Every measured copy runs in its own process so its peak RSS
 * is its own; the servers (LinkedIn simulator, s3rver) run in further processes so their memory
 * and event loops stay out of the copier's figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PROJECT_ROOT } from './bundle';

/** A TypeScript server script running under tsx, talking over IPC. */
export interface ServerProcess<T> {
  /** What the script sent once it was listening. */
  readonly info: T;
  readonly pid: number;
  /** Asks the script to close, and kills it (by pid) if it has not exited within 10 s. */
  stop(): Promise<void>;
}

const exited = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));

/**
 * Starts `script` (relative to the repository root) under `node --import tsx` with IPC and
 * resolves with the first message it sends (`{ ready: T }`).
 */
export const startServerProcess = async <T>(script: string, env: Record<string, string> = {}): Promise<ServerProcess<T>> => {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, script)], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await new Promise<T>((resolve, reject) => {
    child.once('message', (message: { ready?: T; error?: string }) =>
      message.ready !== undefined ? resolve(message.ready) : reject(new Error(`${script}: ${message.error ?? 'no ready message'}`)),
    );
    child.once('exit', (code) => reject(new Error(`${script} exited with code ${code} before it was ready`)));
  });
  return {
    info,
    pid: child.pid!,
    stop: async () => {
      if (child.connected) child.send('close');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
    },
  };
};

/** What a measured process reports: its own figures plus its peak RSS. */
export interface MeasuredRun<R> {
  result: R;
  /** Peak resident set size of the process (VmHWM / maxRSS), bytes. */
  peakRssBytes: number;
}

/**
 * The parent's environment without AWS_* and POWERTOOLS_* variables, so a measured process sees
 * only the configuration the benchmark gives it (no stray profile or session token).
 */
export const cleanEnv = (): Record<string, string> =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !/^(AWS_|POWERTOOLS_)/.test(entry[0]),
    ),
  );

/**
 * Runs a bundled worker (`node file`) to its end, with exactly `env` (see {@link cleanEnv}). The worker writes its result as JSON to the
 * file named by `BENCH_RESULT_FILE`, including `maxRssBytes` from process.resourceUsage().
 *
 * @throws Error when the worker exits non-zero or writes no result
 */
export const runWorker = async <R extends { maxRssBytes: number }>(file: string, env: Record<string, string>): Promise<MeasuredRun<R>> => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-worker-'));
  const resultFile = path.join(dir, 'result.json');
  try {
    const child = spawn(process.execPath, [file], {
      cwd: PROJECT_ROOT,
      env: { ...env, BENCH_RESULT_FILE: resultFile },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
    let result: R & { error?: string };
    try {
      result = JSON.parse(readFileSync(resultFile, 'utf8')) as R & { error?: string };
    } catch {
      throw new Error(`worker ${path.basename(file)} exited with code ${code} and no result`);
    }
    if (result.error) throw new Error(`worker ${path.basename(file)} failed: ${result.error}`);
    return { result, peakRssBytes: result.maxRssBytes };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

/**
 * Runs a pipeline of OS processes (`curl | aws …`) and samples the peak RSS of the last one from
 * /proc/<pid>/status (VmHWM, a high-water mark, so late samples are as good as early ones).
 *
 * @returns wall seconds from spawn to the exit of the last process, and its peak RSS in bytes
 */
export const runPipe = async (
  first: { command: string; args: string[] },
  second: { command: string; args: string[] },
  env: Record<string, string>,
): Promise<{ seconds: number; peakRssBytes: number; exitCode: number | null; stderr: string }> => {
  const started = process.hrtime.bigint();
  const producer = spawn(first.command, first.args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  const consumer = spawn(second.command, second.args, { stdio: [producer.stdout!, 'ignore', 'pipe'], env });
  let stderr = '';
  consumer.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peakKb = 0;
  const sample = (): void => {
    try {
      const status = readFileSync(`/proc/${consumer.pid}/status`, 'utf8');
      const match = /VmHWM:\s+(\d+) kB/.exec(status);
      if (match) peakKb = Math.max(peakKb, Number(match[1]));
    } catch {
      // The process has exited between two samples.
    }
  };
  const timer = setInterval(sample, 50);
  const exitCode = await new Promise<number | null>((resolve) => consumer.once('exit', (codeValue) => resolve(codeValue)));
  clearInterval(timer);
  await exited(producer);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { seconds, peakRssBytes: peakKb * 1024, exitCode, stderr };
};
