/**
 * The query layer (infra/tables.ts, docs/query.md) on the stack built from cdk.json and on one with
 * every option of its own set: the Glue tables and views against the contract's layout and types,
 * the workgroup and its results bucket, the saved queries and the analyst policy.
 */
import { App, type CfnElement, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { logicalIdOf } from '../../infra/nag';
import type { SalesNavExportStack } from '../../infra/stack';
import {
  ATHENA_ENGINE_VERSION,
  CONTRACT_PLACEHOLDER,
  CSV_SERDE,
  decodePrestoView,
  ExportTables,
  glueDatabaseNameFor,
} from '../../infra/tables';
import { EXPORT_COLUMNS, type ExportColumn } from '../../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../../lambdas/shared/contract/export-types';
import { normalizePrefix, PARTITION_KEYS, PARTITION_TEMPLATE, SIBLING_FOLDERS, tableFolder } from '../../lambdas/shared/contract/layout';
import { rawTableName, viewColumns, viewName, viewSelect } from '../../lambdas/shared/contract/tables';
import { buildStack, cdkJsonConfig } from './helpers';

type Built = { stack: SalesNavExportStack; json: Record<string, any>; template: Template };
let defaults: Built;
let custom: Built;

const CUSTOM = { glueDatabaseName: 'sales_nav', athenaScanCutoffGb: 50, keyPrefix: '', contracts: [], discoverContracts: true };

beforeAll(() => {
  const build = (config: Parameters<typeof buildStack>[0]): Built => {
    const { stack } = buildStack(config);
    const template = Template.fromStack(stack);
    return { stack, template, json: template.toJSON() };
  };
  defaults = build({});
  custom = build(CUSTOM);
});

const resourcesOf = (of: Built, type: string): any[] =>
  Object.values(of.json.Resources as Record<string, any>).filter((r) => r.Type === type);
const tableInputs = (of: Built, tableType: 'EXTERNAL_TABLE' | 'VIRTUAL_VIEW'): any[] =>
  resourcesOf(of, 'AWS::Glue::Table')
    .map((r) => r.Properties.TableInput)
    .filter((t) => t.TableType === tableType);
const rawTable = (of: Built, exportType: ExportType): any => {
  const found = tableInputs(of, 'EXTERNAL_TABLE').filter((t) => t.Name === rawTableName(exportType));
  expect(found).toHaveLength(1);
  return found[0];
};
const view = (of: Built, exportType: ExportType): any => {
  const found = tableInputs(of, 'VIRTUAL_VIEW').filter((t) => t.Name === viewName(exportType));
  expect(found).toHaveLength(1);
  return found[0];
};

/** A `Fn::Join` of text and the data bucket's Ref as plain text, the bucket written `<bucket>`. */
const textOf = (value: any, of: Built): string => {
  if (typeof value === 'string') return value;
  const bucketRef = { Ref: logicalIdOf(of.stack.storage.bucket) };
  const [separator, parts] = value['Fn::Join'];
  return (parts as any[])
    .map((part) => {
      if (typeof part === 'string') return part;
      if (JSON.stringify(part) === JSON.stringify(bucketRef)) return '<bucket>';
      throw new Error(`Unexpected part ${JSON.stringify(part)}`);
    })
    .join(separator);
};

const databaseNameOf = (of: Built): string => of.stack.tables.databaseName;
const cfnIdOf = (element: CfnElement): string => Stack.of(element).getLogicalId(element);

describe('Glue database', () => {
  it('is named after the stack by default, lower case [a-z0-9_]', () => {
    expect(databaseNameOf(defaults)).toBe(glueDatabaseNameFor(defaults.stack.stackName));
    expect(databaseNameOf(defaults)).toMatch(/^[a-z][a-z0-9_]*$/);
    defaults.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: databaseNameOf(defaults) } });
  });

  it('takes the configured name (glueDatabaseName)', () => {
    expect(databaseNameOf(custom)).toBe('sales_nav');
    custom.template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'sales_nav' } });
  });

  it.each([
    ['LinkedInSalesNavExport', 'linked_in_sales_nav_export'],
    ['my-Stack-2', 'my_stack_2'],
    ['ABCExport', 'abc_export'],
    ['9lives', 'db_9lives'],
  ])('derives %s → %s', (stackName, expected) => {
    expect(glueDatabaseNameFor(stackName)).toBe(expected);
  });
});

describe('raw tables', () => {
  it('one per export type, and nothing else', () => {
    expect(
      tableInputs(defaults, 'EXTERNAL_TABLE')
        .map((t) => t.Name)
        .sort(),
    ).toEqual(EXPORT_TYPES.map(rawTableName).sort());
  });

  it.each(EXPORT_TYPES)('%s: OpenCSVSerde over text files, RFC 4180 quoting', (exportType) => {
    const sd = rawTable(defaults, exportType).StorageDescriptor;
    expect(sd.SerdeInfo).toEqual({
      SerializationLibrary: CSV_SERDE,
      Parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
    });
    expect(CSV_SERDE).toBe('org.apache.hadoop.hive.serde2.OpenCSVSerde');
    expect(sd.InputFormat).toBe('org.apache.hadoop.mapred.TextInputFormat');
  });

  it.each(EXPORT_TYPES)("%s: every column text, lower-cased, in the file's order; contract and dt partitions", (exportType) => {
    const table = rawTable(defaults, exportType);
    expect(table.StorageDescriptor.Columns.map((c: any) => [c.Name, c.Type])).toEqual(
      EXPORT_COLUMNS[exportType].map((c) => [c.name.toLowerCase(), 'string']),
    );
    expect(table.PartitionKeys).toEqual(PARTITION_KEYS.map((name) => ({ Name: name, Type: 'string' })));
  });

  it.each(EXPORT_TYPES)('%s: skips the header line', (exportType) => {
    expect(rawTable(defaults, exportType).Parameters['skip.header.line.count']).toBe('1');
  });

  it.each(EXPORT_TYPES)('%s: projects contract (injected) and dt (days from earliestDay to now)', (exportType) => {
    expect(rawTable(defaults, exportType).Parameters).toMatchObject({
      'projection.enabled': 'true',
      'projection.contract.type': 'injected',
      'projection.dt.type': 'date',
      'projection.dt.format': 'yyyy-MM-dd',
      'projection.dt.range': `${cdkJsonConfig().earliestDay ?? '2014-01-01'},NOW`,
      'projection.dt.interval': '1',
      'projection.dt.interval.unit': 'DAYS',
    });
    expect(Object.keys(rawTable(defaults, exportType).Parameters).filter((k) => /^projection\.contract\./.test(k))).toEqual([
      'projection.contract.type',
    ]);
  });

  it.each([
    ['cdk.json', () => defaults],
    ['an empty key prefix', () => custom],
  ] as const)('with %s, the location and its template are the layout’s', (_, of) => {
    const prefix = of() === custom ? CUSTOM.keyPrefix : (cdkJsonConfig().keyPrefix ?? '');
    for (const exportType of EXPORT_TYPES) {
      const table = rawTable(of(), exportType);
      const location = textOf(table.StorageDescriptor.Location, of());
      expect(location).toBe(`s3://<bucket>/${tableFolder(prefix, exportType)}`);
      expect(textOf(table.Parameters['storage.location.template'], of())).toBe(`${location}${PARTITION_TEMPLATE}`);
      for (const key of PARTITION_KEYS) expect(PARTITION_TEMPLATE).toContain(`${key}=\${${key}}/`);
    }
  });
});

describe('layout', () => {
  it.each(['', 'linkedin-sales-navigator/', 'a/b/', 'activity/'])(
    'with prefix %j, no sibling folder lies inside a table location, nor a table inside another',
    (prefix) => {
      const siblings = SIBLING_FOLDERS.map((folder) => `${normalizePrefix(prefix)}${folder}`);
      for (const exportType of EXPORT_TYPES) {
        const location = tableFolder(prefix, exportType);
        for (const sibling of siblings) {
          expect(sibling.startsWith(location)).toBe(false);
          expect(location.startsWith(sibling)).toBe(false);
        }
        for (const other of EXPORT_TYPES.filter((t) => t !== exportType))
          expect(tableFolder(prefix, other).startsWith(location)).toBe(false);
      }
    },
  );
});

describe('typed views', () => {
  it('one per export type', () => {
    expect(
      tableInputs(defaults, 'VIRTUAL_VIEW')
        .map((t) => t.Name)
        .sort(),
    ).toEqual(EXPORT_TYPES.map(viewName).sort());
  });

  it.each(EXPORT_TYPES)('%s: a Presto view whose SQL is the contract’s viewSelect over the raw table', (exportType) => {
    const table = view(defaults, exportType);
    const db = databaseNameOf(defaults);
    expect(table.Parameters).toMatchObject({ presto_view: 'true' });
    expect(table.ViewExpandedText).toBe('/* Presto View */');
    const definition = decodePrestoView(table.ViewOriginalText);
    expect(definition.originalSql).toBe(viewSelect(exportType, 'athena', `"${db}"."${rawTableName(exportType)}"`));
    expect(definition.catalog).toBe('awsdatacatalog');
    expect(definition.schema).toBe(db);
  });

  it.each(EXPORT_TYPES)('%s: the view’s columns and types are the contract’s (names lower-cased, as Athena stores them)', (exportType) => {
    const table = view(defaults, exportType);
    const expected = viewColumns(exportType, 'athena').map((c) => ({ name: c.name.toLowerCase(), type: c.type }));
    expect(decodePrestoView(table.ViewOriginalText).columns).toEqual(expected);
    const hive: Record<string, string> = { varchar: 'string', integer: 'int' };
    expect(table.StorageDescriptor.Columns).toEqual(expected.map((c) => ({ Name: c.name, Type: hive[c.type] ?? c.type })));
  });

  it('reads createdAt as a timestamp, counts as numbers and dates as dates', () => {
    const typeOf = (exportType: ExportType, name: string) =>
      decodePrestoView(view(defaults, exportType).ViewOriginalText).columns.find((c) => c.name === name.toLowerCase())?.type;
    expect(typeOf('activity', 'createdAt')).toBe('timestamp');
    expect(typeOf('activity', 'seatId')).toBe('bigint');
    expect(typeOf('seat', 'snapshotDate')).toBe('date');
    expect(typeOf('seat', 'totalConnections')).toBe('integer');
    expect(typeOf('seat', 'socialSellingIndex')).toBe('double');
    expect(typeOf('seat', 'dt')).toBe('varchar');
  });

  it('builds a view for a deployment’s configured columns too', () => {
    // A deployment's own seat header (cdk.json expectedColumns): a new column reads as text.
    const seat: ExportColumn[] = [...EXPORT_COLUMNS.seat, { name: 'Region', type: 'string', nullable: true, source: 'configured' }];
    const stack = new Stack(new App(), 'configured');
    const tables = new ExportTables(stack, 'tables', {
      bucket: new Bucket(stack, 'data'),
      accessLogBucket: new Bucket(stack, 'logs'),
      keyPrefix: 'p/',
      earliestDay: '2020-01-01',
      columns: { seat },
      exportTypes: ['seat'],
      contracts: ['urn:li:contract:1'],
      scanCutoffGb: 1,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const inputs = Object.values(Template.fromStack(stack).toJSON().Resources as Record<string, any>)
      .filter((r) => r.Type === 'AWS::Glue::Table')
      .map((r) => r.Properties.TableInput);
    const raw = inputs.find((t) => t.Name === 'seat_raw');
    expect(raw.StorageDescriptor.Columns.at(-1)).toMatchObject({ Name: 'region', Type: 'string' });
    const seatView = inputs.find((t) => t.Name === 'seat');
    const definition = decodePrestoView(seatView.ViewOriginalText);
    expect(definition.originalSql).toContain('"region" AS "Region"');
    expect(definition.columns.at(-3)).toEqual({ name: 'region', type: 'varchar' });
    expect(tables.tables.activity).toBeUndefined();
  });
});

describe('Athena workgroup', () => {
  const workGroupOf = (of: Built) => {
    const found = resourcesOf(of, 'AWS::Athena::WorkGroup');
    expect(found).toHaveLength(1);
    return found[0].Properties;
  };

  it('engine version 3, enforced settings, encrypted results in its own bucket, metrics on, a scan cutoff', () => {
    const workGroup = workGroupOf(defaults);
    const resultsId = logicalIdOf(defaults.stack.tables.resultsBucket);
    expect(resultsId).not.toBe(logicalIdOf(defaults.stack.storage.bucket));
    expect(workGroup.Name).toBe(databaseNameOf(defaults));
    expect(workGroup.WorkGroupConfiguration).toEqual({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 10_000_000_000,
      RequesterPaysEnabled: false,
      EngineVersion: { SelectedEngineVersion: ATHENA_ENGINE_VERSION },
      ResultConfiguration: {
        OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: resultsId }, '/']] },
        EncryptionConfiguration: { EncryptionOption: 'SSE_S3' },
        ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
      },
    });
    expect(ATHENA_ENGINE_VERSION).toBe('Athena engine version 3');
  });

  it('takes the configured cutoff (athenaScanCutoffGb) and name', () => {
    expect(workGroupOf(custom).WorkGroupConfiguration.BytesScannedCutoffPerQuery).toBe(50_000_000_000);
    expect(workGroupOf(custom).Name).toBe('sales_nav');
  });

  it('keeps results in an encrypted, private, TLS-only, logged bucket that expires them', () => {
    const resultsId = logicalIdOf(defaults.stack.tables.resultsBucket);
    const bucket = defaults.json.Resources[resultsId];
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: {
        DestinationBucketName: { Ref: logicalIdOf(defaults.stack.storage.accessLogBucket) },
        LogFilePrefix: 'query-results-bucket/',
      },
    });
    expect(bucket.Properties.LifecycleConfiguration.Rules).toContainEqual(
      expect.objectContaining({ Id: 'expire-query-results', ExpirationInDays: 30, Status: 'Enabled' }),
    );
    const policies = resourcesOf(defaults, 'AWS::S3::BucketPolicy').filter((p) => p.Properties.Bucket.Ref === resultsId);
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
  });
});

describe('saved queries', () => {
  const queriesOf = (of: Built) => resourcesOf(of, 'AWS::Athena::NamedQuery').map((r) => r.Properties);

  it('activity by day and type, seats and the newest day per contract, in the workgroup', () => {
    const queries = queriesOf(defaults);
    expect(queries.map((q) => q.Name)).toEqual(['Activity by day and type', 'Seats', 'Newest day with rows, per contract and export type']);
    const workGroupId = cfnIdOf(defaults.stack.tables.workGroup);
    for (const query of queries) {
      expect(query.WorkGroup).toEqual({ Ref: workGroupId });
      expect(query.Database).toBe(databaseNameOf(defaults));
    }
  });

  it('read the views, and name their contracts and days as the projection requires', () => {
    const db = databaseNameOf(defaults);
    const [activity, seats, newest] = queriesOf(defaults).map((q) => q.QueryString as string);
    expect(activity).toContain(`FROM "${db}"."${viewName('activity')}"`);
    expect(activity).toMatch(/GROUP BY dt, activityType/);
    expect(seats).toContain(`FROM "${db}"."${viewName('seat')}"`);
    for (const exportType of EXPORT_TYPES) expect(newest).toContain(`FROM "${db}"."${viewName(exportType)}"`);
    for (const sql of [activity, seats, newest]) {
      expect(sql).not.toContain('_raw"');
      // The injected contract projection needs a static list; dt is limited to recent days.
      expect(sql).toContain("WHERE contract IN ('123456')");
      expect(sql).toMatch(/AND dt >= date_format\(current_date - INTERVAL '\d+' DAY, '%Y-%m-%d'\)/);
      expect(sql).not.toContain('?');
    }
  });

  it('list at most 20 configured contracts, and say so', () => {
    const stack = new Stack(new App(), 'many');
    const contracts = Array.from({ length: 25 }, (_, i) => `urn:li:contract:${1000 + i}`);
    new ExportTables(stack, 'tables', {
      bucket: new Bucket(stack, 'data'),
      accessLogBucket: new Bucket(stack, 'logs'),
      keyPrefix: '',
      earliestDay: '2020-01-01',
      contracts,
      scanCutoffGb: 1,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const queries = Object.values(Template.fromStack(stack).findResources('AWS::Athena::NamedQuery'));
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) {
      const sql: string = query.Properties.QueryString;
      expect(sql).toContain(
        `IN (${contracts
          .slice(0, 20)
          .map((c) => `'${c.split(':').at(-1)}'`)
          .join(', ')})`,
      );
      expect(sql).toContain('The first 20 of 25 configured contracts');
    }
  });

  it('with no contracts configured, name a placeholder to edit', () => {
    for (const query of queriesOf(custom)) {
      expect(query.QueryString).toContain(`WHERE contract IN ('${CONTRACT_PLACEHOLDER}')`);
      expect(query.QueryString).toMatch(/^-- .*\n-- Edit: put your contract ids/);
    }
  });
});

describe('analyst policy', () => {
  const statementsOf = (of: Built): any[] => {
    const id = logicalIdOf(of.stack.tables.analystPolicy);
    return of.json.Resources[id].Properties.PolicyDocument.Statement;
  };
  const statement = (of: Built, sid: string) => {
    const found = statementsOf(of).find((s) => s.Sid === sid);
    expect(found).toBeDefined();
    return found;
  };

  it('is a customer-managed policy attached to nobody', () => {
    const id = logicalIdOf(defaults.stack.tables.analystPolicy);
    expect(defaults.json.Resources[id].Type).toBe('AWS::IAM::ManagedPolicy');
    expect(defaults.json.Resources[id].Properties.Roles).toBeUndefined();
  });

  it('queries in the workgroup only', () => {
    const athena = statement(defaults, 'QueryInTheWorkgroup');
    expect(athena.Action).toEqual(expect.arrayContaining(['athena:StartQueryExecution', 'athena:GetQueryResults']));
    expect(JSON.stringify(athena.Resource)).toContain(`:workgroup/${databaseNameOf(defaults)}`);
    const wildcard = statement(defaults, 'ListWorkgroupsInTheConsole');
    expect(wildcard.Action.every((a: string) => a.startsWith('athena:List'))).toBe(true);
  });

  it('reads the metadata of this database only', () => {
    const tables = statement(defaults, 'ReadTheTablesAndViews');
    expect(tables.Action).toEqual(['glue:GetTable', 'glue:GetTables']);
    expect(JSON.stringify(tables.Resource)).toContain(`:table/${databaseNameOf(defaults)}/*`);
    const actions = statementsOf(defaults).flatMap((s) => [s.Action].flat());
    expect(actions.filter((a: string) => a.startsWith('glue:') && !/^glue:Get/.test(a))).toEqual([]);
  });

  it('reads the table folders of the data bucket, nothing beside them, and writes only query results', () => {
    const prefix = cdkJsonConfig().keyPrefix ?? '';
    const dataId = logicalIdOf(defaults.stack.storage.bucket);
    const read = statement(defaults, 'ReadTheTableFolders');
    expect(read.Action).toBe('s3:GetObject');
    expect(read.Resource).toEqual(
      EXPORT_TYPES.map((t) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [dataId, 'Arn'] }, `/${tableFolder(prefix, t)}*`]] })),
    );
    const list = statement(defaults, 'ListTheTableFolders');
    expect(list.Condition).toEqual({ StringLike: { 's3:prefix': EXPORT_TYPES.map((t) => `${tableFolder(prefix, t)}*`) } });
    const resultsId = logicalIdOf(defaults.stack.tables.resultsBucket);
    for (const s of statementsOf(defaults)) {
      const writes = [s.Action].flat().filter((a: string) => /^s3:(Put|Delete|Abort)/.test(a));
      if (writes.length > 0) expect(JSON.stringify(s.Resource)).toContain(resultsId);
      if ([s.Action].flat().some((a: string) => a.startsWith('s3:')))
        expect(JSON.stringify(s.Resource)).not.toMatch(/ledger|runs|quarantine|manifests/);
    }
  });
});
