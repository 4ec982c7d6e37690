/** OpenAPI 3.1 description of the admin API, served at /openapi.json. */
const json = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object' } } } })
const errors = { '400': json('invalid input; the message says what is wrong'), '401': json('missing or wrong bearer token') }

export const ADMIN_OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'mcp-cache admin API', version: '1' },
  components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'MCP_CACHE_ADMIN_TOKEN' } } },
  security: [{ bearer: [] }],
  paths: {
    '/health': { get: { summary: 'Liveness (no token needed)', security: [], responses: { '200': json('{ status: "ok" }') } } },
    '/health/ready': { get: { summary: 'Readiness: store reachable, latency, circuit breaker, Redis topology, L1 bus, alert conditions', responses: { '200': json('ready or degraded'), '503': json('store down'), ...errors } } },
    '/stats': { get: { summary: 'Hits, misses, stale, errors, latency p50/p99, per category', responses: { '200': json('stats snapshot'), ...errors } } },
    '/stats/series': {
      get: {
        summary: 'The dashboard time series: per-second rates, hit rate, windowed p50/p99 and memory, one point per interval (last 5 minutes)',
        parameters: [{ name: 'since', in: 'query', schema: { type: 'integer' }, description: 'only points after this epoch ms (the t of the last point you have)' }],
        responses: { '200': json('{ intervalMs, points }'), ...errors },
      },
    },
    '/invalidations': {
      get: {
        summary: 'Recent invalidations (deletes, patterns, tags, clears), newest first, with what was deleted and why',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } }],
        responses: { '200': json('{ recent }'), ...errors },
      },
    },
    '/dashboard/': { get: { summary: 'The live dashboard (HTML; asks for the token in the page)', security: [], responses: { '200': { description: 'text/html' } } } },
    '/performance': { get: { summary: 'Redis INFO that matters: memory, policy, ops/s, clients, keyspace, evictions, network', responses: { '200': json('performance'), ...errors } } },
    '/keys': {
      get: {
        summary: 'One page of keys in the namespace: key, TTL and size, never values',
        parameters: [
          { name: 'pattern', in: 'query', schema: { type: 'string' }, description: 'glob over logical keys, default *' },
          { name: 'cursor', in: 'query', schema: { type: 'string' }, description: '0 to start; the returned cursor continues' },
          { name: 'count', in: 'query', schema: { type: 'integer', maximum: 1000 } },
        ],
        responses: { '200': json('{ keys, cursor }'), ...errors },
      },
    },
    '/cache/{category}/{identifier}': {
      delete: {
        summary: 'Delete the entry category:identifier[:sub_key]',
        parameters: [
          { name: 'category', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'identifier', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'sub_key', in: 'query', schema: { type: 'string' } },
        ],
        responses: { '200': json('{ key, deleted }'), ...errors },
      },
    },
    '/cache/clear-pattern': {
      post: {
        summary: 'Delete keys matching a glob inside the namespace; broad patterns need "confirm" equal to the pattern',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['pattern'], properties: { pattern: { type: 'string' }, confirm: { type: 'string' } } } } } },
        responses: { '200': json('{ pattern, deleted }'), ...errors },
      },
    },
    '/cache/invalidate': {
      post: {
        summary: 'Invalidate by tags (deleted entries counted) and/or tool names (every principal\'s results, dropped by generation, not counted)',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { tags: { type: 'array', items: { type: 'string' } }, tools: { type: 'array', items: { type: 'string' } } } } } } },
        responses: { '200': json('{ deleted, tools }'), '503': json('the store did not take the invalidation (retried every second)'), ...errors },
      },
    },
    '/session/{id}': { get: { summary: 'The session record user:{id}:session', responses: { '200': json('session'), '404': json('no such session'), ...errors } } },
    '/metrics': { get: { summary: 'Prometheus metrics', responses: { '200': { description: 'text exposition format' }, ...errors } } },
  },
} as const
