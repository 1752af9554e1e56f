/**
 * Keeps the access token out of what LinkedIn (or a gateway in front of it) echoes back: error
 * messages and the tracing headers end up in execution causes and logs that operators read.
 */

/** What replaces the token. */
export const REDACTED = '[redacted]';

/**
 * Tokens shorter than this are not searched for in text: a 1–3 character string occurs by chance
 * in ordinary words, so redacting it would mangle every message while protecting nothing (such a
 * "token" can only be a mistake; LinkedIn's are about 500 characters). At 4 characters a false
 * match is already rare, and redacting a stray word is the cheap side of the trade. Whatever the
 * length, what follows `Bearer ` is always redacted.
 */
export const MIN_SEARCHED_TOKEN_LENGTH = 4;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** What a header value looks like to a server that URL-encodes it once or twice. */
const urlEncodings = (token: string): string[] => {
  const once = encodeURIComponent(token);
  // Form encoding also escapes what encodeURIComponent leaves alone (`!'()*~`).
  const form = new URLSearchParams({ t: token }).toString().slice(2);
  return [once, encodeURIComponent(once), form];
};

/** A token as an echo can carry it; matched case-insensitively, so case changes need no entry. */
const tokenForms = (token: string): string[] => {
  const bytes = Buffer.from(token, 'utf8');
  const base64 = bytes.toString('base64');
  const forms = new Set([token, ...urlEncodings(token), base64, base64.replace(/=+$/, ''), bytes.toString('base64url')]);
  // Longest first, so an alternation never stops at a shorter form inside a longer one.
  return [...forms].filter((form) => form.length >= MIN_SEARCHED_TOKEN_LENGTH).sort((a, b) => b.length - a.length);
};

/**
 * `Bearer` (plain, or URL-encoded with `%20`/`+`) and the token characters after it: RFC 6750's
 * b64token, plus `%` for an encoded echo and `=` anywhere, as a cut-off echo may end mid-token.
 * Catches a truncated or altered echo, and a token too short to search for. A few words that
 * follow "Bearer" in prose ("Bearer token") are left alone.
 */
const BEARER_VALUE = /\b(Bearer)(\s+|%20|\+)(?!(?:token|tokens|auth|authentication|authorization|header|scheme)\b)[A-Za-z0-9\-._~+/%=]+/gi;

/**
 * Replaces every form of `token` in `text` with {@link REDACTED}: exact, URL-encoded (once,
 * twice, form-style, either hex case), base64 and base64url, in any letter case; and whatever
 * follows `Bearer `.
 *
 * @param text a message or header value from LinkedIn's answer
 * @param token the access token that was sent (trimmed)
 */
export const redactToken = (text: string, token: string): string => {
  let redacted = text;
  if (token.length >= MIN_SEARCHED_TOKEN_LENGTH) {
    const pattern = new RegExp(tokenForms(token).map(escapeRegExp).join('|'), 'gi');
    redacted = redacted.replace(pattern, REDACTED);
  }
  return redacted.replace(BEARER_VALUE, (_match, bearer: string, separator: string) => `${bearer}${separator}${REDACTED}`);
};
