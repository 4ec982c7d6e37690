/**
 * A tiny deterministic random source (mulberry32) and a string hash, so the
 * generated code sets, team usage and crosswalks are the same in every process:
 * two servers sharing one Redis agree on what a key holds.
 */

/** Deterministic draws from a 32-bit seed. */
export interface Draws {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [0, size). */
  below(size: number): number
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T
}

/** Creates {@link Draws} from a seed. */
export function draws(seed: number): Draws {
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let mixed = Math.imul(state ^ (state >>> 15), state | 1)
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61)
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296
  }
  const below = (size: number): number => Math.floor(next() * size)
  const pick = <T>(items: readonly T[]): T => {
    if (items.length === 0) throw new Error('pick needs a non-empty list')
    return items[below(items.length)] as T
  }
  return { next, below, pick }
}

/** FNV-1a of a string: a stable seed for per-team or per-code draws. */
export function seedOf(text: string): number {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}
