/**
 * The behaviour every store must give, as real HTTP calls against a spawned
 * server. Run once with the memory store and once with Redis.
 */
import { expect, it } from 'vitest'
import { call, type Reply, type RunningServer } from './run-server.js'

type Usage = { counters: Record<string, number | null>; origin_runs: Record<string, number> }

async function usage(server: RunningServer): Promise<Usage> {
  return (await call(server.url, 'GET', '/api/v1/usage')).body as unknown as Usage
}

function expectOk(reply: Reply): Record<string, unknown> {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200)
  return reply.body
}

/** Registers the shared tests; `server()` gives the running server (started in the caller's beforeAll). */
export function apiSuite(label: string, server: () => RunningServer): void {
  it(`${label}: a repeated health analysis is a hit and does not run the analysis again`, async () => {
    const { url } = server()
    const before = await usage(server())
    const body = { symptoms: ['fever', 'cough', 'muscle aches'], age: 41, medications: ['aspirin', 'warfarin'] }
    const miss = expectOk(await call(url, 'POST', '/api/v1/analyze-health', { body }))
    const hit = expectOk(await call(url, 'POST', '/api/v1/analyze-health', { body }))
    const after = await usage(server())

    expect(miss).toMatchObject({ cached: false, cache_status: 'miss' })
    expect(hit).toMatchObject({ cached: true, cache_status: 'hit', analysis_id: miss['analysis_id'] })
    expect(hit['analysis']).toEqual(miss['analysis'])
    // The seed's "cache hit reduces response time", against the miss of the same request.
    expect(Number(hit['elapsed_ms'])).toBeLessThan(Number(miss['elapsed_ms']))
    expect(after.origin_runs['health_analysis']).toBe((before.origin_runs['health_analysis'] ?? 0) + 1)
    expect(after.counters['usage:health_analysis:requests']).toBe((before.counters['usage:health_analysis:requests'] ?? 0) + 2)
    expect(after.counters['usage:health_analysis:hits']).toBe((before.counters['usage:health_analysis:hits'] ?? 0) + 1)
    console.log(`[${label}] analyze-health miss ${String(miss['elapsed_ms'])} ms, hit ${String(hit['elapsed_ms'])} ms (server-side)`)
  })

  it(`${label}: the same content in another key order hits; different content misses`, async () => {
    const { url } = server()
    const first = expectOk(await call(url, 'POST', '/api/v1/analyze-health', {
      body: { symptoms: ['headache', 'nausea'], age: 33, sex: 'female', duration_days: 2 },
    }))
    // Same request: keys reordered, symptoms reordered and differently cased, another session.
    const reordered = expectOk(await call(url, 'POST', '/api/v1/analyze-health', {
      body: '{"duration_days":2,"sex":"female","session_id":"sess-order","age":33,"symptoms":["Nausea","headache"]}',
    }))
    const older = expectOk(await call(url, 'POST', '/api/v1/analyze-health', {
      body: { symptoms: ['headache', 'nausea'], age: 34, sex: 'female', duration_days: 2 },
    }))
    expect(first['cached']).toBe(false)
    expect(reordered).toMatchObject({ cached: true, analysis_id: first['analysis_id'] })
    expect(older['cached']).toBe(false)
    expect(older['analysis_id']).not.toBe(first['analysis_id'])
  })

  it(`${label}: drug analysis and drug info are cached; unknown drugs are 404 and never cached`, async () => {
    const { url } = server()
    const before = await usage(server())
    const miss = expectOk(await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'Ibuprofen', conditions: ['kidney disease'], age: 70 } }))
    const hit = expectOk(await call(url, 'POST', '/api/v1/drug/analyze', { body: { age: 70, conditions: ['Kidney Disease'], drug_name: 'ibuprofen' } }))
    const infoMiss = expectOk(await call(url, 'GET', '/api/v1/drug/info/metformin'))
    const infoHit = expectOk(await call(url, 'GET', '/api/v1/drug/info/Metformin'))
    const unknown = [await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'notarealdrug' } }), await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'notarealdrug' } })]
    const after = await usage(server())

    expect(miss['cached']).toBe(false)
    expect(hit['cached']).toBe(true)
    expect(hit['analysis']).toMatchObject({ name: 'ibuprofen', risk: 'high' })
    expect(infoMiss['cached']).toBe(false)
    expect(infoHit['cached']).toBe(true)
    // The cached copy keeps its fetch time and the source record's version: the seed's "timestamp validation".
    expect(infoHit['info']).toEqual(infoMiss['info'])
    expect(infoMiss['info']).toMatchObject({ name: 'metformin', source_updated_at: '2026-02-10T00:00:00.000Z', retrieved_at: expect.any(String) })
    expect(unknown.map((reply) => reply.status)).toEqual([404, 404])
    expect(after.origin_runs['drug_analysis']).toBe((before.origin_runs['drug_analysis'] ?? 0) + 3)
    expect(after.origin_runs['drug_info']).toBe((before.origin_runs['drug_info'] ?? 0) + 1)
    expect(after.counters['usage:drug_analysis:requests']).toBe((before.counters['usage:drug_analysis:requests'] ?? 0) + 4)
    expect(after.counters['usage:drug_analysis:cache_hits']).toBe((before.counters['usage:drug_analysis:cache_hits'] ?? 0) + 1)
    expect(after.counters['usage:drug_info:cache_hits']).toBe((before.counters['usage:drug_info:cache_hits'] ?? 0) + 1)
  })

  it(`${label}: a drug analysis that names only the drug is cached under drug_analysis:{name}; options get a sub_key`, async () => {
    const { url, adminToken: token } = server()
    const plain = expectOk(await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: ' Atorvastatin ', analysis_id: 'plain-1' } }))
    const withOptions = expectOk(await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'atorvastatin', conditions: ['liver disease'] } }))
    // Other ids, empty option lists: the same plain question, so the same entry.
    const again = expectOk(await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'ATORVASTATIN', analysis_id: 'plain-2', conditions: [], other_medications: [] } }))
    expect(plain).toMatchObject({ cached: false, analysis: { risk: 'low', cautions: [] } })
    expect(withOptions).toMatchObject({ cached: false, analysis: { risk: 'moderate' } })
    expect(again).toMatchObject({ cached: true, analysis: plain['analysis'] })
    const listed = expectOk(await call(url, 'GET', '/api/v1/redis/keys/drug_analysis:atorvastatin*', { token }))
    const keys = (listed['keys'] as Array<{ key: string }>).map((entry) => entry.key).sort()
    expect(keys).toHaveLength(2)
    expect(keys[0]).toBe('drug_analysis:atorvastatin')
    expect(keys[1]).toMatch(/^drug_analysis:atorvastatin:[A-Za-z0-9_-]{20,}$/)
    // The seed's "user analysis sessions for tracking": user:{analysis_id}:session.
    expect(expectOk(await call(url, 'GET', '/api/v1/redis/session/plain-1', { token }))['session']).toMatchObject({ kind: 'drug_analysis', drug: 'atorvastatin' })
  })

  it(`${label}: get_user_preferences reads what PUT stored; unknown users are 404 and bad input a 400`, async () => {
    const { url, adminToken: token } = server()
    const preferences = { language: 'pt-BR', units: 'metric', notifications: false }
    const stored = expectOk(await call(url, 'PUT', '/api/v1/users/user-prefs-1/preferences', { body: preferences }))
    const read = expectOk(await call(url, 'GET', '/api/v1/users/user-prefs-1/preferences'))
    expect(stored).toMatchObject({ user_id: 'user-prefs-1', preferences })
    expect(read).toEqual(stored)
    // PUT replaces the whole set.
    expectOk(await call(url, 'PUT', '/api/v1/users/user-prefs-1/preferences', { body: { units: 'imperial' } }))
    expect(expectOk(await call(url, 'GET', '/api/v1/users/user-prefs-1/preferences'))['preferences']).toEqual({ units: 'imperial' })
    // The seed's DELETE /cache/{category}/{identifier}?sub_key= removes exactly user:{id}:preferences.
    const deleted = expectOk(await call(url, 'DELETE', '/api/v1/redis/cache/user/user-prefs-1?sub_key=preferences', { token }))
    expect(deleted).toEqual({ key: 'user:user-prefs-1:preferences', deleted: 1 })
    expect((await call(url, 'GET', '/api/v1/users/user-prefs-1/preferences')).status).toBe(404)

    const unknown = await call(url, 'GET', '/api/v1/users/user-prefs-nobody/preferences')
    expect(unknown.status).toBe(404)
    expect(String(unknown.body['error'])).toMatch(/no preferences stored for user 'user-prefs-nobody'/)
    const badField = await call(url, 'PUT', '/api/v1/users/user-prefs-1/preferences', { body: { units: 'cubits' } })
    expect(badField.status).toBe(400)
    expect(String(badField.body['error'])).toMatch(/^units: /)
    const badId = await call(url, 'GET', '/api/v1/users/bad%20id/preferences')
    expect(badId.status).toBe(400)
    expect(String(badId.body['error'])).toMatch(/^user_id must be 1 to 64/)
  })

  it(`${label}: serves one OpenAPI document, without a token, at /openapi.json and /api/v1/redis/openapi.json`, async () => {
    const { url } = server()
    const root = expectOk(await call(url, 'GET', '/openapi.json'))
    const underAdmin = expectOk(await call(url, 'GET', '/api/v1/redis/openapi.json'))
    expect(underAdmin).toEqual(root)
    expect(Object.keys(root['paths'] as object)).toEqual(expect.arrayContaining(['/api/v1/redis/keys/{pattern}', '/api/v1/users/{user_id}/preferences', '/api/v1/analyze-health']))
  })

  it(`${label}: invalid input is a 400 that names what is wrong`, async () => {
    const { url } = server()
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['POST', '/api/v1/analyze-health', { symptoms: [] }, /symptoms: must list at least one symptom/],
      ['POST', '/api/v1/analyze-health', { symptoms: ['cough'], age: -3 }, /^age: /],
      ['POST', '/api/v1/analyze-health', { symptoms: ['cough'], sesion_id: 'typo' }, /sesion_id/],
      ['POST', '/api/v1/analyze-health', 'not json', /must be a JSON object/],
      ['POST', '/api/v1/drug/analyze', { drug_name: '' }, /drug_name: must not be empty/],
      ['GET', '/api/v1/drug/info/aspirin*', undefined, /^drug_name may hold/],
    ]
    for (const [method, path, body, message] of cases) {
      const reply = await call(url, method, path, body === undefined ? {} : { body })
      expect(reply.status, path).toBe(400)
      expect(String(reply.body['error'])).toMatch(message)
    }
    const oversized = await call(url, 'POST', '/api/v1/analyze-health', { body: { symptoms: ['cough'], padding: 'x'.repeat(70 * 1024) } })
    expect(oversized.status).toBe(413)
    expect(String(oversized.body['error'])).toMatch(/request body over 65536 bytes/)
  })

  it(`${label}: the admin API answers with the token and 401 without`, async () => {
    const { url, adminToken: token } = server()
    const session = expectOk(await call(url, 'POST', '/api/v1/analyze-health', { body: { session_id: 'sess-admin', symptoms: ['sneezing', 'itchy eyes'] } }))

    for (const path of ['/api/v1/redis/stats', '/api/v1/redis/keys/health_analysis:*', '/api/v1/redis/session/sess-admin', '/api/v1/redis/health/ready']) {
      expect((await call(url, 'GET', path)).status, path).toBe(401)
      expect((await call(url, 'GET', path, { token: 'wrong-token-0123456789' })).status, path).toBe(401)
    }
    const stats = expectOk(await call(url, 'GET', '/api/v1/redis/stats', { token }))
    expect(stats['hits']).toBeGreaterThan(0)
    const keys = expectOk(await call(url, 'GET', '/api/v1/redis/keys/health_analysis:*', { token }))
    expect((keys['keys'] as Array<{ key: string }>).map((entry) => entry.key)).toContain(`health_analysis:${String(session['analysis_id'])}`)
    const stored = expectOk(await call(url, 'GET', '/api/v1/redis/session/sess-admin', { token }))
    expect(stored['session']).toMatchObject({ kind: 'health_analysis', last_analysis_id: session['analysis_id'] })
    expect((await call(url, 'GET', '/api/v1/redis/health/ready', { token })).body).toMatchObject({ healthy: true })

    // Deleting one entry and clearing a pattern make the next requests misses again.
    await call(url, 'GET', '/api/v1/drug/info/warfarin')
    expect((await call(url, 'DELETE', '/api/v1/redis/cache/drug_info/warfarin')).status).toBe(401)
    expect(expectOk(await call(url, 'DELETE', '/api/v1/redis/cache/drug_info/warfarin', { token }))['deleted']).toBe(1)
    expect((await call(url, 'GET', '/api/v1/drug/info/warfarin')).body['cached']).toBe(false)
    await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'lisinopril' } })
    const cleared = expectOk(await call(url, 'POST', '/api/v1/redis/cache/clear-pattern', { token, body: { pattern: 'drug_analysis:*' } }))
    expect(cleared['deleted']).toBeGreaterThanOrEqual(1)
    expect((await call(url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'lisinopril' } })).body['cached']).toBe(false)

    // The seed's own example body; a pattern that would reach nearly everything needs a confirmation.
    const healthCleared = expectOk(await call(url, 'POST', '/api/v1/redis/cache/clear-pattern', { token, body: { pattern: 'health_analysis:*' } }))
    expect(healthCleared['deleted']).toBeGreaterThanOrEqual(1)
    expect((await call(url, 'POST', '/api/v1/analyze-health', { body: { session_id: 'sess-admin', symptoms: ['sneezing', 'itchy eyes'] } })).body['cached']).toBe(false)
    const broad = await call(url, 'POST', '/api/v1/redis/cache/clear-pattern', { token, body: { pattern: '*' } })
    expect(broad.status).toBe(400)
    expect(String(broad.body['error'])).toMatch(/is broad: send "confirm"/)
    expect((await call(url, 'GET', '/api/v1/drug/info/warfarin')).body['cached']).toBe(true)
  })
}
