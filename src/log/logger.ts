import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino'
import { redactSecrets } from './redact.js'

/** The logger type mcp-cache accepts: any pino logger (or one with the same methods). */
export type CacheLogger = Pick<Logger, 'warn' | 'error' | 'info' | 'debug'>

/** Field names pino blanks wherever they appear in a log object. */
export const REDACTED_PATHS = ['password', '*.password', 'redis.password', 'redis.url', '*.url', 'token', '*.token', 'authorization', '*.authorization']

/**
 * The default logger: JSON lines on stderr (stdout may be an MCP stdio channel),
 * level from `LOG_LEVEL` (default `warn`), credentials redacted: fields by name,
 * and every string of a line (message, field values, error messages) through
 * `redact` (by default {@link redactSecrets}; the gateway adds its upstream URL).
 */
export function createDefaultLogger(level = process.env['LOG_LEVEL'] ?? 'warn', redact: (text: string) => string = redactSecrets, destination: DestinationStream = pino.destination(2)): Logger {
  return pino(
    {
      name: 'mcp-cache',
      level,
      redact: { paths: REDACTED_PATHS, censor: '***' },
      hooks: redactingHooks(redact),
    },
    destination,
  )
}

/** A pino hook that passes every string argument of a log call, and each string field of its object, through `redact`. */
function redactingHooks(redact: (text: string) => string): LoggerOptions['hooks'] {
  const clean = (value: unknown): unknown => {
    if (typeof value === 'string') return redact(value)
    if (value instanceof Error) return { type: value.name, message: redact(value.message), stack: redact(value.stack ?? ''), ...('code' in value ? { code: value.code } : {}) }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return value
    const fields: Record<string, unknown> = {}
    for (const [name, field] of Object.entries(value)) fields[name] = typeof field === 'string' || field instanceof Error ? clean(field) : field
    return fields
  }
  return {
    logMethod(args, method) {
      method.apply(this, args.map(clean) as Parameters<typeof method>)
    },
  }
}

/**
 * Logs a recurring failure at most once per `intervalMs` per kind, with how many
 * were suppressed, so a Redis outage under load does not flood the logs.
 */
export class RateLimitedLog {
  private readonly last = new Map<string, { at: number; suppressed: number }>()

  constructor(
    private readonly logger: CacheLogger | undefined,
    private readonly intervalMs = 10_000,
  ) {}

  /** Warns about `error` under `kind`, unless the same kind was logged within the interval. */
  warn(kind: string, error: unknown, fields: Record<string, unknown> = {}): void {
    if (this.logger === undefined) return
    const now = Date.now()
    const seen = this.last.get(kind)
    if (seen !== undefined && now - seen.at < this.intervalMs) {
      seen.suppressed++
      return
    }
    const suppressed = seen?.suppressed ?? 0
    this.last.set(kind, { at: now, suppressed: 0 })
    const code = (error as { code?: unknown } | undefined)?.code
    const message = redactSecrets(error instanceof Error ? error.message : String(error))
    this.logger.warn({ ...fields, kind, code, suppressed }, `mcp-cache: ${kind}: ${message}`)
  }
}

/** An audit log: one JSON line per event, appended to `path` (mode 600), synchronously flushed on exit. */
export function createAuditLog(path: string): (event: object) => void {
  const audit = pino({ base: { log: 'mcp-cache-audit' }, redact: { paths: REDACTED_PATHS, censor: '***' }, hooks: redactingHooks(redactSecrets) }, pino.destination({ dest: path, mkdir: true, sync: false, mode: 0o600 }))
  process.once('exit', () => audit.flush())
  return (event) => audit.info(event)
}
