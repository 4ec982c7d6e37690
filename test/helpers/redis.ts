/** Access to the shared Redis provided by global-setup.ts. Never freeze/kill/FLUSHALL it. */
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'
import type {} from './global-setup.js' // ProvidedContext['redisUrl'] typing

/** URL of the Redis shared by the whole test run (REDIS_URL or the server global-setup started). */
export function redisUrl(): string {
  return inject('redisUrl')
}

/** A key prefix unique to this call, `test:<name>:<random>`, so parallel files never share keys. */
export function uniquePrefix(name: string): string {
  return `test:${name}:${randomBytes(6).toString('hex')}`
}
