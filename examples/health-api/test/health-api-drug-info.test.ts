/**
 * The seed's "cache basic drug info indefinitely with timestamp validation",
 * against a source that really changes: DRUG_SOURCE_FILE is rewritten under
 * the running server. A copy is served while the source's record keeps the
 * `updated_at` it was made from; a newer or older one is fetched again, and so
 * is a copy older than DRUG_INFO_MAX_AGE. On the shared test Redis, under a
 * private prefix.
 */
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from 'redis'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { call, startServer, type RunningServer } from './run-server.js'

type Info = { common_uses: string[]; source_updated_at: string; retrieved_at: string }

/** The source's aspirin record at one version. */
function aspirin(updatedAt: string, use: string): Record<string, unknown> {
  return { name: 'aspirin', drug_class: 'NSAID / antiplatelet', common_uses: [use], interactions: { warfarin: 'higher bleeding risk' }, updated_at: updatedAt }
}

async function info(server: RunningServer, drug: string): Promise<{ info: Info; cached: boolean }> {
  const reply = await call(server.url, 'GET', `/api/v1/drug/info/${drug}`)
  expect(reply.status, JSON.stringify(reply.body)).toBe(200)
  return reply.body as unknown as { info: Info; cached: boolean }
}

async function infoRuns(server: RunningServer): Promise<number> {
  return ((await call(server.url, 'GET', '/api/v1/usage')).body['origin_runs'] as Record<string, number>)['drug_info'] ?? 0
}

describe('health-api drug info: timestamp validation against a changing source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'health-api-drugs-'))
  const sourceFile = join(dir, 'drugs.json')
  const writeSource = (records: unknown[]): void => writeFileSync(sourceFile, JSON.stringify(records, null, 2))
  let server: RunningServer | undefined
  const running = (): RunningServer => {
    if (server === undefined) throw new Error('the server did not start')
    return server
  }

  const prefix = `test-health-api-${randomBytes(6).toString('hex')}`
  beforeAll(async () => {
    writeSource([aspirin('2026-05-01T00:00:00Z', 'version one')])
    server = await startServer({ CACHE_BACKEND: 'redis', REDIS_URL: inject('redisUrl'), CACHE_PREFIX: prefix, DRUG_SOURCE_FILE: sourceFile })
  })
  afterAll(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
    // Only this file's keys: the Redis is shared with other test files.
    const redis = createClient({ url: inject('redisUrl') })
    await redis.connect()
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) await redis.del(keys)
    }
    redis.destroy()
  })

  it('serves the copy while the record is unchanged, and fetches it again when the source has a newer or an older version', async () => {
    const first = await info(running(), 'aspirin')
    const second = await info(running(), 'aspirin')
    expect(first).toMatchObject({ cached: false, info: { common_uses: ['version one'], source_updated_at: '2026-05-01T00:00:00.000Z' } })
    expect(second).toMatchObject({ cached: true, info: first.info })
    const metformin = await info(running(), 'metformin')
    const runsBefore = await infoRuns(running())

    writeSource([aspirin('2026-06-01T00:00:00Z', 'version two')])
    const updated = await info(running(), 'aspirin')
    expect(updated).toMatchObject({ cached: false, info: { common_uses: ['version two'], source_updated_at: '2026-06-01T00:00:00.000Z' } })
    expect(await info(running(), 'aspirin')).toMatchObject({ cached: true, info: updated.info })

    // A rollback at the source (an older updated_at) is a change too.
    writeSource([aspirin('2026-04-01T00:00:00Z', 'version zero')])
    expect(await info(running(), 'aspirin')).toMatchObject({ cached: false, info: { common_uses: ['version zero'], source_updated_at: '2026-04-01T00:00:00.000Z' } })

    // Records the source did not change keep their copies.
    expect(await info(running(), 'metformin')).toMatchObject({ cached: true, info: metformin.info })
    expect(await infoRuns(running())).toBe(runsBefore + 2)
  })

  it('analyses a drug again when a record the analysis read changed at the source (24 h TTL or not)', async () => {
    const analyze = async (): Promise<{ analysis: { risk: string; interactions: unknown[] }; cached: boolean }> => {
      const reply = await call(running().url, 'POST', '/api/v1/drug/analyze', { body: { drug_name: 'aspirin', other_medications: ['metformin'] } })
      expect(reply.status, JSON.stringify(reply.body)).toBe(200)
      return reply.body as unknown as { analysis: { risk: string; interactions: unknown[] }; cached: boolean }
    }
    writeSource([aspirin('2026-07-01T00:00:00Z', 'version three')])
    const before = await analyze()
    expect(before.analysis.interactions).toEqual([])
    expect((await analyze()).cached).toBe(true)
    // The source adds an aspirin-metformin interaction: the cached "none" must not be served.
    writeSource([{ ...aspirin('2026-07-02T00:00:00Z', 'version three'), interactions: { metformin: 'a made-up interaction' } }])
    const after = await analyze()
    expect(after).toMatchObject({ cached: false, analysis: { interactions: [{ drug: 'metformin', note: 'a made-up interaction' }] } })
    expect((await analyze()).cached).toBe(true)
  })

  it('keeps serving the last good table when the source file breaks', async () => {
    const before = await info(running(), 'aspirin')
    writeFileSync(sourceFile, '[{"name": "aspirin", "updated_at": "half-writ')
    expect(await info(running(), 'aspirin')).toMatchObject({ cached: true, info: before.info })
    // stderr and the HTTP reply travel apart: wait for the line.
    await expect.poll(() => running().stderr(), { timeout: 5_000 }).toMatch(/DRUG_SOURCE_FILE .*serving the last good table/)
  })
})

describe('health-api drug info: DRUG_INFO_MAX_AGE', () => {
  let server: RunningServer | undefined
  beforeAll(async () => {
    server = await startServer({ CACHE_BACKEND: 'memory', DRUG_INFO_MAX_AGE: '2s' })
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('fetches an unchanged record again once the copy is older than the max age', async () => {
    if (server === undefined) throw new Error('the server did not start')
    const running = server
    const first = await info(running, 'warfarin')
    expect(first.cached).toBe(false)
    expect((await info(running, 'warfarin')).cached).toBe(true)
    // Poll until the copy is refused for its age; the deadline is far past the max age.
    let refreshed: { info: Info; cached: boolean } | undefined
    await expect.poll(async () => {
      refreshed = await info(running, 'warfarin')
      return refreshed.cached
    }, { timeout: 15_000, interval: 200 }).toBe(false)
    const age = Date.parse(refreshed?.info.retrieved_at ?? '') - Date.parse(first.info.retrieved_at)
    expect(age).toBeGreaterThanOrEqual(2_000)
    expect(refreshed?.info.source_updated_at).toBe(first.info.source_updated_at)
    expect(await infoRuns(running)).toBe(2)
  })
})
