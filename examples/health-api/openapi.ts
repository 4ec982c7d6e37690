/**
 * OpenAPI 3.1 description of every route the app serves, its own and the
 * mounted admin API's, at their full paths. Served at `/openapi.json` and at
 * `/api/v1/redis/openapi.json` (in place of the admin API's own, which knows
 * neither the app's routes nor `/keys/{pattern}`). `test/health-api-openapi.test.ts`
 * compares it with the app's route table, so a new route cannot be left out.
 */
import { ADMIN_BASE } from './seed-policy.js'

const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })
const body = (properties: Record<string, unknown>, required: readonly string[] = []) =>
  ({ required: true, content: { 'application/json': { schema: { type: 'object', properties, required, additionalProperties: false } } } })
const inPath = (name: string, description: string) => ({ name, in: 'path', required: true, schema: { type: 'string' }, description })
const inQuery = (name: string, schema: Record<string, unknown>, description?: string) => ({ name, in: 'query', schema, ...(description === undefined ? {} : { description }) })
const strings = { type: 'array', items: { type: 'string' } }

const invalid = { '400': json('invalid input; `error` names the field') }
/** Operations of the admin API: bearer token (MCP_CACHE_ADMIN_TOKEN), 401 without it or when none is set. */
const guarded = { security: [{ bearer: [] }] }
const denied = { '401': json('missing or wrong bearer token, or MCP_CACHE_ADMIN_TOKEN not set'), '429': json('too many requests from this address') }
const open = { security: [] }

/** The document; `paths` holds every route of `createHealthApp`. */
export const HEALTH_API_OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'MedInsight health API (mcp-cache example)', version: '1' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'MCP_CACHE_ADMIN_TOKEN' } } },
  security: [],
  paths: {
    '/openapi.json': { get: { summary: 'This document', ...open, responses: { '200': json('OpenAPI 3.1') } } },
    '/api/v1/analyze-health': {
      post: {
        summary: 'Health analysis, cached 1 h under health_analysis:{request_hash}; with session_id also symptom:{session_id}:inputs, ai_summary:{session_id}, user:{session_id}:session',
        requestBody: body({
          session_id: { type: 'string' }, symptoms: strings, age: { type: 'integer' },
          sex: { enum: ['female', 'male', 'other'] }, duration_days: { type: 'integer' }, medications: strings,
        }, ['symptoms']),
        responses: { '200': json('{ analysis_id, session_id, analysis, cached, cache_status, elapsed_ms }'), ...invalid },
      },
    },
    '/api/v1/drug/analyze': {
      post: {
        summary: 'Drug analysis, cached 24 h under drug_analysis:{drug_name}, or drug_analysis:{drug_name}:{options_hash} when age, conditions or other_medications are given',
        requestBody: body({ drug_name: { type: 'string' }, analysis_id: { type: 'string' }, age: { type: 'integer' }, conditions: strings, other_medications: strings }, ['drug_name']),
        responses: { '200': json('{ analysis_id, analysis, cached, cache_status, elapsed_ms }'), '404': json('unknown drug (not cached)'), ...invalid },
      },
    },
    '/api/v1/drug/info/{drug_name}': {
      get: {
        summary: 'Basic drug information under drug_info:{drug_name}, served while the source record is unchanged and the copy younger than DRUG_INFO_MAX_AGE',
        parameters: [inPath('drug_name', 'drug name, any letter case')],
        responses: { '200': json('{ info: { ..., source_updated_at, retrieved_at }, cached, cache_status, elapsed_ms }'), '404': json('unknown drug'), ...invalid },
      },
    },
    '/api/v1/users/{user_id}/preferences': {
      get: {
        summary: 'get_user_preferences: user:{user_id}:preferences',
        parameters: [inPath('user_id', '1 to 64 letters, digits, _ or -')],
        responses: { '200': json('{ user_id, preferences, updated_at }'), '404': json('none stored (or expired)'), '503': json('the store is not answering'), ...invalid },
      },
      put: {
        summary: 'Stores the user\'s preferences for the user-session TTL',
        parameters: [inPath('user_id', '1 to 64 letters, digits, _ or -')],
        requestBody: body({ language: { type: 'string' }, units: { enum: ['metric', 'imperial'] }, notifications: { type: 'boolean' } }),
        responses: { '200': json('{ user_id, preferences, updated_at }'), '503': json('the store did not take them'), ...invalid },
      },
    },
    '/api/v1/usage': {
      get: { summary: 'usage:{endpoint}:{requests,hits,cache_hits} and errors:{endpoint}:failures counters (null while the store is down), and origin runs of this process', responses: { '200': json('{ counters, origin_runs }') } },
    },
    [`${ADMIN_BASE}/openapi.json`]: { get: { summary: 'This document', ...open, responses: { '200': json('OpenAPI 3.1') } } },
    [`${ADMIN_BASE}/health`]: {
      get: { summary: 'Redis status, latency, version, memory and keyspace (no token needed)', ...open, responses: { '200': json('healthy'), '503': json('the store is not answering') } },
    },
    [`${ADMIN_BASE}/health/ready`]: { get: { summary: 'Readiness: store reachable, latency, circuit breaker, topology, alert conditions', ...guarded, responses: { '200': json('ready or degraded'), '503': json('store down'), ...denied } } },
    [`${ADMIN_BASE}/stats`]: { get: { summary: 'Hits, misses, stale, errors, latency p50/p99, per category', ...guarded, responses: { '200': json('stats snapshot'), ...denied } } },
    [`${ADMIN_BASE}/stats/series`]: {
      get: { summary: 'The dashboard time series', ...guarded, parameters: [inQuery('since', { type: 'integer' }, 'only points after this epoch ms')], responses: { '200': json('{ intervalMs, points }'), ...denied } },
    },
    [`${ADMIN_BASE}/invalidations`]: {
      get: { summary: 'Recent invalidations, newest first', ...guarded, parameters: [inQuery('limit', { type: 'integer', minimum: 1, maximum: 100 })], responses: { '200': json('{ recent }'), ...denied } },
    },
    [`${ADMIN_BASE}/performance`]: { get: { summary: 'Redis memory and fragmentation, clients, ops/s, keyspace, evictions, network I/O', ...guarded, responses: { '200': json('performance'), ...denied } } },
    [`${ADMIN_BASE}/keys`]: {
      get: {
        summary: 'One page of keys: key, TTL and size, never values',
        ...guarded,
        parameters: [inQuery('pattern', { type: 'string' }, 'glob over keys without the prefix, default *'), inQuery('cursor', { type: 'string' }), inQuery('count', { type: 'integer', maximum: 1000 })],
        responses: { '200': json('{ keys, cursor }'), ...invalid, ...denied },
      },
    },
    [`${ADMIN_BASE}/keys/{pattern}`]: {
      get: {
        summary: 'The seed\'s form of /keys?pattern=: one page of keys matching the glob',
        ...guarded,
        parameters: [inPath('pattern', 'glob over keys without the prefix, e.g. health_analysis:*'), inQuery('cursor', { type: 'string' }), inQuery('count', { type: 'integer', maximum: 1000 })],
        responses: { '200': json('{ keys, cursor }'), ...invalid, ...denied },
      },
    },
    [`${ADMIN_BASE}/cache/{category}/{identifier}`]: {
      delete: {
        summary: 'Deletes the entry category:identifier[:sub_key]',
        ...guarded,
        parameters: [inPath('category', 'e.g. drug_info'), inPath('identifier', 'e.g. aspirin'), inQuery('sub_key', { type: 'string' })],
        responses: { '200': json('{ key, deleted }'), ...invalid, ...denied },
      },
    },
    [`${ADMIN_BASE}/cache/clear-pattern`]: {
      post: {
        summary: 'Deletes keys matching a glob; broad patterns need "confirm" equal to the pattern',
        ...guarded,
        requestBody: body({ pattern: { type: 'string' }, confirm: { type: 'string' } }, ['pattern']),
        responses: { '200': json('{ pattern, deleted }'), ...invalid, ...denied },
      },
    },
    [`${ADMIN_BASE}/cache/invalidate`]: {
      post: {
        summary: 'Invalidates by tags and/or tool names',
        ...guarded,
        requestBody: body({ tags: strings, tools: strings }),
        responses: { '200': json('{ deleted, tools }'), '503': json('the store did not take the invalidation'), ...invalid, ...denied },
      },
    },
    [`${ADMIN_BASE}/session/{id}`]: {
      get: { summary: 'The session record user:{id}:session', ...guarded, parameters: [inPath('id', 'session or analysis id')], responses: { '200': json('session'), '404': json('no such session'), ...denied } },
    },
    [`${ADMIN_BASE}/metrics`]: { get: { summary: 'Prometheus metrics', ...guarded, responses: { '200': { description: 'text exposition format' }, ...denied } } },
    [`${ADMIN_BASE}/dashboard`]: { get: { summary: 'Redirects to dashboard/', ...open, responses: { '308': { description: 'to dashboard/' } } } },
    [`${ADMIN_BASE}/dashboard/`]: { get: { summary: 'The live dashboard (HTML; holds no data, asks for the token)', ...open, responses: { '200': { description: 'text/html' } } } },
    [`${ADMIN_BASE}/dashboard/{file}`]: {
      get: { summary: 'The dashboard\'s scripts and styles', ...open, parameters: [inPath('file', 'asset name')], responses: { '200': { description: 'the asset' }, '404': json('no such asset') } },
    },
  },
} as const
