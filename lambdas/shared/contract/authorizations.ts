/**
 * The names the token lifecycle shares between the Lambdas, the CLI and the stack (docs/tokens.md):
 * where named authorizations are kept in the token store, the default authorization's name, and the
 * command an operator runs to authorize.
 */

/** The authorization kept in the stack's token secret: the single-customer default. */
export const DEFAULT_AUTHORIZATION = 'default';

/** What an operator runs to authorize (or re-authorize) a customer. */
export const AUTHORIZE_COMMAND = 'npm run cli -- authorize';

/** The token store's folder of named authorizations: `<folder><name>.json`. */
export const AUTHORIZATIONS_FOLDER = 'authorizations/';
