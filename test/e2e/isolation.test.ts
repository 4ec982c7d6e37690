/**
 * Two principals, two proxies, one Redis: user-scoped results never cross,
 * shared ones do. Each proxy runs its own upstream that signs its results,
 * so a cross-principal hit would show the other principal's signature.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectThroughProxy, type ProxyClient } from '../helpers/proxy-client.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'

const CALLS = 2000

describe('principals sharing one Redis through two proxies', () => {
  let alice: ProxyClient
  let bob: ProxyClient
  beforeAll(async () => {
    const prefix = uniquePrefix('isolation').replaceAll(':', '-')
    const config = { tools: { get_record: { scope: 'shared', ttl: '1m' } } }
    const common = { config, extraArgs: ['--store', 'redis', '--redis-url', redisUrl()] }
    alice = await connectThroughProxy({ ...common, principal: 'alice', env: { CACHE_PREFIX: prefix, SERVER_TAG: 'alice' } })
    bob = await connectThroughProxy({ ...common, principal: 'bob', env: { CACHE_PREFIX: prefix, SERVER_TAG: 'bob' } })
  })
  afterAll(async () => {
    await alice.close()
    await bob.close()
  })

  it(`serves no user-scoped entry across principals in ${CALLS} randomized calls`, async () => {
    let crossHits = 0
    let hits = 0
    let seed = 42
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31)
    for (let i = 0; i < CALLS; i++) {
      const [client, name] = random() < 0.5 ? [alice, 'alice'] : [bob, 'bob']
      const code = `C${Math.floor(random() * 20)}`
      const result = await client.call('lookup_code', { code })
      if (result.status === 'hit') hits++
      if (!result.text.endsWith(`by ${name}`)) crossHits++
    }
    expect(crossHits).toBe(0)
    expect(hits).toBeGreaterThan(CALLS * 0.9)
  })

  it('does share entries of a tool whose rule says scope: shared', async () => {
    const first = await alice.call('get_record', { id: 'r1' })
    const second = await bob.call('get_record', { id: 'r1' })
    expect(first).toMatchObject({ status: 'miss', text: 'first version (call 1) by alice' })
    expect(second).toMatchObject({ status: 'hit', text: 'first version (call 1) by alice' })
  })
})
