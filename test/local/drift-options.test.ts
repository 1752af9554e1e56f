/**
 * `npm start`'s schema-drift options: the simulator's header change, and the expected columns a
 * local run synthesizes with (as cdk.json's `expectedColumns`).
 */
import { parseStartArgs, START_HELP } from '../../local/runner/options';

const parse = (argv: string[], files: Record<string, string> = {}) =>
  parseStartArgs(argv, {}, (file) => {
    if (!(file in files)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    return files[file]!;
  });

const SEAT = ['seatId', 'seatHolderName', 'status', 'snapshotDate', 'socialSellingIndex', 'totalConnections', 'totalLeadsSaved'];

describe('npm start schema-drift options', () => {
  it('passes --simulator-header-change to the simulator it starts, beside the other simulator options', () => {
    const parsed = parse([
      '--simulator-header-change',
      'seat:rename:seatStatus=status',
      '--simulator-header-change',
      'activity:append:campaignId=c1',
      '--simulator-contracts',
      '3',
    ]);
    expect(parsed).toMatchObject({
      kind: 'run',
      options: {
        simulatorOptions: {
          contractCount: 3,
          faults: { headerChanges: { seat: { rename: 'seatStatus', to: 'status' }, activity: { append: 'campaignId', value: 'c1' } } },
        },
      },
    });
  });

  it.each([
    [['--simulator-header-change', 'seat:drop:nope'], /^--simulator-header-change "seat:drop:nope": "nope" is not a seat column/],
    [['--simulator-header-change', 'seat:drop:seatId', '--simulator-header-change', 'seat:append:x'], /one header change per export type/],
    [
      ['--simulator-header-change', 'seat:drop:seatId', '--linkedin-url', 'http://127.0.0.1:9/v2', '--token', 't'],
      /--simulator-header-change shapes the simulator: not with --linkedin-url/,
    ],
  ])('refuses %j', (argv, message) => {
    const parsed = parse(argv);
    expect(parsed.kind).toBe('usageError');
    expect(parsed.kind === 'usageError' && parsed.message).toMatch(message);
  });

  it('synthesizes with --expected-columns as cdk.json expectedColumns, inline or from a file', () => {
    const json = JSON.stringify({ seat: SEAT });
    expect(parse(['--expected-columns', json])).toMatchObject({ options: { stackConfig: { expectedColumns: { seat: SEAT } } } });
    expect(parse(['--expected-columns', '@cols.json'], { 'cols.json': json })).toMatchObject({
      options: { stackConfig: { expectedColumns: { seat: SEAT } } },
    });
    expect(parse([])).not.toHaveProperty('options.stackConfig');
  });

  it.each([
    [['--expected-columns', '{seat'], /^--expected-columns is not JSON/],
    [['--expected-columns', '{"seat":["seatId","seatId","snapshotDate"]}'], /^--expected-columns: seat\[1\]: "seatId" is listed twice/],
    [['--expected-columns', '{"clicks":["a"]}'], /unknown export type "clicks"/],
    [['--expected-columns', '@missing.json'], /^--expected-columns @missing\.json: cannot read the file \(ENOENT\)/],
  ])('refuses %j', (argv, message) => {
    const parsed = parse(argv);
    expect(parsed.kind === 'usageError' && parsed.message).toMatch(message);
  });

  it('documents both options', () => {
    expect(START_HELP).toContain('--simulator-header-change SPEC');
    expect(START_HELP).toContain('--expected-columns JSON|@FILE');
  });
});
