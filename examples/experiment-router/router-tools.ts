import type { McpServer } from '@modelcontextprotocol/server'
import * as z from 'zod'
import type { ExperimentRouter } from './experiment-router.js'
import { RouterError } from './router-error.js'
import { answer, id } from './tool-answer.js'

/**
 * An event id a client names. `auto_` ids are the router's own (derived per hour for route_data
 * without one): a client sending one could mark another user's event as already seen.
 */
const clientEventId = id.refine((value) => !value.startsWith('auto_'), "ids starting with 'auto_' are the router's own: choose another event_id")
const eventType = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'lower-case letters, digits and _ (e.g. conversion)')
const hour = z.string().regex(/^\d{10}$/, 'a UTC hour as YYYYMMDDHH, e.g. 2024120114')
const day = z.string().regex(/^\d{8}$/, 'a UTC day as YYYYMMDD, e.g. 20241201')
const status = z.enum(['draft', 'running', 'paused', 'completed'])
const country = z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code, e.g. DE')
const plan = z.enum(['free', 'pro', 'team'])

/** Registers the router's data tools on `server` (reads, writes, route_data). */
export function registerRouterTools(server: McpServer, router: ExperimentRouter): void {
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
      event_id: clientEventId, experiment_id: id, user_id: id, event_type: eventType,
      value: z.number().finite().optional(), occurred_at: z.string().optional(),
    }),
    annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
  }, (input) => answer(() => router.recordEvent({
    eventId: input.event_id, experimentId: input.experiment_id, userId: input.user_id, eventType: input.event_type,
    ...(input.value === undefined ? {} : { value: input.value }),
    ...(input.occurred_at === undefined ? {} : { occurredAt: input.occurred_at }),
  })))

  server.registerTool('event_metrics', {
    description: 'Count, distinct users and summed value of one event type for one variant in one UTC hour, from ClickHouse when configured (cached 15 min).',
    inputSchema: z.object({ experiment_id: id, variant_id: id, event_type: eventType, hour }), annotations: readOnly,
  }, (input) => answer(() => router.eventMetrics(input.experiment_id, input.variant_id, input.event_type, input.hour)))

  server.registerTool('experiment_analytics', {
    description: 'Per-variant assignments, events, conversions and revenue of one UTC day, events from ClickHouse when configured (cached 2 h).',
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

  server.registerTool('update_user_profile', {
    description: "Changes a user's display name, country or plan, then drops the user's cached profile and assignments.",
    inputSchema: z.object({ user_id: id, display_name: z.string().min(1).max(200).optional(), country: country.optional(), plan: plan.optional() }),
    annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: false },
  }, ({ user_id, ...changes }) => answer(() => router.updateUserProfile(user_id, {
    ...(changes.display_name === undefined ? {} : { displayName: changes.display_name }),
    ...(changes.country === undefined ? {} : { country: changes.country }),
    ...(changes.plan === undefined ? {} : { plan: changes.plan }),
  })))

  server.registerTool('route_data', {
    description: "The seed's router entry: experiment, the user's assignment and profile in one call, and the event recorded when event_type is given. " +
      'Without event_id the id is derived from experiment, user, event type and UTC hour: such an event is recorded at most once per hour.',
    inputSchema: z.object({
      experiment_id: id, user_id: id, event_type: eventType.optional(), event_id: clientEventId.optional(),
      value: z.number().finite().optional(), occurred_at: z.string().optional(),
    }),
    annotations: { idempotentHint: true, destructiveHint: false, openWorldHint: false },
  }, (input) => answer(() => {
    if (input.event_type === undefined && input.event_id !== undefined) {
      throw new RouterError('E_INVALID_INPUT', 'event_id needs an event_type (e.g. conversion) to record')
    }
    const event = input.event_type === undefined ? undefined : {
      eventType: input.event_type,
      ...(input.event_id === undefined ? {} : { eventId: input.event_id }),
      ...(input.value === undefined ? {} : { value: input.value }),
      ...(input.occurred_at === undefined ? {} : { occurredAt: input.occurred_at }),
    }
    return router.routeData(input.experiment_id, input.user_id, event)
  }))
}
