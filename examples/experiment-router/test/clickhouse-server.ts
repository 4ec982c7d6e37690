/**
 * A private ClickHouse for one test file: `clickhouse-server` as a child
 * process (not a daemon) with its data in a temporary directory, its HTTP
 * interface alone on a free loopback port, and one user `router` whose random
 * password is made here. Stopped (SIGTERM, then waited for) and deleted at the end.
 * Debian's package is 18.16; as root on Debian it is installed with apt when missing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureInstalled, findOnPath } from '../../../test/helpers/ensure-installed.js'
import { findFreePort } from '../../../test/helpers/redis-server.js'
import { stopAtExit } from './stop-at-exit.js'

const CLICKHOUSE_SERVER = {
  command: 'clickhouse-server',
  aptPackage: 'clickhouse-server',
  missing: 'clickhouse-server is missing: install it with "sudo apt-get install -y clickhouse-server" (Debian/Ubuntu), ' +
    'or set CLICKHOUSE_SERVER_BIN to a clickhouse-server binary',
}

/** How long start-up may take before the test gives up (it takes well under a second here). */
const START_DEADLINE_MS = 30_000

/** A running private ClickHouse. */
export interface ClickHouseHandle {
  /** `http://router:<password>@127.0.0.1:<port>/<database>` for CLICKHOUSE_URL. */
  url(database: string): string
  /** Runs SQL as the `router` user and returns the response text; throws with ClickHouse's message. */
  sql(statement: string): Promise<string>
  /** Milliseconds from spawn to the first answered /ping. */
  readonly startMs: number
  /** Stops the server (SIGTERM, waited for) and deletes its directory. Idempotent. */
  stop(): Promise<void>
  /** Kills the server at once (SIGKILL, waited for), as a crash, and deletes its directory. Idempotent. */
  kill(): Promise<void>
}


/** No clickhouse-server here, and none could be installed: the only reason the ClickHouse tests may skip. */
export class ClickHouseMissing extends Error {}

/** The server binary: CLICKHOUSE_SERVER_BIN, PATH, /usr/sbin (root's PATH may lack it), else apt as root. */
function serverBinary(): string {
  const configured = process.env['CLICKHOUSE_SERVER_BIN']
  if (configured !== undefined && configured !== '') return configured
  const found = findOnPath('clickhouse-server') ?? (existsSync('/usr/sbin/clickhouse-server') ? '/usr/sbin/clickhouse-server' : undefined)
  if (found !== undefined) return found
  try {
    ensureInstalled(CLICKHOUSE_SERVER)
  } catch (error) {
    throw new ClickHouseMissing(error instanceof Error ? error.message : String(error))
  }
  return findOnPath('clickhouse-server') ?? '/usr/sbin/clickhouse-server'
}

/** The server's config: only HTTP on 127.0.0.1, everything under `dir`, small caches (a test holds a few rows), UTC. */
function configXml(dir: string, port: number): string {
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><console>1</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${port}</http_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <!-- A stop waits for idle keep-alive connections (the routers' fetch pool) to time out: keep that short. -->
  <keep_alive_timeout>1</keep_alive_timeout>
</yandex>
`
}

/** One user, `router`, from loopback only; without its password (no `default` user) every request is refused. */
function usersXml(password: string): string {
  const hash = createHash('sha256').update(password).digest('hex')
  return `<?xml version="1.0"?>
<yandex>
  <profiles><default/></profiles>
  <users><router><password_sha256_hex>${hash}</password_sha256_hex><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></router></users>
  <quotas><default/></quotas>
</yandex>
`
}

/** Resolves when `child` exits (at once if it already has). */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Polls /ping until it answers `Ok.`, the child exits, or the deadline passes. */
async function waitUntilReady(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`clickhouse-server exited during start-up (${child.exitCode ?? child.signalCode}):\n${output()}`)
    }
    const ok = await fetch(`http://127.0.0.1:${port}/ping`, { signal: AbortSignal.timeout(1_000) })
      .then(async (response) => response.ok && (await response.text()).startsWith('Ok'), () => false)
    if (ok) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`clickhouse-server did not answer /ping within ${START_DEADLINE_MS} ms:\n${output()}`)
}

/** Starts a private ClickHouse; throws saying why when it cannot be installed or started. */
export async function startClickHouse(): Promise<ClickHouseHandle> {
  const binary = serverBinary()
  const dir = mkdtempSync(join(tmpdir(), 'experiment-router-clickhouse-'))
  const port = await findFreePort()
  // Made per run and never printed: nothing outside this process knows it.
  const password = randomBytes(12).toString('hex')
  writeFileSync(join(dir, 'config.xml'), configXml(dir, port))
  writeFileSync(join(dir, 'users.xml'), usersXml(password))
  const started = performance.now()
  const child = spawn(binary, [`--config-file=${join(dir, 'config.xml')}`], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const keep = (chunk: Buffer): void => { output = (output + chunk.toString()).slice(-8_000) }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  // A binary that cannot be spawned reports here; waitUntilReady then sees the exit.
  child.once('error', (error) => { output += `\n${error.message}` })

  const stopSync = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  }
  // A worker that exits or is told to stop must not leave a clickhouse-server behind.
  const running = stopAtExit(stopSync)
  try {
    await waitUntilReady(child, port, () => output)
  } catch (error) {
    running.delete(stopSync)
    stopSync()
    throw error
  }
  const startMs = performance.now() - started
  const authorization = `Basic ${Buffer.from(`router:${password}`).toString('base64')}`
  return {
    startMs,
    url: (database) => `http://router:${password}@127.0.0.1:${port}/${database}`,
    async sql(statement) {
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST', body: statement, headers: { Authorization: authorization }, signal: AbortSignal.timeout(10_000),
      })
      const text = await response.text()
      if (!response.ok) throw new Error(`ClickHouse refused ${statement.slice(0, 80)}: ${text.slice(0, 300)}`)
      return text
    },
    async stop() {
      if (!running.delete(stopSync)) return
      child.kill('SIGTERM')
      // With no client connected it exits in a fraction of a second; SIGKILL if it hangs.
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited(child)
      clearTimeout(timer)
      rmSync(dir, { recursive: true, force: true })
    },
    async kill() {
      if (!running.delete(stopSync)) return
      child.kill('SIGKILL')
      await exited(child)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
