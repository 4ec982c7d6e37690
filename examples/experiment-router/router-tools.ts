import type { CallToolResult, McpServer } from '@modelcontextprotocol/server'
import type { Cache } from 'mcp-cache'
import * as z from 'zod'
import type { ExperimentRouter } from './experiment-router.js'
import { RouterError } from './router-error.js'

/** Ids as the seed writes them (`exp_123`, `user_456`); anything else is still encoded safely into keys. */
const id = z.string().min(1).max(128)
const eventType = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _ (e.g. conversion)')
const hour = z.string().regex(/^\d{10}$/, 'a UTC hour as YYYYMMDDHH, e.g. 2024120114')
const day = z.string().regex(/^\d{8}$/, 'a UTC day as YYYYMMDD, e.g. 20241201')
const status = z.enum(['draft', 'running', 'paused', 'completed'])

/** Everything the tools need besides the router. */
export interface ToolContext {
  readonly router: ExperimentRouter
  readonly cache: Cache
  readonly backend: string
}

/** A JSON answer as tool text. */
function json(value: unknown): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value) }] }
}

/**
 * Runs a tool body; a RouterError (unknown id, paused experiment, bad time)
 * becomes a tool error the model can read and act on. Anything else is a
 * database failure, reported the same way without internals.
 */
async function answer(run: () => Promise<unknown>): Promise<CallToolResult> {
  try {
    return json(await run())
  } catch (error) {
    if (error instanceof RouterError) return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: error.code, message: error.message }) }] }
    console.error(`[experiment-router] ${error instanceof Error ? error.message : String(error)}`)
    return { isError: true, content: [{ type: 'text', text: JSON.stringify({ error: 'E_DATABASE', message: 'the database did not answer' }) }] }
  }
}

/** Registers the router's tools on `server`. */
export function registerRouterTools(server: McpServer, { router, cache, backend }: ToolContext): void {
  const readOnly = { readOnlyHint: true, openWorldHint: false }
  server.registerTool('get_experiment', {
    description: 'An experiment with its variants and weights (cached 24 h).',
    inputSchema: z.object({ experiment_id: id }), annotations: readOnly,
  }, ({ experiment_id }) => answer(() => router.getExperiment(experiment_id)))

  server.registerTool('assign_variant', {
    description: "The user's variant in an experiment; assigns one by weight if the user has none and the experiment is running (cached 1 h).",
    inputSchema: z.object({ experiment_id: id, user_id: id }), annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
  }, ({ experiment_id, user_id }) => answer(() => router.assignVariant(experiment_id, user_id)))

  server.registerTool('get_user_profile', {
    description: "A user's profile (synthetic data; cached 30 min).",
    inputSchema: z.object({ user_id: id }), annotations: readOnly,
  }, ({ user_id }) => answer(() => router.getUserProfile(user_id)))

  server.registerTool('record_event', {
    description: "Records an event (view, click, conversion ...) for the user's variant, once per event_id: a repeated id is answered as a duplicate.",
    inputSchema: z.object({
      event_id: id, experiment_id: id, user_id: id, event_type: eventType,
      value: z.number().finite().optional(), occurred_at: z.string().optional(),
    }),
    annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
  }, (input) => answer(() => router.recordEvent({
    eventId: input.event_id, experimentId: input.experiment_id, userId: input.user_id, eventType: input.event_type,
    ...(input.value === undefined ? {} : { value: input.value }),
    ...(input.occurred_at === undefined ? {} : { occurredAt: input.occurred_at }),
  })))

  server.registerTool('event_metrics', {
    description: 'Count, distinct users and summed value of one event type for one variant in one UTC hour (cached 15 min).',
    inputSchema: z.object({ experiment_id: id, variant_id: id, event_type: eventType, hour }), annotations: readOnly,
  }, (input) => answer(() => router.eventMetrics(input.experiment_id, input.variant_id, input.event_type, input.hour)))

  server.registerTool('experiment_analytics', {
    description: 'Per-variant assignments, events, conversions and revenue of one UTC day (cached 2 h).',
    inputSchema: z.object({ experiment_id: id, day }), annotations: readOnly,
  }, ({ experiment_id, day: when }) => answer(() => router.experimentAnalytics(experiment_id, when)))

  server.registerTool('update_experiment', {
    description: "Changes an experiment's name, description or status, then drops its cached experiment, metrics and analytics.",
    inputSchema: z.object({ experiment_id: id, name: z.string().min(1).max(200).optional(), description: z.string().max(2000).optional(), status: status.optional() }),
    annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
  }, ({ experiment_id, ...changes }) => answer(() => router.updateExperiment(experiment_id, {
    ...(changes.name === undefined ? {} : { name: changes.name }),
    ...(changes.description === undefined ? {} : { description: changes.description }),
    ...(changes.status === undefined ? {} : { status: changes.status }),
  })))

  server.registerTool('route_data', {
    description: "The seed's router entry: experiment, the user's assignment and profile in one call, and the event recorded when event_type and event_id are given.",
    inputSchema: z.object({
      experiment_id: id, user_id: id, event_type: eventType.optional(), event_id: id.optional(),
      value: z.number().finite().optional(), occurred_at: z.string().optional(),
    }),
    annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
  }, (input) => answer(() => {
    if ((input.event_type === undefined) !== (input.event_id === undefined)) {
      throw new RouterError('E_INVALID_INPUT', 'give event_type and event_id together, or neither')
    }
    const event = input.event_type === undefined || input.event_id === undefined ? undefined : {
      eventId: input.event_id, eventType: input.event_type,
      ...(input.value === undefined ? {} : { value: input.value }),
      ...(input.occurred_at === undefined ? {} : { occurredAt: input.occurred_at }),
    }
    return router.routeData(input.experiment_id, input.user_id, event)
  }))

  server.registerTool('router_health', {
    description: 'Which database answers, whether the cache store is healthy, and the hit/miss/error counters.',
    inputSchema: z.object({}), annotations: readOnly,
  }, () => answer(async () => {
    const stats = cache.stats()
    return {
      database: backend,
      cache: await cache.health(),
      stats: { hits: stats.hits, misses: stats.misses, errors: stats.errors, hitRate: stats.hitRate },
    }
  }))
}
