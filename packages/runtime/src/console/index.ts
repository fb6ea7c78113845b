/**
 * The results console: decisions over time by action (a chart), counts per policy by name, top
 * entities, the decision latency distribution, sync status and the audit log. Mount it with
 * `consoleRoutes(app, { source, adminToken })` over any `ConsoleDataSource`: the origin
 * stand-in uses `runtimeConsoleSource(runtime)`, `esper capture run` its recorder's.
 */
export {
  type ActionCounts,
  type ActivityEvent,
  type ActivityOptions,
  DecisionActivity,
  type EntityCounts,
  LATENCY_BOUNDS_US,
  type LatencyHistogram,
  type TimelineBucket,
} from './activity.js';
export { consolePage, formatMicros } from './page.js';
export { type ConsoleRouteOptions, chartJsSource, consoleRoutes } from './routes.js';
export { runtimeConsoleSource } from './runtime-source.js';
export type {
  AuditRow,
  ConsoleDataSource,
  ConsoleScope,
  ConsoleSnapshot,
  PolicyRow,
  SyncStatus,
} from './types.js';
