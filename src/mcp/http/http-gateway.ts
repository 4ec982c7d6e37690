import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { hostHeaderValidation, localhostOriginValidation, NodeStreamableHTTPServerTransport, originValidation } from '@modelcontextprotocol/node'
import { isInitializeRequest, isJSONRPCRequest, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server'
import type { CacheLogger } from '../../log/logger.js'
import type { Gateway } from '../gateway/create-gateway.js'
import { requestKey } from '../gateway/client-requests.js'
import { duplicateIdProblem, type GatewaySession } from '../gateway/session.js'
import { answerFromCache } from '../gateway/tool-calls.js'
import { traceHeaders } from '../../telemetry/mcp-spans.js'
import { errorResponse, RpcCode, type RequestId } from '../jsonrpc.js'
import { checkMessageLimits, requestIdOf, type MessageLimits } from '../message-limits.js'
import { requestKind, serveFor, type CallerContext } from '../caller-context.js'
import { isRefusal, type Caller, type PrincipalResolver } from '../principal.js'
import type { MessageChannel } from '../transports/channel.js'
import { toolCallOf, writeJsonAnswer } from './json-answer.js'
import { HttpDownstream } from '../transports/http-downstream.js'
import { UpstreamBackoffError } from '../transports/crash-backoff.js'
import { StatelessDownstream } from '../transports/stateless-downstream.js'
import { AcceptedCredentials, isAuthRefusal } from './accepted-credentials.js'
import { holdHead, type HeldHead } from './held-response.js'
import { ProtectedResource } from './protected-resource.js'

/** Options of the Streamable HTTP front of the gateway. */
export interface HttpGatewayOptions {
  readonly host: string
  readonly port: number
  /** Creates the upstream connection of one new client session. */
  readonly connectUpstream: (headers: IncomingMessage['headers']) => MessageChannel
  readonly principals: PrincipalResolver
  /**
   * The HTTP upstream's URL. Its OAuth flow then passes through: its 401/403
   * reach the client with their challenge, and its protected resource
   * metadata is served as the gateway's. None for a stdio upstream.
   */
  readonly upstreamUrl?: string
  /**
   * Where clients reach this gateway's `/mcp` (behind a TLS proxy, say): the
   * resource OAuth tokens are issued for. @default the listen address (the
   * request's Host when listening on every interface)
   */
  readonly publicUrl?: string
  /**
   * How long an HTTP upstream's success vouches for a caller's credentials:
   * until the upstream has accepted them, a caller reads nothing cached. 0: not
   * checked (the gateway verifies tokens itself, or nobody checks them). @default 0
   */
  readonly acceptedCredentialTtlMs?: number
  /**
   * The issuer whose tokens the gateway verifies itself (JWT mode): its
   * protected resource metadata names it, and its 401s point there.
   */
  readonly authorizationServer?: string
  /**
   * Most client sessions at once (stateless callers' shared upstreams count);
   * each holds an upstream connection or child. A new session past it closes
   * the longest-idle one with nothing in flight. @default 64 (`serve` sets 1000
   * for an HTTP upstream, 16 for a stdio one)
   */
  readonly maxSessions?: number
  /** Most sessions of one principal at once (callers without credentials have none and no such cap); a new one past it closes one of that caller's. @default 8 */
  readonly maxSessionsPerPrincipal?: number
  /** A session idle this long is closed with its upstream. @default 10 minutes */
  readonly idleMs?: number
  /** Largest request body (maxMessageBytes) and deepest params nesting, checked before any other work. */
  readonly limits: MessageLimits
  /** Host names accepted in the Host header besides loopback names (DNS-rebinding protection). */
  readonly allowedHosts?: readonly string[]
  /** Origins accepted besides loopback ones. */
  readonly allowedOrigins?: readonly string[]
  readonly logger?: CacheLogger
}

interface ClientSession {
  readonly downstream: HttpDownstream
  readonly session: GatewaySession
  /** Requests being served through it now, from their arrival to their answer. */
  active: number
  /** Requests it has made after its initialize: a session that never worked is the first to go. */
  served: number
}

interface StatelessClient {
  readonly downstream: StatelessDownstream
  readonly session: GatewaySession
}

/** The shared upstream of one group of stateless callers (one principal, tenant and set of credentials). */
interface StatelessGroup {
  readonly principal: string | undefined
  readonly pending: Promise<StatelessClient>
  /** Set once the upstream started. */
  ready?: StatelessClient
  /** Requests being served through it now, waiting for its start included. */
  active: number
}

/** A session, a stateless group or a session being started, as the caps count it. */
interface OpenSession {
  readonly principal: string | undefined
  readonly lastActive: number
  /** Made a request after its initialize (every stateless group has). */
  readonly worked: boolean
  /** Serving a request, or starting: never closed to make room. */
  readonly busy: boolean
  close(): void
}

/** A place held for a session that is starting, so concurrent starts cannot pass the caps together. */
interface Reservation {
  readonly principal: string | undefined
}

/**
 * Serves the gateway at `/mcp` over Streamable HTTP. Each client session gets
 * its own upstream connection (a stdio child or an HTTP session), so one
 * client's session state never reaches another; sessions share the cache and
 * the in-flight calls. Host and Origin are checked, because the upstream no
 * longer sees the client's headers.
 */
export class HttpGateway {
  private readonly server: Server
  private readonly sessions = new Map<string, ClientSession>()
  /**
   * 2026-07-28 clients have no sessions: their requests share one upstream per
   * principal and credentials (the upstream was opened with those credentials:
   * a request with others gets an upstream of its own).
   */
  private readonly stateless = new Map<string, StatelessGroup>()
  /** Sessions being started: counted by the caps until they are registered. */
  private readonly starting = new Set<Reservation>()
  private readonly validateHost: (req: IncomingMessage, res: ServerResponse) => boolean
  private readonly validateOrigin: (req: IncomingMessage, res: ServerResponse) => boolean
  private sweeper: NodeJS.Timeout | undefined
  private closing = false
  private readonly protectedResource: ProtectedResource | undefined
  private readonly accepted: AcceptedCredentials | undefined
  /** The listen address as a URL, the default public URL. */
  private listening: URL | undefined
  private readonly publicUrl: URL | undefined

  constructor(
    private readonly gateway: Gateway,
    private readonly options: HttpGatewayOptions,
  ) {
    this.validateHost = hostHeaderValidation(['localhost', '127.0.0.1', '[::1]', ...(options.allowedHosts ?? [])])
    this.validateOrigin = options.allowedOrigins?.length ? originValidation([...options.allowedOrigins]) : localhostOriginValidation()
    this.publicUrl = options.publicUrl === undefined ? undefined : new URL(options.publicUrl)
    this.protectedResource =
      options.authorizationServer !== undefined ? ProtectedResource.ofIssuer(options.authorizationServer) : options.upstreamUrl === undefined ? undefined : ProtectedResource.ofUpstream(options.upstreamUrl)
    this.accepted = (options.acceptedCredentialTtlMs ?? 0) > 0 ? new AcceptedCredentials(options.acceptedCredentialTtlMs as number) : undefined
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        options.logger?.warn({ err: (error as Error).message }, 'mcp-cache: HTTP request failed')
        if (!res.headersSent) rpcError(res, 500, RpcCode.INTERNAL_ERROR, 'internal error in the gateway')
      })
    })
  }

  /** Starts listening; resolves with the bound address. */
  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.port, this.options.host, resolve)
    })
    const idleMs = this.options.idleMs ?? 600_000
    this.sweeper = setInterval(() => this.closeIdle(idleMs), Math.min(60_000, idleMs)).unref()
    const address = this.server.address() as AddressInfo
    // Listening on every interface says nothing of the name clients use: their Host header does.
    if (!['0.0.0.0', '::'].includes(address.address)) this.listening = new URL(`http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}/mcp`)
    return address
  }

  /**
   * Graceful shutdown: stops accepting connections and requests, lets calls in
   * flight finish (up to `drainMs`), then closes every session and its upstream.
   */
  async close(drainMs = 10_000): Promise<void> {
    this.closing = true
    clearInterval(this.sweeper)
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()))
    const stateless = await Promise.allSettled([...this.stateless.values()].map((group) => group.pending))
    const sessions = [...[...this.sessions.values()].map(({ session }) => session), ...stateless.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.session] : []))]
    await Promise.all(sessions.map((session) => session.drain(drainMs)))
    await Promise.allSettled(sessions.map((session) => session.close()))
    this.server.closeAllConnections()
    await stopped
  }

  /** Sessions open now. */
  get sessionCount(): number {
    return this.sessions.size
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (this.protectedResource !== undefined && ProtectedResource.serves(path)) {
      if (this.validateHost(req, res)) await this.serveMetadata(req, res, this.protectedResource)
      return
    }
    if (path !== '/mcp') {
      rpcError(res, 404, RpcCode.INVALID_REQUEST, 'not found: the MCP endpoint is /mcp')
      return
    }
    if (!this.validateHost(req, res) || !this.validateOrigin(req, res)) return
    if (this.closing) {
      res.setHeader('connection', 'close')
      rpcError(res, 503, RpcCode.UPSTREAM_ERROR, 'the gateway is shutting down; retry on another instance')
      return
    }
    const caller = await this.options.principals.authenticate(req.headers)
    if (isRefusal(caller)) {
      const publicUrl = this.publicUrlFor(req)
      if (caller.challenge !== undefined) res.setHeader('www-authenticate', this.protectedResource === undefined || publicUrl === undefined ? caller.challenge : this.protectedResource.challenge(caller.challenge, publicUrl))
      rpcError(res, caller.status, RpcCode.INVALID_REQUEST, caller.message)
      return
    }
    const sessionId = req.headers['mcp-session-id']
    if (typeof sessionId === 'string') {
      const existing = this.sessions.get(sessionId)
      if (existing === undefined) {
        rpcError(res, 404, RpcCode.INVALID_REQUEST, 'session not found: it ended or expired; start a new one with initialize')
        return
      }
      // Another caller's session, or the same user's after a token refresh the gateway cannot tell
      // from another user's (no JWT verification): unknown to these credentials. A client starts a
      // new session on a 404, as the spec says; a 403 would end it.
      if (caller.principal !== existing.session.principal || caller.tenant !== existing.session.tenant) {
        rpcError(res, 404, RpcCode.INVALID_REQUEST, 'session not found for these credentials; start a new one with initialize')
        return
      }
      existing.downstream.lastActive = Date.now()
      existing.active++
      existing.served++
      try {
        await this.serveInSession(req, res, existing, sessionId, caller)
      } finally {
        existing.active--
        // Active until its answer: a session working right now is never the longest idle.
        existing.downstream.lastActive = Date.now()
      }
      return
    }
    if (req.method !== 'POST') {
      rpcError(res, 405, RpcCode.INVALID_REQUEST, 'without Mcp-Session-Id only POST is served (a 2026-07-28 request, or initialize)')
      return
    }
    const body = await this.readBody(req, res)
    if (body === FAILED || this.reserveIds(res, body, undefined, undefined) === undefined) return
    if (!isInitialize(body)) {
      await this.handleStateless(req, res, body, caller)
      return
    }
    // Checked before room is made and an upstream started: a refused initialize costs no one their session, and no child process.
    if (!isJSONRPCRequest(body) || !isInitializeRequest(body)) {
      rpcError(res, 400, RpcCode.INVALID_REQUEST, 'Invalid Request: not a valid initialize request (params need protocolVersion, capabilities and clientInfo)', requestIdOf(body))
      return
    }
    const reservation = this.makeRoom(caller.principal)
    if (reservation === undefined) {
      rpcError(res, 503, RpcCode.UPSTREAM_ERROR, 'too many sessions, every one busy; retry later or raise --max-sessions')
      return
    }
    try {
      await this.startSession(req, res, body, caller)
    } finally {
      this.starting.delete(reservation)
    }
  }

  /** Serves one request of an open session. */
  private async serveInSession(req: IncomingMessage, res: ServerResponse, existing: ClientSession, sessionId: string, caller: Caller): Promise<void> {
    // The same caller, perhaps with a refreshed token: what goes upstream from now on carries it.
    existing.session.upstream.updateCredentials?.(this.options.principals.credentialsOf(req.headers))
    const body = req.method === 'POST' ? await this.readBody(req, res) : undefined
    if (body === FAILED) return
    const reserved = this.reserveIds(res, body, existing.session, sessionId)
    if (reserved === undefined) return
    try {
      await this.asCaller(req, res, body, caller, async (hold) => {
        if (await this.answeredFromCache(req, res, body, existing.session, SUPPORTED_PROTOCOL_VERSIONS, sessionId)) return
        hold()
        await existing.downstream.transport.handleRequest(req, res, body)
      })
    } finally {
      // The transport has handed each request to the session by now (which took its reservation over), or refused it.
      for (const [id, token] of reserved) existing.session.requests.release(id, token)
    }
  }

  private async startSession(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        if (session !== undefined) this.sessions.set(id, { downstream, session, active: 0, served: 0 })
      },
      onsessionclosed: (id) => {
        const closing = this.sessions.get(id)
        this.sessions.delete(id)
        void closing?.session.close()
      },
    })
    const downstream = new HttpDownstream(transport)
    const session = await this.connectOrAnswer(res, downstream, req, caller)
    if (session === undefined) return
    session.onclose = () => {
      if (transport.sessionId !== undefined) this.sessions.delete(transport.sessionId)
    }
    const refused = await this.asCaller(req, res, body, caller, (hold) => {
      hold()
      return transport.handleRequest(req, res, body)
    })
    // The transport refused the initialize (a header, say), or the upstream refused the caller: no
    // client holds this session, so close it with its upstream.
    if (transport.sessionId === undefined || refused) await session.close()
  }

  /** A request of a stateless (2026-07-28) client: its own transport, its group's shared upstream. */
  private async handleStateless(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller): Promise<void> {
    const { principal, credential, tenant } = caller
    const key = `${principal ?? ''}\u0000${tenant ?? ''}\u0000${credential}`
    let group = this.stateless.get(key)
    if (group === undefined) {
      const reservation = this.makeRoom(principal)
      if (reservation === undefined) {
        rpcError(res, 503, RpcCode.UPSTREAM_ERROR, 'too many sessions, every one busy; retry later or raise --max-sessions')
        return
      }
      // The group counts from now on (busy while it starts), in the reservation's place.
      this.starting.delete(reservation)
      group = this.startGroup(key, req, res, caller)
    }
    group.active++
    try {
      await this.serveStateless(req, res, body, key, group, caller)
    } finally {
      group.active--
    }
  }

  /** Starts the shared upstream of a group of stateless callers; it leaves the map when it closes or fails to start. */
  private startGroup(key: string, req: IncomingMessage, res: ServerResponse, caller: Caller): StatelessGroup {
    const downstream = new StatelessDownstream()
    const leave = () => {
      if (this.stateless.get(key) === group) this.stateless.delete(key)
    }
    const group: StatelessGroup = {
      principal: caller.principal,
      active: 0,
      pending: this.connectOrAnswer(res, downstream, req, caller).then((session) => {
        if (session === undefined) throw new Error('answered')
        session.onclose = leave
        group.ready = { downstream, session }
        return group.ready
      }),
    }
    group.pending.catch(leave)
    this.stateless.set(key, group)
    return group
  }

  /** Serves one stateless request on its group's upstream. */
  private async serveStateless(req: IncomingMessage, res: ServerResponse, body: unknown, key: string, group: StatelessGroup, caller: Caller): Promise<void> {
    let started: StatelessClient
    try {
      started = await group.pending
    } catch {
      if (!res.headersSent) rpcError(res, 502, RpcCode.UPSTREAM_ERROR, 'the upstream could not be started; retry')
      return
    }
    const { downstream, session } = started
    downstream.lastActive = Date.now()
    const refused = await this.asCaller(req, res, body, caller, async (hold) => {
      if (await this.answeredFromCache(req, res, body, session, STATELESS_VERSIONS, undefined)) return
      hold()
      const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: undefined })
      // The transport checks MCP-Protocol-Version; the gateway forwards whichever era the upstream speaks.
      transport.setSupportedProtocolVersions([...STATELESS_VERSIONS])
      await downstream.attach(transport)
      await transport.handleRequest(req, res, body)
    })
    // Credentials the upstream refused hold no upstream (nor a place among the sessions) for long.
    if (refused && group.active === 1 && this.stateless.get(key) === group) {
      this.stateless.delete(key)
      void session.close() // never rejects: its failure is logged inside
    }
  }

  /**
   * Serves a request on behalf of its caller (see {@link serveFor}): what goes
   * upstream for it carries its own credentials, it reads the cache only once
   * the upstream accepted them lately, and an upstream 401/403 reaches the
   * client as that HTTP status with the upstream's challenge (pointing at this
   * gateway's metadata), so the client's OAuth flow can start. `work` calls
   * `hold` before it hands the request to the SDK transport (an answer from
   * the cache needs no holding: it is only given to a caller the upstream
   * accepted). Resolves true when the upstream refused the caller.
   */
  private async asCaller(req: IncomingMessage, res: ServerResponse, body: unknown, caller: Caller, work: (hold: () => void) => Promise<void>): Promise<boolean> {
    const resource = this.protectedResource
    // A stdio upstream judges no credentials.
    if (this.options.upstreamUrl === undefined || resource === undefined) {
      await work(() => undefined)
      return false
    }
    let held: HeldHead | undefined
    // Only a POST carrying requests has an answer whose status may still become the upstream's;
    // a GET stream, a notification's 202 or a DELETE goes out as the transport writes it.
    const hold = () => {
      if (held === undefined && !res.headersSent && req.method === 'POST' && carriesRequest(body)) held = holdHead(res)
    }
    // What the upstream's answer to this request itself is (not to a tools/list the gateway adds first).
    const ownKind = Array.isArray(body) ? undefined : kindOf(body)
    // Dropped once the request is answered: a stream it started upstream outlives it, and must
    // neither keep it in memory nor report to it.
    let live: { readonly req: IncomingMessage; readonly body: unknown } | undefined = { req, body }
    const accepted = this.accepted
    const context: CallerContext = {
      credentials: this.options.principals.credentialsOf(req.headers),
      get finished() {
        return live === undefined
      },
      mayReadCache: (kind) => accepted === undefined || accepted.has(caller.credential, kind),
      heard: (status, challenge, kind) => {
        if (live === undefined) return
        if (isAuthRefusal(status, challenge)) {
          accepted?.forget(caller.credential)
          if (held !== undefined) this.refuse(live.req, held, resource, status, challenge, live.body)
          return
        }
        // Only the answer to a request says something about it (a notification's 202 says nothing).
        if (kind === undefined) return
        if (status >= 200 && status < 300) accepted?.vouch(caller.credential, kind)
        // The head waits for the upstream's word on this request itself (a batch: on any of them).
        if (ownKind === undefined || kind === ownKind) held?.release()
      },
    }
    try {
      await serveFor(context, () => work(hold))
    } finally {
      held?.release()
      live = undefined
    }
    return held?.replaced === true
  }

  /** Answers with the upstream's refusal, unless the answer has begun (then the request's JSON-RPC error tells it). */
  private refuse(req: IncomingMessage, held: HeldHead, resource: ProtectedResource, status: number, challenge: string | undefined, body: unknown): void {
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    const publicUrl = this.publicUrlFor(req)
    if (challenge !== undefined) headers['www-authenticate'] = publicUrl === undefined ? challenge : resource.challenge(challenge, publicUrl)
    const problem = `upstream ${this.gateway.context.upstreamName} refused the credentials (HTTP ${status}); authorize with it and retry`
    held.replace(status, headers, JSON.stringify(errorResponse(Array.isArray(body) ? null : requestIdOf(body), RpcCode.INVALID_REQUEST, problem)))
  }

  /** The upstream's protected resource metadata, as this gateway's (GET only; public, so any origin may read it). */
  private async serveMetadata(req: IncomingMessage, res: ServerResponse, resource: ProtectedResource): Promise<void> {
    const publicUrl = this.publicUrlFor(req)
    if (req.method !== 'GET' || publicUrl === undefined) {
      res.writeHead(req.method === 'GET' ? 400 : 405, { 'content-type': 'application/json', allow: 'GET' }).end(JSON.stringify({ error: 'invalid_request', error_description: 'GET with a Host header' }))
      return
    }
    const answer = await resource.answer(publicUrl)
    res.writeHead(answer.status, { 'content-type': 'application/json', 'access-control-allow-origin': '*', 'cache-control': answer.status === 200 ? 'max-age=60' : 'no-store' }).end(JSON.stringify(answer.body))
  }

  /** The URL clients reach `/mcp` at: configured, else the listen address, else (every interface) the request's Host. */
  private publicUrlFor(req: IncomingMessage): URL | undefined {
    if (this.publicUrl !== undefined) return this.publicUrl
    if (this.listening !== undefined) return this.listening
    const host = req.headers.host
    return host !== undefined && URL.canParse(`http://${host}/mcp`) ? new URL(`http://${host}/mcp`) : undefined
  }

  /**
   * Answers a `tools/call` hit as one JSON body, skipping the SDK transport and
   * its event stream (most of a hit's cost over HTTP). False when the request
   * is anything else or a miss: the transport then handles it as usual.
   * (True also when the upstream's refusal of the caller answered it.)
   */
  private async answeredFromCache(req: IncomingMessage, res: ServerResponse, body: unknown, session: GatewaySession, versions: readonly string[], sessionId: string | undefined): Promise<boolean> {
    const request = toolCallOf(req, body, versions)
    // Its one wait is the first call's tool list, an upstream request the session's drain counts.
    // A failure here is left to the transport path, which answers it as the request's own error.
    const headers = session.context.tracer === undefined ? undefined : traceHeaders((name) => headerText(req.headers[name]))
    const answer = request === undefined ? undefined : await answerFromCache(session, request, headers).catch(() => undefined)
    // Answered meanwhile: the upstream refused the caller while the gateway learned its tools.
    if (answer === undefined) return res.writableEnded
    writeJsonAnswer(res, answer, sessionId)
    return true
  }

  /** Starts an upstream and a gateway session; on failure answers the HTTP request and resolves undefined. */
  private async connectOrAnswer(res: ServerResponse, downstream: MessageChannel, req: IncomingMessage, caller: Caller): Promise<GatewaySession | undefined> {
    try {
      return await this.gateway.connect(downstream, this.options.connectUpstream(req.headers), caller.principal, caller.tenant)
    } catch (error) {
      if (error instanceof UpstreamBackoffError) {
        res.setHeader('retry-after', String(Math.ceil(error.retryAfterMs / 1000)))
        rpcError(res, 503, RpcCode.UPSTREAM_ERROR, `upstream ${this.gateway.context.upstreamName}: ${this.gateway.context.redact(error.message)}`)
      } else {
        rpcError(res, 502, RpcCode.UPSTREAM_ERROR, `upstream ${this.gateway.context.upstreamName} could not be started: ${this.gateway.context.reason(error)}`)
      }
      return undefined
    }
  }

  /** The parsed body, or FAILED once an error has answered it: too large, not JSON, or nested too deep. */
  private async readBody(req: IncomingMessage, res: ServerResponse): Promise<unknown> {
    const limit = this.options.limits.maxMessageBytes
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size > limit) {
        rpcError(res, 413, RpcCode.INVALID_REQUEST, `request body over the limit of ${limit} bytes (maxMessageBytes)`)
        req.destroy()
        return FAILED
      }
      chunks.push(chunk as Buffer)
    }
    let body: unknown
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
    } catch {
      rpcError(res, 400, RpcCode.PARSE_ERROR, 'Parse error: the body is not valid JSON')
      return FAILED
    }
    for (const message of Array.isArray(body) ? body : [body]) {
      const problem = checkMessageLimits(message, this.options.limits)
      if (problem !== undefined) {
        rpcError(res, 400, RpcCode.INVALID_REQUEST, `Invalid Request: ${problem}`, Array.isArray(body) ? null : requestIdOf(message))
        return FAILED
      }
    }
    return body
  }

  /**
   * Reserves the session's ids of the requests in a POST before the SDK
   * transport sees them (it routes answers by id, so a request reusing an id
   * in flight would take the first one's answer and leave the first without
   * one). A request reusing an id in flight, or twice in one batch, gets a
   * JSON-RPC error of its own instead, and the POST goes no further: resolves
   * undefined. Otherwise resolves with the ids reserved and their tokens (none without a session).
   */
  private reserveIds(res: ServerResponse, body: unknown, session: GatewaySession | undefined, sessionId: string | undefined): Array<[RequestId, symbol]> | undefined {
    const messages = Array.isArray(body) ? body : [body]
    const seen = new Set<string>()
    const reserved: Array<[RequestId, symbol]> = []
    let duplicate: RequestId | undefined
    for (const message of messages) {
      const id = requestIdOf(message)
      if (id === null) continue
      const key = requestKey(id)
      const token = seen.has(key) ? undefined : session === undefined ? NO_SESSION : session.requests.reserve(id)
      if (token === undefined) {
        duplicate = id
        break
      }
      seen.add(key)
      if (session !== undefined) reserved.push([id, token])
    }
    if (duplicate === undefined) return reserved
    for (const [id, token] of reserved) session?.requests.release(id, token)
    const problem = duplicateIdProblem(duplicate)
    const answers = Array.isArray(body) ? messages.flatMap((message) => (requestIdOf(message) === null ? [] : [errorResponse(requestIdOf(message), RpcCode.INVALID_REQUEST, problem)])) : errorResponse(duplicate, RpcCode.INVALID_REQUEST, problem)
    res.writeHead(200, { 'content-type': 'application/json', ...(sessionId === undefined ? {} : { 'mcp-session-id': sessionId }) }).end(JSON.stringify(answers))
    return undefined
  }

  /**
   * Makes room for a new session of `principal` and holds it: past the
   * caller's cap, or past the global cap, a session that is not busy (of that
   * caller, else of anyone) is closed: one that never made a request after its
   * initialize first, else the longest idle. So a flood of new callers cannot
   * lock out the clients that keep working. Synchronous, so concurrent
   * starts are counted against each other. Undefined when every candidate is
   * busy. Callers without credentials share no per-caller cap (they are not one caller).
   */
  private makeRoom(principal: string | undefined): Reservation | undefined {
    const open = this.openSessions()
    // Sessions that never worked after their initialize go first (a flood's), then the longest idle.
    const idleFirst = (candidates: OpenSession[]) =>
      candidates.filter((candidate) => !candidate.busy).sort((a, b) => Number(a.worked) - Number(b.worked) || a.lastActive - b.lastActive)
    const own = principal === undefined ? [] : open.filter((candidate) => candidate.principal === principal)
    if (principal !== undefined && own.length >= (this.options.maxSessionsPerPrincipal ?? 8)) {
      const oldest = idleFirst(own)[0]
      if (oldest === undefined) return undefined
      oldest.close()
      open.splice(open.indexOf(oldest), 1)
    }
    if (open.length >= (this.options.maxSessions ?? 64)) {
      const oldest = idleFirst(open)[0]
      if (oldest === undefined) return undefined
      oldest.close()
    }
    const reservation: Reservation = { principal }
    this.starting.add(reservation)
    return reservation
  }

  /** Every session, stateless group and session being started, with when it was last used and how to close it. */
  private openSessions(): OpenSession[] {
    const open: OpenSession[] = []
    for (const [id, client] of this.sessions) {
      open.push({
        principal: client.session.principal,
        lastActive: client.downstream.lastActive,
        // Its first request after initialize is the initialized notification.
        worked: client.served > 1,
        busy: client.active > 0 || client.session.inFlight > 0,
        close: () => {
          this.sessions.delete(id)
          void client.session.close()
        },
      })
    }
    for (const [key, group] of this.stateless) {
      const ready = group.ready
      open.push({
        principal: group.principal,
        lastActive: ready?.downstream.lastActive ?? Date.now(),
        worked: true,
        busy: ready === undefined || group.active > 0 || ready.session.inFlight > 0,
        close: () => {
          this.stateless.delete(key)
          void ready?.session.close()
        },
      })
    }
    for (const reservation of this.starting) open.push({ principal: reservation.principal, lastActive: Date.now(), worked: false, busy: true, close: () => undefined })
    return open
  }

  private closeIdle(idleMs: number): void {
    const cutoff = Date.now() - idleMs
    for (const [id, client] of this.sessions) {
      if (client.active === 0 && client.downstream.lastActive < cutoff) {
        this.sessions.delete(id)
        void client.session.close()
      }
    }
    for (const [key, group] of this.stateless) {
      const ready = group.ready
      // One still starting is not idle; one that failed to start was answered and removed where it failed.
      if (ready === undefined || group.active > 0 || ready.downstream.lastActive >= cutoff) continue
      this.stateless.delete(key)
      void ready.session.close()
    }
  }
}

const FAILED = Symbol('failed')
/** What a request without a session reserves: nothing (its ids are remapped per request). */
const NO_SESSION = Symbol('no session')
/** The stateless protocol revision, which the SDK's HTTP transport does not list by default. */
const STATELESS_PROTOCOL_VERSION = '2026-07-28'
/** What a request without a session may speak: the stateless revision or, forwarded, an older one. */
const STATELESS_VERSIONS: readonly string[] = [STATELESS_PROTOCOL_VERSION, ...SUPPORTED_PROTOCOL_VERSIONS]

/** The kind of the one request a POST body holds ({@link requestKind}), if it is one. */
function kindOf(body: unknown): string | undefined {
  if (requestIdOf(body) === null) return undefined
  const { method, params } = body as { method?: unknown; params?: unknown }
  return typeof method === 'string' ? requestKind(method, typeof params === 'object' && params !== null ? (params as Record<string, unknown>) : undefined) : undefined
}

/** True when a POST body holds a request (not only notifications or responses). */
function carriesRequest(body: unknown): boolean {
  return (Array.isArray(body) ? body : [body]).some((message) => requestIdOf(message) !== null)
}

function isInitialize(body: unknown): boolean {
  return typeof body === 'object' && body !== null && (body as { method?: unknown }).method === 'initialize'
}

function rpcError(res: ServerResponse, status: number, code: number, message: string, id: RequestId | null = null): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(errorResponse(id, code, message)))
}

/** One header's text, when it came once. */
function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined
}
