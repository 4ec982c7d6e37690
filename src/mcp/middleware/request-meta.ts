/**
 * The `_meta` of the request a tool callback answers: `ctx.mcpReq._meta` in
 * SDK v2, `extra._meta` in SDK 1.x. Undefined when the request had none.
 */
export function requestMetaOf(context: unknown): unknown {
  if (context === null || typeof context !== 'object') return undefined
  const ctx = context as { mcpReq?: { _meta?: unknown }; _meta?: unknown }
  return ctx.mcpReq?._meta ?? ctx._meta
}
