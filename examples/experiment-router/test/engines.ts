/** The two mcp-cache engines every seed call is tested on: the in-process memory store and the run's shared Redis. */
import { randomBytes } from 'node:crypto'
import { inject } from 'vitest'

/** A cache engine as server environment variables. */
export interface Engine {
  readonly name: 'memory' | 'redis'
  /** The environment for one server; for Redis a fresh key prefix, so test files sharing that Redis never meet. Call it inside a hook or test. */
  env(): Record<string, string>
}

export const ENGINES: readonly Engine[] = [
  { name: 'memory', env: () => ({}) },
  { name: 'redis', env: () => ({ CACHE_BACKEND: 'redis', REDIS_URL: inject('redisUrl'), CACHE_PREFIX: `test-router-${randomBytes(4).toString('hex')}` }) },
]
