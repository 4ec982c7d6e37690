/**
 * One scripted session against the router, the same for every backend: reads
 * twice (fresh, then cached), an event sent twice, an experiment update, and
 * refusals. Its transcript is what the tests assert on, and what must come out
 * identical from SQLite and PostgreSQL.
 */
import type { RouterClient } from './router-client.js'

/** One step of the transcript. */
export interface Step {
  readonly name: string
  readonly isError: boolean
  /** The tool's JSON answer, with run-time timestamps replaced (see {@link normaliseTimes}). */
  readonly body: Record<string, unknown>
}

/** The day and hour the seed data (and the seed's key examples) use. */
export const SEED_DAY = '20241201'
export const SEED_HOUR = '2024120114'

/**
 * Replaces timestamps the server takes from its clock (a new assignment, an
 * update) with a marker: they differ between any two runs; the seeded 2024 times stay.
 */
export function normaliseTimes(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseTimes)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([key, item]) =>
    (key === 'assignedAt' || key === 'updatedAt') && typeof item === 'string' && !item.startsWith('2024')
      ? [key, '<run time>']
      : [key, normaliseTimes(item)]))
}

/** Runs the scripted session; `eventPrefix` keeps event ids unique when several runs share a cache. */
export async function runScenario(client: RouterClient, eventPrefix = 'evt'): Promise<Step[]> {
  const steps: Step[] = []
  const call = async (label: string, tool: string, args: Record<string, unknown> = {}): Promise<Record<string, unknown>> => {
    const { body, isError } = await client.call(tool, args)
    steps.push({ name: label, isError, body: normaliseTimes(body) as Record<string, unknown> })
    return body
  }
  const exp = { experiment_id: 'exp_123' }
  await call('experiment first read', 'get_experiment', exp)
  await call('experiment second read', 'get_experiment', exp)
  await call('profile first read', 'get_user_profile', { user_id: 'user_020' })
  const assigned = await call('new assignment', 'assign_variant', { ...exp, user_id: 'user_020' })
  await call('assignment again', 'assign_variant', { ...exp, user_id: 'user_020' })
  const variantId = (assigned['data'] as { variantId: string }).variantId
  const metrics = { ...exp, variant_id: variantId, event_type: 'conversion', hour: SEED_HOUR }
  await call('metrics first read', 'event_metrics', metrics)
  await call('metrics second read', 'event_metrics', metrics)
  await call('analytics first read', 'experiment_analytics', { ...exp, day: SEED_DAY })
  await call('analytics second read', 'experiment_analytics', { ...exp, day: SEED_DAY })
  const event = { ...exp, event_id: `${eventPrefix}_1`, user_id: 'user_020', event_type: 'conversion', value: 12.5, occurred_at: '2024-12-01T14:45:00Z' }
  await call('event first delivery', 'record_event', event)
  await call('event repeated', 'record_event', event)
  await call('metrics after event', 'event_metrics', metrics)
  await call('analytics after event', 'experiment_analytics', { ...exp, day: SEED_DAY })
  await call('metrics before update', 'event_metrics', metrics)
  await call('update name', 'update_experiment', { ...exp, name: 'Checkout button colour (round 2)' })
  await call('experiment after update', 'get_experiment', exp)
  await call('metrics after update', 'event_metrics', metrics)
  await call('analytics after update', 'experiment_analytics', { ...exp, day: SEED_DAY })
  await call('pause', 'update_experiment', { ...exp, status: 'paused' })
  await call('new user while paused', 'assign_variant', { ...exp, user_id: 'user_021' })
  await call('known user while paused', 'assign_variant', { ...exp, user_id: 'user_020' })
  await call('unknown experiment', 'get_experiment', { experiment_id: 'exp_404' })
  await call('unknown experiment again', 'get_experiment', { experiment_id: 'exp_404' })
  return steps
}

/** The step named `name` (throws when the scenario has none, so a renamed step fails loudly). */
export function step(steps: readonly Step[], name: string): Step {
  const found = steps.find((s) => s.name === name)
  if (found === undefined) throw new Error(`no step '${name}'`)
  return found
}
