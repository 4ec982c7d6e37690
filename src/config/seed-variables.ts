import type { CacheLogger } from '../log/logger.js'
import { createDefaultLogger } from '../log/logger.js'

type Env = Readonly<Record<string, string | undefined>>

/**
 * Variables the seed documents set that mcp-cache does not use, each with what to do
 * instead. Every other seed variable is honoured (README.md lists them); these get a
 * warning at start rather than being ignored without a word.
 */
export const UNUSED_SEED_VARIABLES: Readonly<Record<string, string>> = {
  REDIS_POOL_SIZE: 'mcp-cache pipelines every command of a process over one connection, so there is no pool to size; remove it',
  REDIS_DECODE_RESPONSES: 'values are decoded by the codec (CACHE_CODEC=json for plain JSON); remove it',
  REDIS_LOG_COMMANDS:
    'Redis commands are not logged, since their keys may hold patient identifiers; set CACHE_LOG_OPERATIONS=true and LOG_LEVEL=debug for one line per cache operation with the key hashed',
}

/** One message per unused seed variable that is set, naming it and what to use instead. */
export function unusedVariableWarnings(env: Env): string[] {
  return Object.entries(UNUSED_SEED_VARIABLES)
    .filter(([name]) => env[name] !== undefined && env[name]?.trim() !== '')
    .map(([name, instead]) => `${name} is set but not used: ${instead}`)
}

const warned = new Set<string>()

/** Logs each unused seed variable once per process (loadConfig runs for every cache made from the environment). */
export function warnAboutUnusedVariables(env: Env, logger: CacheLogger | undefined = undefined): void {
  const messages = unusedVariableWarnings(env).filter((message) => !warned.has(message))
  if (messages.length === 0) return
  const log = logger ?? createDefaultLogger()
  for (const message of messages) {
    warned.add(message)
    log.warn(`mcp-cache: ${message}`)
  }
}
