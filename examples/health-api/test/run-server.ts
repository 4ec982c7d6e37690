/** Spawns the compiled example server and talks to it over real HTTP. */
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The compiled entry, from the repo root's `.examples-build/`. */
const ENTRY = fileURLToPath(new URL('../../../.examples-build/health-api/server.js', import.meta.url))

/** A running server: its base URL, its admin token, and a way to stop it. */
export interface RunningServer {
  readonly url: string
  readonly adminToken: string
  /** stderr so far, for failure messages. */
  readonly stderr: () => string
  stop(): Promise<void>
}

/** A JSON reply: status and parsed body. */
export interface Reply {
  readonly status: number
  readonly body: Record<string, unknown>
}

/** Variables the parent's environment must not leak into the child (they would change its store, credentials, keys or data). */
const CLEARED = [
  'CACHE_BACKEND', 'REDIS_URL', 'REDIS_CONNECTION_STRING', 'REDIS_HOST', 'REDIS_PORT', 'REDIS_DB', 'REDIS_USERNAME', 'REDIS_PASSWORD', 'REDIS_API_KEY',
  'CACHE_PREFIX', 'MCP_CACHE_CONFIG', 'ENABLE_REDIS', 'DRUG_SOURCE_FILE', 'DRUG_INFO_MAX_AGE',
]

/** Starts the server on a free port with a fresh admin token and the given extra environment. */
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  if (!existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: compile first with npx tsc -p tsconfig.examples.json`)
  const adminToken = randomBytes(24).toString('base64url')
  const childEnv: Record<string, string | undefined> = { ...process.env }
  for (const name of CLEARED) delete childEnv[name]
  Object.assign(childEnv, { PORT: '0', ANALYSIS_DELAY_MS: '150', LOG_LEVEL: 'error', MCP_CACHE_ADMIN_TOKEN: adminToken, ...env })
  const child = spawn(process.execPath, [ENTRY], { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { err += chunk })
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within 15 s; stderr: ${err}`)), 15_000)
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk
      const match = /http:\/\/127\.0\.0\.1:\d+/.exec(out)
      if (match) {
        clearTimeout(timer)
        resolve(match[0])
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`server exited with ${code}; stderr: ${err}`))
    })
  })
  return {
    url,
    adminToken,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      const exited = new Promise((resolve) => child.once('exit', resolve))
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
      await exited
      clearTimeout(timer)
    },
  }
}

/**
 * One request with a JSON reply. `timeoutMs` bounds the wait, so a server that
 * hangs fails the test instead of stalling it.
 */
export async function call(base: string, method: string, path: string, options: { body?: unknown; token?: string; timeoutMs?: number } = {}): Promise<Reply> {
  const headers: Record<string, string> = {}
  if (options.body !== undefined) headers['content-type'] = 'application/json'
  if (options.token !== undefined) headers['authorization'] = `Bearer ${options.token}`
  const response = await fetch(base + path, {
    method,
    headers,
    body: options.body === undefined ? null : typeof options.body === 'string' ? options.body : JSON.stringify(options.body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}
