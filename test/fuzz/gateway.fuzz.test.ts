/**
 * Fuzzing the gateway's doors with fast-check, against real processes built
 * from dist/: `mcp-cache proxy` on stdin, and one `mcp-cache serve` at /mcp
 * (session requests, stateless requests, raw bodies) and on its admin API.
 *
 * After every generated run: the process is up, holds under 600 MB, logged no
 * error that escaped a handler, and a valid call still gets the right answer.
 * Each message gets what it is owed (see test/helpers/fuzz-oracle.ts): every
 * request an answer with its id; over a limit, an error naming the limit, and
 * under it none. Every stdio line is JSON; every HTTP answer is a real HTTP
 * answer (never a dropped connection, unless the body was over the limit),
 * never a 5xx but 503, with a JSON body.
 *
 * Knobs: FUZZ_SECONDS (total budget, default 60, shared out by the weights of
 * `clock`), FUZZ_SEED and FUZZ_RUNS (replay what a failure printed).
 *
 * Found by this suite and fixed: stdio requests the upstream's SDK refuses
 * were forwarded and never answered (they now get an error of their own); a
 * refused session-less `initialize` left an upstream child behind; a session's
 * own end counted as an upstream crash.
 */
import { randomBytes } from 'node:crypto'
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client'
import { isJSONRPCRequest } from '@modelcontextprotocol/server'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { adminRequest, ADMIN_MAX_BODY_BYTES, isOpenRoute, Pacer, routedPath, type AdminRequest } from '../helpers/fuzz-admin.js'
import { FuzzClock, fuzzFor, fuzzSeconds, type FuzzReport } from '../helpers/fuzz-budget.js'
import { exchange, type FuzzHttpAnswer } from '../helpers/fuzz-http.js'
import { MAX_MESSAGE_BYTES, wireMessage, type WireMessage } from '../helpers/fuzz-messages.js'
import { cancelledIds, errorMessageOf, matchAnswers, parseWire, stdioExpectation, tooDeep, type AnswerId, type Expectation } from '../helpers/fuzz-oracle.js'
import { assertHealthy, childPids, killUpstreams, LogWatch, spawnWatchedServe, type WatchedServe } from '../helpers/fuzz-process.js'
import { StdioAnswers } from '../helpers/fuzz-stdio.js'
import { CLI, COUNTING_SERVER } from '../helpers/proxy-client.js'
import { MODERN_META, openSession, STATELESS_HEADERS, toolCall } from '../helpers/raw-http.js'
import { initializeLine, spawnRawProxy, type RawProxy } from '../helpers/raw-proxy.js'

const TOTAL_MS = fuzzSeconds() * 1000
/** Each target's part of the budget; the admin API's rate limit makes its runs slow, so it gets less. */
const clock = new FuzzClock(TOTAL_MS, { proxy: 3, session: 2, stateless: 2, raw: 1.5, admin: 1.5 })
/** Generous: the budget stops each target; this only catches a runner that never returns. */
const TEST_TIMEOUT = TOTAL_MS + 60_000
/** How long the answers a run is owed may take (the slowest tool takes 300 ms). */
const ANSWER_MS = 10_000
const ACCEPT_BOTH = 'application/json, text/event-stream'
const reports: Record<string, FuzzReport> = {}
/** The largest VmRSS seen of each gateway process, for the summary. */
const peakRss = { proxy: 0, serve: 0 }

afterAll(() => {
  const lines = Object.entries(reports).map(([target, report]) => `  ${target}: ${report.runs} runs, ${report.cases} cases in ${(report.elapsedMs / 1000).toFixed(1)} s`)
  const memory = `\n  peak VmRSS: proxy ${Math.round(peakRss.proxy / 1048576)} MB, serve ${Math.round(peakRss.serve / 1048576)} MB`
  console.log(`gateway fuzz (FUZZ_SECONDS=${TOTAL_MS / 1000}):\n${lines.join('\n')}${memory}`)
})

/** The text of a tool result in a JSON-RPC answer. */
function resultText(message: Record<string, unknown> | undefined): string {
  const content = (message?.['result'] as { content?: Array<{ text?: unknown }> } | undefined)?.content
  return typeof content?.[0]?.text === 'string' ? content[0].text : `no text in ${JSON.stringify(message).slice(0, 300)}`
}

/** Messages in a form fit for a failure report. */
function shown(messages: readonly WireMessage[]): string {
  return messages.map((message) => fc.stringify(message)).join('\n  ')
}

describe('proxy fuzzed on stdin', () => {
  let proxy: RawProxy
  let log: LogWatch
  let answers: StdioAnswers
  let checks = 0

  beforeAll(async () => {
    proxy = spawnRawProxy(['--', process.execPath, COUNTING_SERVER])
    log = new LogWatch(proxy.child.stderr)
    proxy.write(initializeLine(1))
    await proxy.next(1)
    // From here on, every line goes through these checks (the initialize answer was taken above).
    answers = new StdioAnswers(proxy.child.stdout)
    proxy.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))
  })

  afterAll(async () => {
    // Closing stdin is how a client ends the proxy; it closes its upstream on the way out.
    proxy.child.stdin.end()
    const timer = setTimeout(() => proxy.child.kill('SIGKILL'), 5_000)
    await proxy.exited
    clearTimeout(timer)
  })

  /** Writes one run's lines, then a check call; waits for every answer owed and checks them. */
  async function run(messages: readonly WireMessage[]): Promise<number> {
    answers.startRun()
    const check = ++checks
    for (const message of messages) proxy.child.stdin.write(Buffer.concat([message.bytes, Buffer.from('\n')]))
    proxy.write(JSON.stringify(toolCall(`check-${check}`, 'lookup_code', { code: `CHECK${check}` })))
    const deadline = Date.now() + ANSWER_MS
    if (!(await answers.waitFor(`check-${check}`, 1, deadline))) throw new Error(`no answer to a valid call within ${ANSWER_MS} ms after:\n  ${shown(messages)}`)
    expect(resultText(answers.answers(`check-${check}`)[0])).toMatch(new RegExp(`^CHECK${check}: call \\d+$`))

    // A request named by a cancellation in the same run may go unanswered (the spec says so).
    const cancelled = cancelledIds(messages)
    const owed = new Map<AnswerId, Expectation[]>()
    for (const message of messages) {
      const expectation = stdioExpectation(message)
      if (expectation === undefined || cancelled.has(expectation.id)) continue
      owed.set(expectation.id, [...(owed.get(expectation.id) ?? []), expectation])
    }
    for (const [id, expectations] of owed) {
      await answers.waitFor(id, expectations.length, deadline)
      const problem = matchAnswers(id, expectations, answers.answers(id))
      if (problem !== undefined) throw new Error(`${problem}\nafter:\n  ${shown(messages)}`)
    }
    expect(answers.badLines).toStrictEqual([])
    await answers.drain(proxy)
    peakRss.proxy = Math.max(peakRss.proxy, assertHealthy(proxy.child, log))
    return messages.length
  }

  it(
    'answers every request, refuses only what breaks a limit, and stays up and bounded',
    async () => {
      reports['proxy'] = await fuzzFor(clock.allot('proxy'), fc.array(wireMessage(), { minLength: 1, maxLength: 4 }), run)
      expect(answers.lines).toBeGreaterThan(reports['proxy'].runs)
    },
    TEST_TIMEOUT,
  )
})

describe('serve fuzzed over HTTP', () => {
  const adminToken = `fuzz-admin-${randomBytes(12).toString('hex')}`
  let gateway: WatchedServe
  /** An official client in a 2025-11-25 session, and one speaking stateless 2026-07-28. */
  let legacyClient: Client
  let modernClient: Client
  /** Raw sessions: one fuzzed by the session target, one used by the raw target. */
  let fuzzSession: Record<string, string>
  let rawSession: Record<string, string>
  /** Upstream children of the sessions above and of the stateless principal: all others must go when their session does. */
  let expectedChildren: Set<number>
  let checks = 0

  beforeAll(async () => {
    gateway = await spawnWatchedServe([CLI, 'serve', '--port', '0', '--admin-port', '0', '--', process.execPath, COUNTING_SERVER], { MCP_CACHE_ADMIN_TOKEN: adminToken })
    legacyClient = new Client({ name: 'fuzz-check', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: 'legacy' } })
    await legacyClient.connect(new StreamableHTTPClientTransport(new URL(gateway.url)))
    modernClient = new Client({ name: 'fuzz-check', version: '1.0.0' }, { capabilities: {}, versionNegotiation: { mode: { pin: '2026-07-28' } } })
    await modernClient.connect(new StreamableHTTPClientTransport(new URL(gateway.url)))
    await checkCall(modernClient)
    fuzzSession = await openSession(gateway.url)
    rawSession = await openSession(gateway.url)
    expectedChildren = new Set(childPids(gateway.child.pid as number))
  })

  afterAll(async () => {
    await Promise.allSettled([legacyClient?.close(), modernClient?.close()])
    await gateway?.stop()
  })

  /** A lookup through an official client; resolves when its answer is right. */
  async function checkCall(client: Client): Promise<void> {
    const code = `CHECK${++checks}`
    const result = await client.callTool({ name: 'lookup_code', arguments: { code } })
    expect((result.content as Array<{ text?: string }>)[0]?.text ?? '').toMatch(new RegExp(`^${code}: call \\d+$`))
  }

  /**
   * The process checks of every run, and the upstream children: a child
   * beyond the expected ones (a session the fuzzer opened, or one refused)
   * must be gone once its session is.
   */
  async function checkProcess(): Promise<void> {
    peakRss.serve = Math.max(peakRss.serve, assertHealthy(gateway.child, gateway.log))
    const pid = gateway.child.pid as number
    const extra = () => childPids(pid).filter((child) => !expectedChildren.has(child))
    // A deleted session's child exits within milliseconds; an orphan never does.
    const deadline = Date.now() + 2_000
    while (extra().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    const left = extra()
    if (left.length === 0) return
    // Ended, so that one failure does not fail the targets after it too.
    killUpstreams(left)
    throw new Error(`upstream children ${left.join(', ')} outlived their sessions (expected only ${[...expectedChildren].join(', ')})`)
  }

  /** Ends a session the fuzzer opened by accident (a generated `initialize`), so no upstream child outlives the run. */
  async function endStraySession(answer: FuzzHttpAnswer, known: string | undefined): Promise<void> {
    const id = answer.headers.get('mcp-session-id')
    if (id === null || id === known) return
    await fetch(gateway.url, { method: 'DELETE', headers: { 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' } }).then((response) => response.body?.cancel())
  }

  /**
   * POSTs one generated body to /mcp and checks the answer against what the
   * body is owed. `reachesBody`: the gateway reads this body (no session, or a
   * live one), so its size, JSON and nesting limits apply. `answersOwed`: the
   * headers are those of a real client, so a request gets an answer.
   */
  async function postChecked(message: WireMessage, headers: Record<string, string>, session: string | undefined, where: { reachesBody: boolean; answersOwed: boolean }): Promise<void> {
    const over = message.bytes.length > MAX_MESSAGE_BYTES
    const context = () => `\nfor ${fc.stringify(message)}`
    const answer = await exchange(gateway.url, { method: 'POST', headers, body: message.bytes }, { mayDrop: over }).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}${context()}`)
    })
    if (answer === 'dropped') return
    await endStraySession(answer, session)
    expect(answer.text, `the admin token leaked${context()}`).not.toContain(adminToken)
    if (!where.reachesBody) return
    if (over) {
      expect(answer.status, `over maxMessageBytes${context()}`).toBe(413)
      expect(answer.text).toContain('maxMessageBytes')
      return
    }
    expect(answer.status, `not over maxMessageBytes${context()}`).not.toBe(413)
    const parsed = parseWire(message.bytes)
    if (parsed === undefined) {
      expect(answer.status, `not JSON${context()}`).toBe(400)
      expect(answer.messages[0]).toMatchObject({ error: { code: -32700 } })
      return
    }
    const value = parsed.value
    if ((Array.isArray(value) ? value : [value]).some(tooDeep)) {
      expect(answer.status, `nested too deep${context()}`).toBe(400)
      expect(answer.text).toContain('maxParamsDepth')
      return
    }
    const limitNamed = answer.messages.map(errorMessageOf).find((text) => text?.includes('maxParamsDepth') === true || text?.includes('maxMessageBytes') === true)
    expect(limitNamed, `refused for a limit it does not break${context()}`).toBeUndefined()
    // A single request the SDK accepts is owed an answer with its id, or a refusal of the whole POST (a 4xx or 503 with an error).
    if (where.answersOwed && !Array.isArray(value) && isJSONRPCRequest(value)) {
      const id = (value as { id: unknown }).id
      const answered = answer.status < 300 ? answer.messages.some((reply) => reply['id'] === id) : answer.messages.some((reply) => errorMessageOf(reply) !== undefined)
      expect(answered, `no answer with id ${JSON.stringify(id)} (status ${answer.status}: ${answer.text.slice(0, 300)})${context()}`).toBe(true)
    }
  }

  it(
    'session requests: every answer well-formed and owed, the session and the process still serve',
    async () => {
      const sessionId = fuzzSession['mcp-session-id']
      const headers = { ...fuzzSession, 'content-type': 'application/json', accept: ACCEPT_BOTH }
      reports['session'] = await fuzzFor(clock.allot('session'), fc.array(wireMessage(), { minLength: 1, maxLength: 3 }), async (messages) => {
        for (const message of messages) await postChecked(message, headers, sessionId, { reachesBody: true, answersOwed: true })
        // The fuzzed session itself still answers.
        const check = ++checks
        const answer = await exchange(gateway.url, { method: 'POST', headers, body: Buffer.from(JSON.stringify(toolCall(`check-${check}`, 'lookup_code', { code: `CHECK${check}` }))) })
        if (answer === 'dropped') throw new Error('unreachable: a small body')
        expect(resultText(answer.messages.find((reply) => reply['id'] === `check-${check}`))).toMatch(new RegExp(`^CHECK${check}: call \\d+$`))
        await checkCall(legacyClient)
        await checkProcess()
        return messages.length
      })
    },
    TEST_TIMEOUT,
  )

  it(
    'stateless requests: every answer well-formed and owed, the shared upstream still serves',
    async () => {
      const headers = { ...STATELESS_HEADERS, 'content-type': 'application/json', accept: ACCEPT_BOTH }
      reports['stateless'] = await fuzzFor(clock.allot('stateless'), fc.array(wireMessage({ modernMeta: true }), { minLength: 1, maxLength: 3 }), async (messages) => {
        for (const message of messages) await postChecked(message, headers, undefined, { reachesBody: true, answersOwed: true })
        await checkCall(modernClient)
        await checkProcess()
        return messages.length
      })
    },
    TEST_TIMEOUT,
  )

  it(
    'raw bodies with random headers: a well-formed answer to each, limits applied wherever the body is read',
    async () => {
      const sessionId = rawSession['mcp-session-id']
      const request = fc.record({
        message: wireMessage({ modernMeta: true }),
        method: fc.oneof({ arbitrary: fc.constant('POST'), weight: 8 }, { arbitrary: fc.constantFrom('GET', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'), weight: 1 }),
        session: fc.constantFrom('none' as const, 'live' as const, 'unknown' as const),
        contentType: fc.constantFrom(undefined, 'application/json', 'text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded'),
        accept: fc.constantFrom(undefined, ACCEPT_BOTH, 'application/json', 'text/event-stream', '*/*', 'text/html'),
        protocolVersion: fc.constantFrom(undefined, '2026-07-28', '2025-11-25', '2025-06-18', '1999-01-01', ''),
      })
      reports['raw'] = await fuzzFor(clock.allot('raw'), fc.array(request, { minLength: 1, maxLength: 3 }), async (requests) => {
        for (const one of requests) {
          // A GET or DELETE on the live session would open its event stream or end it: not what this target is about.
          const sessionHeader = one.session === 'unknown' ? randomBytes(8).toString('hex') : one.session === 'live' && one.method === 'POST' ? sessionId : undefined
          const headers: Record<string, string> = {
            ...(one.contentType === undefined ? {} : { 'content-type': one.contentType }),
            ...(one.accept === undefined ? {} : { accept: one.accept }),
            ...(one.protocolVersion === undefined ? {} : { 'mcp-protocol-version': one.protocolVersion }),
            ...(sessionHeader === undefined ? {} : { 'mcp-session-id': sessionHeader }),
          }
          if (one.method === 'POST') {
            const live = sessionHeader === sessionId
            const clientHeaders = one.contentType === 'application/json' && one.accept === ACCEPT_BOTH && one.protocolVersion === (live ? '2025-11-25' : '2026-07-28')
            await postChecked(one.message, headers, sessionId, { reachesBody: sessionHeader === undefined || live, answersOwed: clientHeaders })
            continue
          }
          const hasBody = one.method !== 'GET'
          const answer = await exchange(gateway.url, { method: one.method, headers, ...(hasBody ? { body: one.message.bytes } : {}) }, { mayDrop: hasBody && one.message.bytes.length > MAX_MESSAGE_BYTES })
          if (answer !== 'dropped') expect(answer.status, `${one.method} answered ${answer.text.slice(0, 200)}`).toBeGreaterThanOrEqual(400)
        }
        await checkCall(legacyClient)
        await checkProcess()
        return requests.length
      })
    },
    TEST_TIMEOUT,
  )

  it(
    'admin API: JSON answers, no 5xx but 503, no token in any body, no data without the token',
    async () => {
      const adminUrl = gateway.adminUrl
      if (adminUrl === undefined) throw new Error('serve printed no admin URL')
      // Under the limits (50 authenticated and 20 failed requests a second per address); a 429 is still allowed.
      const pacer = new Pacer({ authenticated: 40, failed: 16 })
      const send = async (request: AdminRequest): Promise<void> => {
        const path = routedPath(request.target)
        const open = isOpenRoute(request.method, path)
        const authenticated = request.auth === 'right' && !request.queryToken
        await pacer.take(open ? 'open' : authenticated ? 'authenticated' : 'failed')
        const nonJson = request.method === 'HEAD' || path === '/metrics' || path.startsWith('/dashboard')
        const headers: Record<string, string> = {
          ...(request.authorization === undefined ? {} : { authorization: request.authorization }),
          ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
        }
        const answer = await exchange(`${adminUrl}${request.target}`, { method: request.method, headers, ...(request.body === undefined ? {} : { body: request.body }) }, { mayDrop: (request.body?.length ?? 0) > ADMIN_MAX_BODY_BYTES, nonJsonAllowed: nonJson })
        if (answer === 'dropped') return
        const context = `${fc.stringify(request)} answered ${answer.status}: ${answer.text.slice(0, 300)}`
        expect(answer.text, `the admin token leaked: ${context}`).not.toContain(adminToken)
        if (!nonJson) expect(answer.messages.length, `every answer has a JSON body: ${context}`).toBeGreaterThan(0)
        if (!open && !authenticated) expect([400, 401, 429], `no data without the token: ${context}`).toContain(answer.status)
        if (authenticated) expect(answer.status, `the right token was refused: ${context}`).not.toBe(401)
      }
      reports['admin'] = await fuzzFor(clock.allot('admin'), fc.array(adminRequest(adminToken), { minLength: 1, maxLength: 3 }), async (requests) => {
        for (const request of requests) await send(request)
        const health = await exchange(`${adminUrl}/health`, { method: 'GET', headers: {} })
        expect(health === 'dropped' ? undefined : health.messages[0]).toStrictEqual({ status: 'ok' })
        await checkCall(legacyClient)
        await checkProcess()
        return requests.length
      })
    },
    TEST_TIMEOUT,
  )

  it('still answers a stateless raw request with the envelope after all that', async () => {
    const answer = await exchange(gateway.url, {
      method: 'POST',
      headers: { ...STATELESS_HEADERS, 'content-type': 'application/json', accept: ACCEPT_BOTH },
      body: Buffer.from(JSON.stringify(toolCall('final', 'lookup_code', { code: 'FINAL' }, MODERN_META))),
    })
    expect(answer === 'dropped' ? undefined : resultText(answer.messages.find((reply) => reply['id'] === 'final'))).toMatch(/^FINAL: call \d+$/)
  })
})
