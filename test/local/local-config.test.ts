import { localHandlerConfig } from '../../local/runner/local-config';
import { assertDownloadUrlAllowed } from '../../lambdas/shared/copy/download';
import { encodeRuntimeEnvironment, RUNTIME_DEFAULTS } from '../../lambdas/shared/contract/runtime-config';

/** A synthesized function's environment: the deployment's defaults. */
const template = () => encodeRuntimeEnvironment(RUNTIME_DEFAULTS) as Record<string, string>;

describe('localHandlerConfig: where a local run may download from', () => {
  const config = localHandlerConfig(template(), { bucket: 'local', apiUrl: 'http://127.0.0.1:43567/v2' });
  const policy = { allowedHosts: config.ALLOWED_DOWNLOAD_HOSTS, allowHttpLoopback: true };

  it("adds the simulator's origin, port included, to LinkedIn's host names", () => {
    expect(config.ALLOWED_DOWNLOAD_HOSTS).toEqual(['www.linkedin.com', 'api.linkedin.com', 'http://127.0.0.1:43567']);
  });

  it("allows the simulator's origin and no other port of its host", () => {
    expect(assertDownloadUrlAllowed('http://127.0.0.1:43567/ambry/?x-li-ambry-ep=t', policy, 1).port).toBe('43567');
    for (const url of ['http://127.0.0.1:43568/ambry/', 'http://127.0.0.1/ambry/', 'https://127.0.0.1/ambry/']) {
      expect(() => assertDownloadUrlAllowed(url, policy, 1)).toThrow(expect.objectContaining({ name: 'DownloadHostNotAllowed' }));
    }
  });

  it('adds an https API origin as itself (a LinkedIn stand-in), once', () => {
    const real = localHandlerConfig(template(), { bucket: 'local', apiUrl: 'https://api.linkedin.com/v2' });
    expect(real.ALLOWED_DOWNLOAD_HOSTS).toEqual(['www.linkedin.com', 'api.linkedin.com', 'https://api.linkedin.com']);
    const again = localHandlerConfig(
      { ...template(), ALLOWED_DOWNLOAD_HOSTS: 'www.linkedin.com,http://127.0.0.1:43567' },
      { bucket: 'local', apiUrl: 'http://127.0.0.1:43567/v2' },
    );
    expect(again.ALLOWED_DOWNLOAD_HOSTS).toEqual(['www.linkedin.com', 'http://127.0.0.1:43567']);
  });
});
