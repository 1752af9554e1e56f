/** How the copy reads a failed stream, from where the failure started. */
import { ERROR_NAMES, NamedError } from '../../lambdas/shared/contract/error-names';
import { ShortBodyError } from '../../lambdas/shared/copy/csv-rows';
import { explainFailure, oversizeError, type StreamFailure } from '../../lambdas/shared/copy/pipeline';

const MiB = 1024 * 1024;
const uploadError = new Error('upload rejected');
const failure = (overrides: Partial<StreamFailure>): StreamFailure => ({
  jobId: 42,
  contentLength: 1000,
  deadlineReached: false,
  networkError: undefined,
  verifierError: undefined,
  bytesSeen: 400,
  uploadError,
  ...overrides,
});

describe('explainFailure', () => {
  it('passes the upload error through when the deadline fired, whatever else broke', () => {
    const explained = explainFailure(failure({ deadlineReached: true, networkError: Object.assign(new Error(), { code: 'ECONNRESET' }) }));
    expect(explained).toEqual({ kind: 'throw', error: uploadError });
  });

  it('a body that ended short is a drop, unless it was encoded', () => {
    const short = new ShortBodyError(400, 1000, 'The download for job 42');
    expect(explainFailure(failure({ verifierError: short }))).toEqual({
      kind: 'dropped',
      reason: 'the body ended after 400 of 1000 bytes',
    });
    const encoded = explainFailure(failure({ verifierError: short, contentEncoding: 'gzip' }));
    expect(encoded.kind === 'throw' && encoded.error).toMatchObject({ name: ERROR_NAMES.contentLength, message: /Content-Encoding gzip/ });
  });

  it("throws the verifier's named verdict as it is", () => {
    const verdict = new NamedError(ERROR_NAMES.rowCount, 'rows differ');
    expect(explainFailure(failure({ verifierError: verdict }))).toEqual({ kind: 'throw', error: verdict });
  });

  it('a network error is a drop, named by its code only', () => {
    const networkError = new TypeError('terminated', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) });
    expect(explainFailure(failure({ networkError }))).toEqual({
      kind: 'dropped',
      reason: 'connection lost (UND_ERR_SOCKET) after 400 of 1000 bytes',
    });
  });

  it('anything else is the upload (S3) failing: its own error', () => {
    expect(explainFailure(failure({}))).toEqual({ kind: 'throw', error: uploadError });
  });
});

describe('oversizeError', () => {
  it('accepts what 10,000 parts carry and refuses one byte more', () => {
    expect(oversizeError(8 * MiB * 10_000, 8 * MiB, 42)).toBeUndefined();
    expect(oversizeError(8 * MiB * 10_000 + 1, 8 * MiB, 42)).toMatchObject({ name: ERROR_NAMES.downloadFailed });
  });
});
