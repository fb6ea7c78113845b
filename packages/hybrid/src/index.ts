export {
  CLOCK_SKEW_SECONDS,
  type ClearanceCheck,
  type ClearanceJwk,
  type ClearanceVerifier,
  clientBinding,
  createClearanceVerifier,
} from './clearance.js';
export {
  createHybrid,
  type DecideContext,
  type Hybrid,
  type HybridDecider,
  type HybridStatus,
} from './hybrid.js';
export type { HybridOptions } from './options.js';
export {
  createOriginClient,
  EVENTS_PATH,
  type OriginClient,
  type OriginClientOptions,
  OriginError,
  SNAPSHOT_PATH,
} from './origin-client.js';
export type { HybridEvent, ReporterStats } from './reporter.js';
export { type Snapshot, type SnapshotResult, validateSnapshot } from './snapshot.js';
export {
  type BreakerState,
  type GuardedStore,
  guardStore,
  type StoreGuardOptions,
  type StoreGuardStatus,
  StoreUnavailableError,
} from './store-guard.js';
