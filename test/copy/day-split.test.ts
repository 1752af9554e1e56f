import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { NamedError } from '../../lambdas/shared/contract/error-names';
import type { ExportType } from '../../lambdas/shared/contract/export-types';
import { DaySplitter, parseRecord, type DayPart } from '../../lambdas/shared/copy/day-split';

const DAY = 86_400_000;
const WINDOW = { startAt: Date.UTC(2026, 10, 1), endAt: Date.UTC(2026, 10, 4) };
const HEADER = 'activityId,activityType,createdAt,seatId,memberIdentityKey\r\n';
// Unsorted days, quoted commas, doubled quotes and a line break inside a field.
const ROWS = [
  'a1,VIEWED_PROFILE,11-02-2026 10:00:00,1,m1\r\n',
  '"a2","SENT ""InMail"", twice",11-01-2026 23:59:59,2,\r\n',
  'a3,NOTE,11-02-2026 00:00:00,3,"line one\r\nline two"\r\n',
  'a4,VIEWED_PROFILE,11-01-2026 00:00:00,4,m4\r\n',
];

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'day-split-test-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const split = async (body: Buffer, chunkSize: number, exportType: ExportType = 'activity', window = WINDOW): Promise<DayPart[]> => {
  const chunks: Buffer[] = [];
  for (let i = 0; i < body.length; i += chunkSize) chunks.push(body.subarray(i, i + chunkSize));
  const splitter = new DaySplitter({ exportType, window, directory, subject: 'Job 7' });
  await pipeline(Readable.from(chunks), splitter);
  return splitter.parts();
};

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('DaySplitter: one file per day, byte for byte', () => {
  it.each([1, 7, 1 << 20])(
    'puts each record in its day, keeps the header in every file and leaves a header-only file for a day without rows (chunks of %i bytes)',
    async (chunkSize) => {
      const parts = await split(Buffer.from(HEADER + ROWS.join('')), chunkSize);
      expect(parts.map((p) => p.day)).toEqual([WINDOW.startAt, WINDOW.startAt + DAY, WINDOW.startAt + 2 * DAY]);
      const contents = await Promise.all(parts.map((p) => readFile(p.path, 'utf8')));
      expect(contents).toEqual([HEADER + ROWS[1] + ROWS[3], HEADER + ROWS[0] + ROWS[2], HEADER]);
      expect(parts.map((p) => p.rows)).toEqual([2, 2, 0]);
      parts.forEach((part, i) => {
        expect(part.bytes).toBe(Buffer.byteLength(contents[i] as string));
        expect(part.sha256).toBe(sha256(contents[i] as string));
      });
    },
  );

  it('keeps a last record without a line break, and skips blank lines', async () => {
    const parts = await split(Buffer.from(`${HEADER}\r\n${ROWS[0]}\n${ROWS[3]?.trimEnd()}`), 5);
    expect(parts.map((p) => p.rows)).toEqual([1, 1, 0]);
    expect(await readFile(parts[0]?.path as string, 'utf8')).toBe(HEADER + ROWS[3]?.trimEnd());
  });

  it('splits seats by snapshotDate', async () => {
    const header = 'seatId,seatHolderName,seatStatus,snapshotDate,socialSellingIndex,totalConnections,totalLeadsSaved\n';
    const rows = ['1,"Doe, Jane",ACTIVE,11-02-2026,61.5,500,20\n', '2,Ann,ACTIVE,11-01-2026,40,10,0\n'];
    const parts = await split(Buffer.from(header + rows.join('')), 3, 'seat');
    expect(await Promise.all(parts.map((p) => readFile(p.path, 'utf8')))).toEqual([header + rows[1], header + rows[0], header]);
  });

  it('an empty file becomes an empty file per day', async () => {
    const parts = await split(Buffer.alloc(0), 1);
    expect(parts.map((p) => [p.rows, p.bytes])).toEqual([
      [0, 0],
      [0, 0],
      [0, 0],
    ]);
  });
});

describe('DaySplitter: a row that cannot be put in a day fails the copy (MalformedCsv)', () => {
  const expectMalformed = async (body: string, message: RegExp): Promise<void> => {
    const error = await split(Buffer.from(body), 4).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NamedError);
    expect(error).toMatchObject({ name: 'MalformedCsv', message: expect.stringMatching(message) });
  };

  it('a day outside the window', async () => {
    await expectMalformed(
      `${HEADER}${ROWS[0]}a9,X,11-04-2026 00:00:00,9,\r\n`,
      /record 3 has createdAt "11-04-2026 00:00:00", a day outside the window 2026-11-01\.\.2026-11-03/,
    );
  });
  it('a createdAt that is not a timestamp', async () => {
    await expectMalformed(`${HEADER}a9,X,2026-11-01T00:00:00Z,9,\r\n`, /record 2 has createdAt "2026-11-01T00:00:00Z", which is not a day/);
  });
  it('no createdAt column', async () => {
    await expectMalformed('activityId,activityType\r\na,b\r\n', /the header has no createdAt column/);
  });
});

describe('parseRecord', () => {
  it('reads quoted commas, doubled quotes, line breaks and a byte order mark', () => {
    expect(parseRecord(Buffer.from('\uFEFFa,"b, c","say ""hi""","x\r\ny",'))).toEqual(['a', 'b, c', 'say "hi"', 'x\r\ny', '']);
  });
});
