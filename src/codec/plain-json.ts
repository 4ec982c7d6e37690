/**
 * The interop codec (`codec: 'json'`): a value is stored as the plain JSON text
 * other programs write (`SET cpt:99213 '{"code":"99213"}' EX 3600`), with no
 * header. Its freshness is the key's Redis TTL, so there is no grace, no
 * compression and no encryption. What JSON cannot hold without losing content
 * silently (Map, Set, binary, BigInt, NaN and Infinity) is refused; a Date
 * becomes its ISO text, as JSON.stringify makes it.
 */
import { CacheError, errors } from '../errors.js'
import type { StoredEntry } from '../stores/store.js'
import { decodeEntry } from './envelope.js'

/** What plain JSON cannot hold without changing it silently, or undefined when `value` is fine. */
function lossyKind(value: unknown): string | undefined {
  if (value instanceof Map) return 'a Map'
  if (value instanceof Set) return 'a Set'
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return 'binary data'
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value)
  return undefined
}

/**
 * Refuses what JSON.stringify would drop or mangle without a word. It looks at the holder's own
 * value, not the one passed in: JSON.stringify hands a replacer what `toJSON` made of it (a
 * Buffer arrives as `{type: 'Buffer', data: [...]}`).
 */
function refuseLossy(this: unknown, key: string, value: unknown): unknown {
  const kind = lossyKind((this as Record<string, unknown>)[key])
  if (kind !== undefined) {
    throw new CacheError(
      errors.E_UNSERIALIZABLE,
      `codec 'json' stores plain JSON, and the value holds ${kind}${key === '' ? '' : ` under '${key}'`}: convert it to a string, array or object, or use the default codec`,
    )
  }
  return value
}

/** The JSON bytes of a value; throws E_UNSERIALIZABLE for what plain JSON cannot hold, E_ENTRY_TOO_LARGE past the limit. */
export function encodePlainJson(value: unknown, maxEntryBytes: number): Buffer {
  let text: string | undefined
  try {
    text = JSON.stringify(value, refuseLossy)
  } catch (error) {
    if (error instanceof CacheError) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new CacheError(errors.E_UNSERIALIZABLE, `codec 'json' cannot store this value: ${reason}`, { cause: error })
  }
  if (text === undefined) throw new CacheError(errors.E_UNSERIALIZABLE, `codec 'json' cannot store ${typeof value}: JSON has no such value`)
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length > maxEntryBytes) {
    throw new CacheError(errors.E_ENTRY_TOO_LARGE, `entry is ${bytes.length} bytes of JSON, over the limit of ${maxEntryBytes} bytes; cache a smaller value or raise the \`maxEntryBytes\` option`)
  }
  return bytes
}

/**
 * Reads what any program stored: JSON is parsed; other text (`SET greeting hello`) is that
 * string, never a corrupt entry to delete, since the key may belong to someone else. An entry
 * in the default codec's envelope (a cache moving from one codec to the other) is read as such.
 * Freshness is Redis's business here: a key that exists is fresh.
 */
export function decodePlainJson(bytes: Buffer): StoredEntry {
  if (bytes[0] === 0xff && bytes[1] === 0x4d) return decodeEntry(bytes)
  const text = bytes.toString('utf8')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    value = text
  }
  return { value, freshUntil: Number.POSITIVE_INFINITY, expiresAt: Number.POSITIVE_INFINITY }
}
