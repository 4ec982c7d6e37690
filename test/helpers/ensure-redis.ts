/** Make sure a `redis-server` binary exists, installing it with apt when that is safe. */
import { execSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import path from 'node:path'

/** Exact message shown when redis-server is missing and cannot be installed here. */
export const MISSING_REDIS_MESSAGE =
  'redis-server is missing: install it with "sudo apt-get install -y redis-server" (Debian/Ubuntu) or "brew install redis" (macOS), or set REDIS_URL to a Redis you run.'

/** Absolute path of `redis-server` on PATH, or undefined. */
export function findRedisServer(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue
    const candidate = path.join(dir, 'redis-server')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this PATH entry
    }
  }
  return undefined
}

/** Return the path of `redis-server`; as root on Debian/Ubuntu apt-get install it first; else throw. */
export function ensureRedisServerInstalled(): string {
  const found = findRedisServer()
  if (found !== undefined) return found
  if (process.getuid?.() !== 0 || !existsSync('/etc/debian_version')) throw new Error(MISSING_REDIS_MESSAGE)
  console.error('redis-server is missing: installing it with apt-get (root on Debian/Ubuntu)...')
  execSync('apt-get update -qq && apt-get install -y -qq redis-server', {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  const installed = findRedisServer()
  if (installed === undefined) throw new Error(MISSING_REDIS_MESSAGE)
  return installed
}
