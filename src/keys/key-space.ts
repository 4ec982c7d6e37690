import { createHash } from 'node:crypto'
import { CacheError, errors } from '../errors.js'
import { escapeGlob } from './glob.js'
import { encodeSegment } from './segment.js'

/**
 * One segment, no `:`. A prefix of several segments (`app:billing`) would lie
 * inside another cache's space (`app`): that cache's `billing:x` is the same
 * store key, and its `clear()` would empty it. Sub-spaces are namespaces.
 * Empty is allowed here (the config allows it only with codec 'json'): keys are then the logical keys.
 */
const PREFIX_PATTERN = /^[A-Za-z0-9_.-]*$/
/** Longest logical key kept verbatim; longer ones keep a readable head and a hash. */
const MAX_LOGICAL_KEY = 256
const HASHED_HEAD = 96
/** Categories tracked separately in stats; more distinct ones fold into `other`. */
export const MAX_CATEGORIES = 100

/**
 * The one place that turns logical keys into store keys: `{prefix}:{namespace...}:{key}`.
 * Logical keys are the caller's strings (`experiment:exp_123`); everything the
 * cache adds (namespaces `~n.`, principals `~u.`, tag sets `~tag:`, generations `~gen:`) starts its
 * segment with `~`, which logical keys may not, so the two never collide.
 */
export class KeySpace {
  /** `prefix:ns1:ns2:` — every store key of this space starts with it. */
  readonly base: string

  private constructor(base: string) {
    this.base = base
  }

  /** The root space of a cache; `prefix` is one segment of `[A-Za-z0-9_.-]`, or empty for the bare logical keys. */
  static root(prefix: string): KeySpace {
    if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
      throw new CacheError(errors.E_INVALID_CONFIG, `prefix must be one segment of letters, digits, '_', '.', '-' (got '${String(prefix)}'); for a space inside a cache's, use cache.namespace(name)`)
    }
    return new KeySpace(prefix === '' ? '' : `${prefix}:`)
  }

  /** True for the root space of an empty prefix: it shares the database with other programs' keys. */
  get shared(): boolean {
    return this.base === ''
  }

  /**
   * A child space; `name` is encoded, so it can be any text (a tenant, a
   * service). Its segment starts with `~`, which no logical key may, so a
   * namespace never shares keys with its parent's entries.
   */
  child(name: string): KeySpace {
    if (typeof name !== 'string' || name === '') throw new CacheError(errors.E_INVALID_KEY, `namespace name must be a non-empty string (got ${describe(name)})`)
    return new KeySpace(`${this.base}~n.${encodeSegment(name)}:`)
  }

  /** The private space of one principal; distinct from every namespace, whatever its name. */
  user(principal: string): KeySpace {
    // `forUser(undefined)` must not become a principal named 'undefined' that every anonymous caller shares.
    if (typeof principal !== 'string' || principal.trim() === '') {
      throw new CacheError(errors.E_INVALID_KEY, `principal must be a non-empty string (got ${describe(principal)}); resolve who is calling before reading their entries`)
    }
    return new KeySpace(`${this.base}~u.${encodeSegment(principal)}:`)
  }

  /** The store key of a logical key. */
  qualify(key: string): string {
    assertLogicalKey(key)
    if (key.length <= MAX_LOGICAL_KEY) return this.base + key
    // Keep the head so prefix patterns still find it; the hash keeps it unique.
    const digest = createHash('sha256').update(key).digest('base64url')
    return `${this.base}${key.slice(0, HASHED_HEAD)}#${digest}`
  }

  /** The logical key of a store key of this space (the hashed form for long keys). */
  unqualify(storeKey: string): string {
    return storeKey.startsWith(this.base) ? storeKey.slice(this.base.length) : storeKey
  }

  /** A Redis pattern confined to this space: the base is literal, `glob` applies to logical keys. */
  pattern(glob: string): string {
    return escapeGlob(this.base) + glob
  }

  /**
   * Like {@link pattern}, for deleting or copying in bulk. In the shared root of an empty prefix
   * the glob must start with literal text (`cpt:*`): `*` there is every key of the database,
   * other programs' included.
   */
  bulkPattern(glob: string, operation: string): string {
    if (this.shared && (glob === '' || '*?[\\'.includes(glob[0] as string))) {
      throw new CacheError(
        errors.E_INVALID_KEY,
        `${operation} with an empty prefix needs a pattern that starts with literal text, such as 'cpt:*' (got '${glob.slice(0, 40)}'): ` +
          "it would reach every key of the database, other programs' too",
      )
    }
    return this.pattern(glob)
  }

  /** The pattern of every key of this space, child spaces included. */
  everything(): string {
    return `${escapeGlob(this.base)}*`
  }

  /** The cross-process lock of a store key of this space (never exported; it lives at most the lock TTL). */
  lockKey(storeKey: string): string {
    return `${this.base}~lock:${this.unqualify(storeKey)}`
  }

  /** The pub/sub channel on which tiered instances of this space announce changed keys. */
  busChannel(): string {
    return `${this.base}~bus`
  }

  /** The store key of a generation: a token that keys built from it carry, replaced to orphan them all at once. */
  generationKey(name: string): string {
    if (typeof name !== 'string' || name === '') throw new CacheError(errors.E_INVALID_KEY, 'generation name must be a non-empty string')
    return `${this.base}~gen:${encodeSegment(name)}`
  }

  /** The store key of the set that lists a tag's entries. */
  tagKey(tag: string): string {
    if (tag === '') throw new CacheError(errors.E_INVALID_KEY, 'tag must not be empty')
    return `${this.base}~tag:${encodeSegment(tag)}`
  }
}

/** Rejects keys the cache cannot hold: empty, non-string, or starting with the reserved `~`. */
export function assertLogicalKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) {
    throw new CacheError(errors.E_INVALID_KEY, `key must be a non-empty string (got ${typeof key === 'string' ? "''" : typeof key})`)
  }
  if (key.charCodeAt(0) === 126 /* ~ */) {
    throw new CacheError(errors.E_INVALID_KEY, `keys starting with '~' are reserved for mcp-cache (got '${key.slice(0, 40)}')`)
  }
}

/** The category of a logical key: its first `:` segment, or `default` for a key without one. */
export function categoryOf(key: string): string {
  const colon = key.indexOf(':')
  return colon === -1 ? 'default' : key.slice(0, colon)
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value.slice(0, 40)}'` : typeof value
}
