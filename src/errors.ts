/**
 * Errors that mcp-cache raises, each with a stable `code`.
 *
 * Callers of `getOrSet` never see store errors: those are counted, logged and
 * degraded to the origin. The errors below reach callers only for their own
 * mistakes (bad key, bad config) or their own origin's failures (factory timeout).
 */

/** Stable error codes. Match on these, not on messages. */
export const errors = {
  E_INVALID_CONFIG: 'E_INVALID_CONFIG',
  E_INVALID_KEY: 'E_INVALID_KEY',
  E_STORE_TIMEOUT: 'E_STORE_TIMEOUT',
  E_STORE_UNAVAILABLE: 'E_STORE_UNAVAILABLE',
  E_CIRCUIT_OPEN: 'E_CIRCUIT_OPEN',
  E_CORRUPT_ENTRY: 'E_CORRUPT_ENTRY',
  E_ENTRY_TOO_LARGE: 'E_ENTRY_TOO_LARGE',
  E_UNSERIALIZABLE: 'E_UNSERIALIZABLE',
  E_FACTORY_TIMEOUT: 'E_FACTORY_TIMEOUT',
  E_CACHE_CLOSED: 'E_CACHE_CLOSED',
} as const

/** One of the codes in {@link errors}. */
export type CacheErrorCode = (typeof errors)[keyof typeof errors]

/** Base class of every error mcp-cache creates. */
export class CacheError extends Error {
  readonly code: CacheErrorCode

  constructor(code: CacheErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CacheError'
    this.code = code
  }
}

/** A configuration value is wrong; the message names the field and what it accepts. */
export class ConfigError extends CacheError {
  constructor(message: string) {
    super(errors.E_INVALID_CONFIG, message)
    this.name = 'ConfigError'
  }
}

/** The message of anything thrown (an Error's message, else the value as text). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** True when `error` is a {@link CacheError} with the given code. */
export function isCacheError(error: unknown, code?: CacheErrorCode): error is CacheError {
  return error instanceof CacheError && (code === undefined || error.code === code)
}
