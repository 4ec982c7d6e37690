/** Make sure the programs the tests drive exist, installing them with apt when that is safe. */
import { execSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import path from 'node:path'

/** A program the tests need and how to get it. */
interface Requirement {
  readonly command: string
  readonly aptPackage: string
  /** Shown when it is missing and cannot be installed here. */
  readonly missing: string
}

export const REDIS_SERVER: Requirement = {
  command: 'redis-server',
  aptPackage: 'redis-server',
  missing: 'redis-server is missing: install it with "sudo apt-get install -y redis-server" (Debian/Ubuntu) or "brew install redis" (macOS), or set REDIS_URL to a Redis you run.',
}

export const CHROMIUM: Requirement = {
  command: 'chromium',
  aptPackage: 'chromium',
  missing: 'chromium is missing (the dashboard test drives it): install it with "sudo apt-get install -y chromium", or set CHROMIUM_PATH to a Chromium or Chrome binary.',
}

/** Absolute path of `command` on PATH, or undefined. */
export function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue
    const candidate = path.join(dir, command)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not in this PATH entry
    }
  }
  return undefined
}

/** Returns the path of the program; as root on Debian/Ubuntu apt-get installs it first; else throws. */
export function ensureInstalled(requirement: Requirement): string {
  const found = findOnPath(requirement.command)
  if (found !== undefined) return found
  if (process.getuid?.() !== 0 || !existsSync('/etc/debian_version')) throw new Error(requirement.missing)
  console.error(`${requirement.command} is missing: installing ${requirement.aptPackage} with apt-get (root on Debian/Ubuntu)...`)
  execSync(`apt-get update -qq && apt-get install -y -qq ${requirement.aptPackage}`, {
    stdio: ['ignore', process.stderr, process.stderr],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  })
  const installed = findOnPath(requirement.command)
  if (installed === undefined) throw new Error(requirement.missing)
  return installed
}
