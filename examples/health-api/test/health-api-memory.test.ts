/** The example on the default memory store: real HTTP against the spawned compiled server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiSuite } from './api-suite.js'
import { call, startServer, type RunningServer } from './run-server.js'

describe('health-api example, memory store', () => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    server = await startServer({ CACHE_BACKEND: 'memory' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  apiSuite('memory', () => {
    if (server === undefined) throw new Error('the server did not start')
    return server
  })
})

describe('health-api example without MCP_CACHE_ADMIN_TOKEN', () => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    server = await startServer({ CACHE_BACKEND: 'memory', MCP_CACHE_ADMIN_TOKEN: '' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('refuses every admin operation, destructive or not, to everyone; the health check and documents stay open', async () => {
    if (server === undefined) throw new Error('the server did not start')
    const { url } = server
    await call(url, 'GET', '/api/v1/drug/info/lisinopril')
    const refused: Array<[string, string, unknown]> = [
      ['DELETE', '/api/v1/redis/cache/drug_info/lisinopril', undefined],
      ['POST', '/api/v1/redis/cache/clear-pattern', { pattern: 'drug_info:*' }],
      ['POST', '/api/v1/redis/cache/invalidate', { tags: ['any'] }],
      ['GET', '/api/v1/redis/keys/drug_info:*', undefined],
      ['GET', '/api/v1/redis/stats', undefined],
      ['GET', '/api/v1/redis/session/anyone', undefined],
    ]
    for (const [method, path, body] of refused) {
      // Any token at all: none is accepted while none is configured.
      const reply = await call(url, method, path, { token: 'guessed-token-0123456789', ...(body === undefined ? {} : { body }) })
      expect(reply.status, `${method} ${path}`).toBe(401)
      expect(String(reply.body['error']), path).toMatch(/the admin API is disabled: set MCP_CACHE_ADMIN_TOKEN/)
    }
    // Nothing was deleted: the entry is still a hit.
    expect((await call(url, 'GET', '/api/v1/drug/info/lisinopril')).body['cached']).toBe(true)
    expect((await call(url, 'GET', '/api/v1/redis/health')).status).toBe(200)
    expect((await call(url, 'GET', '/openapi.json')).status).toBe(200)
  })
})

describe('health-api example configuration', () => {
  it('refuses to start with a malformed DRUG_INFO_MAX_AGE or DRUG_SOURCE_FILE, naming the variable', async () => {
    await expect(startServer({ DRUG_INFO_MAX_AGE: 'soon' })).rejects.toThrow(/DRUG_INFO_MAX_AGE: must be a duration with a unit/)
    await expect(startServer({ DRUG_SOURCE_FILE: '/nonexistent/drugs.json' })).rejects.toThrow(/DRUG_SOURCE_FILE \/nonexistent\/drugs\.json: ENOENT/)
  })
})
