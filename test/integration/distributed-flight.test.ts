/** One origin call for a missing key across processes sharing one Redis (`singleFlight: 'distributed'`). */
import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import { createCache } from '../../src/cache/create-cache.js'
import { redisUrl, uniquePrefix } from '../helpers/redis.js'

const WORKER = join(import.meta.dirname, '..', 'fixtures', 'stampede-worker.mjs')
const run = promisify(execFile)

/** Reads the shared origin-call counter the workers increment. */
async function originCalls(prefix: string): Promise<number> {
  const cache = createCache({ store: 'redis', prefix, redis: { url: redisUrl() }, logger: false })
  await cache.ready('5s')
  const calls = (await cache.get<number>('origin:calls')) ?? 0
  await cache.close()
  return calls
}

describe('distributed single flight', () => {
  it('makes one origin call for 4 processes x 25 callers on one missing key, and all get its value', { timeout: 30_000 }, async () => {
    const prefix = uniquePrefix('flight').replaceAll(':', '-')
    const startAt = String(Date.now() + 1500)
    const outputs = await Promise.all(Array.from({ length: 4 }, () => run(process.execPath, [WORKER, redisUrl(), prefix, '25', startAt, 'fast'], { timeout: 20_000 })))
    const results = outputs.map(({ stdout }) => JSON.parse(stdout) as { values: string[] })
    expect(await originCalls(prefix)).toBe(1)
    const values = new Set(results.flatMap((result) => result.values))
    expect(values.size).toBe(1)
    expect([...values][0]).toMatch(/^value from \d+$/)
  })

  it('lets the others load once a lock owner crashes, after its lock expires', { timeout: 30_000 }, async () => {
    const prefix = uniquePrefix('flight-crash').replaceAll(':', '-')
    const owner = spawn(process.execPath, [WORKER, redisUrl(), prefix, '1', String(Date.now()), 'hang', '800'], { stdio: 'ignore' })
    // Wait until the owner holds the lock and its factory has started.
    for (let i = 0; i < 100 && (await originCalls(prefix)) === 0; i++) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await originCalls(prefix)).toBe(1)
    owner.kill('SIGKILL')
    const { stdout } = await run(process.execPath, [WORKER, redisUrl(), prefix, '10', String(Date.now()), 'fast', '800'], { timeout: 20_000 })
    const result = JSON.parse(stdout) as { values: string[] }
    expect(result.values).toHaveLength(1)
    expect(await originCalls(prefix)).toBe(2)
  })

  it('stays per process by default', async () => {
    const prefix = uniquePrefix('flight-local').replaceAll(':', '-')
    const caches = [0, 1].map(() => createCache({ store: 'redis', prefix, redis: { url: redisUrl() }, logger: false }))
    for (const cache of caches) await cache.ready('5s')
    let calls = 0
    const factory = async () => {
      calls++
      await new Promise((resolve) => setTimeout(resolve, 50))
      return 'v'
    }
    await Promise.all(caches.map((cache) => cache.getOrSet('report:r2', factory)))
    expect(calls).toBe(2)
    for (const cache of caches) await cache.close()
  })
})
