/**
 * JSON with type tags, so a cached value comes back exactly as it went in.
 *
 * Beyond JSON it keeps: Date (invalid ones too), BigInt, Buffer and Uint8Array
 * (each as its own class), Map and Set (any keys and members), undefined (as a
 * property, an array element or the whole value), array holes, NaN, Infinity,
 * -Infinity and -0. A special value is written as `{"~t": <type>, "v": <payload>}`;
 * a plain object that owns a `~t` key itself is wrapped in an `esc` tag, so data
 * never collides with a tag.
 *
 * Lossy like JSON, by design: a class instance becomes a plain object of its own
 * enumerable string keys (prototype, methods and `toJSON` are not used), symbol
 * keys are ignored, a null-prototype object comes back with Object.prototype, an
 * object reached twice comes back as two copies, and subclasses of Array, Date,
 * Map, Set and Uint8Array come back as the base class. Functions, symbols, circular
 * references, promises, weak collections and binary types other than Buffer and
 * Uint8Array throw E_UNSERIALIZABLE naming the path, e.g. `value.user.fn is a function`.
 */
import { CacheError, errors } from '../errors.js'

/** Property name that marks a tag object; `node()` below spells it literally for speed. */
export const TAG_KEY = '~t'

/** Values this deep are handed to the full walk: a cheap way to stop on cycles without tracking ancestors. */
const MAX_SCAN_DEPTH = 64

/** A value with no plain-JSON form; thrown inside the walk and given its path while unwinding. */
class Unserializable {
  readonly segments: string[] = []
  constructor(readonly reason: string) {}
}

/** Adds one path segment to an error on its way out of the walk. */
function at(error: unknown, segment: string): unknown {
  if (error instanceof Unserializable) error.segments.push(segment)
  return error
}

function propSegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`
}

/** Turns walk failures into the public error; a RangeError is a stack overflow or a string too long. */
function toCacheError(error: unknown): unknown {
  if (error instanceof Unserializable) {
    const path = `value${error.segments.reverse().join('')}`
    return new CacheError(errors.E_UNSERIALIZABLE, `${path} ${error.reason}`)
  }
  if (error instanceof RangeError) {
    return new CacheError(errors.E_UNSERIALIZABLE, `value cannot be serialized: ${error.message}`, { cause: error })
  }
  return error
}

/**
 * True when `value` holds anything plain JSON would not round-trip exactly.
 * Errors are not reported here: whatever is odd sends the value to `tag()`, which names the path.
 */
function needsTags(value: unknown, depth: number): boolean {
  if (typeof value !== 'object') {
    if (typeof value === 'string' || typeof value === 'boolean') return false
    if (typeof value === 'number') return !Number.isFinite(value) || (value === 0 && 1 / value < 0)
    return true
  }
  if (value === null) return false
  if (depth > MAX_SCAN_DEPTH) return true
  if (Array.isArray(value)) {
    // A hole reads as undefined, so sparse arrays are caught here too.
    for (let i = 0; i < value.length; i++) if (needsTags(value[i], depth + 1)) return true
    return false
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto !== Object.prototype && proto !== null) return true
  // A key equal to TAG_KEY needs no escape here: untagged text is never revived.
  const record = value as Record<string, unknown>
  for (const key in record) if (needsTags(record[key], depth + 1)) return true
  return false
}

function node(type: string, v?: unknown): object {
  return v === undefined ? { '~t': type } : { '~t': type, v }
}

function specialNumberName(n: number): string {
  return Number.isNaN(n) ? 'NaN' : n === 0 ? '-0' : String(n)
}

/** Own property write that also works for a `__proto__` key (plain assignment would set the prototype). */
function setProp(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
  else target[key] = value
}

/** Why `obj` can never be cached, or undefined when it can. */
function unsupportedReason(obj: object): string | undefined {
  const kind = (): string => Object.prototype.toString.call(obj).slice(8, -1)
  if (obj instanceof Promise) return 'is a Promise (await it before caching)'
  if (ArrayBuffer.isView(obj) || obj instanceof ArrayBuffer || obj instanceof SharedArrayBuffer) {
    return `is a ${kind()} (only Buffer and Uint8Array are supported)`
  }
  if (obj instanceof WeakMap || obj instanceof WeakSet || obj instanceof WeakRef) return `is a ${kind()}`
  return undefined
}

/**
 * Orders tagged Map entries or Set members by their canonical text, so the
 * canonical form does not depend on insertion order.
 */
function sortCanonical(items: unknown[]): unknown[] {
  return items
    .map((item) => [sortedStringify(item), item] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map((pair) => pair[1])
}

/** Builds the JSON-safe tagged tree of `value`; `canonical` also orders Map and Set contents. */
function tag(value: unknown, ancestors: Set<object>, canonical: boolean): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0) ? value : node('num', specialNumberName(value))
    case 'undefined':
      return node('undef')
    case 'bigint':
      return node('big', value.toString())
    case 'function':
      throw new Unserializable('is a function')
    case 'symbol':
      throw new Unserializable('is a symbol')
  }
  if (value === null) return null
  const obj = value as object
  if (ancestors.has(obj)) throw new Unserializable('is a circular reference')
  ancestors.add(obj)
  const out = tagObject(obj, ancestors, canonical)
  ancestors.delete(obj)
  return out
}

function tagObject(obj: object, ancestors: Set<object>, canonical: boolean): unknown {
  if (Array.isArray(obj)) {
    const out: unknown[] = []
    let i = 0
    try {
      for (; i < obj.length; i++) {
        const item: unknown = obj[i]
        out.push(item === undefined && !(i in obj) ? node('hole') : tag(item, ancestors, canonical))
      }
    } catch (error) {
      throw at(error, `[${i}]`)
    }
    return out
  }
  const proto: unknown = Object.getPrototypeOf(obj)
  if (proto !== Object.prototype && proto !== null) {
    if (obj instanceof Date) {
      const time = obj.getTime()
      return node('date', Number.isNaN(time) ? null : time)
    }
    if (obj instanceof Uint8Array) {
      // A view on the same memory: base64 of exactly these bytes, no copy.
      const base64 = Buffer.from(obj.buffer, obj.byteOffset, obj.byteLength).toString('base64')
      return node(Buffer.isBuffer(obj) ? 'buf' : 'u8', base64)
    }
    if (obj instanceof Map) return node('map', tagCollection(obj.entries(), ancestors, canonical, true))
    if (obj instanceof Set) return node('set', tagCollection(obj.values(), ancestors, canonical, false))
    const reason = unsupportedReason(obj)
    if (reason !== undefined) throw new Unserializable(reason)
  }
  // A plain object, or a class instance taken as one.
  const record = obj as Record<string, unknown>
  const out: Record<string, unknown> = {}
  let key = ''
  try {
    for (key of Object.keys(record)) setProp(out, key, tag(record[key], ancestors, canonical))
  } catch (error) {
    throw at(error, propSegment(key))
  }
  return Object.hasOwn(record, TAG_KEY) ? node('esc', out) : out
}

function tagCollection(
  items: IterableIterator<unknown>,
  ancestors: Set<object>,
  canonical: boolean,
  isMap: boolean,
): unknown[] {
  const out: unknown[] = []
  let segment = ''
  try {
    for (const item of items) {
      if (isMap) {
        const [k, v] = item as [unknown, unknown]
        segment = `.keys()[${out.length}]`
        const taggedKey = tag(k, ancestors, canonical)
        segment = `.values()[${out.length}]`
        out.push([taggedKey, tag(v, ancestors, canonical)])
      } else {
        segment = `.values()[${out.length}]`
        out.push(tag(item, ancestors, canonical))
      }
    }
  } catch (error) {
    throw at(error, segment)
  }
  return canonical ? sortCanonical(out) : out
}

/** JSON.stringify of a tagged tree with object keys sorted (tagged trees hold only JSON values). */
function sortedStringify(tree: unknown): string {
  if (typeof tree !== 'object' || tree === null) return JSON.stringify(tree)
  if (Array.isArray(tree)) return `[${tree.map(sortedStringify).join(',')}]`
  const record = tree as Record<string, unknown>
  const parts = Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${sortedStringify(record[key])}`)
  return `{${parts.join(',')}}`
}

/** Marks a decoded array hole; only an array may hold one. */
const HOLE = Symbol('hole')

function corrupt(message: string): CacheError {
  return new CacheError(errors.E_CORRUPT_ENTRY, `tagged value is corrupt: ${message}`)
}

function payloadString(record: Record<string, unknown>): string {
  if (typeof record.v !== 'string') throw corrupt(`tag ${String(record[TAG_KEY])} needs a string payload`)
  return record.v
}

function payloadArray(record: Record<string, unknown>): unknown[] {
  if (!Array.isArray(record.v)) throw corrupt(`tag ${String(record[TAG_KEY])} needs an array payload`)
  return record.v
}

/** Revives a parsed node in place where it can; returns the value to store in its place. */
function revive(parsed: unknown): unknown {
  if (typeof parsed !== 'object' || parsed === null) return parsed
  if (Array.isArray(parsed)) {
    for (let i = 0; i < parsed.length; i++) {
      const item: unknown = parsed[i]
      if (typeof item !== 'object' || item === null) continue
      const revived = revive(item)
      if (revived === HOLE) delete parsed[i]
      else if (revived !== item) parsed[i] = revived
    }
    return parsed
  }
  const record = parsed as Record<string, unknown>
  const type = record[TAG_KEY]
  if (type === undefined) return reviveProps(record)
  switch (type) {
    case 'undef':
      return undefined
    case 'hole':
      return HOLE
    case 'num':
      return reviveSpecialNumber(record.v)
    case 'date':
      if (record.v !== null && typeof record.v !== 'number') throw corrupt('date needs a number or null')
      return new Date(record.v ?? NaN)
    case 'big':
      return BigInt(payloadString(record))
    case 'buf':
      return Buffer.from(payloadString(record), 'base64')
    case 'u8':
      return new Uint8Array(Buffer.from(payloadString(record), 'base64'))
    case 'map':
      return new Map(payloadArray(record).map(revivePair))
    case 'set':
      return new Set(payloadArray(record).map(reviveValue))
    case 'esc':
      if (typeof record.v !== 'object' || record.v === null || Array.isArray(record.v)) throw corrupt('esc needs an object')
      return reviveProps(record.v as Record<string, unknown>)
    default:
      throw corrupt(`unknown tag ${JSON.stringify(type)}`)
  }
}

/** Revives the properties of an object without reading its own `~t` as a tag. */
function reviveProps(record: Record<string, unknown>): Record<string, unknown> {
  // for-in, not Object.keys: no array per object, measurably faster, and JSON.parse objects inherit no keys.
  for (const key in record) {
    const item = record[key]
    if (typeof item !== 'object' || item === null) continue
    // Writing an own `__proto__` data property (made by JSON.parse) is a plain write, not a prototype change.
    const revived = reviveValue(item)
    if (revived !== item) record[key] = revived
  }
  return record
}

function reviveValue(parsed: unknown): unknown {
  const revived = revive(parsed)
  if (revived === HOLE) throw corrupt('a hole outside an array')
  return revived
}

function revivePair(pair: unknown): [unknown, unknown] {
  if (!Array.isArray(pair) || pair.length !== 2) throw corrupt('a map entry is not a [key, value] pair')
  return [reviveValue(pair[0]), reviveValue(pair[1])]
}

function reviveSpecialNumber(name: unknown): number {
  switch (name) {
    case 'NaN':
      return NaN
    case 'Infinity':
      return Infinity
    case '-Infinity':
      return -Infinity
    case '-0':
      return -0
    default:
      throw corrupt(`unknown number ${JSON.stringify(name)}`)
  }
}

/**
 * Serializes a value to JSON text. `tagged` is false when the value is plain JSON
 * (the common case, encoded by `JSON.stringify` alone) and tells `decodeValue`
 * whether it needs its reviving pass.
 */
export function encodeValue(value: unknown): { text: string; tagged: boolean } {
  try {
    if (!needsTags(value, 0)) return { text: JSON.stringify(value), tagged: false }
    return { text: JSON.stringify(tag(value, new Set(), false)), tagged: true }
  } catch (error) {
    throw toCacheError(error)
  }
}

/** Parses text made by `encodeValue`; throws CacheError E_CORRUPT_ENTRY when it is not valid. */
export function decodeValue(text: string, tagged: boolean): unknown {
  try {
    const parsed: unknown = JSON.parse(text)
    return tagged ? reviveValue(parsed) : parsed
  } catch (error) {
    if (error instanceof CacheError) throw error
    const reason = error instanceof Error ? error.message : String(error)
    throw new CacheError(errors.E_CORRUPT_ENTRY, `value cannot be parsed: ${reason}`, { cause: error })
  }
}

/**
 * The tagged JSON of `value` with object keys sorted and Map entries and Set
 * members ordered by their own canonical text: equal content gives equal text
 * whatever the insertion order. Used to hash request content into cache keys;
 * nothing is dropped or normalized. `decodeValue(text, true)` reads it back.
 */
export function canonicalStringify(value: unknown): string {
  try {
    return sortedStringify(tag(value, new Set(), true))
  } catch (error) {
    throw toCacheError(error)
  }
}
