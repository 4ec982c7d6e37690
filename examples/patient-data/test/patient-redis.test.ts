/**
 * What only a shared Redis shows: two server processes, each pinned to its own
 * user by VISTA_USER_DUZ, share one key space; the keys carry each user's DUZ
 * with the TTL from PATIENT_CACHE_TTL_MINUTES; one process's update removes
 * the other user's entries.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { findFreePort, sendCommand } from '../../../test/helpers/redis-server.js'
import { startPatientServer, type PatientClient } from './patient-client.js'

const USER_A = '10000000219'
const USER_B = '10000000333'

describe('two pinned users sharing one Redis', () => {
  const url = inject('redisUrl')
  const prefix = `test-patient-redis-${randomBytes(6).toString('hex')}`
  let alice: PatientClient
  let bob: PatientClient
  /** Integer reply of one Redis command (`:123\r\n`). */
  const integer = async (...args: string[]): Promise<number> => Number(/^:(-?\d+)/.exec(await sendCommand(url, ...args))?.[1])

  beforeAll(async () => {
    const env = { CACHE_BACKEND: 'redis', REDIS_URL: url, CACHE_PREFIX: prefix, PATIENT_CACHE_TTL_MINUTES: '3' }
    ;[alice, bob] = await Promise.all([startPatientServer({ ...env, VISTA_USER_DUZ: USER_A }), startPatientServer({ ...env, VISTA_USER_DUZ: USER_B })])
  })
  afterAll(async () => {
    await Promise.all([alice?.close(), bob?.close()])
  })

  it("keeps each user's entries apart: B's process misses and calls its origin although A's entry is in Redis", async () => {
    const args = { station: '500', dfn: '100841' }
    expect((await alice.call('get_patient', args))['cache']).toBe('miss')
    // The miss stores its entry without holding up the answer; a hit proves it has landed in Redis.
    expect((await alice.call('get_patient', args))['cache']).toBe('hit')
    expect(await integer('EXISTS', `${prefix}:patient:v1:500:100841:${USER_A}`)).toBe(1)
    expect(await integer('EXISTS', `${prefix}:patient:v1:500:100841:${USER_B}`)).toBe(0)

    expect((await bob.call('get_patient', args))['cache']).toBe('miss')
    expect((await bob.rpcCounts())['ORWPT SELECT']).toBe(1)
    expect((await bob.call('get_patient', args))['cache']).toBe('hit')
    expect(await integer('EXISTS', `${prefix}:patient:v1:500:100841:${USER_B}`)).toBe(1)
    expect((await alice.rpcCounts())['ORWPT SELECT']).toBe(1)
  })

  it('sets the key TTL from PATIENT_CACHE_TTL_MINUTES (3 minutes here)', async () => {
    await alice.call('get_patient_labs', { station: '640', dfn: '100810' })
    expect((await alice.call('get_patient_labs', { station: '640', dfn: '100810' }))['cache']).toBe('hit')
    const ttlMs = await integer('PTTL', `${prefix}:patient:v1:640:100810:${USER_A}:labs`)
    expect(ttlMs).toBeGreaterThan(170_000)
    expect(ttlMs).toBeLessThanOrEqual(180_000)
  })

  it("removes the other user's entries of the patient when one process updates it", async () => {
    const args = { station: '500', dfn: '100845' }
    for (let round = 0; round < 2; round++) {
      await alice.call('get_patient_meds', args)
      await bob.call('get_patient', args)
    }
    const aliceKey = `${prefix}:patient:v1:500:100845:${USER_A}:meds`
    expect(await integer('EXISTS', aliceKey)).toBe(1)

    const update = await bob.call('update_patient', { ...args, ward: '2 SOUTH' })
    expect(update).toMatchObject({ isError: false, invalidated: 2, user: USER_B })
    expect(await integer('EXISTS', aliceKey)).toBe(0)
    expect(await integer('EXISTS', `${prefix}:patient:v1:500:100845:${USER_B}`)).toBe(0)
    expect((await alice.call('get_patient_meds', args))['cache']).toBe('miss')
  })
})

describe('the default TTL without PATIENT_CACHE_TTL_MINUTES', () => {
  const url = inject('redisUrl')
  const prefix = `test-patient-redis-${randomBytes(6).toString('hex')}`
  let server: PatientClient
  beforeAll(async () => {
    const env: Record<string, string> = { CACHE_BACKEND: 'redis', REDIS_URL: url, CACHE_PREFIX: prefix, PATIENT_CACHE_TTL_MINUTES: '' }
    server = await startPatientServer(env)
  })
  afterAll(() => server.close())

  it('is the seed\'s 10 minutes', async () => {
    await server.call('get_patient', { station: '500', dfn: '100841' }, USER_A)
    expect((await server.call('get_patient', { station: '500', dfn: '100841' }, USER_A))['cache']).toBe('hit')
    const ttlMs = Number(/^:(-?\d+)/.exec(await sendCommand(url, 'PTTL', `${prefix}:patient:v1:500:100841:${USER_A}`))?.[1])
    expect(ttlMs).toBeGreaterThan(590_000)
    expect(ttlMs).toBeLessThanOrEqual(600_000)
  })
})

describe('Redis away at startup', () => {
  it('answers initialize at once, with the default REDIS_TIMEOUT of 60 s, and serves reads from VistA', async () => {
    const closed = `redis://127.0.0.1:${await findFreePort()}`
    // Connecting at all proves it: the test's own timeout (20 s) is a third of the startup wait.
    const client = await startPatientServer({ CACHE_BACKEND: 'redis', REDIS_URL: closed, REDIS_TIMEOUT: '', VISTA_USER_DUZ: USER_A })
    try {
      const answer = await client.call('get_patient', { station: '500', dfn: '100841' })
      expect(answer.isError).toBe(false)
      expect(answer['cache']).not.toBe('hit')
      expect((await client.rpcCounts())['ORWPT SELECT']).toBe(1)
    } finally {
      await client.close()
    }
  })
})
