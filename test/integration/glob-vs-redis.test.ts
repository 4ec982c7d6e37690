/**
 * The memory store's glob matcher (compileGlob) against Redis itself: random patterns over the
 * characters that matter (stars, classes, ranges, escapes, `]`, `-`, a two-byte é) select the
 * same keys as `KEYS` on a private redis-server.
 */
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileGlob } from '../../src/keys/glob.js'
import { startRedisServer, type RedisServerHandle } from '../helpers/redis-server.js'

const ALPHABET = ['a', 'b', '-', ']', '\\', 'é']
/** Every key of up to three characters of the alphabet. */
const KEYS = [''].flatMap(function grow(prefix: string): string[] {
  return prefix.length === 3 ? [prefix] : [prefix, ...ALPHABET.flatMap((c) => grow(prefix + c))]
}).filter((key) => key !== '')

describe('compileGlob agrees with Redis', () => {
  let redis: RedisServerHandle
  let client: Awaited<ReturnType<typeof connect>>
  async function connect(url: string) {
    const { createClient } = await import('redis')
    const c = createClient({ url })
    await c.connect()
    return c
  }
  beforeAll(async () => {
    redis = await startRedisServer()
    client = await connect(redis.url)
    await client.mSet(KEYS.map((key) => [key, '1'] as [string, string]))
  })
  afterAll(async () => {
    client?.destroy()
    await redis?.stop()
  })

  it('on random patterns of stars, ?, classes, ranges, escapes and multi-byte characters', async () => {
    const piece = fc.constantFrom('a', 'b', '-', ']', '\\\\', '\\', 'é', '*', '?', '[', '[^', '[a-b]', '[b-a]', '[a-]', '[]', ']')
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 5 }), async (pieces) => {
        const pattern = pieces.join('')
        const fromRedis = new Set(await client.keys(pattern))
        const matcher = compileGlob(pattern)
        const ours = new Set(KEYS.filter((key) => matcher.test(key)))
        expect([...ours].sort(), `pattern ${JSON.stringify(pattern)}`).toEqual([...fromRedis].sort())
      }),
      { numRuns: 300 },
    )
  })
})
