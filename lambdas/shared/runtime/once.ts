/** `build` on the first call, the same value after: one client or parse per Lambda container. */
export const once = <T>(build: () => T): (() => T) => {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
};
