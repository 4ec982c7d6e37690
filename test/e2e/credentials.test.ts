/**
 * `serve` tells callers apart by every credential, not only Bearer tokens:
 * Basic, DPoP-style and custom schemes, a credential header (`x-api-key`),
 * and no credentials at all. The upstream (one HTTP counting server) names the
 * credentials each request reached it with, so a cross-caller answer, or a
 * request sent upstream with another caller's credentials, shows.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { MODERN_META, openSession, rawPost, STATELESS_HEADERS, toolCall } from '../helpers/raw-http.js'
import { spawnWithUrl, type UrlProcess } from '../helpers/serve-process.js'

/** A caller: the headers it sends, and how the upstream names those credentials. */
interface Caller {
  readonly name: string
  readonly headers: () => Record<string, string>
  readonly seenAs: string
}

const basic = (user: string) => `Basic ${Buffer.from(`${user}:pw`).toString('base64')}`
const CALLERS: readonly Caller[] = [
  { name: 'Basic alice', headers: () => ({ authorization: basic('alice') }), seenAs: basic('alice') },
  { name: 'Basic bob', headers: () => ({ authorization: basic('bob') }), seenAs: basic('bob') },
  // A DPoP proof changes with every request; the access token in Authorization is who calls.
  { name: 'DPoP', headers: () => ({ authorization: 'DPoP token-dpop', dpop: `proof-${randomUUID()}` }), seenAs: 'DPoP token-dpop' },
  { name: 'Token scheme', headers: () => ({ authorization: 'Token abc123' }), seenAs: 'Token abc123' },
  { name: 'api key k1', headers: () => ({ 'x-api-key': 'k1' }), seenAs: 'key=k1' },
  { name: 'api key k2', headers: () => ({ 'x-api-key': 'k2' }), seenAs: 'key=k2' },
  { name: 'no credentials', headers: () => ({}), seenAs: 'nobody' },
]

type Answer = { text: string; status: unknown }

function answerOf(messages: Array<Record<string, unknown>>): Answer {
  const result = messages.find((message) => message['result'] !== undefined)?.['result'] as { content?: Array<{ text: string }>; _meta?: Record<string, unknown> } | undefined
  return { text: result?.content?.[0]?.text ?? JSON.stringify(messages), status: result?._meta?.['mcp-cache/status'] }
}

describe('serve: a principal for every credential', () => {
  let upstream: UrlProcess
  let gateway: UrlProcess
  beforeAll(async () => {
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--credential-header', 'x-api-key'])
  })
  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
  })

  /** A stateless (2026-07-28) tool call as `caller`. */
  const stateless = async (caller: Caller, id: number, name: string, args: Record<string, unknown>): Promise<Answer> =>
    answerOf((await rawPost(gateway.url, toolCall(id, name, args, MODERN_META), { ...caller.headers(), ...STATELESS_HEADERS })).messages)

  it('never answers one caller with another\u2019s entry, in 2,100 randomized calls, in sessions and stateless', async () => {
    const sessions = new Map<string, Record<string, string>>()
    for (const caller of CALLERS) sessions.set(caller.name, await openSession(gateway.url, caller.headers()))
    let hits = 0
    for (let i = 0; i < 2100; i++) {
      const caller = CALLERS[i % CALLERS.length] as Caller
      const n = Math.floor(Math.random() * 5)
      const answer =
        Math.random() < 0.5
          ? await stateless(caller, i, 'whoami', { n })
          : answerOf((await rawPost(gateway.url, toolCall(i, 'whoami', { n }), { ...caller.headers(), ...sessions.get(caller.name) })).messages)
      expect(answer.text, `call ${i} as ${caller.name}`).toBe(`${n} for ${caller.seenAs}`)
      // Without credentials there is no principal to own a user-scoped entry: never cached.
      if (caller.name === 'no credentials') expect(answer.status).toBe('bypass')
      if (answer.status === 'hit') hits++
    }
    expect(hits).toBeGreaterThan(1500)
  })

  it('sends each stateless request upstream with its own caller\u2019s credentials, writes included', async () => {
    // Interleaved, so a connection opened with one caller's credentials would carry the next caller's request.
    for (let round = 0; round < 3; round++) {
      for (const caller of CALLERS) {
        expect(await stateless(caller, round, 'record_caller', { n: round }), caller.name).toMatchObject({ text: `${round} written by ${caller.seenAs}`, status: 'bypass' })
      }
    }
  })
})

describe('serve under a flood of new sessions', () => {
  let upstream: UrlProcess
  let gateway: UrlProcess
  beforeAll(async () => {
    upstream = await spawnWithUrl([COUNTING_SERVER, 'http', '0'])
    gateway = await spawnWithUrl([CLI, 'serve', '--port', '0', '--upstream', upstream.url, '--max-sessions', '16', '--max-sessions-per-principal', '4'])
  })
  afterAll(async () => {
    await gateway?.stop()
    await upstream?.stop()
  })

  const lookupIn = async (session: Record<string, string>, id: number) => rawPost(gateway.url, toolCall(id, 'lookup_code', { code: 'FLOOD' }), session)

  it('keeps answering a working client while 200 initializes with random tokens take every slot', async () => {
    const real = await openSession(gateway.url, { authorization: 'Bearer the-real-user' })
    // A working client: it has called a tool. (A session that never has is the first a flood displaces.)
    expect((await lookupIn(real, -1)).status).toBe(200)
    let flooding = true
    const flood = (async () => {
      const workers = Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < 200; i += 8) await openSession(gateway.url, { authorization: `Bearer random-${randomUUID()}` }).catch(() => undefined)
      })
      await Promise.all(workers)
      flooding = false
    })()
    const answers: number[] = []
    for (let i = 0; flooding; i++) answers.push((await lookupIn(real, i)).status)
    await flood
    expect(answers.length).toBeGreaterThan(10)
    expect(answers.filter((status) => status !== 200)).toStrictEqual([])
    // And a newcomer after the flood gets a session at once.
    expect((await lookupIn(await openSession(gateway.url, { authorization: 'Bearer late-comer' }), 1)).status).toBe(200)
  })

  it('counts sessions still starting: 30 initializes of one caller at once open at most its cap', async () => {
    const opened = await Promise.all(Array.from({ length: 30 }, () => openSession(gateway.url, { authorization: 'Bearer burst' }).then((session) => session, () => undefined)))
    const usable = await Promise.all(opened.map(async (session, i) => (session === undefined ? false : (await lookupIn(session, i)).status === 200)))
    expect(usable.filter(Boolean).length).toBeGreaterThan(0)
    expect(usable.filter(Boolean).length).toBeLessThanOrEqual(4)
  })

  it('lets one caller hold at most its cap: a fifth session closes its longest-idle one', async () => {
    const sessions: Array<Record<string, string>> = []
    for (let i = 0; i < 5; i++) sessions.push(await openSession(gateway.url, { authorization: 'Bearer many-tabs' }))
    expect((await lookupIn(sessions[0] as Record<string, string>, 1)).status).toBe(404)
    for (const session of sessions.slice(1)) expect((await lookupIn(session, 2)).status).toBe(200)
  })
})
