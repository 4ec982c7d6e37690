/**
 * Vector search (the seed's ChromaDBProcessor) over a real embedded LanceDB,
 * behind the real mcp-cache engine, memory and Redis: first search `fresh`
 * from LanceDB, the repeat `cached`, the expected nearest neighbour, and
 * cached results dropped when an experiment's text changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sendCommand } from '../../../test/helpers/redis-server.js'
import { ENGINES } from './engines.js'
import { startRouter, type RouterClient } from './router-client.js'

interface Similar { experimentId: string; similarity: number }
interface SearchAnswer { status: string; cacheKey: string; data: { k: number; results: Similar[] } }

describe.each(ENGINES)('similar_experiments over LanceDB with the $name cache', (engine) => {
  let router: RouterClient
  let env: Record<string, string>
  const search = async (args: Record<string, unknown>): Promise<SearchAnswer> => {
    const answer = await router.call<SearchAnswer>('similar_experiments', args)
    expect(answer.isError).toBe(false)
    return answer.body
  }
  beforeAll(async () => {
    env = engine.env()
    router = await startRouter(env)
  })
  afterAll(async () => {
    await router?.close()
  })

  it('answers the first search fresh from LanceDB and the repeat from the cache, nearest first', async () => {
    const first = await search({ experiment_id: 'exp_123', k: 2 })
    expect(first).toMatchObject({ status: 'fresh', cacheKey: 'vector:similar:exp_123:2' })
    // The other checkout experiment shares "checkout" and "button"; the searched one is left out.
    expect(first.data.results.map((r) => r.experimentId)).toHaveLength(2)
    expect(first.data.results[0]?.experimentId).toBe('exp_201')
    expect(first.data.results.map((r) => r.experimentId)).not.toContain('exp_123')
    expect(first.data.results[0]?.similarity).toBeGreaterThan(first.data.results[1]?.similarity ?? 1)
    const second = await search({ experiment_id: 'exp_123', k: 2 })
    expect(second).toEqual({ ...first, status: 'cached' })
    if (engine.name === 'redis') {
      // The TTL chosen for vectors (the seed gives none): 24 h, as Redis holds it.
      const pttl = Number((await sendCommand(env['REDIS_URL'] ?? '', 'PTTL', `${env['CACHE_PREFIX']}:vector:similar:exp_123:2`)).slice(1))
      expect(pttl).toBeGreaterThan(24 * 3_600_000 - 60_000)
      expect(pttl).toBeLessThanOrEqual(24 * 3_600_000)
    }
    expect((await search({ experiment_id: 'exp_456', k: 1 })).data.results).toMatchObject([{ experimentId: 'exp_202' }])
  })

  it('finds experiments by text; texts that differ only in case and punctuation share one entry', async () => {
    const first = await search({ text: 'Pricing page: a comparison table?', k: 2 })
    expect(first.status).toBe('fresh')
    expect(first.cacheKey).toMatch(/^vector:search:[A-Za-z0-9_-]+:2$/)
    expect(first.data.results.map((r) => r.experimentId)).toEqual(['exp_789', 'exp_203'])
    const same = await search({ text: 'pricing PAGE comparison table', k: 2 })
    expect(same).toEqual({ ...first, status: 'cached' })
  })

  it('refuses both or neither of experiment_id and text, unknown experiments and text without words', async () => {
    expect(await router.call('similar_experiments', { experiment_id: 'exp_123', text: 'checkout' })).toMatchObject({ isError: true, body: { error: 'E_INVALID_INPUT' } })
    expect(await router.call('similar_experiments', {})).toMatchObject({ isError: true, body: { error: 'E_INVALID_INPUT' } })
    expect(await router.call('similar_experiments', { text: 'the a ?!' })).toMatchObject({ isError: true, body: { error: 'E_INVALID_INPUT' } })
    expect(await router.call('similar_experiments', { experiment_id: 'exp_404' })).toMatchObject({ isError: true, body: { error: 'E_NOT_FOUND' } })
  })

  it("drops cached results when an experiment changes, and searches the experiment's new text", async () => {
    await search({ experiment_id: 'exp_123', k: 1 })
    expect(await search({ experiment_id: 'exp_123', k: 1 })).toMatchObject({ status: 'cached', data: { results: [{ experimentId: 'exp_201' }] } })
    const update = await router.call<{ data: { invalidatedEntries: number } }>('update_experiment', {
      experiment_id: 'exp_456', description: 'Does a green checkout button in the email convert better?',
    })
    // The four vector entries cached so far (exp_456 itself was never read, so never cached).
    expect(update.body.data.invalidatedEntries).toBe(4)
    expect(await search({ experiment_id: 'exp_123', k: 1 })).toMatchObject({ status: 'fresh', data: { results: [{ experimentId: 'exp_456' }] } })
  })
})
