/**
 * The LinkedIn simulator in a process of its own (the copier's RSS must not include it).
 * Env: BENCH_SIM_ROWS (data rows of every job). Sends `{ ready: { baseUrl, token } }` over IPC,
 * closes on the message 'close'.
 */
import { startSimulator } from '../../local/simulator';

const main = async (): Promise<void> => {
  const rows = Number(process.env.BENCH_SIM_ROWS);
  if (!Number.isSafeInteger(rows) || rows < 0) throw new Error('BENCH_SIM_ROWS must be a non-negative integer');
  // Fast job timings: the benchmark measures the copy, not LinkedIn's queue.
  const simulator = await startSimulator({ rows, enqueuedMs: 10, processingMs: 10 });
  process.on('message', (message) => {
    if (message === 'close') void simulator.close().finally(() => process.exit(0));
  });
  process.send?.({ ready: { baseUrl: simulator.baseUrl, token: simulator.token } });
};

main().catch((error: unknown) => {
  process.send?.({ error: String(error) });
  process.exit(1);
});
