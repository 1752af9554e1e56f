/**
 * `Promise.withResolvers` for Node 20.
 *
 * aws-local-stepfunctions 3 calls it on every Task (it is a Node 22 API, ES2024), so on Node
 * 20.19 every Task would fail with "Promise.withResolvers is not a function". Import this
 * module before aws-local-stepfunctions (local-sfn.ts does). On Node 22+ it changes nothing.
 */

interface Resolvers<T> {
  promise: Promise<T>;
  resolve: (value: T | PromiseLike<T>) => void;
  reject: (reason?: unknown) => void;
}

type PromiseWithResolvers = PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> };

/** The spec's behaviour: a fresh promise and the two functions that settle it. */
export const withResolvers = <T>(): Resolvers<T> => {
  let resolve!: Resolvers<T>['resolve'];
  let reject!: Resolvers<T>['reject'];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

const promiseConstructor = Promise as PromiseWithResolvers;
if (typeof promiseConstructor.withResolvers !== 'function') {
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
