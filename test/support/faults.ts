import type { BlobStore } from '../../lambdas/store/blob-store.js';

/** Wraps the real S3 adapter so chosen calls fail once. */
export function failingOnce(blobs: BlobStore, method: keyof BlobStore, failures: { count: number }): BlobStore {
  return new Proxy(blobs, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (property !== method || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        if (failures.count > 0) {
          failures.count -= 1;
          throw new Error('injected S3 failure');
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
}
