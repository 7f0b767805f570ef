/** A promise with its resolve function on the outside: the scheduler settles it when a node's outcome is known. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  settled: boolean;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    resolve: (value: T) => {
      if (d.settled) return;
      d.settled = true;
      resolve(value);
    },
    settled: false,
  };
  return d;
}
