/**
 * mcp-cache/mcp: caching inside MCP servers written with the official SDK.
 * A subpath of its own so the root entry loads nothing MCP-specific.
 * Named exports only: each is public API.
 */
export { createToolCache, type ToolCache, type ToolCacheOptions, type ToolCachePolicy, type InvalidationPolicy } from './tool-cache.js'
export { principalFromContext } from './principal-of.js'
export { cacheHint, withCacheHint, type CacheHint } from './cache-hint.js'
