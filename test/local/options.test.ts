import { parseStartArgs, START_HELP } from '../../local/runner/options';
import { buildExecutionInput } from '../../local/runner/request';
import { DEFAULT_TIME_SCALE } from '../../local/runner/defaults';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}, files: Record<string, string> = {}) =>
  parseStartArgs(argv, env, (file) => {
    if (!(file in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return files[file]!;
  });

describe('npm start options', () => {
  it('defaults to every export type, the default window, the simulator and s3rver', () => {
    expect(parse([])).toEqual({
      kind: 'run',
      json: false,
      options: { exportTypes: ['activity', 'activityOutcome', 'seat'], timeScale: DEFAULT_TIME_SCALE },
    });
  });

  it('reads every option of the table', () => {
    const parsed = parse(
      [
        '--type',
        'seat',
        '--contract',
        'urn:li:contract:1',
        '--contract',
        'urn:li:contract:2',
        '--from',
        '2026-11-01',
        '--to',
        '2026-11-08',
        '--linkedin-url',
        'https://api.linkedin.com/v2/',
        '--s3-endpoint',
        'http://127.0.0.1:4568',
        '--bucket',
        'my-bucket',
        '--prefix',
        'x/',
        '--region',
        'eu-west-1',
        '--time-scale',
        '0.5',
        '--json',
      ],
      { LINKEDIN_ACCESS_TOKEN: 'env-token' },
    );
    expect(parsed).toEqual({
      kind: 'run',
      json: true,
      options: {
        exportTypes: ['seat'],
        contracts: ['urn:li:contract:1', 'urn:li:contract:2'],
        from: '2026-11-01',
        to: '2026-11-08',
        linkedInUrl: 'https://api.linkedin.com/v2',
        token: 'env-token',
        s3Endpoint: 'http://127.0.0.1:4568',
        bucket: 'my-bucket',
        prefix: 'x/',
        region: 'eu-west-1',
        timeScale: 0.5,
      },
    });
  });

  it('prefers --token over the environment and reads --input from a file', () => {
    const parsed = parse(
      ['--linkedin-url', 'http://127.0.0.1:8080/v2', '--token', 'flag', '--input', '@in.json'],
      { LINKEDIN_ACCESS_TOKEN: 'env' },
      { 'in.json': '{"startAt":"2026-01-01","endAt":"2026-01-02"}' },
    );
    expect(parsed).toMatchObject({ kind: 'run', options: { token: 'flag', inputText: '{"startAt":"2026-01-01","endAt":"2026-01-02"}' } });
  });

  it('without a token, a given API uses the authorizations `npm run cli -- authorize --local` stored', () => {
    expect(parse(['--linkedin-url', 'https://api.linkedin.com/v2'])).toMatchObject({
      kind: 'run',
      options: { linkedInUrl: 'https://api.linkedin.com/v2', tokensDirectory: '.local/tokens' },
    });
    expect(parse(['--token-days-left', '0', '--simulator-no-refresh-tokens'])).toMatchObject({
      kind: 'run',
      options: { tokenDaysLeft: 0, simulatorOptions: { oauth: { refreshTokens: false } } },
    });
  });

  it.each([
    [['--type', 'all-of-them'], /--type "all-of-them" is not one of/],
    [['--contract', '123456'], /not a contract URN/],
    [['--from', '2026-11-01'], /--from and --to go together/],
    [['--from', '2026-02-30', '--to', '2026-03-02'], /--from "2026-02-30" is not a day/],
    [['--from', '2026-03-02', '--to', '2026-03-01'], /must be before --to/],
    [['--linkedin-url', 'http://api.example.com/v2', '--token', 't'], /plain http is allowed only for a loopback host/],
    [['--linkedin-url', 'https://api.linkedin.com/v2', '--token-days-left', '3'], /shape the simulator's token: not with --linkedin-url/],
    [['--token-days-left', '60'], /--token-days-left "60" is not a whole number from 0 to 59/],
    [['--token', 't'], /--token is for --linkedin-url/],
    [['--time-scale=-1'], /--time-scale "-1" is not a number >= 0/],
    [['--bucket', 'Bad_Bucket'], /not a valid S3 bucket name/],
    [['--input', '@missing.json'], /cannot read the file \(ENOENT\)/],
    [['--colour'], /Unknown option '--colour'/],
    [['extra'], /unexpected argument "extra"/],
    [['--force', '--input', '{}'], /--force does not go with --input .*write "force": true in the input instead/],
    [['--rerun-of', 'local-1', '--type', 'seat'], /--rerun-of .* it takes no --input, --type, --contract, --from or --to, only --force/],
    [['--rerun-of', 'local-1', '--from', '2026-11-01', '--to', '2026-11-02'], /--rerun-of .* takes no/],
  ])('refuses %j', (argv, message) => {
    const parsed = parse(argv);
    expect(parsed.kind).toBe('usageError');
    expect(parsed.kind === 'usageError' && parsed.message).toMatch(message);
  });

  it('documents every option in --help', () => {
    expect(parse(['--help'])).toEqual({ kind: 'help' });
    for (const option of [
      '--type',
      '--contract',
      '--from',
      '--to',
      '--input',
      '--linkedin-url',
      '--token',
      '--s3-endpoint',
      '--bucket',
      '--prefix',
      '--region',
      '--time-scale',
      '--rerun-of',
      '--force',
      '--json',
      '--help',
      'LINKEDIN_ACCESS_TOKEN',
    ]) {
      expect(START_HELP).toContain(option);
    }
  });
});

describe('npm start --force', () => {
  it('asks for a forced export: "force": true in the input, with any window, type or contract', () => {
    const parsed = parse(['--force', '--type', 'seat', '--from', '2026-11-01', '--to', '2026-11-03']);
    expect(parsed).toEqual({
      kind: 'run',
      json: false,
      options: { exportTypes: ['seat'], from: '2026-11-01', to: '2026-11-03', force: true, timeScale: DEFAULT_TIME_SCALE },
    });
    if (parsed.kind !== 'run') throw new Error('not a run');
    expect(buildExecutionInput(parsed.options)).toEqual({ exportTypes: ['seat'], startAt: '2026-11-01', endAt: '2026-11-03', force: true });
  });

  it('alone forces the default window', () => {
    expect(parse(['--force'])).toMatchObject({ kind: 'run', options: { force: true } });
  });

  it('without it, the options carry no force at all', () => {
    const parsed = parse([]);
    expect(parsed.kind === 'run' && parsed.options).not.toHaveProperty('force');
  });

  it('goes with --rerun-of (which takes no other request flag)', () => {
    expect(parse(['--rerun-of', 'local-1'])).toMatchObject({ kind: 'run', options: { rerunOf: 'local-1' } });
    expect(parse(['--rerun-of', 'local-1', '--force'])).toMatchObject({ kind: 'run', options: { rerunOf: 'local-1', force: true } });
  });
});

describe('buildExecutionInput', () => {
  it('writes the console input: only what was asked for', () => {
    expect(buildExecutionInput({})).toEqual({});
    expect(buildExecutionInput({ exportTypes: ['seat'], contracts: ['urn:li:contract:1'], from: '2026-01-01', to: '2026-01-02' })).toEqual({
      exportTypes: ['seat'],
      contracts: ['urn:li:contract:1'],
      startAt: '2026-01-01',
      endAt: '2026-01-02',
    });
  });

  it('writes "force": true only when forced', () => {
    expect(buildExecutionInput({ force: true })).toEqual({ force: true });
    expect(buildExecutionInput({ force: false })).toEqual({});
  });
});
