/**
 * `@esper/cloudflare/durable-objects`: shared window counts for `@esper/hybrid` on Durable
 * Objects. A subpath of its own, so Workers that only use `withEsper` ship none of it.
 */
export {
  type DurableObjectNamespaceLike,
  type DurableObjectStateLike,
  EsperCounter,
} from './durable-objects-counter.js';
export {
  type DurableObjectStore,
  type DurableObjectStoreOptions,
  durableObjectStore,
  type StoreBatchLike,
  type StoreBatchResultLike,
} from './durable-objects-store.js';
