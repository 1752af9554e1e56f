/**
 * Why `npm run cli -- authorize` stored nothing: an operator-facing message (what happened and
 * what to do), never a token, a code or the client secret.
 */
export class AuthorizeError extends Error {
  override readonly name = 'AuthorizeError';
}
