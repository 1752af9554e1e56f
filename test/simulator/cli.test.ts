import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { parseCli } from '../../local/simulator/cli';

describe('simulator CLI', () => {
  it('parses every flag into options', () => {
    expect(
      parseCli([
        '--port',
        '9000',
        '--token',
        'T',
        '--rows',
        '20000000',
        '--rows-per-day',
        '7',
        '--seed',
        '3',
        '--enqueued-ms',
        '10',
        '--processing-ms',
        '20',
        '--url-lifetime-ms',
        '30',
        '--download-auth',
        'required',
        '--faults',
        '{"throttle":{"count":2},"nullFields":true}',
      ]),
    ).toEqual({
      port: 9000,
      token: 'T',
      rows: 20_000_000,
      rowsPerDay: 7,
      seed: 3,
      enqueuedMs: 10,
      processingMs: 20,
      urlLifetimeMs: 30,
      downloadAuth: 'required',
      faults: { throttle: { count: 2 }, nullFields: true },
    });
    expect(parseCli([])).toMatchObject({ port: 8080 });
    expect(
      parseCli([
        '--contract-count',
        '9500',
        '--forbidden-contract-count',
        '500',
        '--paging-total',
        '--max-page-size',
        '50',
        '--faults',
        '{"forbiddenContracts":["urn:li:contract:5000001"],"unauthorized":"revoked","failingPairs":{"fraction":0.01,"seed":7,"status":"FAILED_DUE_TO_INTERNAL_ERROR"},"latency":{"ms":100}}',
      ]),
    ).toMatchObject({
      contractCount: 9_500,
      forbiddenContractCount: 500,
      pagingTotal: true,
      maxPageSize: 50,
      faults: {
        forbiddenContracts: ['urn:li:contract:5000001'],
        unauthorized: 'revoked',
        failingPairs: { fraction: 0.01, seed: 7, status: 'FAILED_DUE_TO_INTERNAL_ERROR' },
        latency: { ms: 100 },
      },
    });
    expect(parseCli(['--help'])).toBe('help');
  });

  it.each([
    [['--rows', 'many'], /--rows must be a non-negative integer/],
    [['--faults', '{"throtle":{}}'], /unknown fault "throtle"/],
    [['--faults', '{oops'], /--faults/],
    [['--download-auth', 'sometimes'], /optional or required/],
    [['--contract-count', '1e4'], /--contract-count must be a non-negative integer/],
    [['--forbidden-contract-count', '-5'], /--forbidden-contract-count/],
    [['--max-page-size', '0'], /--max-page-size must be a positive integer/],
    [['--faults', '{"failingPairs":{"fraction":0.5}}'], /failingPairs/],
    [['--bogus'], /bogus/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(message);
  });

  it('runs standalone: prints its base URL and token, serves, and stops on SIGTERM', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('local', 'simulator', 'cli.ts'), '--port', '0', '--token', 'cli-token'],
      {
        cwd: join(__dirname, '..', '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      let out = '';
      child.stdout.setEncoding('utf8');
      while (!/token: .*\n/.test(out)) {
        const [chunk] = (await once(child.stdout, 'data')) as [string];
        out += chunk;
      }
      const lines = out.trim().split('\n');
      expect(lines[0]).toMatch(/^LinkedIn simulator: http:\/\/127\.0\.0\.1:\d+\/v2$/);
      expect(lines[1]).toBe('token: cli-token');
      const baseUrl = lines[0]!.slice('LinkedIn simulator: '.length);
      const res = await fetch(`${baseUrl}/salesContracts?q=contractsByMember`, {
        headers: { Authorization: 'Bearer cli-token', 'X-Restli-Protocol-Version': '2.0.0' },
      });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
