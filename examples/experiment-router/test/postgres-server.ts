/**
 * A private PostgreSQL 15 for one test file: initdb into a temporary directory,
 * start it on a free loopback port (trust auth, unix socket inside that
 * directory), create a database, and stop and delete everything at the end.
 * initdb refuses to run as root, so as root the server runs as the `postgres`
 * OS user (`runuser -u postgres --`).
 */
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { findFreePort } from '../../../test/helpers/redis-server.js'
import { stopAtExit } from './stop-at-exit.js'

/** Where Debian's postgresql-15 puts the server programs; PG_BIN_DIR overrides it. */
const BIN_DIR = process.env['PG_BIN_DIR'] ?? '/usr/lib/postgresql/15/bin'
const HOW_TO_INSTALL =
  `PostgreSQL server programs are missing (looked for initdb and pg_ctl in ${BIN_DIR}): install them with ` +
  '"sudo apt-get install -y postgresql" (Debian/Ubuntu) or point PG_BIN_DIR at the bin directory of a PostgreSQL 15 install.'

/** A running private PostgreSQL. */
export interface PostgresHandle {
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  readonly url: string
  /** Milliseconds spent in initdb, start-up and CREATE DATABASE. */
  readonly timings: { readonly initdbMs: number; readonly startMs: number; readonly createDbMs: number }
  /** Stops the server (fast shutdown) and deletes its directory. Idempotent. */
  stop(): Promise<void>
}


/** Makes sure initdb/pg_ctl exist, installing `postgresql` with apt when root on Debian; else throws how to install. */
function ensurePostgresInstalled(): void {
  const present = (): boolean => existsSync(join(BIN_DIR, 'initdb')) && existsSync(join(BIN_DIR, 'pg_ctl'))
  if (present()) return
  if (process.getuid?.() !== 0 || !existsSync('/etc/debian_version')) throw new Error(HOW_TO_INSTALL)
  console.error('PostgreSQL is missing: installing postgresql with apt-get (root on Debian/Ubuntu)...')
  execFileSync('sh', ['-c', 'apt-get update -qq && apt-get install -y -qq postgresql'], {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  if (!present()) throw new Error(HOW_TO_INSTALL)
}

/** The command prefix that runs a PostgreSQL program as a user allowed to (not root). */
function asServerUser(): { prefix: string[]; uid?: number; gid?: number } {
  if (process.getuid?.() !== 0) return { prefix: [] }
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { prefix: ['runuser', '-u', 'postgres', '--'], uid, gid }
}

/** Runs one PostgreSQL program (as the server user) and returns its exit status and output. */
function spawnProgram(prefix: readonly string[], program: string, args: readonly string[]): SpawnSyncReturns<string> {
  const [command, ...rest] = [...prefix, join(BIN_DIR, program), ...args]
  return spawnSync(command as string, rest, { encoding: 'utf8', timeout: 60_000 })
}

/** Like {@link spawnProgram}, throwing with the program's output when it fails. */
function runProgram(prefix: readonly string[], program: string, args: readonly string[]): void {
  const result = spawnProgram(prefix, program, args)
  if (result.status !== 0) {
    throw new Error(`${program} failed (${result.status ?? result.signal ?? result.error?.message}):\n${result.stdout}\n${result.stderr}`)
  }
}

/** Starts a private PostgreSQL and creates `database` in it. */
export async function startPostgres(database = 'router_test'): Promise<PostgresHandle> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`database must be a plain lower-case identifier (got ${database})`)
  ensurePostgresInstalled()
  const user = asServerUser()
  const dir = mkdtempSync(join(tmpdir(), 'experiment-router-pg-'))
  if (user.uid !== undefined && user.gid !== undefined) chownSync(dir, user.uid, user.gid)
  const dataDir = join(dir, 'data')
  const port = await findFreePort()
  let started = false
  const stopSync = (): void => {
    // Fast shutdown: rolls back open sessions and exits; 'immediate' would skip the checkpoint, irrelevant for a throwaway.
    if (started) spawnProgram(user.prefix, 'pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w'])
    started = false
    rmSync(dir, { recursive: true, force: true })
  }
  // A worker that exits or is told to stop must not leave a postgres behind.
  const running = stopAtExit(stopSync)
  try {
    let t = performance.now()
    // --no-sync: a test instance need not survive a power cut; it saves seconds of fsync.
    runProgram(user.prefix, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C', '--no-sync'])
    const initdbMs = performance.now() - t
    t = performance.now()
    const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`
    runProgram(user.prefix, 'pg_ctl', ['start', '-D', dataDir, '-w', '-t', '30', '-l', join(dir, 'server.log'), '-o', serverOptions])
    started = true
    const startMs = performance.now() - t
    t = performance.now()
    const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` })
    await admin.connect()
    try {
      await admin.query(`CREATE DATABASE ${database}`)
    } finally {
      await admin.end()
    }
    const createDbMs = performance.now() - t
    return {
      url: `postgres://postgres@127.0.0.1:${port}/${database}`,
      timings: { initdbMs, startMs, createDbMs },
      async stop() {
        if (!running.delete(stopSync)) return
        stopSync()
      },
    }
  } catch (error) {
    running.delete(stopSync)
    stopSync()
    throw error
  }
}
