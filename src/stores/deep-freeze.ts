/**
 * Freezes plain objects and arrays, recursively. In-memory entries are shared by
 * every caller that reads them; freezing turns an accidental mutation (which
 * would change what the next user is served) into a TypeError at the mutation.
 * Map, Set, Date and typed arrays cannot be frozen by JavaScript: treat them as read-only.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value
  if (Array.isArray(value)) {
    Object.freeze(value)
    for (const item of value) deepFreeze(item)
    return value
  }
  const proto: unknown = Object.getPrototypeOf(value)
  if (proto === Object.prototype || proto === null) {
    Object.freeze(value)
    for (const key in value) deepFreeze((value as Record<string, unknown>)[key])
    return value
  }
  if (value instanceof Map) {
    for (const [key, item] of value) {
      deepFreeze(key)
      deepFreeze(item)
    }
  } else if (value instanceof Set) {
    for (const item of value) deepFreeze(item)
  }
  return value
}
