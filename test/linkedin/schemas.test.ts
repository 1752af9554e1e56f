import type * as z from 'zod/mini';
import seed from '../fixtures/SalesAnalyticsExportJob.structure.json';
import { KNOWN_JOB_STATUSES } from '../../lambdas/shared/linkedin/status';
import {
  contractSchema,
  contractsPageSchema,
  createExportJobResponseSchema,
  exportJobSchema,
  linkedInErrorBodySchema,
  toEpochMillis,
  type ExportJob,
} from '../../lambdas/shared/linkedin/schemas';

// Compile-time: the schema's output is exactly the exported ExportJob type (the copy engine
// imports the type, the Lambdas parse with the schema; they must not drift apart).
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const schemaMatchesType: Equals<z.output<typeof exportJobSchema>, ExportJob> = true;

type SeedProperty = { type: string; nullable?: boolean; enum?: string[]; example: unknown };
const seedProperties = seed.properties as Record<string, SeedProperty>;
const shape = exportJobSchema.shape as Record<string, z.ZodMiniType>;

describe('exportJobSchema against the seed SalesAnalyticsExportJob structure', () => {
  it('has exactly the seed properties', () => {
    expect(schemaMatchesType).toBe(true);
    expect(Object.keys(shape).sort()).toEqual(Object.keys(seedProperties).sort());
  });

  it('requires exactly the seed required list', () => {
    const required = Object.keys(shape).filter((key) => !shape[key]!.safeParse(undefined).success);
    expect(required.sort()).toEqual([...seed.required].sort());
  });

  it('accepts null exactly where the seed says nullable', () => {
    for (const [key, property] of Object.entries(seedProperties)) {
      expect({ key, nullable: shape[key]!.safeParse(null).success }).toEqual({ key, nullable: property.nullable === true });
    }
  });

  it('knows every seed status and no other', () => {
    expect([...seedProperties.status!.enum!].sort()).toEqual([...KNOWN_JOB_STATUSES].sort());
  });

  it('parses the seed example, its expireAt (int32 seconds) normalised to milliseconds', () => {
    // Prepare
    const example = Object.fromEntries(Object.entries(seedProperties).map(([key, p]) => [key, p.example]));
    // Act
    const job = exportJobSchema.parse(example);
    // Assess
    expect(job).toEqual({
      id: 987654321,
      status: 'COMPLETED',
      downloadUrl: 'https://media.licdn.com/exports/analytics_123.csv',
      expireAt: 1_640_200_000_000,
      rowCount: 5000,
    });
  });
});

describe('exportJobSchema', () => {
  it("parses LinkedIn's official COMPLETED sample unchanged (expireAt already ms)", () => {
    const sample = {
      downloadUrl: 'https://www.linkedin.com/ambry/?x-li-ambry-ep=AQHk36',
      id: 100004,
      rowCount: 3999,
      expireAt: 1536102969282,
      status: 'COMPLETED',
    };
    expect(exportJobSchema.parse(sample)).toEqual(sample);
  });

  it('accepts absent optional fields (official ENQUEUED sample) and leaves them absent', () => {
    const job = exportJobSchema.parse({ id: 100004, status: 'ENQUEUED' });
    expect(job).toEqual({ id: 100004, status: 'ENQUEUED' });
    expect('downloadUrl' in job).toBe(false);
  });

  it('keeps explicit nulls as null (third-party envelope)', () => {
    expect(exportJobSchema.parse({ id: 1, status: 'PROCESSING', downloadUrl: null, expireAt: null, rowCount: null })).toEqual({
      id: 1,
      status: 'PROCESSING',
      downloadUrl: null,
      expireAt: null,
      rowCount: null,
    });
  });

  it('accepts ids beyond int32 up to the largest safe integer (a Rest.li long)', () => {
    expect(exportJobSchema.parse({ id: 2 ** 31, status: 'ENQUEUED' }).id).toBe(2 ** 31);
    expect(exportJobSchema.parse({ id: Number.MAX_SAFE_INTEGER, status: 'ENQUEUED' }).id).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([
    ['an unsafe integer id', { id: 2 ** 53, status: 'ENQUEUED' }],
    ['a fractional id', { id: 1.5, status: 'ENQUEUED' }],
    ['a string id', { id: '100004', status: 'ENQUEUED' }],
    ['a missing status', { id: 1 }],
    ['a numeric status', { id: 1, status: 3 }],
    ['a negative rowCount', { id: 1, status: 'COMPLETED', rowCount: -1 }],
    ['a fractional expireAt', { id: 1, status: 'COMPLETED', expireAt: 1.5 }],
    ['a numeric downloadUrl', { id: 1, status: 'COMPLETED', downloadUrl: 5 }],
  ])('rejects %s', (_, body) => {
    expect(exportJobSchema.safeParse(body).success).toBe(false);
  });

  it('parses an unknown status string (classified later, never a parse failure)', () => {
    expect(exportJobSchema.parse({ id: 1, status: 'FAILED_DUE_TO_SOMETHING_NEW' }).status).toBe('FAILED_DUE_TO_SOMETHING_NEW');
  });

  it('tolerates and drops unknown fields', () => {
    expect(exportJobSchema.parse({ id: 1, status: 'ENQUEUED', createdAt: 5, extra: { a: 1 } })).toEqual({
      id: 1,
      status: 'ENQUEUED',
    });
  });

  it('treats expireAt below 1e11 as seconds and at or above as milliseconds', () => {
    expect(exportJobSchema.parse({ id: 1, status: 'COMPLETED', expireAt: 99_999_999_999 }).expireAt).toBe(99_999_999_999_000);
    expect(exportJobSchema.parse({ id: 1, status: 'COMPLETED', expireAt: 100_000_000_000 }).expireAt).toBe(100_000_000_000);
    expect(toEpochMillis(1_640_200_000)).toBe(1_640_200_000_000);
  });
});

describe('response envelopes', () => {
  it('reads the create action value envelope', () => {
    expect(createExportJobResponseSchema.parse({ value: { id: 100002, status: 'ENQUEUED', extra: 1 } })).toEqual({
      value: { id: 100002, status: 'ENQUEUED' },
    });
  });

  it('rejects a create response without the value envelope', () => {
    expect(createExportJobResponseSchema.safeParse({ id: 100002, status: 'ENQUEUED' }).success).toBe(false);
  });

  it("parses the contracts finder page of LinkedIn's sample", () => {
    const page = {
      elements: [
        { contract: 'urn:li:contract:123456', name: 'North America Sales Team', description: '…', hasReportingAccess: true },
        { contract: 'urn:li:contract:1234560', name: 'EMEA Sales-EnterpriseLicense', hasReportingAccess: false },
      ],
      paging: { count: 10, start: 0, links: [] },
    };
    expect(contractsPageSchema.parse(page)).toEqual({
      elements: page.elements,
      paging: { count: 10, start: 0 },
    });
  });

  it('accepts a contract with null description and no hasReportingAccess, rejects one without a URN', () => {
    expect(contractSchema.parse({ contract: 'urn:li:contract:1', name: 'A', description: null })).toEqual({
      contract: 'urn:li:contract:1',
      name: 'A',
      description: null,
    });
    expect(contractSchema.safeParse({ name: 'A' }).success).toBe(false);
  });

  it("parses LinkedIn's error body and ignores malformed optional codes", () => {
    expect(linkedInErrorBodySchema.parse({ message: 'Empty oauth2_access_token', serviceErrorCode: 401, status: 401 })).toEqual({
      message: 'Empty oauth2_access_token',
      serviceErrorCode: 401,
      status: 401,
    });
    expect(linkedInErrorBodySchema.parse({ message: 'x', serviceErrorCode: 'abc' })).toEqual({ message: 'x' });
    expect(linkedInErrorBodySchema.safeParse({ error: 'x' }).success).toBe(false);
  });
});
