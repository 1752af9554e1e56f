/** Bounded parallelism for reading many small S3 objects (ledgers, authorizations) without opening thousands of sockets at once. */

/** Runs `work` over `items`, at most `limit` at a time, keeping the order. */
export const mapLimited = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};
