/**
 * openapi.json lists every route the app serves, and serves every route it
 * lists: the app's route table (Hono's, the mounted admin API's included) is
 * compared with the document, so a route added later cannot be forgotten.
 * In process, without a socket.
 */
import { createCache } from 'mcp-cache'
import { describe, expect, it } from 'vitest'
import { createHealthApp } from '../app.js'
import { DrugSource } from '../drug-source.js'
import { HEALTH_API_OPENAPI } from '../openapi.js'

/** `/drug/info/:drug_name`, `/drug/info/{drug_name}` and `/dashboard/*` alike become `/drug/info/{}`. */
function shape(path: string): string {
  return path.replace(/:[A-Za-z_]+|\{[^}]+\}|\*/g, '{}')
}

describe('health-api openapi.json', () => {
  const cache = createCache({ logger: false })
  const { app } = createHealthApp({ cache, drugs: new DrugSource(undefined), analysisDelayMs: 0, drugInfoMaxAgeMs: 1000, adminToken: undefined })

  /** METHOD shape of every route; `use` middleware (method ALL on a wildcard) is not a route. */
  const served = new Set(app.routes.filter((route) => !(route.method === 'ALL' && route.path.endsWith('*'))).map((route) => `${route.method} ${shape(route.path)}`))
  const documented = new Set(Object.entries(HEALTH_API_OPENAPI.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${shape(path)}`)))

  it('documents every route the app serves', () => {
    expect(served.size).toBeGreaterThan(20)
    expect([...served].filter((route) => !documented.has(route))).toEqual([])
  })

  it('serves every route it documents', () => {
    expect([...documented].filter((route) => !served.has(route))).toEqual([])
  })

  it('is what the app answers at both its addresses, without a token', async () => {
    for (const path of ['/openapi.json', '/api/v1/redis/openapi.json']) {
      const reply = await app.request(path)
      expect(reply.status, path).toBe(200)
      expect(await reply.json(), path).toEqual(JSON.parse(JSON.stringify(HEALTH_API_OPENAPI)))
    }
  })
})
