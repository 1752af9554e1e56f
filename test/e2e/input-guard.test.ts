/**
 * Input the runner must refuse before anything runs: nesting no JSON tool survives, and invalid
 * input given with `--linkedin-url` (where the runner would otherwise ask LinkedIn for the
 * contracts first). Each ends FAILED `InvalidInput` promptly, with no LinkedIn call.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { startSimulator, type Simulator } from '../../local/simulator';
import { runLocal } from '../../local/runner/run-local';
import { loadLocalWorkflow } from '../../local/runner/workflow';

let dataDir: string;
let simulator: Simulator;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'e2e-input-guard-'));
  await loadLocalWorkflow(); // synthesis, outside the tests' own time
  simulator = await startSimulator({ enqueuedMs: 100, processingMs: 300 });
}, 120_000);

afterAll(async () => {
  await simulator.close();
  rmSync(dataDir, { recursive: true, force: true });
});

beforeEach(() => simulator.resetCalls());

describe('deeply nested input', () => {
  it.each([
    ['arrays', `${'['.repeat(3000)}${']'.repeat(3000)}`],
    ['objects', `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`],
  ])(
    '3,000 levels of %s fail as InvalidInput instead of hanging',
    async (_kind, inputText) => {
      const result = await runLocal({ simulator, s3Directory: dataDir, inputText });
      expect(result).toMatchObject({
        status: 'FAILED',
        error: 'InvalidInput',
        cause: 'Invalid input: the input is nested more than 64 levels deep (a valid input has at most 2)',
      });
      expect(simulator.countCalls()).toBe(0);
    },
    30_000,
  );

  it('input over 256 KiB fails as InvalidInput', async () => {
    const result = await runLocal({ simulator, s3Directory: dataDir, inputText: JSON.stringify({ padding: 'x'.repeat(300_000) }) });
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
    expect(result.cause).toMatch(/^Invalid input: the input is 300,\d{3} bytes; Step Functions accepts at most 262,144/);
    expect(simulator.countCalls()).toBe(0);
  }, 30_000);
});

describe('--linkedin-url with invalid --input', () => {
  it.each([
    ['an unknown field', '{"startAt": "2025-05-01", "endAt": "2025-05-02", "colour": "blue"}', /unknown field "colour"/],
    ['an inverted window', '{"startAt": "2025-05-02", "endAt": "2025-05-01"}', /startAt: 2025-05-02 is not before endAt/],
    ['a list for an object', '[]', /expected a JSON object/],
  ])(
    '%s fails as InvalidInput, with the Plan’s message, before any LinkedIn call',
    async (_case, inputText, message) => {
      const result = await runLocal({
        linkedInUrl: simulator.baseUrl,
        token: simulator.token,
        s3Directory: dataDir,
        inputText,
      });
      expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput' });
      expect(result.cause).toMatch(/^Invalid input: /);
      expect(result.cause).toMatch(message);
      expect(simulator.countCalls()).toBe(0);
    },
    30_000,
  );
});
