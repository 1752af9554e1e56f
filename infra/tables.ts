/**
 * The query layer in Athena (docs/query.md): a Glue database with, per export type, a raw table
 * over the CSV objects and a typed view over it; an Athena workgroup whose results go to a bucket
 * of their own; saved queries; and a managed policy an analyst attaches to query it all.
 *
 * The names, locations and types come from the contract (lambdas/shared/contract/layout.ts and
 * tables.ts), the same definitions the copy writes by and the local SQL console reads by.
 */
import { Duration, type RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import { CfnNamedQuery, CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Effect, ManagedPolicy, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { EXPORT_COLUMNS, type ExportColumn } from '../lambdas/shared/contract/export-schemas';
import { EXPORT_TYPES, type ExportType } from '../lambdas/shared/contract/export-types';
import { contractNumericId, PARTITION_TEMPLATE, tableFolder } from '../lambdas/shared/contract/layout';
import { PARTITION_COLUMNS, rawColumnName, rawTableName, viewColumns, viewName, viewSelect } from '../lambdas/shared/contract/tables';
import { acknowledge, logicalIdOf } from './nag';

/** The catalog Athena calls the Glue Data Catalog, as its own views name it. */
export const ATHENA_CATALOG = 'awsdatacatalog';

/** Athena's OpenCSVSerde (docs/query.md, "SerDe"): quoted fields and doubled quotes, one record per line. */
export const CSV_SERDE = 'org.apache.hadoop.hive.serde2.OpenCSVSerde';

/** What Athena writes around a view's definition (docs/query.md, "Views"). */
export const PRESTO_VIEW_PREFIX = '/* Presto View: ';
export const PRESTO_VIEW_SUFFIX = ' */';

/** The Athena engine the workgroup pins, so a query's behaviour changes only when this file does. */
export const ATHENA_ENGINE_VERSION = 'Athena engine version 3';

/** How many configured contracts the saved queries list; more make the queries unreadable, not better. */
const SAVED_QUERY_CONTRACTS = 20;

/** What the saved queries name when the deployment lists no contracts (discovery). */
export const CONTRACT_PLACEHOLDER = 'REPLACE_WITH_CONTRACT_ID';

/**
 * `LinkedInSalesNavExport` → `linked_in_sales_nav_export`: Glue stores names in lower case and
 * Athena reads `[a-z0-9_]` without quoting, so the default database name is the stack's, snake-cased.
 */
export const glueDatabaseNameFor = (stackName: string): string => {
  const snake = stackName
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  const name = /^[a-z]/.test(snake) ? snake : `db_${snake}`;
  return name.slice(0, 255);
};

const quoteIdentifier = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** Glue (Hive) spells two of the engine's types differently; the view's Glue columns use Hive's. */
const hiveType = (athenaType: string): string => ({ varchar: 'string', integer: 'int' })[athenaType] ?? athenaType;

/** The JSON Athena stores, base64-encoded, in a view's ViewOriginalText (docs/query.md, "Views"). */
export interface PrestoViewDefinition {
  readonly originalSql: string;
  readonly catalog: string;
  readonly schema: string;
  readonly columns: readonly { name: string; type: string }[];
  readonly runAsInvoker: boolean;
  readonly path: readonly unknown[];
}

/**
 * A view's definition in Athena's "Presto view" encoding, the one its own CREATE VIEW writes.
 * Column names are lower case, as Athena stores them; `runAsInvoker` and `path` are what newer
 * engines expect, and older ones ignore (docs/query.md, "Views").
 */
export const prestoViewText = (definition: PrestoViewDefinition): string =>
  `${PRESTO_VIEW_PREFIX}${Buffer.from(JSON.stringify(definition), 'utf8').toString('base64')}${PRESTO_VIEW_SUFFIX}`;

/** The definition inside a view's ViewOriginalText. @throws Error when the text is not a Presto view */
export const decodePrestoView = (text: string): PrestoViewDefinition => {
  if (!text.startsWith(PRESTO_VIEW_PREFIX) || !text.endsWith(PRESTO_VIEW_SUFFIX))
    throw new Error(`Not a Presto view: ${text.slice(0, 40)}`);
  const encoded = text.slice(PRESTO_VIEW_PREFIX.length, text.length - PRESTO_VIEW_SUFFIX.length);
  return JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as PrestoViewDefinition;
};

export interface ExportTablesProps {
  /** The data bucket the copy lands the exports in. */
  readonly bucket: IBucket;
  /** Where the results bucket's server access logs go (the data bucket's log bucket). */
  readonly accessLogBucket: IBucket;
  /** The export prefix ("" or ending in "/"). */
  readonly keyPrefix: string;
  /** The first day `dt` projects (`YYYY-MM-DD`): the earliest day an execution may export. */
  readonly earliestDay: string;
  /** The Glue database, also the workgroup's name. @default derived from the stack name ({@link glueDatabaseNameFor}) */
  readonly databaseName?: string;
  /** Each export type's columns in file order; a type left out keeps its built-in ones. @default EXPORT_COLUMNS */
  readonly columns?: Partial<Record<ExportType, readonly ExportColumn[]>>;
  /** The export types that get tables. @default every export type (an execution may ask for any) */
  readonly exportTypes?: readonly ExportType[];
  /** Contract URNs the saved queries name (their first 20); none gives a placeholder to edit. */
  readonly contracts: readonly string[];
  /** The workgroup cancels a query scanning more than this many GB (10^9 bytes). */
  readonly scanCutoffGb: number;
  /** Query results older than this expire. @default 30 days */
  readonly resultsRetentionDays?: number;
  /** What a stack delete does to the results bucket. */
  readonly removalPolicy: RemovalPolicy;
}

/** One export type's raw table and typed view. */
export interface ExportTable {
  readonly raw: CfnTable;
  readonly view: CfnTable;
  /** The view's SQL, as its ViewOriginalText encodes it. */
  readonly viewSql: string;
}

/** The Glue database, tables and views, the Athena workgroup and its results bucket, saved queries and the analyst policy. */
export class ExportTables extends Construct {
  readonly databaseName: string;
  readonly database: CfnDatabase;
  readonly tables: Readonly<Partial<Record<ExportType, ExportTable>>>;
  readonly resultsBucket: Bucket;
  readonly workGroup: CfnWorkGroup;
  readonly namedQueries: readonly CfnNamedQuery[];
  readonly analystPolicy: ManagedPolicy;

  constructor(scope: Construct, id: string, props: ExportTablesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const databaseName = props.databaseName ?? glueDatabaseNameFor(stack.stackName);
    this.databaseName = databaseName;
    const exportTypes = props.exportTypes ?? EXPORT_TYPES;
    const columnsOf = (exportType: ExportType): readonly ExportColumn[] => props.columns?.[exportType] ?? EXPORT_COLUMNS[exportType];
    const s3Url = (key: string) => `s3://${props.bucket.bucketName}/${key}`;

    this.database = new CfnDatabase(this, 'database', {
      catalogId: stack.account,
      databaseInput: {
        name: databaseName,
        description: 'LinkedIn Sales Navigator analytics exports: a raw table and a typed view per export type (docs/query.md).',
      },
    });

    const tables: Partial<Record<ExportType, ExportTable>> = {};
    for (const exportType of exportTypes) {
      const columns = columnsOf(exportType);
      const folder = tableFolder(props.keyPrefix, exportType);
      const raw = new CfnTable(this, `${exportType}-raw`, {
        catalogId: stack.account,
        databaseName: this.database.ref,
        tableInput: {
          name: rawTableName(exportType),
          description: `${exportType} CSV objects exactly as LinkedIn wrote them, every column text; query the ${viewName(exportType)} view for types.`,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            EXTERNAL: 'TRUE',
            classification: 'csv',
            // Every day object starts with the file's header (lambdas/shared/copy/day-split.ts).
            'skip.header.line.count': '1',
            // Partitions are computed, never registered: nothing to crawl, no MSCK REPAIR (docs/query.md, "Partitions").
            'projection.enabled': 'true',
            // Contracts are many, sparse and discovered at run time, so the query names them.
            'projection.contract.type': 'injected',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${props.earliestDay},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'storage.location.template': s3Url(`${folder}${PARTITION_TEMPLATE}`),
          },
          partitionKeys: PARTITION_COLUMNS.map((p) => ({ name: p.name, type: p.type })),
          storageDescriptor: {
            location: s3Url(folder),
            inputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat',
            serdeInfo: {
              serializationLibrary: CSV_SERDE,
              // RFC 4180 quoting; the escape is OpenCSVSerde's default, written out so nobody has to
              // know it (a backslash before a quote or a backslash is read as an escape).
              parameters: { separatorChar: ',', quoteChar: '"', escapeChar: '\\' },
            },
            columns: columns.map((col) => ({
              name: rawColumnName(col.name, 'athena'),
              type: 'string',
              comment: `${col.name}: ${col.type} as text${col.source === 'documented' ? '' : ` (${col.source})`}`,
            })),
            compressed: false,
            storedAsSubDirectories: false,
          },
        },
      });

      const sql = viewSelect(
        exportType,
        'athena',
        `${quoteIdentifier(databaseName)}.${quoteIdentifier(rawTableName(exportType))}`,
        columns,
      );
      const viewColumnList = viewColumns(exportType, 'athena', columns).map((col) => ({ name: col.name.toLowerCase(), type: col.type }));
      const view = new CfnTable(this, `${exportType}-view`, {
        catalogId: stack.account,
        databaseName: this.database.ref,
        tableInput: {
          name: viewName(exportType),
          description: `${exportType} with its columns typed (counts as numbers, createdAt as a timestamp), plus contract and dt.`,
          tableType: 'VIRTUAL_VIEW',
          parameters: { presto_view: 'true', comment: 'Presto View' },
          viewOriginalText: prestoViewText({
            originalSql: sql,
            catalog: ATHENA_CATALOG,
            schema: databaseName,
            columns: viewColumnList,
            runAsInvoker: false,
            path: [],
          }),
          viewExpandedText: '/* Presto View */',
          partitionKeys: [],
          storageDescriptor: {
            columns: viewColumnList.map((col) => ({ name: col.name, type: hiveType(col.type) })),
            serdeInfo: {},
            compressed: false,
            storedAsSubDirectories: false,
          },
        },
      });
      tables[exportType] = { raw, view, viewSql: sql };
    }
    this.tables = tables;

    this.resultsBucket = new Bucket(this, 'query-results', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      lifecycleRules: [
        // Results are re-creatable by running the query again; kept long enough to download.
        { id: 'expire-query-results', expiration: Duration.days(props.resultsRetentionDays ?? 30) },
        { id: 'abort-incomplete-multipart-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      serverAccessLogsBucket: props.accessLogBucket,
      serverAccessLogsPrefix: 'query-results-bucket/',
      removalPolicy: props.removalPolicy,
    });

    this.workGroup = new CfnWorkGroup(this, 'workgroup', {
      name: databaseName,
      description: `Queries over the ${databaseName} tables; results in their own bucket, at most ${props.scanCutoffGb} GB scanned per query (docs/query.md).`,
      state: 'ENABLED',
      // Query history and the saved queries go with the workgroup; the results stay in their bucket.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        // A client's own output location or encryption would put results outside the bucket this
        // stack secures and expires.
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: props.scanCutoffGb * 1_000_000_000,
        requesterPaysEnabled: false,
        engineVersion: { selectedEngineVersion: ATHENA_ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: `s3://${this.resultsBucket.bucketName}/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
          // Athena refuses to write results into a same-named bucket of another account.
          expectedBucketOwner: stack.account,
        },
      },
    });

    this.namedQueries = savedQueries(databaseName, exportTypes, columnsOf, props.contracts).map(
      (query) =>
        new CfnNamedQuery(this, `query-${query.id}`, {
          name: query.name,
          description: query.description,
          database: databaseName,
          queryString: query.sql,
          workGroup: this.workGroup.ref,
        }),
    );

    this.analystPolicy = this.createAnalystPolicy(props, databaseName, exportTypes);
  }

  /**
   * What an analyst needs to query through the workgroup, and nothing else: the workgroup's
   * queries and saved queries, read access to this database's metadata, the table folders of
   * the data bucket (never its ledger, runs or quarantine), and the results bucket.
   */
  private createAnalystPolicy(props: ExportTablesProps, databaseName: string, exportTypes: readonly ExportType[]): ManagedPolicy {
    const stack = Stack.of(this);
    const catalogArn = stack.formatArn({ service: 'glue', resource: 'catalog' });
    const databaseArn = (name: string) => stack.formatArn({ service: 'glue', resource: 'database', resourceName: name });
    const tablesArn = stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${databaseName}/*` });
    const workGroupArn = stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: databaseName });
    const dataCatalogArn = stack.formatArn({ service: 'athena', resource: 'datacatalog', resourceName: 'AwsDataCatalog' });
    const folders = exportTypes.map((exportType) => tableFolder(props.keyPrefix, exportType));

    const policy = new ManagedPolicy(this, 'analyst-policy', {
      description: `Query the LinkedIn Sales Navigator tables of ${databaseName} in the Athena workgroup ${databaseName} (docs/query.md).`,
      statements: [
        new PolicyStatement({
          sid: 'QueryInTheWorkgroup',
          effect: Effect.ALLOW,
          actions: [
            'athena:StartQueryExecution',
            'athena:StopQueryExecution',
            'athena:GetQueryExecution',
            'athena:GetQueryResults',
            'athena:GetQueryResultsStream',
            'athena:GetQueryRuntimeStatistics',
            'athena:BatchGetQueryExecution',
            'athena:ListQueryExecutions',
            'athena:GetWorkGroup',
            'athena:GetNamedQuery',
            'athena:BatchGetNamedQuery',
            'athena:ListNamedQueries',
          ],
          resources: [workGroupArn],
        }),
        new PolicyStatement({
          sid: 'BrowseTheCatalogInAthena',
          effect: Effect.ALLOW,
          actions: [
            'athena:GetDataCatalog',
            'athena:ListDatabases',
            'athena:GetDatabase',
            'athena:ListTableMetadata',
            'athena:GetTableMetadata',
          ],
          resources: [dataCatalogArn],
        }),
        new PolicyStatement({
          sid: 'ListWorkgroupsInTheConsole',
          effect: Effect.ALLOW,
          actions: ['athena:ListWorkGroups', 'athena:ListDataCatalogs'],
          resources: ['*'],
        }),
        new PolicyStatement({
          // Athena looks the `default` database up for every query (docs/query.md, "Access").
          sid: 'ReadTheDatabase',
          effect: Effect.ALLOW,
          actions: ['glue:GetDatabase', 'glue:GetDatabases'],
          resources: [catalogArn, databaseArn('default'), databaseArn(databaseName)],
        }),
        new PolicyStatement({
          sid: 'ReadTheTablesAndViews',
          effect: Effect.ALLOW,
          actions: ['glue:GetTable', 'glue:GetTables'],
          resources: [catalogArn, databaseArn(databaseName), tablesArn],
        }),
        new PolicyStatement({
          sid: 'ReadTheTableFolders',
          effect: Effect.ALLOW,
          actions: ['s3:GetObject'],
          resources: folders.map((folder) => props.bucket.arnForObjects(`${folder}*`)),
        }),
        new PolicyStatement({
          sid: 'ListTheTableFolders',
          effect: Effect.ALLOW,
          actions: ['s3:ListBucket'],
          resources: [props.bucket.bucketArn],
          conditions: { StringLike: { 's3:prefix': folders.map((folder) => `${folder}*`) } },
        }),
        new PolicyStatement({
          sid: 'LocateTheDataBucket',
          effect: Effect.ALLOW,
          actions: ['s3:GetBucketLocation'],
          resources: [props.bucket.bucketArn],
        }),
        new PolicyStatement({
          sid: 'WriteAndReadQueryResults',
          effect: Effect.ALLOW,
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
          resources: [this.resultsBucket.arnForObjects('*')],
        }),
        new PolicyStatement({
          sid: 'ListQueryResults',
          effect: Effect.ALLOW,
          actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:ListBucketMultipartUploads'],
          resources: [this.resultsBucket.bucketArn],
        }),
      ],
    });

    // cdk-nag writes unresolved ARN parts as <AWS::…> and literal ones as they are.
    const pseudo = (value: string, name: string): string => (Token.isUnresolved(value) ? `<AWS::${name}>` : value);
    const arnFinding = (service: string, resource: string) =>
      `AwsSolutions-IAM5[Resource::arn:${pseudo(stack.partition, 'Partition')}:${service}:${pseudo(stack.region, 'Region')}:${pseudo(stack.account, 'AccountId')}:${resource}]`;
    for (const folder of folders) {
      acknowledge(
        policy,
        `AwsSolutions-IAM5[Resource::<${logicalIdOf(props.bucket)}.Arn>/${folder}*]`,
        'Athena reads every object of a table location; the grant is one table folder, never the ledger, runs, manifests or quarantine beside it.',
      );
    }
    acknowledge(
      policy,
      `AwsSolutions-IAM5[Resource::<${logicalIdOf(this.resultsBucket)}.Arn>/*]`,
      "Athena names each result object by its query id at run time; the bucket holds nothing but this workgroup's results.",
    );
    acknowledge(
      policy,
      arnFinding('glue', `table/${databaseName}/*`),
      "glue:GetTables (SHOW TABLES, the console's table list) needs every table of the database; the database holds only this stack's tables and views.",
    );
    acknowledge(
      policy,
      'AwsSolutions-IAM5[Resource::*]',
      'athena:ListWorkGroups and athena:ListDataCatalogs support no resource-level permissions; the console needs them to select the workgroup.',
    );
    return policy;
  }
}

interface SavedQuery {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly sql: string;
}

/**
 * The workgroup's saved queries. Each names its contracts with a static IN list, which the
 * injected projection requires (docs/query.md, "Partitions"), and limits `dt` to recent days;
 * Athena folds `current_date` into a constant before it projects partitions.
 */
const savedQueries = (
  databaseName: string,
  exportTypes: readonly ExportType[],
  columnsOf: (exportType: ExportType) => readonly ExportColumn[],
  contracts: readonly string[],
): SavedQuery[] => {
  const listed = contracts.slice(0, SAVED_QUERY_CONTRACTS).map((urn) => `'${contractNumericId(urn)}'`);
  const contractList = listed.length > 0 ? listed.join(', ') : `'${CONTRACT_PLACEHOLDER}'`;
  const contractNote =
    contracts.length === 0
      ? '-- Edit: put your contract ids (the digits of urn:li:contract:<id>) in the IN list (docs/query.md, "Partitions").'
      : contracts.length > SAVED_QUERY_CONTRACTS
        ? `-- The first ${SAVED_QUERY_CONTRACTS} of ${contracts.length} configured contracts: list the ones you need (docs/query.md, "Partitions").`
        : '-- Every query names its contracts and days: edit the IN list and the range as you need (docs/query.md, "Partitions").';
  const header = (what: string) => `-- ${what}\n${contractNote}`;
  const recent = (days: number) => `dt >= date_format(current_date - INTERVAL '${days}' DAY, '%Y-%m-%d')`;
  const from = (exportType: ExportType) => `${quoteIdentifier(databaseName)}.${quoteIdentifier(viewName(exportType))}`;
  const has = (exportType: ExportType) => exportTypes.includes(exportType);
  const hasColumn = (exportType: ExportType, name: string) => columnsOf(exportType).some((col) => col.name === name);

  const queries: SavedQuery[] = [];
  if (has('activity') && hasColumn('activity', 'activityType')) {
    queries.push({
      id: 'activity-by-day-and-type',
      name: 'Activity by day and type',
      description: 'Sales Navigator activities per day and activity type over the last 30 days.',
      sql: [
        header('Activities per day and type, last 30 days.'),
        'SELECT dt, activityType, count(*) AS activities',
        `FROM ${from('activity')}`,
        `WHERE contract IN (${contractList})`,
        `  AND ${recent(30)}`,
        'GROUP BY dt, activityType',
        'ORDER BY dt, activityType',
      ].join('\n'),
    });
  }
  if (has('seat') && hasColumn('seat', 'seatStatus')) {
    queries.push({
      id: 'seats',
      name: 'Seats',
      description: 'Seats per day and status over the last 30 days, with their average Social Selling Index where the export has one.',
      sql: [
        header('Seats per day and status, last 30 days.'),
        `SELECT dt, seatStatus, count(*) AS seats${hasColumn('seat', 'socialSellingIndex') ? ', round(avg(socialSellingIndex), 1) AS avg_ssi' : ''}`,
        `FROM ${from('seat')}`,
        `WHERE contract IN (${contractList})`,
        `  AND ${recent(30)}`,
        'GROUP BY dt, seatStatus',
        'ORDER BY dt, seatStatus',
      ].join('\n'),
    });
  }
  if (exportTypes.length > 0) {
    queries.push({
      id: 'newest-day-per-contract',
      name: 'Newest day with rows, per contract and export type',
      description: 'For each contract and export type, the newest day of the last 14 that has rows: a quick freshness check.',
      sql: [
        header('The newest day with rows per contract and export type, among the last 14 days.'),
        exportTypes
          .map((exportType) =>
            [
              `SELECT '${exportType}' AS export_type, contract, max(dt) AS newest_day, count(*) AS rows_in_14_days`,
              `FROM ${from(exportType)}`,
              `WHERE contract IN (${contractList})`,
              `  AND ${recent(14)}`,
              'GROUP BY contract',
            ].join('\n'),
          )
          .join('\nUNION ALL\n'),
        'ORDER BY contract, export_type',
      ].join('\n'),
    });
  }
  return queries;
};
