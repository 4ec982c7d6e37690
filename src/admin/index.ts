/**
 * mcp-cache/admin: the admin HTTP API and dashboard, for mounting in your own
 * Node app. A subpath of its own so the root entry never loads hono or prom-client.
 * Named exports only: each is public API.
 */
export { createAdminApp, type AdminOptions } from './admin-app.js'
export { startAdminServer } from './start-admin-server.js'
export { StatsSeries, type SeriesPoint, type StatsSeriesOptions } from './stats-series.js'
export type { Alert } from './alerts.js'
export type { RedisPerformance } from './redis-info.js'
