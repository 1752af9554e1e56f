/**
 * Process environment changes that can be undone: the handlers read their configuration from
 * `process.env`, and one process (a test worker) may run the workflow several times.
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
