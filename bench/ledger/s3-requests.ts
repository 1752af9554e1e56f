/**
 * S3 requests told apart by operation at the HTTP level, as a path-style client sends them (the
 * local runner's does): what the ledger benchmark counts at its s3rver. Pure: the server side is
 * counting-s3.ts.
 */

/** What the classification reads of a request (a Koa context has these fields). */
export interface S3RequestLine {
  method: string;
  /** `/bucket` or `/bucket/key…`, as sent (path-style). */
  path: string;
  query: Record<string, unknown>;
  /** Lower-case names, as Node gives them. */
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The operations, in the order the benchmark prints them. "conditional" is a write carrying
 * `If-Match` or `If-None-Match` (the export ledger's only way of writing); a copy is a PUT with
 * `x-amz-copy-source` (how a forced export moves a superseded object aside).
 */
export const S3_OPERATIONS = [
  'GET object',
  'HEAD object',
  'PUT object',
  'PUT object, conditional',
  'COPY object',
  'COPY object, conditional',
  'DELETE object',
  'DELETE object, conditional',
  'LIST objects',
  'multipart create',
  'multipart part',
  'multipart complete',
  'multipart complete, conditional',
  'multipart abort',
  'LIST multipart uploads',
  'GET tagging',
  'PUT tagging',
  'DELETE objects (batch)',
  'HEAD bucket',
] as const;
export type S3Operation = (typeof S3_OPERATIONS)[number] | `other ${string}`;

const has = (query: Record<string, unknown>, name: string): boolean => Object.hasOwn(query, name);

const decodeSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

/**
 * The key a request is about: the object's key, or for a bucket-level request (a listing) the
 * `prefix` it lists; '' when neither.
 */
export const s3RequestKey = (request: Pick<S3RequestLine, 'path' | 'query'>): string => {
  const key = request.path.replace(/^\/+/, '').split('/').slice(1).map(decodeSegment).join('/');
  if (key !== '') return key;
  const prefix = request.query.prefix;
  return typeof prefix === 'string' ? prefix : '';
};

/** Where in the export bucket a request goes (README, "Exactly once": the layout). */
export const S3_AREAS = ['ledger', 'data', 'superseded', 'runs', 'elsewhere'] as const;
export type S3Area = (typeof S3_AREAS)[number];

/**
 * The area of `key` under the key prefix `prefix` (with its trailing slash): `<prefix>ledger/`,
 * `<prefix>superseded/`, `<prefix>runs/` (the Plan's items, the Map Run's results, the report),
 * the data (any other key under the prefix: objects, manifests, their listings), or elsewhere.
 */
export const areaOf = (key: string, prefix: string): S3Area => {
  if (!key.startsWith(prefix)) return 'elsewhere';
  const rest = key.slice(prefix.length);
  if (rest.startsWith('ledger/')) return 'ledger';
  if (rest.startsWith('superseded/')) return 'superseded';
  if (rest.startsWith('runs/')) return 'runs';
  return rest === '' ? 'elsewhere' : 'data';
};

const isConditional = (headers: S3RequestLine['headers']): boolean =>
  headers['if-match'] !== undefined || headers['if-none-match'] !== undefined;

/** The operation of one request. */
export const classifyS3Request = (request: S3RequestLine): S3Operation => {
  const method = request.method.toUpperCase();
  const { query, headers } = request;
  // "/bucket/key/with/slashes": anything after the bucket's segment is the key.
  const key = request.path.replace(/^\/+/, '').split('/').slice(1).join('/');
  const conditional = isConditional(headers);
  if (key === '') {
    if (method === 'GET') return has(query, 'uploads') ? 'LIST multipart uploads' : 'LIST objects';
    if (method === 'HEAD') return 'HEAD bucket';
    if (method === 'POST' && has(query, 'delete')) return 'DELETE objects (batch)';
    return `other ${method} bucket`;
  }
  if (has(query, 'tagging')) {
    if (method === 'GET') return 'GET tagging';
    if (method === 'PUT') return 'PUT tagging';
    return `other ${method} tagging`;
  }
  switch (method) {
    case 'GET':
      return 'GET object';
    case 'HEAD':
      return 'HEAD object';
    case 'PUT':
      if (has(query, 'partNumber') && has(query, 'uploadId')) return 'multipart part';
      if (headers['x-amz-copy-source'] !== undefined) return conditional ? 'COPY object, conditional' : 'COPY object';
      return conditional ? 'PUT object, conditional' : 'PUT object';
    case 'POST':
      if (has(query, 'uploads')) return 'multipart create';
      if (has(query, 'uploadId')) return conditional ? 'multipart complete, conditional' : 'multipart complete';
      return 'other POST object';
    case 'DELETE':
      if (has(query, 'uploadId')) return 'multipart abort';
      return conditional ? 'DELETE object, conditional' : 'DELETE object';
    default:
      return `other ${method} object`;
  }
};

/** One request as the server answered it. */
export interface S3RequestRecord {
  operation: S3Operation;
  /** See s3RequestKey. */
  key: string;
  /** HTTP status of the answer. */
  status: number;
  /** Epoch ms when the request arrived. */
  at: number;
}

export interface S3RequestTally {
  total: number;
  byOperation: Partial<Record<S3Operation, number>>;
  byArea: Partial<Record<S3Area, number>>;
  /** Answers outside 2xx/3xx, by `<operation> <status>` (e.g. a ledger's first read: `GET object 404`). */
  refused: Record<string, number>;
}

/**
 * Counts records by operation and by area of the bucket; refusals (status ≥ 400) also by operation and status.
 * @param prefix the runs' key prefix, with its trailing slash
 */
export const tallyS3Requests = (records: Iterable<S3RequestRecord>, prefix: string): S3RequestTally => {
  const tally: S3RequestTally = { total: 0, byOperation: {}, byArea: {}, refused: {} };
  for (const { operation, key, status } of records) {
    tally.total += 1;
    tally.byOperation[operation] = (tally.byOperation[operation] ?? 0) + 1;
    const area = areaOf(key, prefix);
    tally.byArea[area] = (tally.byArea[area] ?? 0) + 1;
    if (status >= 400) tally.refused[`${operation} ${status}`] = (tally.refused[`${operation} ${status}`] ?? 0) + 1;
  }
  return tally;
};

/**
 * Splits a run's requests at the moment its workflow ended (the Summarize step's output): what
 * came later is the local runner's own after-run check, not the workflow's. Without that moment
 * (a run that never summarized), everything is the workflow's.
 */
export const splitAtWorkflowEnd = (
  records: readonly S3RequestRecord[],
  workflowEndedAt: number | null,
): { workflow: S3RequestRecord[]; afterRun: S3RequestRecord[] } =>
  workflowEndedAt === null
    ? { workflow: [...records], afterRun: [] }
    : {
        workflow: records.filter((record) => record.at <= workflowEndedAt),
        afterRun: records.filter((record) => record.at > workflowEndedAt),
      };

/** The operations seen in any tally, in S3_OPERATIONS order, the `other …` ones last. */
export const operationsSeen = (tallies: readonly S3RequestTally[]): S3Operation[] => {
  const seen = new Set<S3Operation>();
  for (const tally of tallies) for (const operation of Object.keys(tally.byOperation) as S3Operation[]) seen.add(operation);
  const known = S3_OPERATIONS.filter((operation) => seen.has(operation));
  const others = [...seen].filter((operation) => !(S3_OPERATIONS as readonly string[]).includes(operation)).sort();
  return [...known, ...others];
};
