/**
 * The server with zero configuration (memory store): every tool answers, a
 * repeated call is a hit that never reaches the code database, and the hot
 * codes warmed at start make the first `hot_codes` call a hit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCodesServer, type CodesClient } from './codes-client.js'

describe('medical-codes server on the memory store', () => {
  let server: CodesClient

  beforeAll(async () => {
    server = await startCodesServer({ CACHE_BACKEND: 'memory' })
  })
  afterAll(async () => {
    await server?.close()
  })

  it('makes a hot_codes call that arrives during a slow warming wait for it, so it is still a hit', async () => {
    const slow = await startCodesServer({ CACHE_BACKEND: 'memory', CODES_LATENCY_MS: '400', HOT_CODES_TEAMS: 'cardiology' })
    try {
      expect(await slow.call('hot_codes', { teamId: 'cardiology' })).toMatchObject({ isError: false, cache: 'hit' })
      expect((await slow.originCounts()).byKind['hot_codes']).toBe(1)
    } finally {
      await slow.close()
    }
  })

  it('serves the warmed hot codes from the cache on the first call', async () => {
    // The first hot_codes call waits for the warming, which runs while the server already answers.
    const hot = await server.call('hot_codes', { teamId: 'primary-care' })
    expect(hot).toMatchObject({ isError: false, cache: 'hit', key: 'hot:codes:primary-care' })
    expect((hot['hot'] as { codes: unknown[] }).codes).toHaveLength(25)
    // The three default teams were loaded once each by the warming, nothing else yet.
    const after = await server.originCounts()
    expect(after.byKind['hot_codes']).toBe(3)
    expect(after.total).toBe(3)
  })

  it('answers a second CPT lookup from the cache without querying the origin', async () => {
    const first = await server.call('lookup_cpt', { code: '99213' })
    expect(first).toMatchObject({ isError: false, cache: 'miss', key: 'cpt:99213', code: { code: '99213', category: 'evaluation-management', synthetic: true } })
    const countAfterMiss = (await server.originCounts()).byKind['cpt']
    const second = await server.call('lookup_cpt', { code: '99213' })
    expect(second).toMatchObject({ cache: 'hit', code: first['code'] })
    expect((await server.originCounts()).byKind['cpt']).toBe(countAfterMiss)
  })

  it('normalizes ICD-10 spellings to one key, so E119 hits the entry of E11.9', async () => {
    expect(await server.call('lookup_icd10', { code: 'E11.9' })).toMatchObject({ cache: 'miss', key: 'icd10:E11.9', code: { category: 'E11' } })
    expect(await server.call('lookup_icd10', { code: 'e119' })).toMatchObject({ cache: 'hit', key: 'icd10:E11.9' })
    expect((await server.originCounts()).byKind['icd10']).toBe(1)
  })

  it('reports an unknown code as a tool error, and caches that answer too', async () => {
    const unknown = await server.call('lookup_icd10', { code: 'Q99.99' })
    expect(unknown).toMatchObject({ isError: true, cache: 'miss', error: 'no icd10 code Q99.99' })
    expect(await server.call('lookup_icd10', { code: 'Q99.99' })).toMatchObject({ isError: true, cache: 'hit' })
  })

  it('searches, lists categories and crosswalks, each a hit the second time', async () => {
    const calls: Array<[string, Record<string, unknown>, string]> = [
      ['search_codes', { query: 'knee', type: 'cpt' }, 'results'],
      ['codes_by_category', { type: 'cpt', category: 'radiology' }, 'listing'],
      ['codes_by_category', { type: 'icd10', category: 'e11' }, 'listing'],
      ['crosswalk', { icd10: 'Z00.00' }, 'crosswalk'],
      ['crosswalk', { icd10: 'Z00.00', cpt: '99213' }, 'crosswalk'],
    ]
    for (const [tool, args, field] of calls) {
      const first = await server.call(tool, args)
      expect(first, tool).toMatchObject({ isError: false, cache: 'miss' })
      expect(first[field], tool).toBeDefined()
      const originAfterMiss = (await server.originCounts()).total
      expect(await server.call(tool, args), tool).toMatchObject({ cache: 'hit', [field]: first[field] })
      expect((await server.originCounts()).total, tool).toBe(originAfterMiss)
    }
    const search = await server.call('search_codes', { query: 'KNEE ', type: 'cpt' })
    expect(search['cache']).toBe('hit')
    const results = search['results'] as { total: number; codes: Array<{ type: string; description: string }> }
    expect(results.total).toBeGreaterThan(0)
    expect(results.codes.every((code) => code.type === 'cpt' && code.description.includes('knee'))).toBe(true)
    const listing = (await server.call('codes_by_category', { type: 'icd10', category: 'E11' }))['listing'] as { codes: Array<{ code: string }> }
    expect(listing.codes.map((code) => code.code)).toContain('E11.9')
  })

  it('links a crosswalk pair only when the CPT code is among the ICD-10 code’s procedures', async () => {
    const all = (await server.call('crosswalk', { icd10: 'J06.9' }))['crosswalk'] as { procedures: Array<{ code: string }>; linked: null }
    expect(all.linked).toBeNull()
    const linkedCode = all.procedures[0]?.code as string
    const pair = await server.call('crosswalk', { icd10: 'J06.9', cpt: linkedCode })
    expect(pair).toMatchObject({ key: `crosswalk:J06.9:${linkedCode}`, crosswalk: { linked: true } })
    expect(await server.call('crosswalk', { icd10: 'A99.99' })).toMatchObject({ isError: true, error: 'no icd10 code A99.99' })
  })

  it('rejects a code of the wrong shape before it reaches the cache', async () => {
    const bad = await server.call('lookup_cpt', { code: '99*13' })
    expect(bad.isError).toBe(true)
    expect((await server.call('origin_stats', {}))['cache']).toMatchObject({ store: 'memory' })
  })
})
