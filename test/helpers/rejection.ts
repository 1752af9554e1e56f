/** The error a promise rejects with; fails the test when it resolves instead. */
export const rejectionOf = async <E extends Error = Error>(promise: Promise<unknown>): Promise<E> => {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection');
};
