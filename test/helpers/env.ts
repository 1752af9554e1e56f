/**
 * Process environment changes that can be undone, for tests of what really reads the environment:
 * the AWS SDK's default credential chain (the e2e runs against an S3 endpoint "from the standard
 * chain") and the deployed entries.
 */

/**
 * Sets (or, for `undefined`, deletes) each variable and returns a function restoring the
 * previous values.
 */
export const applyEnv = (vars: Record<string, string | undefined>, env: NodeJS.ProcessEnv = process.env): (() => void) => {
  const previous = Object.entries(vars).map(([name]) => [name, env[name]] as const);
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return () => {
    for (const [name, value] of previous) {
      if (value === undefined) delete env[name];
      else env[name] = value;
    }
  };
};
