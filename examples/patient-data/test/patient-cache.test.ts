/**
 * The seed-000 patient-data server, spawned compiled and driven by the official
 * MCP client, once with the memory store and once with Redis: cache-aside per
 * user, user isolation, invalidation on update, and the TTL setting.
 */
import { randomBytes } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { startPatientServer, type PatientClient } from './patient-client.js'

const USER_A = '10000000219'
const USER_B = '10000000333'
const STATION = '500'

/** Env selecting the backend; Redis runs get a private key prefix in the shared test server. */
function backendEnv(backend: 'memory' | 'redis'): Record<string, string> {
  if (backend === 'memory') return { CACHE_BACKEND: 'memory' }
  return { CACHE_BACKEND: 'redis', REDIS_URL: inject('redisUrl'), CACHE_PREFIX: `test-patient-data-${randomBytes(6).toString('hex')}` }
}

describe.each(['memory', 'redis'] as const)('patient-data server with the %s store', (backend) => {
  let server: PatientClient
  beforeAll(async () => {
    server = await startPatientServer(backendEnv(backend))
  })
  afterAll(() => server.close())

  it('answers a repeated read from the cache: miss, then hit, and the origin RPC ran once', async () => {
    const args = { station: STATION, dfn: '100841' }
    const first = await server.call('get_patient', args, USER_A)
    const second = await server.call('get_patient', args, USER_A)
    expect(first).toMatchObject({ cache: 'miss', key: `patient:v1:500:100841:${USER_A}`, user: USER_A, userSource: 'meta' })
    expect(second).toMatchObject({ cache: 'hit', key: first['key'] })
    expect(second['patient']).toEqual(first['patient'])
    expect(first['patient']).toMatchObject({ station: STATION, dfn: '100841' })

    const meds = [await server.call('get_patient_meds', args, USER_A), await server.call('get_patient_meds', args, USER_A)]
    const labs = [await server.call('get_patient_labs', args, USER_A), await server.call('get_patient_labs', args, USER_A)]
    expect(meds.map((answer) => answer['cache'])).toEqual(['miss', 'hit'])
    expect(labs.map((answer) => answer['cache'])).toEqual(['miss', 'hit'])
    expect((meds[0]?.['meds'] as unknown[]).length).toBeGreaterThan(0)
    expect(meds[1]?.['meds']).toEqual(meds[0]?.['meds'])

    const counts = await server.rpcCounts()
    // ORWPT SELECT: the demographics miss, plus the existence check of the meds miss and of the labs miss.
    expect(counts).toEqual({ 'ORWPT SELECT': 3, 'ORWPS ACTIVE': 1, 'ORWLRR INTERIM': 1 })
  })

  it("never serves one user's entry to another: B's first read is a miss that reaches the origin", async () => {
    const args = { station: STATION, dfn: '100842' }
    const before = (await server.rpcCounts())['ORWPS ACTIVE'] ?? 0
    const a = await server.call('get_patient_meds', args, USER_A)
    const b = await server.call('get_patient_meds', args, USER_B)
    const bAgain = await server.call('get_patient_meds', args, USER_B)
    const aAgain = await server.call('get_patient_meds', args, USER_A)
    expect([a['cache'], b['cache'], bAgain['cache'], aAgain['cache']]).toEqual(['miss', 'miss', 'hit', 'hit'])
    expect(a['key']).toBe(`patient:v1:500:100842:${USER_A}:meds`)
    expect(b['key']).toBe(`patient:v1:500:100842:${USER_B}:meds`)
    expect((await server.rpcCounts())['ORWPS ACTIVE']).toBe(before + 2)
  })

  it('update_patient writes the record and drops every user\'s entries of that patient, and only that patient', async () => {
    const args = { station: STATION, dfn: '100843' }
    const neighbour = { station: STATION, dfn: '100844' }
    for (const user of [USER_A, USER_B]) {
      await server.call('get_patient', args, user)
      await server.call('get_patient_labs', args, user)
    }
    await server.call('get_patient', neighbour, USER_A)
    expect((await server.call('get_patient', args, USER_B))['cache']).toBe('hit')

    const update = await server.call('update_patient', { ...args, phone: '555-0199', ward: 'ICU' }, USER_A)
    expect(update).toMatchObject({ isError: false, invalidated: 4, patient: { phone: '555-0199', ward: 'ICU' } })

    for (const user of [USER_A, USER_B]) {
      const read = await server.call('get_patient', args, user)
      expect(read).toMatchObject({ cache: 'miss', patient: { phone: '555-0199', ward: 'ICU' } })
      expect((await server.call('get_patient_labs', args, user))['cache']).toBe('miss')
    }
    expect((await server.call('get_patient', neighbour, USER_A))['cache']).toBe('hit')
  })

  it('refuses a call without a user, and reports an unknown patient as a tool error', async () => {
    expect(await server.call('get_patient', { station: STATION, dfn: '100841' })).toMatchObject({ isError: true })
    const missing = await server.call('get_patient', { station: STATION, dfn: '999999' }, USER_A)
    expect(missing).toMatchObject({ isError: true, error: 'no patient 999999 at station 500' })
    // Not cached: a second try asks the origin again.
    const before = (await server.rpcCounts())['ORWPT SELECT'] ?? 0
    await server.call('get_patient', { station: STATION, dfn: '999999' }, USER_A)
    expect((await server.rpcCounts())['ORWPT SELECT']).toBe(before + 1)
  })
})

describe('VISTA_USER_DUZ pins a process to one user', () => {
  let server: PatientClient
  beforeAll(async () => {
    server = await startPatientServer({ CACHE_BACKEND: 'memory', VISTA_USER_DUZ: USER_A })
  })
  afterAll(() => server.close())

  it('uses the pinned DUZ, accepts _meta naming the same user, and refuses _meta naming another', async () => {
    const args = { station: '640', dfn: '100900' }
    expect(await server.call('get_patient', args)).toMatchObject({ cache: 'miss', user: USER_A, userSource: 'env', key: `patient:v1:640:100900:${USER_A}` })
    expect(await server.call('get_patient', args, USER_A)).toMatchObject({ cache: 'hit', user: USER_A })
    const other = await server.call('get_patient', args, USER_B)
    expect(other['isError']).toBe(true)
    expect(String(other['error'])).toContain(`bound to user ${USER_A}`)
  })
})

describe('PATIENT_CACHE_TTL_MINUTES with the memory store', () => {
  let server: PatientClient
  beforeAll(async () => {
    // 0.01 minutes = 600 ms, short enough to watch an entry expire.
    server = await startPatientServer({ CACHE_BACKEND: 'memory', PATIENT_CACHE_TTL_MINUTES: '0.01' })
  })
  afterAll(() => server.close())

  it('expires entries after the configured minutes', async () => {
    const args = { station: STATION, dfn: '100850' }
    expect((await server.call('get_patient', args, USER_A))['cache']).toBe('miss')
    expect((await server.call('get_patient', args, USER_A))['cache']).toBe('hit')
    await new Promise((resolve) => setTimeout(resolve, 900))
    expect((await server.call('get_patient', args, USER_A))['cache']).toBe('miss')
  })
})
