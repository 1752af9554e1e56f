/**
 * s3rver encrypts every truncated ListObjectsV2 page's continuation token with single DES, which
 * OpenSSL 3 (this Node) refuses: without this, a token store of more than 1,000 authorizations
 * could not be listed past its first page. Three-key 3DES with the same key three times is single
 * DES, and OpenSSL 3 still has it, so s3rver's two calls are redirected to it while the tokens
 * benchmark runs (test/tokens/s3-store.test.ts does the same for its listings): the pages are then
 * exactly s3rver's. Bench-only; the product never lists through s3rver's tokens.
 */
import crypto from 'node:crypto';

/** s3rver reads these off the module object at each call (lib/controllers/bucket.js), so replacing them there reaches it. */
interface CipherFactories {
  createCipheriv: typeof crypto.createCipheriv;
  createDecipheriv: typeof crypto.createDecipheriv;
}

/**
 * Redirects `des` ciphers to `des-ede3-cbc` with the key tripled, in this process.
 * @returns what puts the originals back
 */
export const useSingleDesForS3rver = (): (() => void) => {
  const factories = crypto as unknown as CipherFactories;
  const { createCipheriv, createDecipheriv } = factories;
  const tripled = (key: crypto.CipherKey): Buffer => Buffer.concat([key, key, key] as Buffer[]);
  factories.createCipheriv = ((algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: never) =>
    algorithm === 'des'
      ? createCipheriv('des-ede3-cbc', tripled(key), iv)
      : createCipheriv(algorithm, key, iv, options)) as typeof crypto.createCipheriv;
  factories.createDecipheriv = ((algorithm: string, key: crypto.CipherKey, iv: crypto.BinaryLike | null, options?: never) =>
    algorithm === 'des'
      ? createDecipheriv('des-ede3-cbc', tripled(key), iv)
      : createDecipheriv(algorithm, key, iv, options)) as typeof crypto.createDecipheriv;
  return () => {
    factories.createCipheriv = createCipheriv;
    factories.createDecipheriv = createDecipheriv;
  };
};
